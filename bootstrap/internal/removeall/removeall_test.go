package removeall

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestTree(t *testing.T) {
	base, err := os.MkdirTemp("", "removeall-")
	if err != nil {
		t.Fatal(err)
	}
	defer Tree(base)
	outside := filepath.Join(base, "outside")
	os.WriteFile(outside, []byte("keep"), 0o400)
	before, err := os.Stat(outside)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "tree [ä] x")
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o700)
	os.WriteFile(filepath.Join(dir, "a", "b", "config"), []byte("secret"), 0o600)
	os.WriteFile(filepath.Join(dir, "a", "ro"), []byte("x"), 0o400)
	if runtime.GOOS != "windows" {
		if err := os.Symlink(outside, filepath.Join(dir, "a", "link")); err != nil {
			t.Fatal(err)
		}
	}
	if err := Tree(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there: %v", dir, err)
	}
	fi, err := os.Stat(outside)
	if err != nil || fi.Mode() != before.Mode() {
		t.Errorf("the file a link pointed to was touched: %v %v", fi, err)
	}
	if err := Tree(filepath.Join(base, "missing")); err != nil {
		t.Errorf("a missing folder: %v", err)
	}
}
