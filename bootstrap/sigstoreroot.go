package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// DefaultSigstoreTUFURL is Sigstore's public-good TUF repository, from
// which the trusted root is kept current.
const DefaultSigstoreTUFURL = "https://tuf-repo-cdn.sigstore.dev"

// Bounds of the trusted root's refresh.
const (
	// SigstoreRefreshInterval is how old a verified copy may be before the
	// repository is asked again.
	SigstoreRefreshInterval = 24 * time.Hour
	// sigstoreRetryInterval spaces attempts after a failed one, so an
	// offline machine does not wait on every run.
	sigstoreRetryInterval = time.Hour
	// DefaultSigstoreRefreshTimeout bounds one refresh, every file of it.
	DefaultSigstoreRefreshTimeout = 5 * time.Second
)

// ErrTrustRoot means the Sigstore trust root of a private deployment
// (SignatureOptions.TUFRoot) is not at hand: its repository did not answer
// or did not verify, and no copy verified from that root is kept. The
// public-good root is never used in its place. Errors are a
// *TrustRootError.
var ErrTrustRoot = errors.New("Sigstore trust root not available")

// TrustRootError reports a private deployment's trust root that could not
// be had.
type TrustRootError struct {
	Repository string // the TUF repository, credentials redacted
	Err        error  // why the refresh failed, or why none was tried
}

func (e *TrustRootError) Error() string {
	return fmt.Sprintf("no Sigstore trust root verified from the given TUF root.json is at hand, and the repository %s gave none (%v); "+
		"the built-in public-good root is not used in its place: make the repository reachable, or give the trusted root itself", e.Repository, e.Err)
}

func (e *TrustRootError) Unwrap() error { return e.Err }

// Is makes errors.Is match ErrTrustRoot.
func (e *TrustRootError) Is(target error) bool { return target == ErrTrustRoot }

// tufState is what the cache keeps of the last refresh (state.json),
// beside the trusted_root.json it verified. Invariant: the pair is used
// only when both files and their folders follow the trust rule
// (bootstrap/internal/trust) and tuf.Kept verifies them against the start
// root: Roots lead from the start root to State.Root, and TargetsMeta, signed
// by the targets keys of State.Root, names trusted_root.json by length and
// hash. Whoever could write the cache can then only replay what the
// repository signed, never plant a root of their own.
type tufState struct {
	State       tuf.State `json:"state"`
	Roots       [][]byte  `json:"roots,omitempty"`
	TargetsMeta []byte    `json:"targetsMeta,omitempty"`
	Checked     time.Time `json:"checked"`           // when it last verified
	FailedAt    time.Time `json:"failedAt,omitzero"` // the last failed attempt since
	Failure     string    `json:"failure,omitempty"` // why, URLs redacted
}

