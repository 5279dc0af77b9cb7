package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// EditOptions says which kubeconfig files an operation reads and how it
// writes them. The zero value edits the files kubectl would read (KUBECONFIG,
// else ~/.kube/config), waits DefaultLockTimeout for other writers and keeps
// DefaultKeepBackups backups per file.
type EditOptions struct {
	// Kubeconfig is an explicit file (kubectl's --kubeconfig); empty means
	// Locate's answer from KUBECONFIG or the home folder.
	Kubeconfig string
	// DryRun computes the result and writes nothing: no folder, lock,
	// backup, state file or kubeconfig.
	DryRun bool
	// CheckLocks makes a dry run that would write also refuse, as the
	// write will, a file beside which kubectl's lock cannot be created: a
	// check before work that is not undone (an install).
	CheckLocks bool
	// LockTimeout bounds the wait for one other writer (kubeboot or
	// kubectl) that keeps a lock: while the locks change hands (a queue
	// of writers moving), the wait goes on; 0 means DefaultLockTimeout.
	LockTimeout time.Duration
	// KeepBackups is how many of kubeboot's own backups of each written
	// file to keep, newest first, after a successful write: 0 means
	// DefaultKeepBackups, a negative value keeps them all. Only files named
	// <file>.kubeboot-backup-<UTC time>[-N] are ever removed.
	KeepBackups int
	// Now stamps backup names; nil means time.Now.
	Now func() time.Time
	// Logf receives progress messages; nil discards them.
	Logf func(format string, args ...any)
	// Getenv and Home replace the process environment and home folder when
	// locating the files (for tests and embedding); nil and "" mean
	// os.Getenv and kubectl's home folder.
	Getenv func(string) string
	Home   string
	// CacheDir, when set, is a folder where List and Use keep a summary of
	// each file they read (entry names, each context's cluster, user and
	// namespace, server URLs without user information, current-context;
	// never credentials), named by the SHA-256 of the content, so that the
	// next List or Use of the same content does not parse it, and Use
	// rewrites only current-context's value instead of encoding the whole
	// file again. Content changed by anyone has another digest and is
	// parsed again. Empty keeps no summaries.
	CacheDir string
	// StateDir, when set, is kubeboot's per-user state folder
	// (DefaultStateDir), where Check records the evidence against each
	// context (StateFolder). Empty keeps none: unreachability alone then
	// never makes a context prunable.
	StateDir string
}

func (o EditOptions) logf() func(string, ...any) {
	if o.Logf == nil {
		return func(string, ...any) {}
	}
	return o.Logf
}

// locations returns the files o names, as Locate computes them, one
// name per file: a file listed twice under two names (config and
// ./config, a relative and an absolute path, a link to it, a path through
// a linked folder) is one file, kept where it first appears. Files that
// exist are told apart by what they are (device and inode), missing ones
// by their path with links resolved.
func (o EditOptions) locations() (Locations, error) {
	locs, err := o.locate()
	if err != nil {
		return locs, err
	}
	seen := map[string]bool{}
	var found []os.FileInfo
	files := locs.Files[:0:0]
	for _, f := range locs.Files {
		if fi, err := os.Stat(f); err == nil {
			if slices.ContainsFunc(found, func(o os.FileInfo) bool { return os.SameFile(o, fi) }) {
				continue
			}
			found = append(found, fi)
			files = append(files, f)
			continue
		}
		key := filepath.Clean(f)
		if real, err := resolveLink(f); err == nil {
			key = real
		}
		if abs, err := filepath.Abs(key); err == nil {
			key = abs
		}
		if real, err := filepath.EvalSymlinks(filepath.Dir(key)); err == nil {
			key = filepath.Join(real, filepath.Base(key))
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, f)
		}
	}
	locs.Files = files
	return locs, nil
}

