package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/filelock"
)

// DefaultContextName is the context a CoreWeave kubeconfig defines and
// Import selects by default.
const DefaultContextName = "coreweave"

// DefaultLockTimeout is how long Import waits for another writer by default.
const DefaultLockTimeout = 10 * time.Second

// ErrLockTimeout reports that another process held the kubeconfig lock for
// longer than ImportOptions.LockTimeout.
var ErrLockTimeout = errors.New("timed out waiting for the kubeconfig lock")

// ImportOptions configures Import. The zero value imports cw-kubeconfig from
// the Downloads folder into the kubeconfig kubectl uses, failing on
// conflicts and selecting the imported context.
type ImportOptions struct {
	// Source is the file to import; empty means FindDownloaded("").
	Source string
	// Kubeconfig is an explicit target file (kubectl's --kubeconfig); empty
	// means Locate's answer from KUBECONFIG or the home folder.
	Kubeconfig string
	// Context is the context to select after the import; an incoming name
	// follows its rename. Empty means "coreweave" when the incoming file
	// defines it, else the incoming file's current-context.
	Context string
	// Policy handles name conflicts; the zero value is ConflictFail.
	Policy ConflictPolicy
	// NoSwitch leaves current-context as it is.
	NoSwitch bool
	// DryRun computes the result and writes nothing: no folder, lock,
	// backup or file.
	DryRun bool
	// LockTimeout bounds the wait for another writer; 0 means
	// DefaultLockTimeout.
	LockTimeout time.Duration
	// Now stamps the backup name; nil means time.Now.
	Now func() time.Time
	// Logf receives progress messages; nil discards them.
	Logf func(format string, args ...any)
	// Getenv and Home replace the process environment and home folder when
	// locating the target (for tests and embedding); nil and "" mean
	// os.Getenv and kubectl's home folder.
	Getenv func(string) string
	Home   string
	// DownloadsDir is where to look for cw-kubeconfig when Source is
	// empty; "" means DefaultDownloadsDir().
	DownloadsDir string
}

// ImportResult describes what Import did, or would do under DryRun. It holds
// no secrets and encodes to JSON for --json output.
type ImportResult struct {
	// Source is the imported file.
	Source string `json:"source"`
	// Target is the kubeconfig that receives the entries.
	Target string `json:"target"`
	// File is the file actually written: Target, or the file it links to.
	File string `json:"file"`
	// Backup is the copy of the previous file; empty when there was none or
	// nothing changed. Under DryRun, the name it would get.
	Backup string `json:"backup,omitempty"`
	// Context is current-context after the import; PreviousContext before.
	Context         string `json:"context,omitempty"`
	PreviousContext string `json:"previousContext,omitempty"`
	// Changes lists entries added, renamed, replaced and unchanged.
	Changes *Changes `json:"changes"`
	// Written reports that the file was (or, under DryRun, would be) written.
	Written bool `json:"written"`
	// Created reports that Target did not exist before.
	Created bool `json:"created,omitempty"`
	DryRun  bool `json:"dryRun,omitempty"`

	merged *Config
}

