//go:build unix

package kubeconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs f and fails the test when it does not return within d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// TestReadOfDevZeroIsBounded: a kubeconfig that is a link to /dev/zero
// (endless) is refused after MaxFileSize with an error naming the file,
// by List and by Use, with and without the summary cache.
func TestReadOfDevZeroIsBounded(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.Symlink("/dev/zero", path); err != nil {
		t.Fatal(err)
	}
	for _, cache := range []string{"", filepath.Join(dir, "cache")} {
		opts := EditOptions{Kubeconfig: path, Home: dir, CacheDir: cache}
		var lerr, uerr error
		within(t, 20*time.Second, "list of /dev/zero", func() { _, lerr = List(opts) })
		within(t, 20*time.Second, "use of /dev/zero", func() { _, uerr = Use(context.Background(), "x", opts) })
		for _, err := range []error{lerr, uerr} {
			var re *ReadError
			if !errors.Is(err, ErrTooLarge) || !errors.As(err, &re) || !strings.Contains(err.Error(), path) {
				t.Errorf("cache %q: %v, want a *ReadError naming %s, matching ErrTooLarge", cache, err, path)
			}
		}
	}
}

// TestFIFOKubeconfig: a kubeconfig that is a FIFO is read once, as
// process substitution makes it (not refused, and not consumed by the
// summary cache first); one nobody writes to makes Use return when its
// context ends instead of blocking for ever.
func TestFIFOKubeconfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(pruneDoc)
		f.Close()
	}()
	opts := EditOptions{Kubeconfig: path, Home: dir, CacheDir: filepath.Join(dir, "cache")}
	var infos []ContextInfo
	var err error
	within(t, 10*time.Second, "list of a FIFO with a writer", func() { infos, err = List(opts) })
	if err != nil || len(infos) != 3 {
		t.Fatalf("list of a FIFO: %v %v", infos, err)
	}
	// Nobody writes now: Use blocks in the read until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	within(t, 5*time.Second, "use of a FIFO nobody writes to", func() { _, err = Use(ctx, "lab", opts) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("use of a blocked FIFO: %v, want the context's error", err)
	}
	// Unblock the reader left behind.
	if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}