func (o EditOptions) locate() (Locations, error) {
	if o.Getenv == nil && o.Home == "" {
		return DefaultLocations(o.Kubeconfig)
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	home := o.Home
	if home == "" {
		home = KubectlHome(runtime.GOOS, getenv, os.Stat)
	}
	return Locate(runtime.GOOS, getenv, home, o.Kubeconfig), nil
}

// File is one file of the kubeconfig list, as Edit hands it to an EditFunc:
// the function changes Config (or replaces it) and Edit writes the files
// whose content changed.
type File struct {
	// Path is the file as listed (--kubeconfig or a KUBECONFIG entry).
	Path string
	// Real is the file a write replaces: Path with symlinks resolved as
	// the kernel resolves them. It may not exist yet.
	Real string
	// Config is the file's content; an empty config when it does not
	// exist. Its Path is Path.
	Config *Config
	// Exists reports that the file existed when it was read.
	Exists bool
	// Target marks the file kubectl writes new entries and current-context
	// to: the explicit file, else the first listed file that exists, else
	// the last one (Locations.Target).
	Target bool

	orig    []byte  // the bytes read; nil when missing
	origCfg *Config // Config as read, to find out what changed
	create  bool    // write the file even when its content is empty
	// next, when set (by a quick edit), is the new content, written as it
	// is; nextSum is its summary.
	next    parts
	nextSum *summary
	written parts // the content written, for its summary
}

// EditFunc changes the files of a kubeconfig list in memory. It runs under
// every lock, on files read under the locks; returning an error writes
// nothing. It must not keep the files after it returns.
type EditFunc func(files []*File) error

// FileWrite describes one file Edit wrote, or would write under DryRun.
type FileWrite struct {
	// Path is the file as listed; File is the file replaced (Path, or the
	// file it links to).
	Path string `json:"path"`
	File string `json:"file"`
	// Backup is the copy of the previous content; empty for a new file.
	// Under DryRun, the name it would get.
	Backup string `json:"backup,omitempty"`
	// Created reports that the file did not exist.
	Created bool `json:"created,omitempty"`
	// InPlace reports that the file was written over, as kubectl writes,
	// because it could not be replaced: a single-file bind mount, or a
	// folder this process may not create files in.
	InPlace bool `json:"inPlace,omitempty"`

	backupBase string // the path the backup's name extends
}

// WriteError reports a kubeconfig file that could not be written; the
// previous content is in place (or restored). Err is the OS's reason.
type WriteError struct {
	File string
	Err  error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("could not write the kubeconfig %s: %v; it is unchanged", e.File, e.Err)
}

// Unwrap returns the OS's reason.
func (e *WriteError) Unwrap() error { return e.Err }

// asWriteError returns err, an OS error about file's locks, as a
// *WriteError; a *LockError or a cancellation is returned as it is.
func asWriteError(file string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && !errors.Is(err, ErrLockTimeout) {
		return &WriteError{File: file, Err: err}
	}
	return err
}

// EditResult describes what Edit wrote. It holds file names only.
type EditResult struct {
	// Written lists the files written (or that would be, under DryRun), in
	// list order; empty when nothing changed.
	Written []FileWrite `json:"written,omitempty"`
	DryRun  bool        `json:"dryRun,omitempty"`
}

// Changed reports that at least one file was (or would be) written.
func (r *EditResult) Changed() bool { return r != nil && len(r.Written) > 0 }

// editHooks lets the operations of this package act under Edit's locks.
type editHooks struct {
	// after runs under the locks once every file is written (not under
	// DryRun).
	after func(files []*File) error
	// quick runs under the locks before the files are parsed: each File
	// has its bytes (and Exists) but no Config unless the cache lacked its
	// summary. It returns true when it has done the edit without parsing
	// (setting File.next where content changes), false to have the files
	// parsed and fn run.
	quick func(files []*File, cache summaryCache) (bool, error)
}

// Edit is the one writer of kubeconfig files: every operation of this
// package that changes a kubeconfig (Import, Use, SetNamespace, Rename,
// Delete, Prune) goes through it. It
//
//   - locates the files (EditOptions.Kubeconfig, else KUBECONFIG, else
//     ~/.kube/config) and resolves each one's symlinks as the kernel does;
//   - takes, for every file that exists and for the target file (created
//     with its folder when missing, the folder mode 0700 and owned by its
//     parent's owner), kubeboot's OS lock of the file itself (flock; of
//     its folder while it does not exist; none on Windows; see osLocks),
//     which creates nothing beside it and is released even if the process
//     is killed, and then kubectl's own lock (<path>.lock, created
//     exclusively, as client-go does for every file of the list, in
//     sorted order, and removed after the write), waiting while another
//     writer holds one, as long as the locks keep changing hands and up
//     to LockTimeout for one holder;
//   - reads every file under the locks (once: holding kubectl's locks, no
//     kubectl is rewriting one in place; a dry run, without locks, reads
//     an empty file again in case it is), calls fn, and writes each file
//     whose content changed: a backup <file>.kubeboot-backup-<UTC time> of
//     the previous content first (in the file's StateFolder under
//     StateDir, else beside it; see BackupPattern), then a temp file in the same folder,
//     synced and renamed over the file, mode 0600 for a new file (an
//     owner-only DACL on Windows), and the previous owner, group and mode
//     for an existing one, backups included, so a run under sudo leaves
//     the user's files theirs;
//   - removes kubectl's locks right after the last rename, then keeps the
//     newest KeepBackups backups of each written file. Nothing of
//     kubeboot's stays beside a kubeconfig (with a StateDir; without one,
//     backups go beside it).
//
// On any error before the first rename every file is left byte-identical.
// Several files change together only in a KUBECONFIG list (current-context
// goes to the target file, an entry to the file that holds it); should a
// later rename fail, the files already written are put back as they were
// (best effort: the error says so if that fails too).
//
// A lock held past LockTimeout returns a *LockError (ErrLockTimeout); an
// invalid file a *ParseError (ErrInvalidConfig); an existing file to change
// that this process may not write (mode 0400, say; root may, as with
// kubectl) a *ReadOnlyError (ErrReadOnly), under DryRun too, with nothing
// written; an error of fn is returned as it is.
func Edit(ctx context.Context, opts EditOptions, fn EditFunc) (*EditResult, error) {
	return edit(ctx, opts, fn, editHooks{})
}

func edit(ctx context.Context, opts EditOptions, fn EditFunc, hooks editHooks) (*EditResult, error) {
	logf := opts.logf()
	locs, err := opts.locations()
	if err != nil {
		return nil, err
	}
	if len(locs.Files) == 0 {
		return nil, errors.New("no kubeconfig file to edit")
	}
	target := locs.Target(fileExists)
	files := make([]*File, len(locs.Files))
	for i, p := range locs.Files {
		real, err := resolveLink(p)
		if err != nil {
			return nil, err
		}
		files[i] = &File{Path: p, Real: real, Target: p == target}
	}
	res := &EditResult{DryRun: opts.DryRun}
	cache := summaryCache(opts.CacheDir)
	prepare := func(locked bool) error {
		if err := readFiles(ctx, files, locked, logf); err != nil {
			return err
		}
		if hooks.quick != nil {
			if done, err := hooks.quick(files, cache); err != nil || done {
				return err
			}
		}
		if err := parseFiles(files); err != nil {
			return err
		}
		return fn(files)
	}
	if opts.DryRun {
		if err := prepare(false); err != nil {
			return nil, err
		}
		for _, f := range files {
			if w, ok := f.planWrite(opts); ok {
				if err := f.checkWritable(); err != nil {
					return nil, err
				}
				res.Written = append(res.Written, w)
			}
		}
		if opts.CheckLocks && len(res.Written) > 0 {
			// The write takes kubectl's lock beside every file it locks:
			// one whose folder refuses it refuses the write too.
			for _, f := range files {
				dir := filepath.Dir(f.Path)
				if err := writable(dir); (f.Target || fileExists(f.Real)) && err != nil && !errors.Is(err, fs.ErrNotExist) {
					return nil, &WriteError{File: f.Path, Err: fmt.Errorf("kubectl's lock %s cannot be created: %w", KubectlLockName(f.Path), err)}
				}
			}
		}
		return res, nil
	}

	var lockSet []*File
	for _, f := range files {
		if f.Target || fileExists(f.Real) {
			lockSet = append(lockSet, f)
		}
	}
	// A write that would create a folder, or be refused (a file this
	// process may not write), first runs unlocked, as a dry run: one that
	// fails, or changes nothing, then creates nothing at all, not even
	// kubectl's lock for a moment. It runs again under the locks.
	creates := false
	for _, f := range lockSet {
		if fileExists(f.Real) && writable(f.Real) != nil {
			creates = true // refused before kubectl's lock is taken, if it changes
		}
		if f.Target {
			missing := missingDirs(filepath.Dir(f.Real))
			creates = creates || len(missing) > 0
			for _, d := range missing {
				if filepath.Base(d) == "~" {
					return nil, &WriteError{File: f.Real, Err: fmt.Errorf("its folder %s would be a folder named ~: the ~ was not expanded to the home folder (write the home folder out instead)", d)}
				}
			}
		}
	}
	if creates {
		if err := prepare(false); err != nil {
			return nil, err
		}
		changes := false
		for _, f := range files {
			changes = changes || f.changed()
		}
		if !changes {
			return res, nil
		}
		// A file that cannot be written is refused before any folder or
		// lock file is made for it.
		for _, f := range files {
			if f.changed() {
				if err := f.checkWritable(); err != nil {
					return nil, err
				}
			}
		}
		for _, f := range files {
			f.next, f.nextSum, f.create = nil, nil, false
		}
	}
	for _, f := range lockSet {
		if !f.Target {
			continue
		}
		dir := filepath.Dir(f.Real)
		created, err := atomicfile.MkdirAll(dir, 0o700)
		if err != nil {
			return nil, &WriteError{File: f.Real, Err: fmt.Errorf("create its folder %s: %w", dir, err)}
		}
		for _, d := range created {
			logf("created %s", d)
		}
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	// kubectl's locks go beside the path as listed (kubectl locks only
	// that), and beside the file it leads to when this process may create
	// files in that folder (besideWritable).
	var sides, kubectlPaths, reals []string
	for _, f := range lockSet {
		side := f.besideWritable()
		sides = append(sides, side)
		kubectlPaths = append(kubectlPaths, f.Path)
		if side == f.Real {
			kubectlPaths = append(kubectlPaths, f.Real)
		}
		reals = append(reals, f.Real)
	}
	var watch []string
	watch = append(watch, reals...)
	for _, p := range kubectlPaths {
		watch = append(watch, KubectlLockName(p))
	}
	wait := newLockWait(timeout, watch)
	// kubeboot's own exclusion: the OS lock of each file itself (osLocks),
	// in one order.
	locks := &osLocks{}
	defer locks.release()
	sort.Strings(reals)
	for i, real := range reals {
		if i > 0 && real == reals[i-1] {
			continue
		}
		if err := locks.lockFile(ctx, real, wait, logf); err != nil {
			return nil, asWriteError(real, err)
		}
	}
	for _, side := range sides {
		sweepTemps(side, logf)
		sweepTemps(PreviousContextFile(side), logf)
		sweepTemps(KubectlLockName(side), logf)
	}
	// kubectl's own lock, on each path as kubectl names it and on the file
	// it leads to, held from the read to the rename: kubectl neither
	// writes in between nor overwrites what we wrote with what it read
	// under its lock.
	release, err := lockKubectl(ctx, kubectlPaths, wait, logf)
	if err != nil {
		return nil, asWriteError(lockSet[0].Path, err)
	}
	defer release()

	if err := prepare(true); err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.changed() {
			if err := f.checkWritable(); err != nil {
				return nil, err
			}
		}
	}
	var done []*File
	for _, f := range files {
		w, ok := f.planWrite(opts)
		if !ok {
			continue
		}
		if err := f.write(&w, locks, logf); err != nil {
			if rerr := rollBack(done, locks, logf); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return nil, err
		}
		done = append(done, f)
		res.Written = append(res.Written, w)
	}
	if hooks.after != nil && len(done) > 0 {
		if err := hooks.after(files); err != nil {
			logf("%v", err)
		}
	}
	release()
	locks.release()
	for _, f := range done {
		if f.nextSum != nil {
			cache.put(f.nextSum)
		} else if cache != "" && f.Config != nil {
			cache.put(summarize(f.Config, f.written.digest()))
		}
	}
	for _, w := range res.Written {
		if w.Backup != "" {
			pruneBackups(w.backupBase, opts.KeepBackups, w.Backup, logf)
		}
	}
	return res, nil
}

// ErrReadOnly: a kubeconfig file to change may not be written by this
// process (its mode, the read-only attribute, a read-only mount). Matched
// by *ReadOnlyError.
var ErrReadOnly = errors.New("kubeconfig file is read-only")

// ReadOnlyError reports a file an operation would change that this process
// may not write; nothing was written. kubectl refuses it too: it opens the
// file for writing.
type ReadOnlyError struct {
	File string
	Mode fs.FileMode
	// FileSystem: the file is on a read-only file system (EROFS: a
	// read-only mount, such as a read-only bind mount of the file); its
	// mode does not matter then.
	FileSystem bool
	Err        error
}

func (e *ReadOnlyError) Error() string {
	if e.FileSystem {
		return fmt.Sprintf("%s is on a read-only file system: nothing was written; kubectl would not write it either", e.File)
	}
	return fmt.Sprintf("%s is read-only for you (mode %04o): nothing was written; kubectl would not write it either. Make it writable for your user if the change is meant", e.File, e.Mode.Perm())
}

// Is makes errors.Is(err, ErrReadOnly) true.
func (e *ReadOnlyError) Is(target error) bool { return target == ErrReadOnly }

// Unwrap returns the OS's answer.
func (e *ReadOnlyError) Unwrap() error { return e.Err }

// checkWritable refuses an existing file this process may not write, as
// kubectl's open for writing would (the atomic rename would replace it
// all the same, since it needs only the folder).
func (f *File) checkWritable() error {
	if !f.Exists {
		return nil
	}
	err := writable(f.Real)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var mode fs.FileMode
	if fi, serr := os.Stat(f.Real); serr == nil {
		mode = fi.Mode()
	}
	return &ReadOnlyError{File: f.Real, Mode: mode, FileSystem: readOnlyFS(err), Err: err}
}

// missingDirs returns the folders MkdirAll(dir) would create, outermost
// first.
func missingDirs(dir string) []string {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append([]string{d}, missing...)
		if filepath.Dir(d) == d {
			break
		}
	}
	return missing
}

