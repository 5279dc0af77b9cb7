package kubeconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestLockWaitFollowsTheQueue: while kubectl's lock keeps changing hands
// (one kubectl after another, each writing the file), a write waits past
// its timeout and then succeeds; when one holder keeps the lock for the
// whole timeout, it gives up, naming the lock and its holder.
func TestLockWaitFollowsTheQueue(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte(pruneDoc), 0o600)
	lock := KubectlLockName(path)
	opts := EditOptions{Kubeconfig: path, Home: dir, LockTimeout: 300 * time.Millisecond}
	// Eight kubectl writes in a row, 150 ms each: 1.2 s in all.
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 8; i++ {
			if i > 0 {
				f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
				if err != nil {
					continue // the waiter got in between: fine
				}
				f.Close()
			}
			time.Sleep(150 * time.Millisecond)
			os.WriteFile(path, []byte(pruneDoc+"# kubectl write "+strconv.Itoa(i)+"\n"), 0o600)
			os.Remove(lock)
		}
	}()
	start := time.Now()
	_, err := Use(context.Background(), "lab", opts)
	<-done
	if err != nil {
		t.Fatalf("use while the queue moved (after %v): %v", time.Since(start), err)
	}
	if c := mustLoad(t, path); c.CurrentContext != "lab" {
		t.Errorf("current-context %q", c.CurrentContext)
	}

	// One holder keeps it: given up after about the timeout.
	os.WriteFile(lock, nil, 0o600)
	defer os.Remove(lock)
	start = time.Now()
	_, err = Use(context.Background(), "tunnel", opts)
	var le *LockError
	if !errors.As(err, &le) || le.Holder != HolderKubectl || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "kubectl") {
		t.Fatalf("use with a lock held: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, timeout 300ms", d)
	}
}
