package kubeconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listEnv writes pruneDoc to dir/config and returns options whose
// KUBECONFIG is list (joined with the OS's separator), run from dir.
func listEnv(t *testing.T, list ...string) (EditOptions, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(pruneDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	kc := strings.Join(list, string(os.PathListSeparator))
	return EditOptions{Home: dir, LockTimeout: 3 * time.Second, Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return kc
		}
		return ""
	}}, path
}

// TestSameFileTwiceInList: KUBECONFIG=config:./config names one file;
// a write neither waits on its own lock nor blames another kubeboot.
func TestSameFileTwiceInList(t *testing.T) {
	opts, path := listEnv(t, "config", "./config", filepath.Join(".", ".", "config"))
	start := time.Now()
	res, err := Use(context.Background(), "lab", opts)
	if err != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("use with the same file twice: %v after %v", err, time.Since(start))
	}
	if len(res.Edit.Written) != 1 {
		t.Errorf("written %+v", res.Edit.Written)
	}
	if c := mustLoad(t, path); c.CurrentContext != "lab" {
		t.Errorf("current-context %q", c.CurrentContext)
	}
	infos, err := List(opts)
	if err != nil || len(infos) != 3 {
		t.Errorf("list: %v %v", infos, err)
	}
}

// TestEmptyFileInListIsNotWaitedOn: an empty file in the list (kept
// empty on purpose) costs a write nothing: under the locks no kubectl can
// be rewriting it, so it is not read again and again.
func TestEmptyFileInListIsNotWaitedOn(t *testing.T) {
	opts, _ := listEnv(t, "config", "empty")
	if err := os.WriteFile("empty", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	names := []string{"lab", "live"}
	start := time.Now()
	for i := 0; i < 4; i++ {
		if _, err := Use(context.Background(), names[i%2], opts); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start) / 4; d > 120*time.Millisecond {
		t.Errorf("a write took %v with an empty file in the list", d)
	}
}

// TestFailedWriteCreatesNothing: a write that fails (an unknown context)
// into a kubeconfig whose folder does not exist creates neither the
// folder nor a lock; a literal ~ in KUBECONFIG (not expanded by a shell)
// never becomes a folder named ~.
func TestFailedWriteCreatesNothing(t *testing.T) {
	opts, _ := listEnv(t, filepath.Join("new", "kube", "config"))
	if _, err := Use(context.Background(), "nope", opts); err == nil {
		t.Fatal("use of an unknown context succeeded")
	}
	if _, err := os.Stat("new"); !os.IsNotExist(err) {
		t.Errorf("a failed use created its folder: %v", err)
	}
	opts, _ = listEnv(t, "~/.kube/config")
	src, _ := filepath.Abs("config")
	_, err := Import(context.Background(), ImportOptions{Source: src, Getenv: opts.Getenv, Home: opts.Home})
	if err == nil || !strings.Contains(err.Error(), "~") {
		t.Errorf("import into ~/.kube/config (a literal ~): %v", err)
	}
	if _, err := os.Stat("~"); !os.IsNotExist(err) {
		t.Errorf("a folder named ~ was created: %v", err)
	}
}
