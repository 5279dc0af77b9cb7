package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/filelock"
)

// ErrLockTimeout reports that another process held the kubeconfig lock for
// longer than ImportOptions.LockTimeout. Matched by *LockError.
var ErrLockTimeout = errors.New("timed out waiting for the kubeconfig lock")

// Lock holders, as LockError.Holder names them.
const (
	HolderKubeboot = "kubeboot" // another kubeboot write: the OS lock of the kubeconfig, or a <file>.lock with its pid
	HolderKubectl  = "kubectl"  // kubectl, or anything using client-go
	// HolderOtherUser: a <file>.lock of another user (LockError.UID) that
	// this user cannot read, so cannot tell kubectl's from a killed
	// kubeboot's (sudo kubeboot's, say).
	HolderOtherUser = "another user"
)

// LockError reports a lock that one holder kept for the whole timeout:
// while the locks change hands (other writers finishing one after the
// other, the kubeconfig changing), a writer keeps waiting. It matches
// ErrLockTimeout. When Holder is HolderKubectl, Lock is a <file>.lock that
// kubectl creates for the moment of a write: one that stays is left by a
// kubectl that was killed, and removing it is safe once no kubectl runs.
type LockError struct {
	Lock    string // the lock file, or the kubeconfig whose OS lock a kubeboot holds
	Holder  string // HolderKubeboot or HolderKubectl
	PID     int    // the holder's process, when known (a kubeboot); 0 otherwise
	UID     int    // the lock file's owner, for HolderOtherUser
	Timeout time.Duration
}

