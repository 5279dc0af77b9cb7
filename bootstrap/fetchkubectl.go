package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// PublishedKubectl is one kubectl a mirror publishes, with what vouches for
// it: the digest of its .sha256 and, when verified, its signature.
type PublishedKubectl struct {
	Version  string
	Platform Platform
	URL      string // of the binary, credentials redacted
	SHA256   string // hex, from the .sha256 beside it
	// Signature is what the check of kubectl.sig and kubectl.cert found;
	// nil when Options.Signature.Mode is off.
	Signature *SignatureResult
	// Sig and Cert are the bodies of kubectl.sig and kubectl.cert as
	// served, nil when the mirror publishes none (or the mode is off).
	Sig, Cert []byte
	// Rekor is the Rekor answer whose entry verified for them (from the
	// mirror's kubectl.rekor.json or from Rekor), nil when none did.
	Rekor []byte
}

// published reads kubectl tag's .sha256, .sig and .cert for p (the latter
// two in parallel) and checks the signature over the digest, before a
// byte of the binary is downloaded: a swapped kubectl with a matching
// .sha256 stops here. A 404 for the digest or a missing signature is an
// *unpublished error, from which a marker may fall back; a missing
// signature of an unsigned-era version a server chose is not, since no
// earlier patch of it is signed either. chosenBy is what chose tag, ""
// when the user named it (Spec.ChosenBy).
func (c *Client) published(ctx context.Context, tag, chosenBy string, p Platform) (*PublishedKubectl, error) {
	src := c.kubectlURL(c.baseURL, tag, p)
	pub := &PublishedKubectl{Version: tag, Platform: p, URL: c.KubectlURL(tag, p)}
	sigCtx, cancelSig := context.WithCancel(ctx)
	defer cancelSig()
	sigFiles := c.startSignatureFetch(sigCtx, src)
	want, err := c.fetchDigest(ctx, src+".sha256", p.Executable())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &unpublished{fmt.Errorf("kubectl %s is not published for %s at %s: %w", tag, p, c.shown, err)}
	}
	if err != nil {
		return nil, fmt.Errorf("read the published checksum of kubectl %s: %w", tag, err)
	}
	pub.SHA256 = want
	if pub.Signature, err = c.verifySignature(ctx, sigFiles, tag, chosenBy, p, pub.URL, want); err != nil {
		if errors.Is(err, ErrSignatureMissing) && signedRelease(tag) {
			// A CDN edge that lags behind a release lacks the signature
			// too: a marker may fall back, an exact version fails.
			return nil, &unpublished{err}
		}
		return nil, err
	}
	if sigFiles != nil && sigFiles.sigErr == nil && sigFiles.certErr == nil {
		pub.Sig, pub.Cert, pub.Rekor = sigFiles.sig, sigFiles.cert, sigFiles.answer
	}
	c.rememberVerified(pub)
	return pub, nil
}

// Published reads what the mirror publishes for kubectl tag (an exact
// version) on p: the digest of its .sha256 and the result of its
// signature check over that digest (Options.Signature, Install's rules),
// without downloading the binary. Compare SHA256 with a kubectl's own
// digest to tell whether that kubectl is the one published and signed.
// Errors are Install's: fs.ErrNotExist when the mirror lacks the version,
// ErrVerification when what it serves cannot be trusted.
func (c *Client) Published(ctx context.Context, tag string, p Platform) (*PublishedKubectl, error) {
	pub, err := c.published(ctx, tag, "", p)
	var up *unpublished
	if errors.As(err, &up) {
		return nil, up.err
	}
	return pub, err
}

