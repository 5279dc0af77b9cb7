// Package filelock takes advisory, whole-file locks that the operating system
// releases when the holder dies (flock on Unix, LockFileEx on Windows), so a
// run killed with SIGKILL never leaves a stale lock behind.
package filelock

import (
	"context"
	"errors"
	"os"
	"time"
)

// ErrWouldBlock reports that another process holds the lock.
var ErrWouldBlock = errors.New("file is locked by another process")

// TryLock takes an exclusive lock on f without waiting. It returns
// ErrWouldBlock when another process holds it.
func TryLock(f *os.File) error { return tryLock(f) }

// Unlock releases a lock taken by TryLock or Lock.
func Unlock(f *os.File) error { return unlock(f) }

// Lock takes an exclusive lock on f, polling until ctx is done. Polling keeps
// the wait cancellable on every OS, which a blocking flock call is not.
func Lock(ctx context.Context, f *os.File) error {
	delay := 5 * time.Millisecond
	for {
		err := tryLock(f)
		if !errors.Is(err, ErrWouldBlock) {
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
