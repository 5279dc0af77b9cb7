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
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/filelock"
)

// ErrLockTimeout reports that another process held the kubeconfig lock for
// longer than ImportOptions.LockTimeout. Matched by *LockError.
var ErrLockTimeout = errors.New("timed out waiting for the kubeconfig lock")

// Lock holders, as LockError.Holder names them.
const (
	HolderKubeboot = "kubeboot" // another Import, through the sidecar lock
	HolderKubectl  = "kubectl"  // kubectl, or anything using client-go
)

// LockError reports a lock that one holder kept for the whole timeout:
// while the locks change hands (other writers finishing one after the
// other, the kubeconfig changing), a writer keeps waiting. It matches
// ErrLockTimeout. When Holder is HolderKubectl, Lock is a <file>.lock that
// kubectl creates for the moment of a write: one that stays is left by a
// kubectl that was killed, and removing it is safe once no kubectl runs.
type LockError struct {
	Lock    string // the lock file
	Holder  string // HolderKubeboot or HolderKubectl
	PID     int    // the holder's process, when known (a kubeboot); 0 otherwise
	Timeout time.Duration
}

func (e *LockError) Error() string {
	who := e.Holder
	if e.PID > 0 {
		who += " pid " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("%s: %s held by %s for %v without changing hands", ErrLockTimeout, e.Lock, who, e.Timeout)
}

// lockWait is the patience of one write's lock waits, the sidecar lock's
// and kubectl's together: it runs out only when nothing moved for timeout.
// Movement is any change of the watched files (the lock files, which each
// new holder makes anew or stamps, and the kubeconfig files, which holders
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

// holderPID reads the pid a kubeboot holder wrote into a lock file; 0 when
// there is none (kubectl's locks are empty).
func holderPID(name string) int {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(data), lockMarker))
	pid, err := strconv.Atoi(text)
	if err != nil {
		return 0
	}
	return pid
}

// Is makes errors.Is(err, ErrLockTimeout) true.
func (e *LockError) Is(target error) bool { return target == ErrLockTimeout }

// LockName returns the sidecar file Import locks for the kubeconfig at file
// (an OS lock, released even when the holder is killed), which serialises
// kubeboot's own writers.
func LockName(file string) string {
	return filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".kubeboot-lock")
}

// KubectlLockName returns <path>.lock, the file kubectl (client-go's
// clientcmd) creates with O_CREATE|O_EXCL around every write of the
// kubeconfig path and removes afterwards. kubectl fails at once while it
// exists; Import waits for it.
func KubectlLockName(path string) string { return path + ".lock" }

// lockMarker starts the content of every <file>.lock Import creates;
// kubectl's are empty. Under the sidecar lock, a lock file with the marker
// was left by a killed Import and is removed.
const lockMarker = "kubeboot-import pid "

// lockSidecar takes the sidecar OS lock of file, waiting as w allows, and
// stamps it with this process's pid (which also shows waiters that the
// lock changed hands).
func lockSidecar(ctx context.Context, file string, w *lockWait, logf func(string, ...any)) (func(), error) {
	name := LockName(file)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", name, err)
	}
	// Created by root under a user's home, it must stay openable by them.
	atomicfile.KeepOwner(name, filepath.Dir(file))
	if err := filelock.TryLock(f); errors.Is(err, filelock.ErrWouldBlock) {
		logf("waiting for another writer to release %s", name)
		err = filelock.Poll(ctx, func() (bool, error) {
			err := filelock.TryLock(f)
			switch {
			case err == nil:
				return true, nil
			case !errors.Is(err, filelock.ErrWouldBlock):
				return false, err
			case w.expired():
				return false, &LockError{Lock: name, Holder: HolderKubeboot, PID: holderPID(name), Timeout: w.timeout}
			}
			return false, nil
		})
		if err != nil {
			f.Close()
			return nil, err
		}
	} else if err != nil {
		f.Close()
		return nil, err
	}
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(lockMarker+strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		filelock.Unlock(f)
		f.Close()
	}, nil
}

// lockKubectl creates kubectl's <path>.lock for every path (sorted, as
// client-go orders them), waiting while kubectl holds one, until deadline.
// The caller holds the sidecar lock, so a lock file with lockMarker is
// stale. The returned func removes the locks; calling it again does
// nothing.
func lockKubectl(ctx context.Context, paths []string, w *lockWait, logf func(string, ...any)) (func(), error) {
	paths = append([]string(nil), paths...)
	sort.Strings(paths)
	var held []string
	release := func() { // idempotent: a second call must not remove a lock kubectl took since
		for i := len(held) - 1; i >= 0; i-- {
			os.Remove(held[i])
		}
		held = nil
	}
	for i, p := range paths {
		if i > 0 && p == paths[i-1] {
			continue
		}
		name := KubectlLockName(p)
		if err := createLock(ctx, name, w, logf); err != nil {
			release()
			return nil, err
		}
		held = append(held, name)
	}
	return release, nil
}

func createLock(ctx context.Context, name string, w *lockWait, logf func(string, ...any)) error {
	content := []byte(lockMarker + strconv.Itoa(os.Getpid()) + "\n")
	waited := false
	// The lock appears with its marker already in it (a hard link of a
	// written temp file), so a run killed at any instant never leaves an
	// empty lock, which would look like kubectl's and stop every writer.
	// Where links are not supported, it is created exclusively and
	// written.
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".kubeboot-"+strconv.Itoa(os.Getpid())+".tmp")
	linked := os.WriteFile(tmp, content, 0o600) == nil
	defer os.Remove(tmp)
	return filelock.Poll(ctx, func() (bool, error) {
		if linked {
			err := os.Link(tmp, name)
			if err == nil {
				return true, nil
			}
			if !errors.Is(err, fs.ErrExist) {
				linked = false
			}
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, werr := f.Write(content)
			cerr := f.Close()
			if werr != nil || cerr != nil {
				os.Remove(name)
				return false, fmt.Errorf("create lock %s: %w", name, errors.Join(werr, cerr))
			}
			return true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return false, fmt.Errorf("create lock %s: %w", name, err)
		}
		if data, rerr := os.ReadFile(name); rerr == nil && strings.HasPrefix(string(data), lockMarker) {
			// Ours, and no kubeboot holds the sidecar: a killed run left it.
			if os.Remove(name) == nil {
				logf("removed %s, left by an interrupted run", name)
			}
			return false, nil
		}
		if !waited {
			logf("waiting for kubectl to release %s", name)
			waited = true
		}
		if w.expired() {
			return false, &LockError{Lock: name, Holder: HolderKubectl, PID: holderPID(name), Timeout: w.timeout}
		}
		return false, nil
	})
}
