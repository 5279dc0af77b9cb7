//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestKeepOwnerFromAndMkdirAll(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte("old"), 0o640)
	os.Chmod(path, 0o640)
	const uid, gid = 4321, 4322
	root := os.Geteuid() == 0
	if root {
		os.Chown(path, uid, gid)
		os.Chown(dir, uid, gid)
	}
	if err := Write(path, []byte("new"), Options{Private: true, KeepOwnerFrom: path}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the previous file's 0640", fi.Mode().Perm())
	}
	if !root {
		t.Log("not root: ownership part skipped")
		return
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
		t.Errorf("owner %d:%d, want %d:%d", st.Uid, st.Gid, uid, gid)
	}
	created, err := MkdirAll(filepath.Join(dir, "a", "b"), 0o700)
	if err != nil || len(created) != 2 {
		t.Fatalf("MkdirAll = %v, %v", created, err)
	}
	for _, d := range created {
		fi, _ := os.Stat(d)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %d:%d %v, want the parent's owner and 0700", d, st.Uid, st.Gid, fi.Mode().Perm())
		}
	}
}
