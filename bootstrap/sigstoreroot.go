package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
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

// tufState is what the cache keeps of the last refresh, beside the
// trusted_root.json it verified.
type tufState struct {
	State    tuf.State `json:"state"`
	Checked  time.Time `json:"checked"`           // when it last verified
	FailedAt time.Time `json:"failedAt,omitzero"` // the last failed attempt since
	Failure  string    `json:"failure,omitempty"` // why
}

// tufDir is the cache folder of this repository and start root, "" when
// the caches are off or a root is given (nothing to refresh).
func (c *Client) tufDir() string {
	if c.opts.Signature.TrustedRoot != nil || c.opts.NoDigestCache || c.opts.CacheDir == "" || c.opts.Signature.TUFURL == "off" {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(c.tufURL() + "\n"))
	h.Write(c.tufStart())
	return filepath.Join(c.opts.CacheDir, "sigstore-tuf", hex.EncodeToString(h.Sum(nil))[:16])
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
func (c *Client) SigstoreRoot(ctx context.Context) *sigstore.TrustedRoot {
	if ctx == nil {
		ctx = context.Background()
	}
	return c.sigstoreRoot(ctx)
}

// sigstoreRoot returns the trusted root signatures are verified under:
// Options.Signature.TrustedRoot when given; else the copy last verified
// through the TUF repository, refreshed first when older than a day (ctx
// bounds it; a nil ctx never asks the network); else the embedded one.
// A refresh that fails is said once, through Logf, and the last verified
// copy (or the embedded root) is used.
func (c *Client) sigstoreRoot(ctx context.Context) *sigstore.TrustedRoot {
	if r := c.opts.Signature.TrustedRoot; r != nil {
		return r
	}
	c.rootMu.Lock()
	defer c.rootMu.Unlock()
	if c.root != nil && (ctx == nil || c.rootFresh) {
		return c.root
	}
	dir := c.tufDir()
	if dir == "" {
		c.root, c.rootFresh = sigstore.PublicGood(), true
		return c.root
	}
	var st tufState
	cached := c.cachedRoot(dir, &st)
	now := time.Now()
	due := now.Sub(st.Checked) >= SigstoreRefreshInterval && now.Sub(st.FailedAt) >= sigstoreRetryInterval
	if ctx == nil || !due {
		c.root, c.rootFresh = cached, !due
		if c.root == nil {
			c.root = sigstore.PublicGood()
		}
		return c.root
	}
	root, err := c.refreshRoot(ctx, dir, st)
	c.rootFresh = true
	if err == nil {
		c.root = root
		return root
	}
	st.FailedAt, st.Failure = now, err.Error()
	c.writeTUFState(dir, st, nil)
	if cached != nil {
		c.opts.Logf("the Sigstore trust root was not refreshed from %s (%v); using the copy verified on %s", fetch.Redact(c.tufURL()), err, st.Checked.UTC().Format(time.DateOnly))
		c.root = cached
	} else {
		c.opts.Logf("the Sigstore trust root was not refreshed from %s (%v); using the one built in", fetch.Redact(c.tufURL()), err)
		c.root = sigstore.PublicGood()
	}
	return c.root
}

// cachedRoot reads the last verified trusted root and its state; nil when
// there is none usable.
func (c *Client) cachedRoot(dir string, st *tufState) *sigstore.TrustedRoot {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil || json.Unmarshal(b, st) != nil {
		*st = tufState{}
		return nil
	}
	tr, err := os.ReadFile(filepath.Join(dir, "trusted_root.json"))
	if err != nil {
		st.Checked = time.Time{}
		return nil
	}
	root, err := sigstore.ParseTrustedRoot(tr)
	if err != nil {
		st.Checked = time.Time{}
		return nil
	}
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
		start = tuf.State{Root: c.tufStart()}
	}
	base := strings.TrimRight(c.tufURL(), "/") + "/"
	res, err := tuf.Update(start, time.Now(), func(name string, max int64) ([]byte, error) {
		return c.fetch.Small(ctx, base+name, max)
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
	c.writeTUFState(dir, tufState{State: res.State, Checked: time.Now().UTC()}, res.Target)
	return root, nil
}

// writeTUFState keeps st (and the target, when given) in dir; a cache
// that cannot be written only costs a refresh next time.
func (c *Client) writeTUFState(dir string, st tufState, target []byte) {
	if _, err := atomicfile.MkdirAll(dir, 0o755); err != nil {
		return
	}
	if target != nil {
		if err := atomicfile.WriteFile(filepath.Join(dir, "trusted_root.json"), target, 0o644); err != nil {
			return
		}
	}
	if b, err := json.Marshal(st); err == nil {
		_ = atomicfile.WriteFile(filepath.Join(dir, "state.json"), b, 0o644)
	}
}
