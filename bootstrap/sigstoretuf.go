package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// SigstoreTUFFolder is the folder of a kubectl mirror that holds its copy of
// Sigstore's TUF repository (MirrorSigstoreTUF): machines without the
// internet keep their trusted root current from MIRROR/sigstore-tuf
// (SignatureOptions.TUFURL).
const SigstoreTUFFolder = "sigstore-tuf"

// SigstoreTUFMirror says what MirrorSigstoreTUF copied or
// VerifySigstoreTUFMirror checked.
type SigstoreTUFMirror struct {
	Dir         string    `json:"dir"`
	Origin      string    `json:"origin,omitempty"` // the repository copied, credentials redacted
	RootVersion int64     `json:"rootVersion"`      // the newest root
	Expires     time.Time `json:"expires,omitzero"` // when the newest root expires
	Files       []string  `json:"files"`            // every file the chain uses, by repository name
	Fetched     int       `json:"fetched"`          // files downloaded by this run
}

// tufName is a repository file name a client asks for: nothing else is
// read from or written into a mirror's folder.
var tufName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([0-9]{1,12}\.(root|snapshot|targets)\.json|timestamp\.json|targets/[0-9a-f]{64}\.[A-Za-z0-9_-][A-Za-z0-9._-]*)$`)
})

func tufPath(dir, name string) (string, error) {
	if !tufName().MatchString(name) {
		return "", fmt.Errorf("%w: TUF file name %q", ErrVerification, name)
	}
	return filepath.Join(dir, filepath.FromSlash(name)), nil
}

// readTUFFile is a tuf.Fetch over a mirror's folder.
func readTUFFile(dir, name string, max int64) ([]byte, error) {
	path, err := tufPath(dir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, err
}

// MirrorSigstoreTUF copies Sigstore's TUF repository (Signature.TUFURL,
// else DefaultSigstoreTUFURL) into dir, in the layout the repository
// serves (N.root.json, timestamp.json, N.snapshot.json, N.targets.json,
// targets/SHA256.trusted_root.json), so that dir, served over HTTP, is a
// repository clients refresh their trusted root from.
//
// The files are verified on the way in by the client's own TUF update,
// from the root it starts from (Signature.TUFRoot, else the built-in
// public-good root.json), at the time of the run: nothing lands unless the
// whole chain verifies. Versioned files already in dir are used rather
// than downloaded again (they are verified all the same; a copy that does
// not verify is fetched from the repository instead), and timestamp.json
// is written last, so a client reading dir during a sync sees the old
// chain or the new one, never a mix. Errors match ErrVerification when the
// repository cannot be trusted.
func (c *Client) MirrorSigstoreTUF(ctx context.Context, dir string) (*SigstoreTUFMirror, error) {
	origin := strings.TrimRight(c.tufURL(), "/") + "/"
	out := &SigstoreTUFMirror{Dir: dir, Origin: fetch.Redact(c.tufURL())}
	var fetched map[string]bool
	remote := func(name string, max int64) ([]byte, error) {
		if !tufName().MatchString(name) {
			return nil, fmt.Errorf("%w: TUF file name %q", ErrVerification, name)
		}
		b, err := c.fetch.Small(ctx, origin+name, max)
		if err == nil {
			fetched[name] = true
		}
		return b, err
	}
	var (
		res   *tuf.Result
		files map[string][]byte
		err   error
	)
	for _, resume := range []bool{true, false} {
		fetched = map[string]bool{}
		res, files, err = tuf.Files(tuf.State{Root: c.tufStart()}, time.Now(), func(name string, max int64) ([]byte, error) {
			if resume && name != "timestamp.json" {
				if b, err := readTUFFile(dir, name, max); err == nil {
					return b, nil
				}
			}
			return remote(name, max)
		}, "trusted_root.json")
		if err == nil || ctx.Err() != nil || !errors.Is(err, tuf.ErrUntrusted) {
			break
		}
		// A copy in dir that does not verify: from the repository alone.
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("Sigstore's TUF repository at %s: %w", out.Origin, err)
	}
	if _, err := sigstore.ParseTrustedRoot(res.Target); err != nil {
		return nil, fmt.Errorf("Sigstore's TUF repository at %s: its trusted_root.json: %w", out.Origin, err)
	}
	// The root started from is part of the chain clients walk.
	start, err := tuf.ParseRoot(c.tufStart())
	if err != nil {
		return nil, err
	}
	files[strconv.FormatInt(start.Version, 10)+".root.json"] = start.Raw
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return tufWriteOrder(names[i], names[j]) })
	if _, err := atomicfile.MkdirAll(filepath.Join(dir, "targets"), 0o755); err != nil {
		return nil, err
	}
	for _, name := range names {
		path, err := tufPath(dir, name)
		if err != nil {
			return nil, err
		}
		if old, err := os.ReadFile(path); err == nil && string(old) == string(files[name]) {
			continue
		}
		if err := atomicfile.WriteFile(path, files[name], 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	}
	out.RootVersion, out.Expires, out.Files, out.Fetched = res.Root.Version, res.Root.Expires, names, len(fetched)
	return out, nil
}

// tufWriteOrder puts the files a file names before it: roots (by
// version), targets' files, targets, snapshot, and timestamp.json last.
func tufWriteOrder(a, b string) bool {
	rank := func(n string) (int, int64) {
		v, _ := strconv.ParseInt(n[:max(strings.IndexByte(n, '.'), 0)], 10, 64)
		switch {
		case strings.HasSuffix(n, ".root.json"):
			return 0, v
		case strings.HasPrefix(n, "targets/"):
			return 1, 0
		case strings.HasSuffix(n, ".targets.json"):
			return 2, v
		case strings.HasSuffix(n, ".snapshot.json"):
			return 3, v
		}
		return 4, 0
	}
	ra, va := rank(a)
	rb, vb := rank(b)
	if ra != rb {
		return ra < rb
	}
	if va != vb {
		return va < vb
	}
	return a < b
}

// VerifySigstoreTUFMirror checks offline that the copy of Sigstore's TUF
// repository in dir verifies from the root the client starts from
// (Signature.TUFRoot, else the built-in public-good root.json) at the
// time of the call: the root chain, then timestamp, snapshot and targets
// (unexpired: a copy not synced for longer than the timestamp's lifetime
// is stale), then trusted_root.json by its hash. Errors match
// ErrVerification when it does not; a missing file matches
// fs.ErrNotExist.
func (c *Client) VerifySigstoreTUFMirror(dir string) (*SigstoreTUFMirror, error) {
	res, files, err := tuf.Files(tuf.State{Root: c.tufStart()}, time.Now(), func(name string, max int64) ([]byte, error) {
		return readTUFFile(dir, name, max)
	}, "trusted_root.json")
	if err == nil {
		_, err = sigstore.ParseTrustedRoot(res.Target)
	}
	if err != nil {
		return nil, fmt.Errorf("the copy of Sigstore's TUF repository in %s: %w", dir, err)
	}
	out := &SigstoreTUFMirror{Dir: dir, RootVersion: res.Root.Version, Expires: res.Root.Expires}
	for name := range files {
		out.Files = append(out.Files, name)
	}
	sort.Slice(out.Files, func(i, j int) bool { return tufWriteOrder(out.Files[i], out.Files[j]) })
	return out, nil
}
