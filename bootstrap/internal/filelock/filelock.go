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
