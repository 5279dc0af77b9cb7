package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/filelock"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// folderNames lists the names in dir, sorted.
func folderNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// TestNothingOfKubebootBesideTheKubeconfig: after every kind of write
// (use, namespace, rename, import, delete, prune, a new file, failed
// writes), the kubeconfig's folder holds what it held and nothing of
// kubeboot's: no lock file of its own, no backup, no state, no temp file.
func TestNothingOfKubebootBesideTheKubeconfig(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(pruneDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes"), []byte("mine"), 0o600)
	want := fmt.Sprint(folderNames(t, dir))
	home, state := testutil.TempDir(t), testutil.TempDir(t)
	ctx := context.Background()
	opts := EditOptions{Kubeconfig: path, Home: home, StateDir: state, Getenv: func(string) string { return "" }}
	check := func(what string, err error, wantErr bool) {
		t.Helper()
		if (err != nil) != wantErr {
			t.Fatalf("%s: %v", what, err)
		}
		if got := fmt.Sprint(folderNames(t, dir)); got != want {
			t.Errorf("after %s the kubeconfig's folder holds %s, want %s", what, got, want)
		}
	}
	_, err := Use(ctx, "lab", opts)
	check("use", err, false)
	_, err = Use(ctx, "-", opts)
	check("use -", err, false)
	_, err = SetNamespace(ctx, "tenant", "", opts)
	check("namespace", err, false)
	_, err = Rename(ctx, "tunnel", "tun", RenameOptions{}, opts)
	check("rename", err, false)
	src := copyInto(t, "testdata/corpus/coreweave.yaml", testutil.TempDir(t), "cw-kubeconfig")
	_, err = Import(ctx, ImportOptions{Source: src, Kubeconfig: path, Home: home, StateDir: state, Getenv: opts.Getenv})
	check("import", err, false)
	_, err = Import(ctx, ImportOptions{Source: src, Kubeconfig: path, Home: home, StateDir: state, Getenv: opts.Getenv, Name: "lab"})
	check("an import refused for a conflict", err, true)
	_, err = Use(ctx, "no-such-context", opts)
	check("a use of an unknown context", err, true)
	_, err = Delete(ctx, []string{"tun"}, DeleteOptions{Cascade: true}, opts)
	check("delete", err, false)
	s := &scripted{m: map[string]CheckState{"live": CheckOK, "lab": CheckRejected}, n: map[string]int{}}
	co := CheckOptions{Timeout: 5 * time.Second}
	plan, err := PlanPrune(ctx, opts, co, s.check)
	check("prune --dry-run", err, false)
	res, err := Prune(ctx, plan, opts, co, s.check)
	check("prune", err, false)
	if len(res.Contexts) == 0 {
		t.Errorf("prune removed nothing: %+v", res)
	}

	// A new kubeconfig in a folder of its own: only it is made.
	dir2 := testutil.TempDir(t)
	_, err = Import(ctx, ImportOptions{Source: src, Kubeconfig: filepath.Join(dir2, "config"), Home: home, StateDir: state, Getenv: opts.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(folderNames(t, dir2)); got != "[config]" {
		t.Errorf("a new kubeconfig's folder holds %s", got)
	}
}

// TestReplacedFileStaysLocked: the file a write renames over the
// kubeconfig is locked before it takes the old one's place, so another
// kubeboot never gets the lock of the path while the writer still works
// (a rollback, kubectl's lock still to be removed).
func TestReplacedFileStaysLocked(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no OS lock on the kubeconfig on Windows (filelock.OpenReplaceable)")
	}
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte(pruneDoc), 0o600)
	before, _ := os.Stat(path)
	opts := EditOptions{Kubeconfig: path, Home: dir, Getenv: func(string) string { return "" }}
	checked := false
	_, err := edit(context.Background(), opts, func(files []*File) error {
		targetFile(files).Config.CurrentContext = "lab"
		return nil
	}, editHooks{after: func([]*File) error {
		now, _ := os.Stat(path)
		if os.SameFile(before, now) {
			t.Log("written in place, not replaced")
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := filelock.TryLock(f); !errors.Is(err, filelock.ErrWouldBlock) {
			t.Errorf("the new kubeconfig is not locked while its writer works: %v", err)
		}
		checked = true
		return nil
	}})
	if err != nil || !checked {
		t.Fatalf("edit: %v (checked %v)", err, checked)
	}
	// Released afterwards.
	f, _ := os.Open(path)
	defer f.Close()
	if err := filelock.TryLock(f); err != nil {
		t.Errorf("still locked after the write: %v", err)
	}
}

// TestWaiterFollowsTheReplacedFile: a writer waiting for the lock of a
// kubeconfig that is then replaced by a rename (its holder keeping the
// old file's lock) locks the file the path names now and goes on.
func TestWaiterFollowsTheReplacedFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no OS lock on the kubeconfig on Windows (filelock.OpenReplaceable)")
	}
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte(pruneDoc), 0o600)
	hold, err := filelock.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if err := filelock.TryLock(hold); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs []string
	opts := EditOptions{Kubeconfig: path, Home: dir, Getenv: func(string) string { return "" }, LockTimeout: 20 * time.Second,
		Logf: func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }}
	done := make(chan error, 1)
	go func() { _, err := Use(context.Background(), "lab", opts); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("use went ahead while another held the kubeconfig's lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	mu.Lock()
	if !strings.Contains(strings.Join(logs, "\n"), "waiting for another writer of "+path+" to finish") {
		t.Errorf("logs %q", logs)
	}
	mu.Unlock()
	tmp := path + ".new"
	os.WriteFile(tmp, []byte(pruneDoc+"# replaced\n"), 0o600)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("use still waits on the lock of a file the path no longer names")
	}
	if c := mustLoad(t, path); c.CurrentContext != "lab" {
		t.Errorf("current-context %q", c.CurrentContext)
	}
}