// readFiles reads every file; a missing file is an empty config. locked
// says the caller holds kubectl's locks of every file: no kubectl can be
// rewriting one in place, so an empty file is read once, not waited on
// (readSettled).
func readFiles(ctx context.Context, files []*File, locked bool, logf func(string, ...any)) error {
	for _, f := range files {
		var data []byte
		var err error
		if locked {
			data, err = readKubeconfig(ctx, f.Real)
		} else {
			data, err = readSettled(ctx, f.Real, logf)
		}
		if re := (*ReadError)(nil); errors.As(err, &re) && f.Path != f.Real {
			re.File = f.Path + " (a link to " + f.Real + ")"
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.Config, f.Exists, f.orig = NewConfig(f.Path), false, nil
		case err != nil:
			return err
		default:
			f.Config, f.Exists, f.orig = nil, true, data
		}
	}
	return nil
}

// parseFiles parses every file read and not parsed yet, and keeps a copy
// of each Config as read.
func parseFiles(files []*File) error {
	for _, f := range files {
		if f.Config == nil {
			c, err := Parse(f.orig, f.Path)
			if err != nil {
				return err
			}
			f.Config = c
		}
		f.origCfg = f.Config.Clone()
	}
	return nil
}

// changed reports whether f must be written.
func (f *File) changed() bool {
	if f.next != nil {
		return !f.next.equal(f.orig)
	}
	if f.Config == nil || f.origCfg == nil {
		return false
	}
	if !f.Exists && f.create {
		return true
	}
	if f.Config.CurrentContext != f.origCfg.CurrentContext {
		return true // cheap, and all Use changes: no need to compare the rest
	}
	return !Equal(f.Config, f.origCfg)
}