// Import merges the Source kubeconfig into the user's kubeconfig and selects
// a context, safely:
//
//   - it takes a lock on a sidecar file (.<name>.kubeboot-lock beside the
//     file; not <name>.lock, which kubectl creates and removes itself), so
//     concurrent imports cannot lose each other's entries;
//   - it reads the target after taking the lock, merges (see Merge),
//     and when something changes copies the previous file to
//     <name>.kubeboot-backup-<UTC time> beside it first;
//   - it writes a temp file in the same folder, syncs it and renames it over
//     the target, with mode 0600 (on Windows, a DACL for the current user
//     only); a symlinked target stays a symlink and the file it points to is
//     replaced; a missing folder is created with mode 0700.
//
// On any error the target is left byte-identical. A conflict under
// ConflictFail returns a *ConflictError (ErrConflict); invalid files return
// a *ParseError (ErrInvalidConfig); a busy lock returns ErrLockTimeout.
func Import(ctx context.Context, opts ImportOptions) (*ImportResult, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	var src string
	var err error
	if opts.Source == "" && opts.DownloadsDir != "" {
		src, err = findIn(opts.DownloadsDir)
	} else {
		src, err = FindDownloaded(opts.Source)
	}
	if err != nil {
		return nil, err
	}
	incoming, err := Load(src)
	if err != nil {
		return nil, err // a *ParseError or *fs.PathError: both name the file
	}
	if err := incoming.Validate(); err != nil {
		return nil, err
	}
	if len(incoming.Contexts)+len(incoming.Clusters)+len(incoming.Users) == 0 {
		return nil, &ParseError{Path: src, Err: errors.New("the file defines no cluster, user or context")}
	}

	locs, err := importLocations(opts)
	if err != nil {
		return nil, err
	}
	target := locs.Target(fileExists)
	file, err := resolveLink(target)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Source: src, Target: target, File: file, DryRun: opts.DryRun}

	if opts.DryRun {
		if _, err := plan(res, file, locs, target, incoming, opts, logf); err != nil {
			return nil, err
		}
		return res, nil
	}

	dir := filepath.Dir(file)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		logf("created %s", dir)
	}
	unlock, err := lockFile(ctx, file, opts.LockTimeout, logf)
	if err != nil {
		return nil, err
	}
	defer unlock()
	sweepTemps(file, logf)

	old, err := plan(res, file, locs, target, incoming, opts, logf)
	if err != nil {
		return nil, err
	}
	if !res.Written {
		logf("%s already holds every entry of %s; nothing to write", target, src)
		return res, nil
	}
	data, err := res.merged.Marshal()
	if err != nil {
		return nil, err
	}
	if old != nil {
		if err := writePrivate(res.Backup, old); err != nil {
			return nil, fmt.Errorf("back up %s: %w", file, err)
		}
		logf("backed up %s to %s", file, res.Backup)
	}
	if err := writePrivate(file, data); err != nil {
		if res.Backup != "" {
			os.Remove(res.Backup)
		}
		res.Backup = ""
		return nil, fmt.Errorf("write %s: %w", file, err)
	}
	logf("wrote %s", file)
	return res, nil
}

// plan reads the target, merges and selects, filling res. It returns the
// previous bytes of the file (nil when it did not exist).
func plan(res *ImportResult, file string, locs Locations, target string, incoming *Config, opts ImportOptions, logf func(string, ...any)) ([]byte, error) {
	old, err := os.ReadFile(file)
	var cur *Config
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
		cur = NewConfig(target)
		res.Created = true
	case err != nil:
		return nil, err
	default:
		cur, err = Parse(old, target)
		if err != nil {
			return nil, err
		}
	}
	cur.Path = target
	var others []*Config
	if !locs.Explicit {
		passed := false
		for _, f := range locs.Files {
			if f == target {
				passed = true
				continue
			}
			if !passed {
				continue
			}
			o, err := Load(f)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			others = append(others, o)
		}
	}
	merged, changes, err := Merge(cur, incoming, opts.Policy, others...)
	if err != nil {
		return nil, err
	}
	for _, k := range Kinds {
		for _, r := range changes.Of(k).Renamed {
			logf("renamed incoming %s %q to %q", k, r.From, r.To)
		}
		for _, n := range changes.Of(k).Replaced {
			logf("replaced %s %q", k, n)
		}
	}
	res.Changes = changes
	res.PreviousContext = cur.CurrentContext
	if res.PreviousContext == "" {
		for _, o := range others {
			if o.CurrentContext != "" {
				res.PreviousContext = o.CurrentContext
				break
			}
		}
	}
	sel, err := selectContext(merged, incoming, changes, opts.Context, others)
	if err != nil {
		return nil, err
	}
	if !opts.NoSwitch && sel != "" {
		merged.CurrentContext = sel
	}
	res.Context = merged.CurrentContext
	if res.Context == "" {
		res.Context = res.PreviousContext
	}
	res.Written = old == nil || !Equal(merged, cur)
	if old != nil && res.Written {
		res.Backup = backupName(file, opts.Now)
	}
	res.merged = merged
	return old, nil
}