func (e *LockError) Error() string {
	if e.Holder == HolderOtherUser {
		return fmt.Sprintf("%s: %s is a lock file of another user (uid %d), unreadable to you, there for %v without changing hands; remove it if nothing of that user's is writing kubeconfigs", ErrLockTimeout, e.Lock, e.UID, e.Timeout)
	}
	who := e.Holder
	if e.PID > 0 {
		who += " pid " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("%s: %s held by %s for %v without changing hands", ErrLockTimeout, e.Lock, who, e.Timeout)
}

// lockWait is the patience of one write's lock waits, the OS locks' and
// kubectl's together: it runs out only when nothing moved for timeout.
// Movement is any change of the watched files (kubectl's lock files, which
// each new holder makes anew, and the kubeconfig files, which holders
// write): a queue of writers that keeps moving is waited out, one holder
// that keeps a lock is not.
type lockWait struct {
	timeout  time.Duration
	watch    []string
	last     string
	deadline time.Time
}

func newLockWait(timeout time.Duration, watch []string) *lockWait {
	w := &lockWait{timeout: timeout, watch: watch}
	w.last, w.deadline = w.fingerprint(), time.Now().Add(timeout)
	return w
}

// expired reports that the timeout passed since the watched files last
// changed.
func (w *lockWait) expired() bool {
	now := time.Now()
	if fp := w.fingerprint(); fp != w.last {
		w.last, w.deadline = fp, now.Add(w.timeout)
	}
	return now.After(w.deadline)
}

func (w *lockWait) fingerprint() string {
	var b strings.Builder
	for _, p := range w.watch {
		if fi, err := os.Lstat(p); err == nil {
			fmt.Fprintf(&b, "%d.%d;", fi.Size(), fi.ModTime().UnixNano())
		} else {
			b.WriteString("-;")
		}
	}
	return b.String()
}

// Is makes errors.Is(err, ErrLockTimeout) true.
func (e *LockError) Is(target error) bool { return target == ErrLockTimeout }

// KubectlLockName returns <path>.lock, the file kubectl (client-go's
// clientcmd) creates with O_CREATE|O_EXCL around every write of the
// kubeconfig path and removes afterwards. kubectl fails at once while it
// exists; Edit waits for it.
func KubectlLockName(path string) string { return path + ".lock" }

// lockMarker starts the content of every <file>.lock Edit creates;
// kubectl's are empty.
const lockMarker = "kubeboot-import pid "

// osLocks are the OS locks (flock) one write holds, on the kubeconfig
// files themselves: nothing of kubeboot's is created beside a
// kubeconfig for them. The OS drops them when the holder dies. They are
// the kubeboot writers' own exclusion, whatever their HOME or uid and
// however they reach the file (a symlink, a single-file bind mount, which
// shares the file and not its folder): kubectl takes none.
//
// Invariants:
//   - From the moment a writer holds the lock of the file a kubeconfig path
//     names until it releases its locks, the file the path names is locked
//     by that writer: a file it renames over the path is locked before the
//     rename (adopt), and a waiter that got the lock of a file the path no
//     longer names lets it go and locks the one it names now.
//   - A kubeconfig that does not exist yet is excluded through its folder's
//     lock until it exists.
//   - On Windows, which refuses to rename a file over one that is open,
//     none is taken (filelock.OpenReplaceable): kubectl's lock alone
//     excludes writers there, and its stale rule (lockKubectl) needs no
//     other lock. Windows has no single-file bind mounts, and writers
//     reaching a file through links share the lock beside the file.
//   - A lock that cannot be taken for another reason than another holder
//     (a file this user may not read, a file system without locks) is
//     passed over, said through logf: kubectl's lock still excludes every
//     writer of the path, and its stale rule (lockKubectl) does not depend
//     on these locks.
type osLocks struct {
	held []*os.File
}

// release lets every lock go; calling it again does nothing.
func (l *osLocks) release() {
	for i := len(l.held) - 1; i >= 0; i-- {
		filelock.Unlock(l.held[i])
		l.held[i].Close()
	}
	l.held = nil
}

// holds reports whether l holds the lock of the file fi.
func (l *osLocks) holds(fi fs.FileInfo) bool {
	for _, h := range l.held {
		if hi, err := h.Stat(); err == nil && os.SameFile(hi, fi) {
			return true
		}
	}
	return false
}

// lockFile takes the lock of the kubeconfig file real (links resolved),
// or of its folder while it does not exist, waiting as w allows.
func (l *osLocks) lockFile(ctx context.Context, real string, w *lockWait, logf func(string, ...any)) error {
	waited := false
	for {
		f, err := filelock.OpenReplaceable(real)
		if errors.Is(err, filelock.ErrUnsupported) {
			return nil // Windows: kubectl's lock alone
		}
		if errors.Is(err, fs.ErrNotExist) {
			if done, err := l.lockFolder(ctx, real, w, logf, &waited); done || err != nil {
				return err
			}
			continue // it exists now: lock the file
		}
		if err != nil {
			logf("could not open %s to lock it (%v); kubectl's lock alone excludes other writers", real, err)
			return nil
		}
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() || l.holds(fi) {
			f.Close() // not a file to lock, or held already (the same file twice in a list)
			return nil
		}
		named := func() bool {
			cur, err := os.Stat(real)
			return err == nil && os.SameFile(cur, fi)
		}
		got, err := l.wait(ctx, f, real, named, w, logf, &waited)
		if got == unlockable || err != nil {
			f.Close()
			return err
		}
		if got == locked && named() {
			l.held = append(l.held, f)
			return nil
		}
		// Replaced (or removed) while this process waited: the writer that
		// replaced it held the old file's lock; lock the file there now.
		if got == locked {
			filelock.Unlock(f)
		}
		f.Close()
	}
}

// lockFolder locks the folder of real, a file that does not exist, and
// reports true when it holds it and real still does not exist (or when
// the folder cannot be locked), false when real appeared meanwhile.
func (l *osLocks) lockFolder(ctx context.Context, real string, w *lockWait, logf func(string, ...any), waited *bool) (bool, error) {
	dir := filepath.Dir(real)
	d, err := filelock.OpenFolder(dir)
	if err != nil {
		if !errors.Is(err, filelock.ErrUnsupported) {
			logf("could not open %s to lock it (%v); kubectl's lock alone excludes other writers", dir, err)
		}
		return true, nil
	}
	missing := func() bool {
		_, err := os.Lstat(real)
		return errors.Is(err, fs.ErrNotExist)
	}
	got, err := l.wait(ctx, d, real, missing, w, logf, waited)
	if got != locked || err != nil {
		d.Close()
		return got == unlockable, err
	}
	if !missing() {
		filelock.Unlock(d)
		d.Close()
		return false, nil
	}
	l.held = append(l.held, d)
	return true, nil
}

// Outcomes of osLocks.wait.
const (
	locked     = iota
	moved      // the path no longer names the file (or real appeared): look again
	unlockable // no lock to be had here (said through logf)
)

// wait locks f, the file real or its folder, waiting as w allows while
// still is true (the path names that file still, or real is still
// missing).
func (l *osLocks) wait(ctx context.Context, f *os.File, real string, still func() bool, w *lockWait, logf func(string, ...any), waited *bool) (int, error) {
	got := locked
	err := filelock.Poll(ctx, func() (bool, error) {
		err := filelock.TryLock(f)
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, filelock.ErrWouldBlock):
			logf("could not lock %s (%v); kubectl's lock alone excludes other writers", f.Name(), err)
			got = unlockable
			return true, nil
		case !still():
			got = moved
			return true, nil
		case w.expired():
			// Only kubeboot locks kubeconfigs; the holder has (or is about
			// to take) kubectl's lock with its pid in it.
			pid, _ := kubebootLock(KubectlLockName(real))
			return false, &LockError{Lock: real, Holder: HolderKubeboot, PID: pid, Timeout: w.timeout}
		}
		if !*waited {
			logf("waiting for another writer of %s to finish (it holds the file's lock)", real)
			*waited = true
		}
		return false, nil
	})
	return got, err
}

