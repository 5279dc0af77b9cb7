package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestWriteFileReplacesContentAndMode(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new" {
		t.Fatalf("content = %q, %v; want \"new\"", got, err)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after the write, want only the target", len(entries))
	}
}

func TestWriteFileFailureKeepsOriginal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("read-only folders do not stop renames on Windows")
	}
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	testutil.MakeReadOnly(t, dir)
	if err := WriteFile(path, []byte("new"), 0o600); err == nil {
		t.Fatal("WriteFile into a read-only folder succeeded")
	}
	got, _ := os.ReadFile(path)
	if string(got) != "precious" {
		t.Fatalf("original changed to %q", got)
	}
}
