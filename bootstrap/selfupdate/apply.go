package selfupdate

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/archive"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// maxChecksumsBytes bounds checksums.txt: a few hundred bytes per asset.
const maxChecksumsBytes = 1 << 20

// Result describes an applied update.
type Result struct {
	Path    string // the executable replaced
	Version string // the version it now holds
	SHA256  string // of the verified archive
}

// Apply downloads rel's checksums.txt and archive (streamed into a temp
// file beside exe, with retries, resume and the stall timeout of every
// kubeboot download), verifies the archive's SHA-256, extracts the binary
// into a second temp file there and renames it over exe (on Windows the
// running exe moves aside first), holding exe's folder's install lock
// throughout. On any error exe is left as it was. A wrong digest is a
// *bootstrap.ChecksumError; a missing one a *ChecksumsError; both match
// bootstrap.ErrVerification.
func (u *Updater) Apply(ctx context.Context, rel *Release, exe string) (*Result, error) {
	fi, err := os.Stat(exe)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", exe)
	}
	want, err := u.checksum(ctx, rel)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Split(exe)
	folder, err := exeinstall.Lock(ctx, filepath.Clean(dir), u.opts.Logf)
	if err != nil {
		return nil, err
	}
	defer folder.Unlock()
	folder.Sweep(base)
	folder.Sweep(rel.Archive.Name)

	u.opts.Logf("downloading %s", fetch.Redact(rel.Archive.URL))
	file, err := folder.Create(rel.Archive.Name)
	if err != nil {
		return nil, err
	}
	defer file.Discard()
	if _, err := u.fetch.Download(ctx, rel.Archive.URL, file, nil); err != nil {
		return nil, fmt.Errorf("download %s: %w", rel.Archive.Name, err)
	}
	got := file.Sum()
	if got != want {
		return nil, &bootstrap.ChecksumError{URL: fetch.Redact(rel.Archive.URL), Want: want, Got: got}
	}
	name := u.opts.Binary
	if u.opts.Platform.OS == "windows" {
		name += ".exe"
	}
	bin, err := folder.Create(base)
	if err != nil {
		return nil, err
	}
	defer bin.Discard()
	if err := archive.Extract(file.Name(), rel.Archive.Name, archiveKind(rel.Archive.Name), name, bin); err != nil {
		return nil, err
	}
	bin.Describe(u.opts.Binary, rel.Tag)
	if err := bin.Commit(fi.Mode().Perm() | 0o100); err != nil {
		return nil, fmt.Errorf("replace %s: %w", exe, err)
	}
	u.opts.Logf("replaced %s with %s %s", exe, u.opts.Binary, rel.Tag)
	return &Result{Path: exe, Version: rel.Version, SHA256: got}, nil
}

// checksum returns the archive's digest from the release's checksums.txt,
// once its Sigstore bundle proves the release workflow signed it.
func (u *Updater) checksum(ctx context.Context, rel *Release) (string, error) {
	shown := fetch.Redact(rel.Checksums.URL)
	u.opts.Logf("downloading %s", shown)
	body, err := u.fetch.Small(ctx, rel.Checksums.URL, maxChecksumsBytes)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", ChecksumsName, err)
	}
	if err := u.checkSignature(ctx, rel, body); err != nil {
		return "", err
	}
	d, ok := exeinstall.ParseChecksum(body, rel.Archive.Name)
	if !ok {
		return "", &ChecksumsError{URL: shown, Name: rel.Archive.Name}
	}
	return d, nil
}

// checkSignature verifies the bundle of checksums.txt (body) against the
// release's expected signer.
func (u *Updater) checkSignature(ctx context.Context, rel *Release, body []byte) error {
	signer := u.opts.Signer(rel.Tag)
	if rel.Bundle.Name == "" {
		return &SignatureError{Tag: rel.Tag, Signer: signer}
	}
	bundle, err := u.fetch.Small(ctx, rel.Bundle.URL, sigstore.MaxBundleSize)
	if err != nil {
		return fmt.Errorf("download %s: %w", BundleName, err)
	}
	root := u.opts.TrustedRoot
	if root == nil {
		if root, err = u.opts.TrustedRootFunc(ctx); err != nil {
			return fmt.Errorf("the Sigstore trust root to check %s under: %w", BundleName, err)
		}
		if root == nil {
			root = sigstore.PublicGood()
		}
	}
	sum := sha256.Sum256(body)
	res, err := sigstore.VerifyBundle(sum[:], bundle, signer, root)
	if err != nil {
		return &SignatureError{Tag: rel.Tag, Signer: signer, Err: err}
	}
	u.opts.Logf("%s is signed by %s (at %s)", ChecksumsName, res.Identity, res.SignedAt.UTC().Format(time.RFC3339))
	return nil
}

// archiveKind is the format of an archive goreleaser named: .zip, else
// .tar.gz (archive.Extract refuses one that is not).
func archiveKind(name string) archive.Kind {
	if strings.HasSuffix(name, ".zip") {
		return archive.Zip
	}
	return archive.TarGz
}