// tufKey names the repository and start root, without credentials.
func (c *Client) tufKey() string {
	h := sha256.New()
	h.Write([]byte(fetch.Redact(c.tufURL()) + "\n"))
	h.Write(c.tufStart())
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// tufDir is the cache folder of this repository and start root, "" when
// the caches are off or a root is given (nothing to refresh).
func (c *Client) tufDir() string {
	if c.opts.Signature.TrustedRoot != nil || c.opts.NoDigestCache || c.opts.CacheDir == "" || c.opts.Signature.TUFURL == "off" {
		return ""
	}
	return filepath.Join(c.opts.CacheDir, "sigstore-tuf", c.tufKey())
}

func (c *Client) tufURL() string {
	if u := c.opts.Signature.TUFURL; u != "" {
		return u
	}
	return DefaultSigstoreTUFURL
}

func (c *Client) tufStart() []byte {
	if r := c.opts.Signature.TUFRoot; r != nil {
		return r
	}
	return tuf.PublicGoodRoot
}

// SigstoreRoot returns the Sigstore trusted root this client verifies
// signatures under, refreshed as Install refreshes it (see sigstoreRoot):
// other code that verifies Sigstore signatures, such as a self-update of
// the program, uses it to get the same fresh root. ctx bounds a refresh.
// The error is an *TrustRootError (ErrTrustRoot) when no root can be had
// (a private TUF root whose repository cannot be reached).
func (c *Client) SigstoreRoot(ctx context.Context) (*sigstore.TrustedRoot, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return c.sigstoreRoot(ctx)
}

// due reports whether a time kept in the cache is older than d, or later
// than now: a clock that was ahead when it was written must not put off
// the next refresh until that day.
func due(t, now time.Time, d time.Duration) bool {
	return t.After(now) || now.Sub(t) >= d
}

// sigstoreRoot returns the trusted root signatures are verified under:
// Options.Signature.TrustedRoot when given; else the copy last verified
// through the TUF repository, refreshed first when older than a day (ctx
// bounds it; a nil ctx never asks the network); else the embedded one,
// unless the chain starts from a root.json of the caller's
// (Options.Signature.TUFRoot): then only a copy verified from it will do,
// else a *TrustRootError. A refresh that fails is said once, through Logf
// and rootNote, and the last verified copy (or the embedded root) is used.
func (c *Client) sigstoreRoot(ctx context.Context) (*sigstore.TrustedRoot, error) {
	if r := c.opts.Signature.TrustedRoot; r != nil {
		return r, nil
	}
	c.rootMu.Lock()
	defer c.rootMu.Unlock()
	if c.root != nil && (ctx == nil || c.rootFresh) {
		return c.root, nil
	}
	private := c.opts.Signature.TUFRoot != nil
	if c.opts.Signature.TUFURL == "off" {
		c.root, c.rootFresh = sigstore.PublicGood(), true
		return c.root, nil
	}
	dir := c.tufDir() // "" without a cache folder: nothing is kept
	if dir == "" && !private {
		c.root, c.rootFresh = sigstore.PublicGood(), true
		return c.root, nil
	}
	var st tufState
	cached := c.cachedRoot(dir, &st)
	now := time.Now()
	isDue := due(st.Checked, now, SigstoreRefreshInterval) && due(st.FailedAt, now, sigstoreRetryInterval)
	shown := fetch.Redact(c.tufURL())
	if ctx == nil || !isDue {
		switch {
		case cached != nil:
			c.root, c.rootFresh = cached, !isDue
		case private:
			why := errors.New("it is not asked offline")
			if st.Failure != "" {
				why = fmt.Errorf("the last attempt, within the hour, failed: %s", st.Failure)
			}
			return nil, &TrustRootError{Repository: shown, Err: why}
		default:
			c.root, c.rootFresh = sigstore.PublicGood(), !isDue
		}
		return c.root, nil
	}
	root, err := c.refreshRoot(ctx, dir, st)
	if err == nil {
		c.root, c.rootFresh, c.rootNote = root, true, ""
		return root, nil
	}
	st.FailedAt, st.Failure = now.UTC(), err.Error()
	c.writeTUFState(dir, st, nil)
	switch {
	case cached != nil:
		c.root = cached
		c.rootNote = fmt.Sprintf("the Sigstore trust root was not refreshed from %s (%v); using the copy verified on %s", shown, err, st.Checked.UTC().Format(time.DateOnly))
	case private:
		return nil, &TrustRootError{Repository: shown, Err: err}
	default:
		c.root = sigstore.PublicGood()
		c.rootNote = fmt.Sprintf("the Sigstore trust root was not refreshed from %s (%v); using the one built in", shown, err)
	}
	c.rootFresh = true
	c.opts.Logf("%s", c.rootNote)
	return c.root, nil
}

// tufFiles are the files of dir that are read, in the order of the trust
// checks: state.json and trusted_root.json (each with dir), then dir
// (with sigstore-tuf), then sigstore-tuf (with the cache folder).
func tufFiles(dir string) []string {
	return []string{filepath.Join(dir, "state.json"), filepath.Join(dir, "trusted_root.json"), dir, filepath.Dir(dir)}
}

// cachedRoot reads the last verified trusted root and its state; nil (and
// a zero st) when there is none usable: absent, untrusted (see tufState),
// or not verifying from the start root.
func (c *Client) cachedRoot(dir string, st *tufState) *sigstore.TrustedRoot {
	*st = tufState{}
	if dir == "" {
		return nil
	}
	for _, p := range tufFiles(dir) {
		if err := trust.Check(p); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				c.opts.Logf("the kept Sigstore trust root is not used: %v", err)
			}
			return nil
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil
	}
	var kept tufState
	if json.Unmarshal(b, &kept) != nil {
		return nil
	}
	tr, err := os.ReadFile(filepath.Join(dir, "trusted_root.json"))
	if err != nil {
		return nil
	}
	last, err := tuf.Kept(c.tufStart(), kept.Roots, kept.TargetsMeta, "trusted_root.json", tr)
	if err != nil {
		c.opts.Logf("the kept Sigstore trust root is not used: %v", err)
		return nil
	}
	root, err := sigstore.ParseTrustedRoot(tr)
	if err != nil {
		return nil
	}
	kept.State.Root = last.Raw
	*st = kept
	return root
}

