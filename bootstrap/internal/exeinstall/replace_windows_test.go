package exeinstall

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// holdLikeTheLoader opens path the way Windows opens a running program's
// file: others may read and rename it, but not replace or delete it.
func holdLikeTheLoader(t *testing.T, path string) {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(path)
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_DELETE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { windows.CloseHandle(h) })
}

func TestReplaceExecutableMovesARunningFileAside(t *testing.T) {
	dir := testutil.TempDir(t)
	dst := filepath.Join(dir, "kubectl.exe")
	src := filepath.Join(dir, ".kubectl.exe.kubeboot-1.tmp")
	os.WriteFile(dst, []byte("old"), 0o755)
	os.WriteFile(src, []byte("new"), 0o755)
	holdLikeTheLoader(t, dst)
	if err := os.Rename(src, dst); err == nil {
		t.Skip("this system replaces files that are in use")
	}
	if err := Replace(src, dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "new" {
		t.Fatalf("%s holds %q, want the new file", dst, b)
	}
	aside := dst + ".old-1"
	if b, err := os.ReadFile(aside); err != nil || string(b) != "old" {
		t.Fatalf("old file not at %s: %q, %v", aside, b, err)
	}
}

func TestSweepAsideRemovesAndRestores(t *testing.T) {
	dir := testutil.TempDir(t)
	d := &Folder{dir: dir, logf: t.Logf}
	dst := filepath.Join(dir, "kubectl.exe")
	os.WriteFile(dst, []byte("current"), 0o755)
	os.WriteFile(dst+".old-1", []byte("older"), 0o755)
	os.WriteFile(dst+".old-2", []byte("old"), 0o755)
	os.WriteFile(dst+".old-x", []byte("not ours"), 0o755)
	d.Sweep("kubectl.exe")
	for name, want := range map[string]bool{"kubectl.exe": true, "kubectl.exe.old-1": false, "kubectl.exe.old-2": false, "kubectl.exe.old-x": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", name, err == nil, want)
		}
	}

	// A run killed between its two renames: the newest old file comes back.
	os.Remove(dst)
	os.WriteFile(dst+".old-1", []byte("older"), 0o755)
	os.WriteFile(dst+".old-2", []byte("old"), 0o755)
	d.Sweep("kubectl.exe")
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("%s holds %q after the sweep, want the newest old file", dst, b)
	}
	if _, err := os.Stat(dst + ".old-1"); err == nil {
		t.Errorf("older file not removed")
	}
}