func (f *File) planWrite(opts EditOptions) (FileWrite, bool) {
	if !f.changed() {
		return FileWrite{}, false
	}
	w := FileWrite{Path: f.Path, File: f.Real, Created: !f.Exists}
	if f.Exists {
		base := opts.backupBase(f)
		if err := folderProblem(filepath.Dir(base)); err != nil {
			// No folder of the user's own to be had (HOME=/nonexistent, a
			// HOME another user's): written as kubectl writes, which keeps
			// no backups either.
			opts.logf()("writing %s without a backup: %v", f.Real, err)
			return w, true
		}
		w.backupBase = base
		w.Backup = backupName(w.backupBase, opts.Now)
	}
	return w, true
}

// folderProblem reports why the folder dir cannot be made, or files
// created in it, by this process: the nearest of its path that exists is
// not a folder, cannot be looked at, or may not be written; nil when it
// can.
func folderProblem(dir string) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Errorf("the backup folder %s cannot be made: %s is not a folder", dir, d)
		case err == nil:
			if err := writable(d); err != nil {
				return fmt.Errorf("the backup folder %s cannot be made: %w", dir, err)
			}
			return nil
		case !errors.Is(err, fs.ErrNotExist) || filepath.Dir(d) == d:
			return fmt.Errorf("the backup folder %s cannot be made: %w", dir, err)
		}
	}
}