// refreshRoot runs one TUF update from the kept state (or the start root)
// and keeps what verified.
func (c *Client) refreshRoot(ctx context.Context, dir string, st tufState) (*sigstore.TrustedRoot, error) {
	timeout := c.opts.Signature.TUFTimeout
	if timeout <= 0 {
		timeout = DefaultSigstoreRefreshTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := st.State
	if start.Root == nil {
		start, st.Roots = tuf.State{Root: c.tufStart()}, nil
	}
	base := strings.TrimRight(c.tufURL(), "/") + "/"
	res, err := tuf.Update(start, time.Now(), func(name string, max int64) ([]byte, error) {
		b, err := c.quietFetch.Small(ctx, base+name, max)
		var he *fetch.HTTPError
		if strings.HasSuffix(name, ".root.json") && errors.As(err, &he) && he.StatusCode == http.StatusForbidden {
			// An object store that does not let its readers list
			// (S3, GCS) answers 403, not 404, for a file it does not
			// have: the next root not being published yet is the
			// ordinary case, so 403 there means "no such root", as
			// go-tuf reads it. Elsewhere a 403 stays an error.
			return nil, fmt.Errorf("%w (%v)", fs.ErrNotExist, err)
		}
		return b, err
	}, "trusted_root.json")
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("no answer within %s", timeout)
		}
		return nil, err
	}
	root, err := sigstore.ParseTrustedRoot(res.Target)
	if err != nil {
		return nil, err
	}
	c.writeTUFState(dir, tufState{State: res.State, Roots: append(st.Roots, res.Roots...), TargetsMeta: res.TargetsMeta, Checked: time.Now().UTC()}, res.Target)
	return root, nil
}

// writeTUFState keeps st (and the target, when given) in dir: the
// folders it creates are the running user's, 0700, files 0600, and
// nothing is written where the trust rule fails (another user's folder).
// Unlike atomicfile.MkdirAll, the folders are not handed to the owner of
// the folder above: root refreshing into a user's cache must not give
// that user a file root then trusts. A cache that cannot be written only
// costs a refresh next time.
func (c *Client) writeTUFState(dir string, st tufState, target []byte) {
	if dir == "" || os.MkdirAll(dir, 0o700) != nil {
		return
	}
	for _, p := range tufFiles(dir)[2:] {
		if trust.Check(p) != nil {
			return
		}
	}
	if target != nil {
		if err := atomicfile.WriteFile(filepath.Join(dir, "trusted_root.json"), target, 0o600); err != nil {
			return
		}
	}
	if b, err := json.Marshal(st); err == nil {
		_ = atomicfile.WriteFile(filepath.Join(dir, "state.json"), b, 0o600)
	}
}

// takeRootNote returns rootNote and clears it, so that a failed refresh
// is told in one result only.
func (c *Client) takeRootNote() string {
	c.rootMu.Lock()
	defer c.rootMu.Unlock()
	n := c.rootNote
	c.rootNote = ""
	return n
}
