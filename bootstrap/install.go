package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
)

// InstallLockName is the lock file Install keeps in every folder it
// installs into, so that concurrent installs take turns; it is empty and
// safe to delete when no install runs.
const InstallLockName = exeinstall.LockName

// InstallRecordName is the file where Install and InstallTool record, in
// every folder they install into, the SHA-256 of each program they put
// there: what an uninstall proves a file is kubeboot's by.
const InstallRecordName = exeinstall.RecordName

// InstallRequest says which kubectl to install where.
type InstallRequest struct {
	// Version is a spec for ParseSpec. Default "stable".
	Version string
	// Dir is the folder to install into. Default DefaultInstallDir(), or
	// UserInstallDir() when the default folder's kubectl belongs to a
	// package manager.
	Dir string
	// Platform is the OS/arch to download for. Default HostPlatform().
	Platform Platform
	// Force downloads and installs even when Dir already holds the
	// published file.
	Force bool
	// ForceOverwrite replaces a kubectl that a package manager owns (see
	// ErrManagedTarget). Without it such a file is never written.
	ForceOverwrite bool
	// AllowDowngrade lets a release marker or a constraint install a
	// version older than the one in Dir, or than the newest this mirror
	// answered for it before (see HeldBack). An exact version always may.
	AllowDowngrade bool
	// ChosenBy, when set, says that Version is not what the user asked for
	// but what a server chose, for messages ("the API server
	// https://host:6443"): a caller that resolved a marker, a constraint or
	// a cluster's version itself and passes the result on. Such a version
	// must carry a valid signature whatever its number (see SignatureAuto).
	// Left empty, Install works it out from Version (Spec.ChosenBy).
	ChosenBy string
	// Progress, if set, is called as bytes arrive with the bytes so far and
	// the total size (-1 while unknown).
	Progress func(done, total int64)
}

// InstallResult describes an installed kubectl.
type InstallResult struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Changed bool   `json:"changed"` // false when it was already up to date
	URL     string `json:"url"`     // credentials redacted
	Bytes   int64  `json:"bytes"`   // bytes downloaded, 0 when unchanged
	// FallbackFrom is the version the spec resolved to when its binary or
	// digest was not on the mirror yet (a release marker that runs ahead of
	// the CDN), so that the newest earlier patch was installed instead.
	FallbackFrom string `json:"fallbackFrom,omitempty"`
	// Signature says whether kubectl's Sigstore signature was verified, and
	// whose it is; nil when verification is off.
	Signature *SignatureResult `json:"signature,omitempty"`
	// HeldBack is set when the marker or constraint answered an older
	// version than one already had for it, which was kept instead.
	HeldBack *HeldBack `json:"heldBack,omitempty"`
	// LeftAlone is the package-managed kubectl in the default folder that
	// Install did not replace, installing into UserInstallDir() instead.
	LeftAlone *pkgmgr.Ownership `json:"leftAlone,omitempty"`
	Platform  Platform          `json:"-"`
}

// KubectlURL returns where the mirror publishes kubectl v for p, with any
// credentials of the mirror URL redacted.
func (c *Client) KubectlURL(v string, p Platform) string { return c.kubectlURL(c.shown, v, p) }

func (c *Client) kubectlURL(base, v string, p Platform) string {
	return fmt.Sprintf("%s/release/%s/bin/%s/%s/%s", base, v, p.OS, p.Arch, p.Executable())
}

// unpublished marks the mirror answering 404 for a version's digest or
// binary, which a marker or constraint may fall back from.
type unpublished struct{ err error }

func (e *unpublished) Error() string { return e.err.Error() }
func (e *unpublished) Unwrap() error { return e.err }