// backupBase returns the path whose name f's backups extend: with a
// StateDir, <StateFolder>/<file name>, in the user's own folder, so that
// no copy of the credentials is left beside a kubeconfig (a project
// folder that git add -A takes whole); without one, beside the file (or
// beside the link to it, see besideWritable).
func (o EditOptions) backupBase(f *File) string {
	if o.StateDir != "" {
		return filepath.Join(StateFolder(o.StateDir, f.Real), filepath.Base(f.Real))
	}
	return f.besideWritable()
}

// BackupPattern returns the filepath.Match pattern of the backups Edit
// makes of file (a kubeconfig path, links resolved as Edit resolves
// them), with stateDir as EditOptions.StateDir.
func BackupPattern(stateDir, file string) string {
	real, err := resolveLink(file)
	if err != nil {
		real = file
	}
	f := &File{Path: file, Real: real}
	return EditOptions{StateDir: stateDir}.backupBase(f) + ".kubeboot-backup-*"
}

// besideWritable returns the path beside which kubeboot's own files for f
// (its backups without a StateDir, kubectl's lock) go: the file itself, or, when this
// process may not create files in its folder (a link to a writable file
// in a folder that is not), the path as listed, the link, in the user's
// own folder.
func (f *File) besideWritable() string {
	if f.Path != f.Real && writable(filepath.Dir(f.Real)) != nil {
		return f.Path
	}
	return f.Real
}

