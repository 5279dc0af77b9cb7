package filelock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func openLockFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestTryLockExcludesSecondHandle(t *testing.T) {
	path := filepath.Join(testutil.TempDir(t), "lock")
	a, b := openLockFile(t, path), openLockFile(t, path)
	if err := TryLock(a); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if err := TryLock(b); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("second lock while held: got %v, want ErrWouldBlock", err)
	}
	if err := Unlock(a); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(b); err != nil {
		t.Fatalf("lock after release: %v", err)
	}
}

func TestLockWaitsForReleaseAndHonoursContext(t *testing.T) {
	path := filepath.Join(testutil.TempDir(t), "lock")
	a, b := openLockFile(t, path), openLockFile(t, path)
	if err := TryLock(a); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := Lock(ctx, b); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock on a held file: got %v, want deadline exceeded", err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(30 * time.Millisecond)
		Unlock(a)
	}()
	defer func() { <-released }()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := Lock(ctx2, b); err != nil {
		t.Fatalf("Lock after the holder released: %v", err)
	}
}

func TestClosingReleasesLock(t *testing.T) {
	path := filepath.Join(testutil.TempDir(t), "lock")
	a, b := openLockFile(t, path), openLockFile(t, path)
	if err := TryLock(a); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := TryLock(b); err != nil {
		t.Fatalf("lock after the holder closed its handle: %v", err)
	}
}