// selectContext picks the context to make current.
func selectContext(merged, incoming *Config, changes *Changes, want string, others []*Config) (string, error) {
	explicit := want != ""
	if !explicit {
		switch {
		case incoming.has(KindContext, DefaultContextName):
			want = DefaultContextName
		case incoming.CurrentContext != "":
			want = incoming.CurrentContext
		case len(incoming.Contexts) == 1:
			want = incoming.Contexts[0].Name
		default:
			return "", nil
		}
	}
	if incoming.has(KindContext, want) {
		return changes.NewName(KindContext, want), nil
	}
	if merged.has(KindContext, want) {
		return want, nil
	}
	for _, o := range others {
		if o.has(KindContext, want) {
			return want, nil
		}
	}
	return "", &UndefinedError{Kind: KindContext, Name: want}
}

func importLocations(opts ImportOptions) (Locations, error) {
	if opts.Getenv == nil && opts.Home == "" {
		return DefaultLocations(opts.Kubeconfig)
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	home := opts.Home
	if home == "" {
		home = KubectlHome(runtime.GOOS, getenv, os.Stat)
	}
	return Locate(runtime.GOOS, getenv, home, opts.Kubeconfig), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// resolveLink follows symlinks from p to the file they finally name, which
// may not exist yet.
func resolveLink(p string) (string, error) {
	for i := 0; i < 40; i++ {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		to, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(p), to)
		}
		p = to
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", p)
}

// LockName returns the sidecar file Import locks for the kubeconfig at file.
func LockName(file string) string {
	return filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".kubeboot-lock")
}

func lockFile(ctx context.Context, file string, timeout time.Duration, logf func(string, ...any)) (func(), error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	name := LockName(file)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", name, err)
	}
	if err := filelock.TryLock(f); errors.Is(err, filelock.ErrWouldBlock) {
		logf("waiting for another process to release %s", name)
		lctx, cancel := context.WithTimeout(ctx, timeout)
		err = filelock.Lock(lctx, f)
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %s still held after %v", ErrLockTimeout, name, timeout)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	} else if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		filelock.Unlock(f)
		f.Close()
	}, nil
}

// sweepTemps removes temp files left by a killed writer. It runs under the
// lock, so no live writer owns them.
func sweepTemps(file string, logf func(string, ...any)) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), atomicfile.TempPattern(filepath.Base(file))))
	for _, m := range matches {
		if os.Remove(m) == nil {
			logf("removed %s, left by an interrupted run", m)
		}
	}
}

// backupName returns a free name <file>.kubeboot-backup-<UTC stamp>[-N].
func backupName(file string, now func() time.Time) string {
	if now == nil {
		now = time.Now
	}
	base := file + ".kubeboot-backup-" + now().UTC().Format("20060102T150405Z")
	name := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = base + "-" + strconv.Itoa(n)
	}
}

// writePrivate atomically replaces path with data, readable by the owner
// only (0600; an owner-only DACL on Windows), restricted before the rename
// so the content is never exposed.
func writePrivate(path string, data []byte) error {
	return atomicfile.Write(path, data, atomicfile.Options{Private: true})
}

// UndefinedError reports a context or user name that no loaded file
// defines. It matches ErrUnknownContext or ErrUnknownUser.
type UndefinedError struct {
	Kind Kind
	Name string
	// Known lists the defined names of that kind, when known.
	Known []string
}

// ErrUnknownContext and ErrUnknownUser are matched by *UndefinedError.
var (
	ErrUnknownContext = errors.New("context not defined")
	ErrUnknownUser    = errors.New("user not defined")
)

func (e *UndefinedError) Error() string {
	msg := fmt.Sprintf("%s %q is not defined", e.Kind, e.Name)
	if len(e.Known) > 0 {
		msg += " (defined: " + strings.Join(e.Known, ", ") + ")"
	}
	return msg
}

// Is matches ErrUnknownContext or ErrUnknownUser by kind.
func (e *UndefinedError) Is(target error) bool {
	return (target == ErrUnknownContext && e.Kind == KindContext) || (target == ErrUnknownUser && e.Kind == KindUser)
}
