package uninstall

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/bootstrap/winpath"
)

// ErrNothingAsked means neither tools nor All were given.
var ErrNothingAsked = errors.New("no tool to uninstall was named")

// Options say what to uninstall and where to look.
type Options struct {
	// Tools are catalogue names (catalog.Names); All means every one.
	Tools []string
	All   bool
	// Dirs are the install folders to look in. Default: the default
	// install folder and the per-user one (bootstrap.DefaultInstallDir,
	// bootstrap.UserInstallDir).
	Dirs []string
	// Self is kubeboot's own binary, never removed. Default os.Executable.
	Self string
	// StoreDir is the kubectl store; default store.DefaultDir. NoStore
	// leaves the store out.
	StoreDir string
	NoStore  bool
	// PackageManagers is the system pkgmgr.Owner asks. Default the host.
	PackageManagers pkgmgr.System
	// Logf receives notes. Default: discard.
	Logf func(string, ...any)
}

func (o *Options) defaults() error {
	if len(o.Tools) == 0 && !o.All {
		return ErrNothingAsked
	}
	if o.All {
		o.Tools = catalog.Names()
	}
	for _, t := range o.Tools {
		if catalog.Lookup(t) == nil {
			return &bootstrap.UnknownToolError{Name: t}
		}
	}
	if len(o.Dirs) == 0 {
		d, err := bootstrap.DefaultInstallDir()
		if err != nil {
			return err
		}
		u, err := bootstrap.UserInstallDir()
		if err != nil {
			return err
		}
		o.Dirs = []string{d, u}
	}
	var dirs []string
	for _, d := range o.Dirs {
		a, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		if !slices.Contains(dirs, a) {
			dirs = append(dirs, a)
		}
	}
	o.Dirs = dirs
	if o.Self == "" {
		o.Self, _ = os.Executable()
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return nil
}

// Gather looks at every program of the asked tools in every folder, and at
// the kubectl store when kubectl is asked, and returns the plan: what to
// remove and what to leave, with a reason each. It changes nothing.
func Gather(ctx context.Context, opts Options) ([]Step, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	p := catalog.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}
	var cands []Candidate
	for _, dir := range opts.Dirs {
		recs, distrust := readRecords(dir)
		for _, name := range opts.Tools {
			t := catalog.Lookup(name)
			if t.Delegate != "" {
				continue // kubeboot never installs it
			}
			base := t.ProgramFor(p)
			c := look(ctx, opts, filepath.Join(dir, base))
			c.Tool = t.Name
			c.RecordDistrust = distrust
			if r, ok := recs[base]; ok {
				c.Record = &Record{Tool: r.Tool, Version: r.Version, SHA256: r.SHA256}
			}
			cands = append(cands, c)
		}
	}
	steps := Plan(cands)
	for _, dir := range opts.Dirs {
		if s, ok := PlanPathEntry(dir, winpath.AddedByKubeboot(dir), stillNeeded(dir, steps, opts.Self)); ok {
			steps = append(steps, s)
		}
	}
	if !opts.NoStore && slices.Contains(opts.Tools, "kubectl") {
		s, err := storeSteps(opts)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s...)
	}
	return steps, nil
}