// Install resolves req.Version, and unless req.Dir already holds exactly the
// published file, downloads kubectl while hashing it into a temp file beside
// the destination, verifies the SHA-256, and renames it into place, holding
// the folder's install lock from the sweep of leftovers to the rename. On
// any failure the previous kubectl is left as it was and the temp file
// removed; a temp file left by a killed run is removed by the next one.
//
// When a marker or constraint resolves to a version the mirror does not
// publish yet (404 for its digest or binary), the newest earlier patch of
// that minor that is published is installed and FallbackFrom says so. A
// kubectl owned by a package manager is never replaced: a defaulted folder
// falls back to UserInstallDir(), a named one is an ErrManagedTarget.
func (c *Client) Install(ctx context.Context, req InstallRequest) (*InstallResult, error) {
	p := req.Platform
	if p == (Platform{}) {
		p = HostPlatform()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	spec, err := ParseSpec(req.Version)
	if err != nil {
		return nil, err
	}
	dir, user := req.Dir, ""
	if dir == "" {
		if dir, user, err = c.installDirs(); err != nil {
			return nil, fmt.Errorf("find an install folder: %w", err)
		}
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	target := filepath.Join(dir, p.Executable())
	// Hash the current kubectl while the network answers: an up-to-date
	// rerun then costs little more than two small requests.
	current := make(chan string, 1)
	go func() {
		sum := ""
		if !req.Force {
			sum = c.digests.currentDigest(target)
		}
		current <- sum
	}()

	v, err := c.resolve(ctx, spec)
	if err != nil {
		<-current
		return nil, err
	}
	answered := v
	var held *HeldBack
	if !req.AllowDowngrade {
		if v, held = c.NoOlder(spec, v, c.digests.installedVersion(target)); held != nil {
			c.opts.Logf("%s", held.Reason)
		}
	}
	if held != nil && held.Installed && !req.Force {
		// The folder holds a newer kubectl kubeboot installed for this
		// spec: keep it as it is, without asking the mirror for it (which
		// may not be the mirror it came from).
		// Under TransparencyRequire, one without a verified Rekor entry
		// on record is checked through the mirror and the log instead.
		sum := <-current
		pub, verified := c.verifiedBefore(held.Kept, "", p)
		verified = verified && pub.SHA256 == sum
		if sum != "" && (verified || !c.TransparencyRequired()) {
			res := &InstallResult{Path: target, Version: held.Kept, SHA256: sum, URL: c.KubectlURL(held.Kept, p), HeldBack: held, Platform: p}
			if verified {
				res.Signature = pub.Signature
			} else if c.opts.Signature.Mode != SignatureOff {
				res.Signature = &SignatureResult{Reason: "kept as kubeboot installed it earlier; not checked again"}
			}
			return res, nil
		}
		current = make(chan string, 1)
		current <- sum
	}
	inst := &installation{c: c, req: req, p: p, dir: dir, user: user, current: current}
	// The candidates, in order: the version to install; when that is one
	// this mirror answered before (held back from an older answer), the
	// answer itself, should the mirror no longer publish the remembered
	// one (a lie it told once must not block every later install); then
	// the earlier patches of the answer, for a marker ahead of the CDN.
	type candidate struct {
		v            *version.Version
		held         *HeldBack
		fallbackFrom string
	}
	candidates := []candidate{{v: v, held: held}}
	if held != nil {
		candidates = append(candidates, candidate{v: answered})
	}
	for _, f := range fallbacks(spec, answered) {
		candidates = append(candidates, candidate{v: f, fallbackFrom: Tag(answered)})
	}
	var first error // what the answer (or the version held to) failed with
	for i, cand := range candidates {
		chosenBy := req.ChosenBy
		if chosenBy == "" {
			if chosenBy = spec.ChosenBy(cand.v); chosenBy != "" {
				chosenBy += " at " + c.shown
			}
		}
		res, err := inst.run(ctx, Tag(cand.v), chosenBy)
		var up *unpublished
		if !errors.As(err, &up) {
			if err == nil {
				res.FallbackFrom, res.HeldBack = cand.fallbackFrom, cand.held
				// A remembered version the mirror no longer publishes is
				// forgotten, as is one the user chose to go back from.
				c.RememberResolved(spec, cand.v, req.AllowDowngrade || (held != nil && cand.held == nil))
			}
			return res, err
		}
		if first == nil || (held != nil && i == 1) {
			first = up.err
		}
		if i+1 == len(candidates) {
			// No earlier patch is published either: report the version
			// the spec resolved to, not the last one tried.
			return nil, first
		}
		c.opts.Logf("kubectl %s is not published at %s (%v); trying %s", Tag(cand.v), c.shown, up.err, Tag(candidates[i+1].v))
	}
	return nil, first
}

// installation is one Install call, tried for one version after another.
type installation struct {
	c       *Client
	req     InstallRequest
	p       Platform
	dir     string // where it installs
	user    string // the per-user folder when dir was defaulted, else ""
	current chan string
	sum     *string // the current target's digest, once known
}

func (in *installation) currentSum() string {
	if in.sum == nil {
		s := <-in.current
		in.sum = &s
	}
	return *in.sum
}

func (in *installation) run(ctx context.Context, tag, chosenBy string) (*InstallResult, error) {
	c, p := in.c, in.p
	res := &InstallResult{
		Path:     filepath.Join(in.dir, p.Executable()),
		Version:  tag,
		URL:      c.KubectlURL(tag, p),
		Platform: p,
	}
	src := c.kubectlURL(c.baseURL, tag, p)
	// A release verified before, which the target still holds: nothing to
	// fetch or verify again (its digest and signature never change).
	if pub, ok := c.verifiedBefore(tag, chosenBy, p); ok && !in.req.Force && in.currentSum() == pub.SHA256 {
		res.SHA256, res.Signature = pub.SHA256, pub.Signature
		in.upToDate(res)
		return res, nil
	}
	pub, err := c.published(ctx, tag, chosenBy, p)
	if err != nil {
		return nil, err
	}
	want := pub.SHA256
	res.SHA256, res.Signature = want, pub.Signature

	if in.currentSum() == want {
		in.upToDate(res)
		return res, nil
	}
	if err := in.avoidManaged(ctx, res); err != nil {
		return nil, err
	}
	if res.LeftAlone != nil && in.currentSum() == want {
		c.opts.Logf("%s already holds kubectl %s (sha256 %s)", res.Path, tag, want)
		return res, nil
	}

	if err := os.MkdirAll(in.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create install folder: %w", err)
	}
	folder, err := exeinstall.Lock(ctx, in.dir, c.opts.Logf)
	if err != nil {
		return nil, err
	}
	defer folder.Unlock()
	folder.Sweep(p.Executable())
	// Another run may have installed it while this one waited.
	if !in.req.Force && c.digests.currentDigest(res.Path) == want {
		c.opts.Logf("%s already holds kubectl %s (sha256 %s)", res.Path, tag, want)
		return res, nil
	}
	n, err := c.downloadInto(ctx, folder, src, res, in.req.Progress, nil)
	if err != nil {
		return nil, err
	}
	res.Changed, res.Bytes = true, n
	return res, nil
}

// upToDate finishes a run whose target already holds res: it sweeps what
// killed runs left when the folder is free, and says so.
func (in *installation) upToDate(res *InstallResult) {
	if f := exeinstall.TryLock(in.dir, in.c.opts.Logf); f != nil {
		f.Sweep(in.p.Executable())
		f.Unlock()
	}
	in.c.opts.Logf("%s already holds kubectl %s (sha256 %s)", res.Path, res.Version, res.SHA256)
}

// avoidManaged keeps Install off a kubectl a package manager owns: with a
// defaulted folder it moves the install to the per-user folder (and
// re-reads that folder's kubectl), with a named folder it refuses.
func (in *installation) avoidManaged(ctx context.Context, res *InstallResult) error {
	if in.req.ForceOverwrite || res.LeftAlone != nil {
		return nil
	}
	if _, err := os.Lstat(res.Path); err != nil {
		return nil
	}
	owner := pkgmgr.Owner(ctx, in.c.opts.PackageManagers, res.Path)
	if !owner.Managed() {
		return nil
	}
	if in.user == "" || in.user == in.dir {
		return &ManagedTargetError{Path: res.Path, Owner: owner}
	}
	in.c.opts.Logf("%s belongs to %s; installing into %s instead", res.Path, owner.Manager, in.user)
	in.dir = in.user
	res.Path = filepath.Join(in.dir, in.p.Executable())
	res.LeftAlone = &owner
	s := ""
	if !in.req.Force {
		s = in.c.digests.currentDigest(res.Path)
	}
	in.sum = &s
	// The per-user kubectl may be a manager's too (Scoop's shims are).
	if _, err := os.Lstat(res.Path); err == nil {
		if o := pkgmgr.Owner(ctx, in.c.opts.PackageManagers, res.Path); o.Managed() {
			return &ManagedTargetError{Path: res.Path, Owner: o}
		}
	}
	return nil
}

// downloadInto streams src into a temp file in the locked folder, verifies
// it against res.SHA256, runs beforeCommit (when set) and renames it over
// res.Path.
func (c *Client) downloadInto(ctx context.Context, folder *exeinstall.Folder, src string, res *InstallResult, progress func(done, total int64), beforeCommit func() error) (int64, error) {
	tmp, err := folder.Create(filepath.Base(res.Path))
	if err != nil {
		return 0, err
	}
	defer tmp.Discard()
	n, err := c.fetch.Download(ctx, src, tmp, progress)
	if err != nil {
		var se *fetch.SinkError
		if errors.As(err, &se) {
			return n, fmt.Errorf("write %s: %w", tmp.Name(), se.Err)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return n, &unpublished{fmt.Errorf("kubectl %s is not published for %s at %s: %w", res.Version, res.Platform, c.shown, err)}
		}
		return n, fmt.Errorf("download kubectl %s: %w", res.Version, err)
	}
	if got := tmp.Sum(); got != res.SHA256 {
		return n, &ChecksumError{URL: res.URL, Want: res.SHA256, Got: got}
	}
	if beforeCommit != nil {
		if err := beforeCommit(); err != nil {
			return n, err
		}
	}
	info, _ := os.Stat(tmp.Name())
	tmp.Describe("kubectl", res.Version)
	if err := tmp.Commit(0o755); err != nil {
		return n, err
	}
	c.digests.storeInstalled(res.Path, info, res.SHA256, res.Version)
	return n, nil
}

// InstallDirLock is a folder's install lock (InstallLockName), the one
// Install holds from its sweep of leftovers to its rename. Code that
// changes a folder Install writes to (the kubectl store removing a version)
// holds it too, so that it never races an install.
type InstallDirLock struct{ f *exeinstall.Folder }

// LockInstallDir takes dir's install lock, waiting (and saying so through
// logf, which may be nil) while another run holds it, until ctx is done.
// dir must exist. Release it with Unlock.
func LockInstallDir(ctx context.Context, dir string, logf func(string, ...any)) (*InstallDirLock, error) {
	f, err := exeinstall.Lock(ctx, dir, logf)
	if err != nil {
		return nil, err
	}
	return &InstallDirLock{f}, nil
}

// Sweep removes what interrupted installs left in the folder for p's
// kubectl (temp files, and on Windows moved-aside copies no longer running).
func (l *InstallDirLock) Sweep(p Platform) { l.f.Sweep(p.Executable()) }

// SweepFile removes what killed runs left for the program name (a
// catalogue tool's: "helm.exe").
func (l *InstallDirLock) SweepFile(name string) { l.f.Sweep(name) }

// UnlockAndRemove releases the lock and removes the lock file, for a
// caller about to remove the folder, and reports whether the file is gone.
// Runs waiting on the lock then start over on the folder as they find it;
// on Windows, where an open file cannot be deleted, the file stays while
// another run has it open.
func (l *InstallDirLock) UnlockAndRemove() bool { return l.f.UnlockAndRemove() }

// Unlock releases the lock. It is safe on a nil lock.
func (l *InstallDirLock) Unlock() {
	if l != nil {
		l.f.Unlock()
	}
}

// IsUnpublished reports whether an Install error means the mirror does not
// publish that version's binary, digest or signature (yet): what Install
// falls back from, for a marker or a constraint, to an earlier patch.
func IsUnpublished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrSignatureMissing)
}
