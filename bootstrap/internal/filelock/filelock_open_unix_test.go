//go:build unix

package filelock

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Open gives a handle for reading and writing where it may: NFS refuses an
// exclusive flock on one opened for reading only (EBADF), so a stale lock
// there could never be judged and removed. A file this process may only
// read is still opened, for reading.
func TestOpenIsReadWriteWherePossible(t *testing.T) {
	dir := t.TempDir()
	rw := filepath.Join(dir, "lock")
	if err := os.WriteFile(rw, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(rw)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if flags&unix.O_ACCMODE != unix.O_RDWR {
		t.Errorf("Open(%s) access mode %#o, want O_RDWR", rw, flags&unix.O_ACCMODE)
	}
	if err := TryLock(f); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		return // root opens anything for writing
	}
	ro := filepath.Join(dir, "ro")
	if err := os.WriteFile(ro, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	g, err := Open(ro)
	if err != nil {
		t.Fatalf("Open of a read-only file: %v", err)
	}
	g.Close()
}