// replaceContent writes data to the existing file real as
// atomicfile.ReplaceOrInPlace does, saying when it wrote in place. It
// reports whether it did.
func replaceContent(real string, data parts, opts atomicfile.Options, before func() error, logf func(string, ...any)) (bool, error) {
	if fi, err := os.Stat(real); err == nil && !fi.Mode().IsRegular() {
		// A device (KUBECONFIG=/dev/null) or a pipe is never replaced by
		// a file, not even by root: it is written into, as kubectl
		// writes (unsynced: a device may refuse fsync).
		if err := atomicfile.WriteInPlace(real, data, true); err != nil {
			return false, err
		}
		logf("%s is not a regular file (%v): wrote into it, as kubectl does", real, fi.Mode().Type())
		return true, nil
	}
	refused, err := atomicfile.ReplaceOrInPlace(real, data, opts, before)
	if refused != nil && err == nil {
		logf("could not replace %s (%v); wrote it in place, as kubectl does", real, refused)
		return true, nil
	}
	return false, err
}

// write backs f up and replaces it with its new content, keeping the new
// file locked with locks.
func (f *File) write(w *FileWrite, locks *osLocks, logf func(string, ...any)) error {
	data := f.next
	if data == nil {
		f.Config.Path = f.Path
		enc, err := f.Config.Marshal()
		if err != nil {
			return err
		}
		data = parts{enc}
	}
	if w.Backup != "" {
		if _, err := atomicfile.MkdirAll(filepath.Dir(w.Backup), 0o700); err != nil {
			return &WriteError{File: f.Real, Err: fmt.Errorf("create the backup folder: %w", err)}
		}
		if err := backUp(f.Real, w.Backup, f.orig); err != nil {
			return &WriteError{File: f.Real, Err: fmt.Errorf("back up to %s: %w", w.Backup, err)}
		}
		logf("backed up %s to %s", f.Real, w.Backup)
	}
	owner := f.Real
	if !f.Exists {
		owner = filepath.Dir(f.Real) // a new file belongs to the folder's owner
		if err := atomicfile.WriteParts(f.Real, data, lockedOptions(owner, locks)); err != nil {
			return &WriteError{File: f.Real, Err: err}
		}
	} else {
		// A backup that is a hard link would be written over with the
		// file: written in place, it must be a copy.
		inPlace, err := replaceContent(f.Real, data, lockedOptions(owner, locks), func() error {
			if w.Backup == "" {
				return nil
			}
			if err := os.Remove(w.Backup); err != nil {
				return err
			}
			return copyBackup(f.Real, w.Backup, f.orig)
		}, logf)
		if err != nil {
			if w.Backup != "" {
				os.Remove(w.Backup)
			}
			return &WriteError{File: f.Real, Err: err}
		}
		w.InPlace = inPlace
	}
	logf("wrote %s", f.Real)
	f.written = data
	return nil
}

