//go:build unix

package kubeconfig

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadOnlyFileRefused: a kubeconfig its owner made read-only (0400) in
// a folder they can write is not rewritten by Use or Delete, as kubectl,
// whose open for writing fails, refuses it; the error names the file and
// its mode, and the file is left as it was. Run as root, the test runs its
// check as another uid (root may write any file, and so does kubectl).
func TestReadOnlyFileRefused(t *testing.T) {
	if path := os.Getenv("KUBECONFIG_TEST_READONLY"); path != "" {
		readOnlyChild(t, path)
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(pruneDoc), 0o400); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		readOnlyChild(t, path)
		return
	}
	for _, p := range []string{dir, path} {
		if err := os.Chown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	runAsNobody(t, dir, nil, "^TestReadOnlyFileRefused$", "KUBECONFIG_TEST_READONLY="+path)
}

// nobody is the uid (and gid) the permission tests run as when root.
const nobody = 65534

// runAsNobody runs the test binary's tests matching run as uid nobody,
// from a copy in dir (which it opens to them), with env added; sys, when
// set, adds process attributes (namespaces). The test fails unless they
// pass.
func runAsNobody(t *testing.T, dir string, sys *syscall.SysProcAttr, run string, env ...string) {
	t.Helper()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	exe := filepath.Join(dir, "test.bin")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	src.Close()
	dst.Close()
	defer os.Remove(exe)
	cmd := exec.Command(exe, "-test.run="+run, "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), "HOME="+dir), env...)
	cmd.Dir = dir
	if sys == nil {
		sys = &syscall.SysProcAttr{}
	}
	sys.Credential = &syscall.Credential{Uid: nobody, Gid: nobody}
	cmd.SysProcAttr = sys
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("as uid %d: %v\n%s", nobody, err, out)
	}
}

func readOnlyChild(t *testing.T, path string) {
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := EditOptions{Kubeconfig: path, Home: filepath.Dir(path)}
	// Refused before any lock is taken: kubectl holding its lock does not
	// make the refusal wait, nor turn it into a lock timeout.
	lock := KubectlLockName(path)
	os.WriteFile(lock, nil, 0o600)
	held := opts
	held.LockTimeout = 200 * time.Millisecond
	if _, err := Use(context.Background(), "lab", held); !errors.Is(err, ErrReadOnly) {
		t.Errorf("use of a read-only file while kubectl holds its lock: %v", err)
	}
	os.Remove(lock)
	_, err = Use(context.Background(), "lab", opts)
	var ro *ReadOnlyError
	if !errors.Is(err, ErrReadOnly) || !errors.As(err, &ro) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "0400") {
		t.Errorf("use of a read-only file: %v", err)
	}
	dry := opts
	dry.DryRun = true
	if _, err = Delete(context.Background(), []string{"lab"}, DeleteOptions{Cascade: true}, dry); !errors.Is(err, ErrReadOnly) {
		t.Errorf("delete --dry-run of a read-only file: %v", err)
	}
	if _, err = Delete(context.Background(), []string{"lab"}, DeleteOptions{Cascade: true}, opts); !errors.Is(err, ErrReadOnly) {
		t.Errorf("delete in a read-only file: %v", err)
	}
	after, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(after) != string(before) || fi.Mode().Perm() != 0o400 {
		t.Errorf("the read-only file changed (mode %v)", fi.Mode())
	}
	if m, _ := filepath.Glob(path + ".kubeboot-backup-*"); len(m) > 0 {
		t.Errorf("backups made: %v", m)
	}
	// A refused write creates nothing, not even a lock file.
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, en := range entries {
		if n := en.Name(); n != filepath.Base(path) && n != "test.bin" {
			t.Errorf("a refused write left %s beside the kubeconfig", n)
		}
	}
}
