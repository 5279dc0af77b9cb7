// Package filelock takes advisory, exclusive locks on files that the
// operating system releases when the holder dies (flock on Unix, LockFileEx
// on Windows), so a run killed with SIGKILL never leaves a stale lock
// behind.
//
// Invariants:
//   - A lock excludes only other lockers: on Windows, where LockFileEx locks
//     are mandatory for the bytes they cover, it covers one byte far past
//     any data a file holds (LockOffset), so locking a file others read and
//     write (a kubeconfig) never makes their reads or writes fail. It
//     overlaps the whole-file lock older versions took, so both exclude
//     each other.
//   - Files opened with Open and Create may be renamed over, renamed and
//     removed while open, on Windows too (FILE_SHARE_DELETE): holding one
//     never stops another program replacing or removing the file.
package filelock

import (
	"context"
	"errors"
	"os"
	"time"
)

// ErrWouldBlock reports that another process holds the lock.
var ErrWouldBlock = errors.New("file is locked by another process")

// ErrUnsupported reports a lock this system cannot take (a folder on
// Windows).
var ErrUnsupported = errors.New("lock not supported here")

// LockOffset is the one byte Windows locks cover: past any data a file
// holds (4 EiB), so that a lock never refuses reads or writes of the data.
const LockOffset = 1 << 62

// Open opens the existing file name to lock it: on Unix for reading and
// writing where this process may (NFS refuses an exclusive lock on a file
// opened for reading only: EBADF), else for reading, without blocking (a
// FIFO) and not inherited by children; on Windows for reading,
// sharing reading, writing and deletion with every other handle, so that
// the file may still be written, replaced by a rename or removed.
func Open(name string) (*os.File, error) { return openShared(name) }

// Create creates name for reading and writing with mode perm (exclusive:
// it must not exist; else truncated), shared as Open shares it.
func Create(name string, exclusive bool, perm os.FileMode) (*os.File, error) {
	return createShared(name, exclusive, perm)
}

// OpenFolder opens the folder dir to lock it; ErrUnsupported on Windows,
// where a folder cannot be locked.
func OpenFolder(dir string) (*os.File, error) { return openFolder(dir) }

// OpenReplaceable is Open for a file that others replace by a rename
// while it is held (a kubeconfig). ErrUnsupported on Windows, where a
// rename over a file that is open is refused (the NT semantics Wine
// follows) even with FILE_SHARE_DELETE: holding it would make every such
// write fail.
func OpenReplaceable(name string) (*os.File, error) { return openReplaceable(name) }

// Unlinked reports that the file f is open on has no name left: removed
// (on Windows, also about to be: delete pending).
func Unlinked(f *os.File) bool { return unlinked(f) }

// TryLock takes an exclusive lock on f without waiting. It returns
// ErrWouldBlock when another process holds it.
func TryLock(f *os.File) error { return tryLock(f) }

// Unlock releases a lock taken by TryLock or Lock.
func Unlock(f *os.File) error { return unlock(f) }

// Lock takes an exclusive lock on f, polling until ctx is done. Polling keeps
// the wait cancellable on every OS, which a blocking flock call is not.
func Lock(ctx context.Context, f *os.File) error {
	return Poll(ctx, func() (bool, error) {
		err := tryLock(f)
		if errors.Is(err, ErrWouldBlock) {
			return false, nil
		}
		return err == nil, err
	})
}

// Poll calls try until it reports done or an error, waiting between calls
// (5 ms, doubling up to 100 ms), and returns ctx.Err() once ctx is done. It
// is the one waiting loop of every lock kubeboot takes, including ones that
// are not OS locks (kubectl's <file>.lock).
func Poll(ctx context.Context, try func() (done bool, err error)) error {
	delay := 5 * time.Millisecond
	for {
		done, err := try()
		if done || err != nil {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}
