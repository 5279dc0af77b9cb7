//go:build linux || darwin

package main

// A stored kubectl that others may write, through the kubeboot binary
// (sigEnv: a local mirror and a store of its own).

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestKubectlStoredFileOthersMayWriteIsNotRun: a stored kubectl others
// may write is passed over; the install that follows must not adopt the
// same file because it holds the same bytes (another user can swap it
// between that hash and the exec): either the store replaces it with a
// file of its own, or it does not run it.
//
// The same holds for a stored kubectl another user owns (a store copied
// with cp -a, a restored backup): the owner can rewrite it at any time,
// and a process of theirs waiting for kubeboot's hash to close the file
// (inotify IN_CLOSE_NOWRITE) and then rewriting it in place got
// `kubeboot kubectl -- version --client` to run its script as root.
func TestKubectlStoredFileOthersMayWriteIsNotRun(t *testing.T) {
	t.Run("world-writable", func(t *testing.T) {
		othersMayWriteStored(t, func(path string) error { return os.Chmod(path, 0o757) })
	})
	t.Run("another user's", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give the file to another user")
		}
		othersMayWriteStored(t, func(path string) error { return os.Chown(path, 65534, 65534) })
	})
}

func othersMayWriteStored(t *testing.T, spoil func(string) error) {
	e := newSigEnv(t)
	e.warm(t)
	path := filepath.Join(e.cache, "kubeboot", "kubectl", "v1.37.2", runtime.GOOS+"-"+runtime.GOARCH, "kubectl")
	if err := spoil(path); err != nil {
		t.Fatal(err)
	}
	cmd, out, errb := e.command(nil, "kubectl", "-v", "--version", "v1.37.2", "--", "args", "ran")
	err := cmd.Run()
	fi, serr := os.Stat(path)
	if serr != nil {
		t.Fatal(serr)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	othersMayWrite := fi.Mode().Perm()&0o022 != 0 || st != nil && int(st.Uid) != os.Geteuid()
	if strings.Contains(out.String(), "ran") && othersMayWrite {
		t.Errorf("kubectl ran from %s, which others may write (mode %v, owner %d), after the store said it is not used (%v)\nstderr: %s", path, fi.Mode().Perm(), st.Uid, err, errb)
	}
}