// FetchKubectl copies kubectl tag (an exact version, "v1.37.2") for p
// from the mirror into dir, in the mirror's own layout: dir/kubectl[.exe]
// and beside it kubectl[.exe].sha256 (the bare hex digest, as dl.k8s.io
// serves it) and, when the mirror publishes them, .sig and .cert as
// served, and kubectl[.exe].rekor.json (RekorEntrySuffix), the Rekor
// answer whose entry verified for the signature, when one did. It is
// Install's verification without Install's choices of
// folder: the signature over the published digest is checked first
// (Options.Signature, the same rules), then the binary is hashed while it
// streams into a temp file in dir and compared with the digest. Only then,
// under dir's install lock, are the companion files written (each
// atomically) and the binary renamed into place last, so a binary under
// its final name always has its companions beside it. Leftover temp files
// of killed runs are swept under the lock first.
//
// A failure leaves dir's previous files as they were; errors that mean the
// mirror cannot be trusted match ErrVerification, and a version or
// platform the mirror lacks matches fs.ErrNotExist. The returned count is
// the bytes of the binary downloaded.
func (c *Client) FetchKubectl(ctx context.Context, tag, chosenBy string, p Platform, dir string) (*PublishedKubectl, int64, error) {
	if err := p.Validate(); err != nil {
		return nil, 0, err
	}
	pub, err := c.published(ctx, tag, chosenBy, p)
	var up *unpublished
	if errors.As(err, &up) {
		err = up.err
	}
	if err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, fmt.Errorf("create folder: %w", err)
	}
	folder, err := exeinstall.Lock(ctx, dir, c.opts.Logf)
	if err != nil {
		return nil, 0, err
	}
	defer folder.Unlock()
	exe := p.Executable()
	companions := []struct {
		ext  string
		body []byte
	}{{".sha256", []byte(pub.SHA256 + "\n")}, {".sig", pub.Sig}, {".cert", pub.Cert}, {RekorEntrySuffix, pub.Rekor}}
	folder.Sweep(exe)
	for _, f := range companions {
		folder.Sweep(exe + f.ext)
	}
	writeCompanions := func() error {
		for _, f := range companions {
			path := filepath.Join(dir, exe+f.ext)
			if f.body == nil {
				// No stale signature may outlive the binary it was for.
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				continue
			}
			if err := atomicfile.WriteFile(path, f.body, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
		return nil
	}
	// Another run may have put it there while this one waited.
	if sum, _, err := hashFile(filepath.Join(dir, exe)); err == nil && sum == pub.SHA256 {
		return pub, 0, writeCompanions()
	}
	res := &InstallResult{Path: filepath.Join(dir, exe), Version: tag, URL: pub.URL, SHA256: pub.SHA256, Platform: p}
	n, err := c.downloadInto(ctx, folder, c.kubectlURL(c.baseURL, tag, p), res, nil, writeCompanions)
	if errors.As(err, &up) {
		err = up.err
	}
	if err != nil {
		return nil, n, err
	}
	return pub, n, nil
}

// maxCompanionBytes bounds a .sha256, .sig or .cert file read from disk.
const maxCompanionBytes = 64 << 10

// readCompanion reads a companion file; nil, nil when it does not exist.
func readCompanion(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCompanionBytes+1))
	if err == nil && len(b) > maxCompanionBytes {
		err = fmt.Errorf("%s is larger than %d bytes", path, maxCompanionBytes)
	}
	return b, err
}

// readRekorCompanion reads a kubectl.rekor.json; nil, nil when absent.
func readRekorCompanion(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, sigstore.MaxRekorAnswerSize+1)) // a longer one fails as malformed
}

// VerifyKubectlFile checks, offline, a kubectl in the layout FetchKubectl
// writes: the binary at path (kubectl tag for p) against its .sha256
// beside it, and its .sig and .cert under Options.Signature with Install's
// rules (a signed release without them is an ErrSignatureMissing), and
// its kubectl.rekor.json when present (offline: Rekor is never asked; an
// entry that contradicts the signature is a *TransparencyError, and
// TransparencyRequire needs one that verifies). The
// signature is checked before the binary is hashed. An error matching
// fs.ErrNotExist means the binary or its .sha256 is absent; one matching
// ErrVerification means they are there and do not hold (a *ChecksumError,
// *DigestError, *SignatureError or *SignatureMissingError). URL in the
// result is path. chosenBy is FetchKubectl's.
func (c *Client) VerifyKubectlFile(tag, chosenBy string, p Platform, path string) (*PublishedKubectl, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	body, err := readCompanion(path + ".sha256")
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, fmt.Errorf("%s.sha256: %w", path, fs.ErrNotExist)
	}
	want, ok := exeinstall.ParseChecksum(body, p.Executable())
	if !ok {
		return nil, &DigestError{URL: path + ".sha256", Snippet: snippet(body)}
	}
	pub := &PublishedKubectl{Version: tag, Platform: p, URL: path, SHA256: want}
	if pub.Sig, err = readCompanion(path + ".sig"); err != nil {
		return nil, err
	}
	if pub.Cert, err = readCompanion(path + ".cert"); err != nil {
		return nil, err
	}
	if pub.Rekor, err = readRekorCompanion(path + RekorEntrySuffix); err != nil {
		return nil, err
	}
	if pub.Signature, err = c.verifyLocalSignature(tag, chosenBy, p, path, want, pub.Sig, pub.Cert, pub.Rekor); err != nil {
		return nil, err
	}
	got, _, err := hashFile(path)
	if err != nil {
		return nil, err
	}
	if got != want {
		return nil, &ChecksumError{URL: path, Want: want, Got: got}
	}
	return pub, nil
}
