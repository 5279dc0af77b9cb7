package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTempDirIsRemoved(t *testing.T) {
	var dir string
	t.Run("use", func(t *testing.T) {
		dir = TempDir(t)
		sub := filepath.Join(dir, "a", "b")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "f.exe"), []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after the test: %v", dir, err)
	}
}

// Symlink leaves a link Lstat sees as one, or skips.
func TestSymlink(t *testing.T) {
	dir := TempDir(t)
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("x"), 0o644)
	link := filepath.Join(dir, "link")
	Symlink(t, target, link)
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("Lstat(link) = %v, %v", fi, err)
	}
	if b, err := os.ReadFile(link); err != nil || string(b) != "x" {
		t.Errorf("through the link: %q, %v", b, err)
	}
}
