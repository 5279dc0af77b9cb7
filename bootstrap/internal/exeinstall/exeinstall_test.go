package exeinstall

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestParseChecksum(t *testing.T) {
	d := strings.Repeat("ab", 32)
	e := strings.Repeat("cd", 32)
	tests := []struct {
		name, body, file, want string
	}{
		{"bare, dl.k8s.io", d, "kubectl", d},
		{"bare with newline", d + "\n", "kubectl", d},
		{"upper case", strings.ToUpper(d), "kubectl", d},
		{"sha256sum text", d + "  kubectl\n", "kubectl", d},
		{"sha256sum binary", d + " *kubectl.exe\r\n", "kubectl.exe", d},
		{"with a folder", d + "  bin/linux/amd64/kubectl", "kubectl", d},
		{"checksums.txt", e + "  kubeboot_darwin_arm64.tar.gz\n" + d + "  kubeboot_linux_amd64.tar.gz\n", "kubeboot_linux_amd64.tar.gz", d},
		{"agreeing duplicates", d + "  k\n" + d + "  k\n", "k", d},
		{"other name", d + "  kubeadm", "kubectl", ""},
		{"name with the same suffix", d + "  notkubectl", "kubectl", ""},
		{"disagreeing lines", d + "  k\n" + e + "  k\n", "k", ""},
		{"malformed digest for the name", "xyz  k\n" + d + "  other\n", "k", ""},
		{"short digest", d[:60], "kubectl", ""},
		{"html", "<html><body>not found</body></html>", "kubectl", ""},
		{"empty", "", "kubectl", ""},
	}
	for _, tt := range tests {
		got, ok := ParseChecksum([]byte(tt.body), tt.file)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: ParseChecksum = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}

func TestIsTempAndAsideNames(t *testing.T) {
	for name, want := range map[string]bool{
		".kubectl.kubeboot-123.tmp":     true,
		".kubectl.exe.kubeboot-9.tmp":   false, // another file's
		".kubectl.kubeboot-.tmp":        false,
		"kubectl":                       false,
		".kubectl.kubeboot-123.tmp.bak": false,
	} {
		if got := IsTemp(name, "kubectl"); got != want {
			t.Errorf("IsTemp(%q) = %v", name, got)
		}
	}
	for name, want := range map[string]int{
		"kubectl.exe.old-1": 1, "kubectl.exe.old-12": 12, "kubectl.exe.old-0": -1,
		"kubectl.exe.old-x": -1, "kubectl.exe.old-": -1, "kubectl.exe.old-01": -1, "kubeadm.exe.old-1": -1,
	} {
		if got := AsideNumber(name, "kubectl.exe"); got != want {
			t.Errorf("AsideNumber(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestPlanAside(t *testing.T) {
	base := "kubectl.exe"
	p := PlanAside([]string{base, base + ".old-1", base + ".old-2", base + ".old-x", "other.old-1"}, base)
	if p.Restore != "" || !slices.Equal(p.Remove, []string{base + ".old-2", base + ".old-1"}) {
		t.Errorf("with the program present: %+v", p)
	}
	// Killed between the two renames: the newest copy goes back.
	p = PlanAside([]string{base + ".old-1", base + ".old-10", base + ".old-2"}, base)
	if p.Restore != base+".old-10" || !slices.Equal(p.Remove, []string{base + ".old-2", base + ".old-1"}) {
		t.Errorf("with the program missing: %+v", p)
	}
	if got := FreeAside([]string{base + ".old-1", base + ".old-3"}, base); got != base+".old-2" {
		t.Errorf("FreeAside = %s", got)
	}
}

// The folder lock: one holder at a time, waiting is cancellable and said,
// and a sweep under it takes every leftover, however fresh, in a folder
// whose name a glob would misread.
func TestLockAndSweep(t *testing.T) {
	name := "bin [1] *?"
	if runtime.GOOS == "windows" {
		name = "bin [1]" // * and ? are not allowed in Windows names
	}
	dir := filepath.Join(testutil.TempDir(t), name)
	os.MkdirAll(dir, 0o755)
	a, err := Lock(context.Background(), dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if TryLock(dir, t.Logf) != nil {
		t.Fatal("TryLock took a held lock")
	}
	var said []string
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, dir, func(f string, _ ...any) { said = append(said, f) }); err == nil {
		t.Fatal("a second Lock succeeded while the first held it")
	}
	if len(said) == 0 || !strings.Contains(said[0], "waiting") {
		t.Errorf("the wait was not said: %q", said)
	}
	leftover := filepath.Join(dir, ".kubectl.kubeboot-42.tmp")
	keep := filepath.Join(dir, ".kubeadm.kubeboot-42.tmp")
	os.WriteFile(leftover, []byte("half"), 0o600)
	os.WriteFile(keep, []byte("another tool's"), 0o600)
	a.Sweep("kubectl")
	if _, err := os.Stat(leftover); err == nil {
		t.Error("a fresh leftover survived the sweep")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("the sweep removed another file's temp file")
	}
	a.Unlock()
	b := TryLock(dir, t.Logf)
	if b == nil {
		t.Fatal("TryLock failed on a free lock")
	}
	b.Unlock()
}

// A file Commit installs is complete and has its mode; Discard leaves
// nothing.
func TestCommitAndDiscard(t *testing.T) {
	dir := testutil.TempDir(t)
	d, err := Lock(context.Background(), dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Unlock()
	f, _ := d.Create("tool")
	f.Write([]byte("first try"))
	f.Reset()
	f.Write([]byte("content"))
	if f.Sum() != "ed7002b439e9ac845f22357d822bac1444730fbdb6016d3ec9432297b9ec9f73" {
		t.Errorf("sum = %s, want that of \"content\" alone", f.Sum())
	}
	if err := f.Commit(0o755); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "tool")); string(b) != "content" {
		t.Errorf("installed %q", b)
	}
	g, _ := d.Create("tool")
	g.Write([]byte("abandoned"))
	g.Discard()
	names, _ := os.ReadDir(dir)
	if len(names) != 3 { // tool, the lock and the record
		t.Errorf("folder holds %v", names)
	}
}

// A holder may remove the lock file (the store does, with the folder): a
// run that waited on the removed file must not then think it holds the
// folder while a newcomer holds the new lock file.
func TestLockSurvivesRemovalOfTheLockFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows refuses to remove a file another handle has open")
	}
	dir := testutil.TempDir(t)
	ctx := context.Background()
	a, err := Lock(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Folder)
	go func() {
		b, err := Lock(ctx, dir, nil)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	time.Sleep(50 * time.Millisecond) // b waits on a's file
	// A newcomer arrives the moment a removed the file it held.
	var c *Folder
	testHookLockRemoved = func() { c = TryLock(dir, nil) }
	defer func() { testHookLockRemoved = nil }()
	if !a.UnlockAndRemove() {
		t.Fatal("the lock file stays")
	}
	if c == nil {
		t.Fatal("a newcomer could not lock the new lock file")
	}
	select {
	case <-got:
		t.Fatal("the waiter took the folder while the newcomer held it")
	case <-time.After(200 * time.Millisecond):
	}
	c.Unlock()
	select {
	case b := <-got:
		b.Unlock()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter never got the folder")
	}
}