// adopt locks tmp, a file this process wrote and is about to rename over
// a kubeconfig path it holds locked: the new file is locked from the
// moment it is there (see osLocks).
func (l *osLocks) adopt(tmp string) error {
	f, err := filelock.OpenReplaceable(tmp)
	if errors.Is(err, filelock.ErrUnsupported) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := filelock.TryLock(f); err != nil {
		f.Close()
		if errors.Is(err, filelock.ErrWouldBlock) {
			return fmt.Errorf("lock %s: %w", tmp, err)
		}
		return nil // no locks on this file system: none was taken either
	}
	l.held = append(l.held, f)
	return nil
}

// replace is atomicfile.Options.Replace for writes under l: the temp file
// is locked, then renamed over dst.
func (l *osLocks) replace(tmp, dst string) error {
	if err := l.adopt(tmp); err != nil {
		return err
	}
	return atomicfile.Replace(tmp, dst)
}

// kubebootLock reads the lock file name and returns the pid in it when
// it is one of kubeboot's (lockMarker) held by a live process (its OS
// lock held); false for kubectl's (empty), a stale one, or when it cannot
// be read.
func kubebootLock(name string) (int, bool) {
	f, err := filelock.Open(name)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	pid, ours := markerPID(f)
	if !ours {
		return 0, false
	}
	if err := filelock.TryLock(f); err == nil {
		filelock.Unlock(f)
		return 0, false // its creator is gone
	}
	return pid, true
}

// LeftLock reports that kubectl's lock of the kubeconfig path
// (KubectlLockName) is one a kubeboot write made and left when it was
// killed (its OS lock free): kubectl refuses to write path while it is
// there; the next kubeboot write removes it, as may the user. pid is the
// process that made it. It changes nothing.
func LeftLock(path string) (lock string, pid int, ok bool) {
	lock = KubectlLockName(path)
	f, err := filelock.Open(lock)
	if err != nil {
		return lock, 0, false
	}
	defer f.Close()
	pid, ours := markerPID(f)
	if !ours || filelock.TryLock(f) != nil {
		return lock, pid, false
	}
	filelock.Unlock(f)
	return lock, pid, true
}

func markerPID(f *os.File) (int, bool) {
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	text, ok := strings.CutPrefix(string(buf[:n]), lockMarker)
	if !ok {
		return 0, false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(text))
	return pid, true
}

// heldLock is one <file>.lock Edit created, and the handle that holds its
// OS lock.
type heldLock struct {
	name string
	f    *os.File // nil where the system has no locks
}

// lockKubectl creates kubectl's <path>.lock for every path (sorted, as
// client-go orders them), waiting while another holds one, as w allows.
// Each lock Edit creates has lockMarker and its pid in it, and its OS lock
// held for as long as it exists: one with the marker whose OS lock is free
// was left by a killed run, and is removed (staleLock). The returned func
// removes the locks; calling it again does nothing.
func lockKubectl(ctx context.Context, paths []string, w *lockWait, logf func(string, ...any)) (func(), error) {
	paths = append([]string(nil), paths...)
	sort.Strings(paths)
	var held []heldLock
	release := func() { // idempotent: a second call must not remove a lock kubectl took since
		for i := len(held) - 1; i >= 0; i-- {
			// Removed while its OS lock is held: one who judges it stale
			// gets the lock only once the name is gone, and then removes
			// nothing (staleLock checks the name).
			// Only the lock this write made: one removed by hand and made
			// anew (by kubectl) since is not ours.
			if f := held[i].f; f == nil || isFile(held[i].name, f) {
				os.Remove(held[i].name)
			}
			if f := held[i].f; f != nil {
				filelock.Unlock(f)
				f.Close()
			}
		}
		held = nil
	}
	for i, p := range paths {
		if i > 0 && p == paths[i-1] {
			continue
		}
		name := KubectlLockName(p)
		f, err := createLock(ctx, name, w, logf)
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, heldLock{name, f})
	}
	return release, nil
}

// isFile reports whether name still names the file f is open on.
func isFile(name string, f *os.File) bool {
	fi, err := f.Stat()
	cur, cerr := os.Lstat(name)
	return err == nil && cerr == nil && os.SameFile(fi, cur)
}

