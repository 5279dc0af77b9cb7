package selfupdate

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

const (
	maxChecksumsBytes = 1 << 20   // checksums.txt: a few hundred bytes per asset
	maxArchiveBytes   = 256 << 20 // archive and binary alike; kubeboot is < 8 MB
)

// Result describes an applied update.
type Result struct {
	Path    string // the executable replaced
	Version string // the version it now holds
	SHA256  string // of the verified archive
}

// Apply downloads rel's archive and checksums.txt, verifies the archive's
// SHA-256, extracts the binary into a temp file beside exe and renames it
// over exe (on Windows the running exe is renamed aside first). On any
// error exe is left as it was. A wrong digest is a *bootstrap.ChecksumError;
// a missing one a *ChecksumsError; both match bootstrap.ErrVerification.
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
	u.opts.Logf("downloading %s", rel.Archive.URL)
	archive, err := u.get(ctx, rel.Archive.URL, maxArchiveBytes)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", rel.Archive.Name, err)
	}
	sum := sha256.Sum256(archive)
	got := hex.EncodeToString(sum[:])
	if got != want {
		return nil, &bootstrap.ChecksumError{URL: rel.Archive.URL, Want: want, Got: got}
	}
	name := u.opts.Binary
	if u.opts.Platform.OS == "windows" {
		name += ".exe"
	}
	bin, err := extract(archive, rel.Archive.Name, name)
	if err != nil {
		return nil, err
	}
	if err := writeBeside(exe, bin, fi.Mode().Perm()); err != nil {
		return nil, err
	}
	u.opts.Logf("replaced %s with %s %s", exe, u.opts.Binary, rel.Tag)
	return &Result{Path: exe, Version: rel.Version, SHA256: got}, nil
}

// checksum returns the archive's digest from the release's checksums.txt.
func (u *Updater) checksum(ctx context.Context, rel *Release) (string, error) {
	u.opts.Logf("downloading %s", rel.Checksums.URL)
	body, err := u.get(ctx, rel.Checksums.URL, maxChecksumsBytes)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", ChecksumsName, err)
	}
	d, ok := findDigest(body, rel.Archive.Name)
	if !ok {
		return "", &ChecksumsError{URL: rel.Checksums.URL, Name: rel.Archive.Name}
	}
	return d, nil
}

// findDigest returns the lower-case hex digest that a sha256sum-format list
// gives name ("DIGEST  NAME" or "DIGEST *NAME"). A line for name with a
// malformed digest, or two lines that disagree, count as no digest.
func findDigest(list []byte, name string) (string, bool) {
	found := ""
	for _, line := range strings.Split(string(list), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || strings.TrimPrefix(f[1], "*") != name {
			continue
		}
		d := strings.ToLower(f[0])
		if _, err := hex.DecodeString(d); err != nil || len(d) != 2*sha256.Size || (found != "" && found != d) {
			return "", false
		}
		found = d
	}
	return found, found != ""
}

// get downloads a URL without credentials into memory, refusing more than
// limit bytes and fewer than Content-Length.
func (u *Updater) get(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	if _, err := checkURL(rawURL); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", u.opts.UserAgent)
	resp, err := u.dl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &bootstrap.HTTPError{URL: rawURL, StatusCode: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil:
		return nil, err
	case int64(len(body)) > limit:
		return nil, fmt.Errorf("%s is larger than %d bytes", rawURL, limit)
	case resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength:
		return nil, fmt.Errorf("%s: received %d of %d bytes", rawURL, len(body), resp.ContentLength)
	}
	return body, nil
}

// extract returns the content of the regular file called name in a .tar.gz
// or .zip archive (at its root or in one folder).
func extract(archive []byte, archiveName, name string) ([]byte, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: %s %s", ErrBadArchive, archiveName, why)
	}
	matches := func(entry string) bool {
		entry = path.Clean(strings.TrimPrefix(entry, "./"))
		return entry == name || (path.Base(entry) == name && strings.Count(entry, "/") == 1)
	}
	switch {
	case strings.HasSuffix(archiveName, ".zip"):
		zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
		if err != nil {
			return nil, bad(err.Error())
		}
		for _, f := range zr.File {
			if !f.Mode().IsRegular() || !matches(f.Name) {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return nil, bad(err.Error())
			}
			defer rc.Close()
			return readAtMost(rc, bad)
		}
	case strings.HasSuffix(archiveName, ".tar.gz"), strings.HasSuffix(archiveName, ".tgz"):
		gz, err := gzip.NewReader(bytes.NewReader(archive))
		if err != nil {
			return nil, bad(err.Error())
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, bad(err.Error())
			}
			if h.Typeflag == tar.TypeReg && matches(h.Name) {
				return readAtMost(tr, bad)
			}
		}
	default:
		return nil, bad("is neither .tar.gz nor .zip")
	}
	return nil, bad("has no file " + name)
}

func readAtMost(r io.Reader, bad func(string) error) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxArchiveBytes+1))
	if err != nil {
		return nil, bad(err.Error())
	}
	if len(b) > maxArchiveBytes || len(b) == 0 {
		return nil, bad("holds an empty or oversized binary")
	}
	return b, nil
}

// writeBeside writes data to a synced temp file in exe's folder and then
// swaps it in for exe. On error exe is untouched and the temp file gone.
func writeBeside(exe string, data []byte, perm os.FileMode) error {
	err := atomicfile.Write(exe, data, atomicfile.Options{Perm: perm | 0o100, Replace: replaceExecutable})
	if err != nil {
		return fmt.Errorf("replace %s: %w", exe, err)
	}
	return nil
}