// TestStaleLockRemovedOnce: a <file>.lock left by a killed kubeboot (its
// marker, no live holder) is removed by exactly one of several writers
// racing for it, and none removes the fresh lock another just took: they
// hold it one at a time. Each writer's handles are its own, as another
// process's would be, and no kubeconfig lock is taken: kubectl's lock and
// its stale rule alone exclude them.
func TestStaleLockRemovedOnce(t *testing.T) {
	for round := 0; round < 5; round++ {
		dir := testutil.TempDir(t)
		path := filepath.Join(dir, "config")
		lock := KubectlLockName(path)
		if err := os.WriteFile(lock, []byte(lockMarker+"99999\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var removed, inside, most atomic.Int32
		logf := func(f string, a ...any) {
			if strings.HasPrefix(f, "removed") {
				removed.Add(1)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				release, err := lockKubectl(context.Background(), []string{path}, newLockWait(time.Minute, []string{lock}), logf)
				if err != nil {
					errs <- err
					return
				}
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(10 * time.Millisecond)
				inside.Add(-1)
				release()
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// Under Wine (NT semantics) a removed file keeps its name until its
		// last handle closes: a judge that held it open may remove it
		// again, a no-op, while no new lock can be made there.
		if (removed.Load() != 1 && runtime.GOOS != "windows") || removed.Load() < 1 || most.Load() != 1 {
			t.Fatalf("round %d: the stale lock was removed %d times; %d writers held the lock at once", round, removed.Load(), most.Load())
		}
		if _, err := os.Lstat(lock); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("round %d: %s left: %v", round, lock, err)
		}
		if got := fmt.Sprint(folderNames(t, dir)); got != "[]" {
			t.Errorf("round %d: left %s", round, got)
		}
	}
}

// TestLiveKubebootLockIsNamed: a <file>.lock a live kubeboot holds (its
// OS lock held) is waited for and never removed; the timeout names
// kubeboot and its pid.
func TestLiveKubebootLockIsNamed(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	lock := KubectlLockName(path)
	release, err := lockKubectl(context.Background(), []string{path}, newLockWait(time.Second, nil), func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, err = lockKubectl(context.Background(), []string{path}, newLockWait(200*time.Millisecond, nil), func(string, ...any) {})
	var le *LockError
	if !errors.As(err, &le) || le.Holder != HolderKubeboot || le.PID != os.Getpid() || le.Lock != lock {
		t.Fatalf("err = %v", err)
	}
	if pid, ours := kubebootLock(lock); !ours || pid != os.Getpid() {
		t.Errorf("the live lock was removed or changed: %d %v", pid, ours)
	}
}

// helperHoldEdit edits the kubeconfig its HOME leads to (HELPER_KUBECONFIG
// when set): inside the edit, holding every lock, it selects the context
// "tunnel", says "holding" and waits for its stdin to close.
func helperHoldEdit() {
	opts := EditOptions{Kubeconfig: os.Getenv("HELPER_KUBECONFIG"), Home: os.Getenv("HOME"), Getenv: func(string) string { return "" }, LockTimeout: time.Minute,
		StateDir: filepath.Join(os.Getenv("HOME"), "state")}
	_, err := Edit(context.Background(), opts, func(files []*File) error {
		targetFile(files).Config.CurrentContext = "tunnel"
		fmt.Println("holding")
		io.Copy(io.Discard, os.Stdin)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}