// backUp keeps orig, the content of real about to be replaced, at backup.
// When real is a regular file of that size with no other name, the backup
// is a hard link to it: the rename that follows gives real a new file and
// leaves the old one, already on disk, to the backup, so a large
// kubeconfig is neither copied nor synced twice; a link shares the file's
// mode, so it is made only for a file already private (owner-only, as
// 0600): every backup is private. Otherwise (a file others may read,
// another name shares the file and could change it later, links refused,
// Windows) it is a private copy (0600, the file's owner).
func backUp(real, backup string, orig []byte) error {
	if fi, err := os.Lstat(real); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 == 0 && fi.Size() == int64(len(orig)) && soleLink(fi) {
		if os.Link(real, backup) == nil {
			return nil
		}
	}
	return copyBackup(real, backup, orig)
}

// copyBackup writes orig, the content of real, to backup: 0600 (an
// owner-only ACL on Windows) whatever real's mode, with real's owner.
func copyBackup(real, backup string, orig []byte) error {
	return atomicfile.Write(backup, orig, atomicfile.Options{Private: true, KeepOwnerFrom: real, OwnerOnly: true})
}

// lockedOptions are privateOptions for a write of a file held with locks:
// its replacement is locked before it takes the file's place.
func lockedOptions(ownerFrom string, locks *osLocks) atomicfile.Options {
	o := privateOptions(ownerFrom)
	o.Replace = locks.replace
	return o
}

// rollBack puts the files already written back as they were.
func rollBack(done []*File, locks *osLocks, logf func(string, ...any)) error {
	var errs []error
	for _, f := range done {
		var err error
		if f.Exists {
			_, err = replaceContent(f.Real, parts{f.orig}, lockedOptions(f.Real, locks), nil, logf)
		} else {
			err = os.Remove(f.Real)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("could not restore %s (its backup holds the previous content): %w", f.Real, err))
		} else {
			logf("restored %s", f.Real)
		}
	}
	return errors.Join(errs...)
}

// targetFile returns the file that receives new entries and current-context.
func targetFile(files []*File) *File {
	for _, f := range files {
		if f.Target {
			return f
		}
	}
	return files[len(files)-1]
}
