package kubeconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// listEnv writes pruneDoc to dir/config and returns options whose
// KUBECONFIG is list (joined with the OS's separator), run from dir.
func listEnv(t *testing.T, list ...string) (EditOptions, string) {
	t.Helper()
	dir := testutil.TempDir(t)
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
	// Empty on purpose, for a while: not a write in progress.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes("empty", old, old); err != nil {
		t.Fatal(err)
	}
	names := []string{"lab", "live"}
	perWrite := func(opts EditOptions) time.Duration {
		start := time.Now()
		for i := 0; i < 4; i++ {
			if _, err := Use(context.Background(), names[i%2], opts); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(start) / 4
	}
	// Against the same writes without it, in the same run: waiting on an
	// empty file cost about 200 ms a write, far more than a busy machine's
	// noise between the two.
	without := perWrite(EditOptions{Home: opts.Home, LockTimeout: opts.LockTimeout, Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return "config"
		}
		return ""
	}})
	if with := perWrite(opts); with > without+100*time.Millisecond {
		t.Errorf("a write took %v with an empty file in the list, %v without", with, without)
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

// TestNamelessEntry: a context (or user) without a name is named "", as
// kubectl reads it: the file stays usable, the others are listed and
// selected, and a write keeps the nameless entry.
func TestNamelessEntry(t *testing.T) {
	opts, path := listEnv(t)
	doc := pruneDoc + "- {context: {cluster: lab, user: lab}}\n"
	os.WriteFile(path, []byte(doc), 0o600)
	opts.Kubeconfig = path
	infos, err := List(opts)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var names []string
	for _, c := range infos {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != ",lab,live,tunnel" {
		t.Errorf("listed %q", got)
	}
	if _, err := Use(context.Background(), "lab", opts); err != nil {
		t.Fatalf("use: %v", err)
	}
	c := mustLoad(t, path)
	if c.CurrentContext != "lab" || len(c.Contexts) != 4 {
		t.Errorf("after use: current %q, %d contexts", c.CurrentContext, len(c.Contexts))
	}
	if _, err := Use(context.Background(), "", opts); err == nil {
		t.Error("use of the empty name succeeded")
	}
	// A full rewrite keeps it too.
	if _, err := Delete(context.Background(), []string{"tunnel"}, DeleteOptions{}, opts); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if c := mustLoad(t, path); len(c.Contexts) != 3 || c.Contexts[2].Name != "" {
		t.Errorf("after delete: %+v", c.Contexts)
	}
}

// An empty file is waited on (read again) only while it may be a write in
// progress: kubectl's lock beside it, or changed within the last second.
func TestMaybeBeingWritten(t *testing.T) {
	dir := testutil.TempDir(t)
	f := filepath.Join(dir, "config")
	os.WriteFile(f, nil, 0o600)
	if !maybeBeingWritten(f) {
		t.Error("a file written just now")
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(f, old, old)
	if maybeBeingWritten(f) {
		t.Error("an old empty file without a lock")
	}
	os.WriteFile(f+".lock", nil, 0o600)
	if !maybeBeingWritten(f) {
		t.Error("an old file with kubectl's lock beside it")
	}
}