// createLock creates the lock file name, waiting while it exists, and
// returns the handle holding its OS lock (nil where there are none).
func createLock(ctx context.Context, name string, w *lockWait, logf func(string, ...any)) (*os.File, error) {
	content := []byte(lockMarker + strconv.Itoa(os.Getpid()) + "\n")
	waited := false
	// The lock appears with its marker already in it and its OS lock
	// already held (a hard link of a written, locked temp file), so a run
	// killed at any instant never leaves an empty lock, which would look
	// like kubectl's and stop every writer, and no one sees it unlocked
	// while its creator lives. Where links are not supported, it is
	// created exclusively, locked, then written.
	tmp, t, err := createTemp(name)
	if err == nil {
		if _, werr := t.Write(content); werr != nil {
			t.Close()
			os.Remove(tmp)
			t = nil
		} else {
			// Where there are no locks, it is made all the same; no one
			// can judge it stale then (staleLock), so it is never removed
			// but by its creator.
			_ = filelock.TryLock(t)
		}
	}
	defer func() {
		if t != nil {
			os.Remove(tmp)
			t.Close()
		}
	}()
	var got *os.File
	err = filelock.Poll(ctx, func() (bool, error) {
		if t != nil {
			err := os.Link(tmp, name)
			if err == nil {
				got, t = t, nil
				os.Remove(tmp)
				return true, nil
			}
			if !taken(name, err) {
				os.Remove(tmp)
				t.Close()
				t = nil
			}
		}
		if t == nil {
			f, err := filelock.Create(name, true, 0o600)
			if err == nil {
				filelock.TryLock(f) // new: no one else holds it
				if _, werr := f.Write(content); werr != nil {
					os.Remove(name)
					f.Close()
					return false, fmt.Errorf("create lock %s: %w", name, werr)
				}
				got = f
				return true, nil
			}
			if !taken(name, err) {
				return false, fmt.Errorf("create lock %s: %w", name, err)
			}
		}
		pid, ours, removed := staleLock(name)
		if removed {
			logf("removed %s, left by an interrupted run (pid %d)", name, pid)
			return false, nil
		}
		holder, uid := HolderKubectl, 0
		if ours {
			holder = HolderKubeboot
		} else if u, ok := foreignLock(name); ok {
			holder, uid = HolderOtherUser, u
		}
		if !waited {
			logf("waiting for %s to release %s", holder, name)
			waited = true
		}
		if w.expired() {
			return false, &LockError{Lock: name, Holder: holder, PID: pid, UID: uid, Timeout: w.timeout}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// foreignLock reports the owner of the lock file name when it is another
// user's and this process may not read it (so cannot tell whose it is).
func foreignLock(name string) (int, bool) {
	fi, err := os.Lstat(name)
	if err != nil {
		return 0, false
	}
	uid, known := fileOwner(fi)
	if !known || uid == os.Geteuid() {
		return 0, false
	}
	f, err := filelock.Open(name)
	if err == nil {
		f.Close()
		return 0, false
	}
	return uid, errors.Is(err, fs.ErrPermission)
}

// taken reports that err, from creating the lock file name, says it is
// there: it exists, or (Windows) it is being removed and refuses access
// until its last handle closes.
func taken(name string, err error) bool {
	if errors.Is(err, fs.ErrExist) {
		return true
	}
	if !errors.Is(err, fs.ErrPermission) {
		return false
	}
	_, lerr := os.Lstat(name)
	return lerr == nil || errors.Is(lerr, fs.ErrPermission)
}

// tempSeq tells apart the temp files of one process's writers.
var tempSeq atomic.Uint64

// createTemp creates a temp file of its own for the lock file name, named
// as atomicfile's (swept alike).
func createTemp(name string) (string, *os.File, error) {
	for {
		tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".kubeboot-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(tempSeq.Add(1), 10)+".tmp")
		t, err := filelock.Create(tmp, true, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			return tmp, t, err
		}
	}
}

// staleLock removes the lock file name when it is one of kubeboot's
// whose creator is gone (its OS lock free) and reports so, with the pid
// in it (ours: it is kubeboot's). Of several processes judging the same
// lock at once, exactly one removes it: the judge holds the lock's OS
// lock and checks that name still names that file when it removes it, and
// no one else removes or replaces it meanwhile (its creator removes it
// holding the OS lock; a new lock needs the name free).
func staleLock(name string) (pid int, ours, removed bool) {
	f, err := filelock.Open(name)
	if err != nil {
		return 0, false, false // gone meanwhile: try again
	}
	defer f.Close()
	pid, ours = markerPID(f)
	if !ours || filelock.TryLock(f) != nil {
		return pid, ours, false // kubectl's, a live kubeboot's, or no locks here
	}
	defer filelock.Unlock(f)
	fi, err := f.Stat()
	if err != nil {
		return pid, ours, false
	}
	if cur, err := os.Stat(name); err != nil || !os.SameFile(cur, fi) || filelock.Unlinked(f) {
		return pid, ours, false // removed (and maybe made anew) meanwhile
	}
	return pid, ours, os.Remove(name) == nil
}