// stillNeeded lists what of kubeboot's stays in dir after the plan: the
// programs its record names that the plan does not remove (every one,
// when the record is not trusted), and kubeboot itself.
func stillNeeded(dir string, steps []Step, self string) []string {
	var out []string
	if self != "" && filepath.Dir(self) == dir {
		out = append(out, filepath.Base(self))
	}
	recs, distrust := readRecords(dir)
	if distrust != "" {
		return append(out, "a program its install record, which is not trusted, may name")
	}
	for name := range recs {
		p := filepath.Join(dir, name)
		if p == self {
			continue
		}
		goes := false
		for _, s := range steps {
			if s.Path == p && s.Action != Leave {
				goes = true
			}
		}
		if !goes {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// readRecords reads a folder's record when its owner and folder pass the
// store's rule; distrust says why not.
func readRecords(dir string) (map[string]exeinstall.Record, string) {
	path := filepath.Join(dir, exeinstall.RecordName)
	if err := store.CheckTrusted(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ""
		}
		return nil, err.Error()
	}
	recs, err := exeinstall.ReadRecords(dir)
	if err != nil {
		return nil, err.Error()
	}
	return recs, ""
}

// look describes what is at path.
func look(ctx context.Context, opts Options, path string) Candidate {
	c := Candidate{Path: path, Kind: Absent}
	fi, err := os.Lstat(path)
	if err != nil {
		return c
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		c.Kind = Link
		c.LinkTarget, _ = os.Readlink(path)
	case fi.Mode().IsRegular():
		c.Kind = Regular
		c.SHA256, err = hash(path)
		if err != nil {
			c.ReadErr = err.Error()
		}
	default:
		c.Kind = Other
	}
	if opts.Self != "" {
		if self, err := os.Stat(opts.Self); err == nil {
			if st, err := os.Stat(path); err == nil && os.SameFile(self, st) {
				c.Self = true
			}
		}
	}
	c.Owner = pkgmgr.Owner(ctx, opts.PackageManagers, path)
	return c
}

// hash is the SHA-256 of the file at path, read whole.
func hash(path string) (string, error) {
	sum, _, _, err := fileid.Hash(path)
	return sum, err
}

// storeSteps plans the removal of every stored kubectl.
func storeSteps(opts Options) ([]Step, error) {
	s, err := store.New(store.Options{Dir: opts.StoreDir, Logf: opts.Logf})
	if err != nil {
		return nil, err
	}
	entries, err := s.List()
	if err != nil {
		return nil, err
	}
	var out []Step
	for _, e := range entries {
		out = append(out, Step{Kind: Store, Tool: "kubectl", Path: e.Path, Action: Remove,
			Reason: fmt.Sprintf("kubeboot's store of verified kubectls (%s for %s)", e.Version, e.Platform)})
	}
	return out, nil
}

// Apply carries out the plan's removals, each under its folder's install
// lock, and fills in each step's Done and Error. A program is hashed again
// right before it is removed: one that changed since the plan is left.
// Steps Apply does not know (Shim, PathEntry, Alias) are the caller's.
func Apply(ctx context.Context, steps []Step, opts Options) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	byDir := map[string][]int{}
	var dirs []string
	storeRun := false
	for i, s := range steps {
		switch {
		case s.Kind == Program && s.Action != Leave:
			d := filepath.Dir(s.Path)
			if _, ok := byDir[d]; !ok {
				dirs = append(dirs, d)
			}
			byDir[d] = append(byDir[d], i)
		case s.Kind == Store && s.Action == Remove:
			storeRun = true
		}
	}
	for _, d := range dirs {
		applyDir(ctx, d, steps, byDir[d], opts)
	}
	for i := range steps {
		if s := &steps[i]; s.Kind == PathEntry && s.Action == Remove {
			applyPathEntry(s, steps)
		}
	}
	if storeRun {
		applyStore(ctx, steps, opts)
	}
}

// testHookRemoved, when set by a test, runs after a program's removal and
// before its record is updated.
var testHookRemoved func(path string)

func applyDir(ctx context.Context, dir string, steps []Step, idx []int, opts Options) {
	folder, err := exeinstall.Lock(ctx, dir, opts.Logf)
	if err != nil {
		for _, i := range idx {
			steps[i].Error = err.Error()
		}
		return
	}
	for _, i := range idx {
		s := &steps[i]
		base := filepath.Base(s.Path)
		if _, err := os.Lstat(s.Path); s.Action == Remove && errors.Is(err, fs.ErrNotExist) {
			// Already gone (another uninstall took it): what was asked is done.
		} else if s.Action == Remove {
			if reason := stillOurs(s.Path, s.SHA256); reason != "" {
				s.Error = reason
				continue
			}
			if err := os.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.Error = RemoveFailure(runtime.GOOS, err)
				continue
			}
			if testHookRemoved != nil {
				testHookRemoved(s.Path)
			}
		} else if _, err := os.Lstat(s.Path); err == nil {
			s.Error = "it is there again; its record is kept"
			continue
		}
		if err := folder.Forget(base); err != nil {
			s.Error = "removed, but its install record could not be updated: " + err.Error()
		}
		s.Done = true
		opts.Logf("removed %s", s.Path)
	}
	// Once nothing of kubeboot's is recorded in the folder, its lock file
	// goes too.
	if recs, err := folder.Records(); err == nil && len(recs) == 0 {
		folder.UnlockAndRemove()
		return
	}
	folder.Unlock()
}

// stillOurs checks again, under the lock, that path is the regular file
// the plan saw; it returns why not.
func stillOurs(path, sha string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return "it changed since it was checked: " + err.Error()
	}
	if !fi.Mode().IsRegular() {
		return "it was replaced by something that is not a regular file since it was checked"
	}
	got, err := hash(path)
	if err != nil {
		return "it cannot be read: " + err.Error()
	}
	if got != sha {
		return "its bytes changed since it was checked (sha256 " + short(got) + ")"
	}
	return ""
}

// applyPathEntry takes the folder off the user Path once every program
// planned to go from it is gone.
func applyPathEntry(s *Step, steps []Step) {
	for _, o := range steps {
		if o.Kind == Program && o.Action == Remove && filepath.Dir(o.Path) == s.Path && !o.Done {
			s.Error = "kept on the Path: " + filepath.Base(o.Path) + " could not be removed from it"
			return
		}
	}
	if _, err := winpath.RemoveFromUserPath(s.Path); err != nil {
		s.Error = err.Error()
		return
	}
	s.Done = true
}

func applyStore(ctx context.Context, steps []Step, opts Options) {
	s, err := store.New(store.Options{Dir: opts.StoreDir, Logf: opts.Logf})
	var removed []store.Entry
	if err == nil {
		removed, err = s.Prune(ctx, 0)
	}
	gone := map[string]bool{}
	for _, e := range removed {
		gone[e.Path] = true
	}
	for i := range steps {
		st := &steps[i]
		if st.Kind != Store || st.Action != Remove {
			continue
		}
		switch {
		case gone[st.Path]:
			st.Done = true
		case err != nil:
			st.Error = RemoveFailure(runtime.GOOS, err)
		default:
			st.Done = true // gone before the prune reached it
		}
	}
	if s != nil {
		os.Remove(s.Dir()) // only when empty
	}
}
