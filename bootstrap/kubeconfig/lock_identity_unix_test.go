//go:build unix

package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const identityConfig = `apiVersion: v1
kind: Config
clusters:
- name: cl0
  cluster:
    server: https://127.0.0.1:20000
- name: cl1
  cluster:
    server: https://127.0.0.1:20001
users:
- name: u0
  user:
    token: SECRET0
- name: u1
  user:
    token: SECRET1
contexts:
- name: c0
  context:
    cluster: cl0
    user: u0
- name: c1
  context:
    cluster: cl1
    user: u1
current-context: c0
`

// useList runs Use with KUBECONFIG=list from dir and reports the error and
// how long it took.
func useList(t *testing.T, dir, list string) (time.Duration, error) {
	t.Helper()
	t.Chdir(dir)
	opts := EditOptions{
		Getenv: func(k string) string {
			if k == "KUBECONFIG" {
				return list
			}
			return ""
		},
		Home:        filepath.Join(dir, "home"),
		StateDir:    filepath.Join(dir, "state"),
		LockTimeout: 2 * time.Second,
	}
	start := time.Now()
	_, err := Use(context.Background(), "c1", opts)
	return time.Since(start), err
}

// One file listed twice, once through a symlink and once by another
// spelling (relative vs absolute), is one file: kubectl writes it at once
// (it locks link.lock and config.lock, two names); kubeboot must not wait
// on the kubectl lock it has just created itself, nor blame "another
// kubeboot" (itself) after the timeout.
func TestSameFileUnderTwoNamesIsLockedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		list func(dir string) string
	}{
		{"relative file, absolute relative-link", func(dir string) string { return "config" + string(os.PathListSeparator) + filepath.Join(dir, "link") }},
		{"relative link, absolute file", func(dir string) string { return "link" + string(os.PathListSeparator) + filepath.Join(dir, "config") }},
		{"relative file, absolute absolute-link", func(dir string) string {
			return "config" + string(os.PathListSeparator) + filepath.Join(dir, "abslink")
		}},
		{"relative file, absolute path through a linked folder", func(dir string) string {
			return "config" + string(os.PathListSeparator) + filepath.Join(dir, "linkdir", "config")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "config"), []byte(identityConfig), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("config", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(dir, "config"), filepath.Join(dir, "abslink")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(".", filepath.Join(dir, "linkdir")); err != nil {
				t.Fatal(err)
			}
			took, err := useList(t, dir, tc.list(dir))
			if err != nil {
				t.Fatalf("Use with KUBECONFIG=%s after %v: %v (kubectl config use-context writes this list at once)", tc.list(dir), took.Round(time.Millisecond), err)
			}
			if took > time.Second {
				t.Errorf("Use took %v: it waited on its own lock", took)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if n := e.Name(); n != "config" && n != "link" && n != "abslink" && n != "linkdir" && n != "home" && n != "state" {
					t.Errorf("left beside the kubeconfig: %s", n)
				}
			}
		})
	}
}

// The release of kubectl's locks removes <file>.lock by name: when the
// lock it created is gone (removed by hand, as kubeboot's own hint tells a
// user to do when it cannot judge a lock, see errors.go) and kubectl has
// created its own since, the release removes kubectl's live lock, and the
// next writer then writes while kubectl does.
func TestReleaseKeepsAKubectlLockItDidNotMake(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(identityConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	lock := KubectlLockName(cfg)
	w := newLockWait(time.Second, []string{cfg, lock})
	release, err := lockKubectl(context.Background(), []string{cfg}, w, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	// The user removes the lock; kubectl takes its own (empty, mode 0, as
	// client-go's lockFile creates it).
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	release()
	if _, err := os.Lstat(lock); errors.Is(err, os.ErrNotExist) {
		t.Fatalf("release removed %s, which kubectl created and holds", lock)
	}
}

// KUBECONFIG=/dev/null is a common way to run kubectl without any
// kubeconfig; kubectl's write goes into the device. kubeboot, run as root,
// renames its temp file over the path and replaces the device node with a
// regular file holding the imported credentials: /dev/null is gone for
// the whole system. A null device made in a temp folder stands in for it.
func TestWriteIntoADeviceNodeKeepsIt(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a device node")
	}
	dir := t.TempDir()
	null := filepath.Join(dir, "null")
	if err := unix.Mknod(null, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	src := filepath.Join(dir, "src.yaml")
	if err := os.WriteFile(src, []byte(identityConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Import(context.Background(), ImportOptions{Source: src, Kubeconfig: null, Home: filepath.Join(dir, "home"), StateDir: filepath.Join(dir, "state")})
	fi, serr := os.Lstat(null)
	if serr != nil {
		t.Fatal(serr)
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("Import (err %v) replaced the character device %s with a %v file", err, null, fi.Mode())
	}
	if err != nil {
		t.Fatalf("Import into %s: %v (kubectl writes into the device)", null, err)
	}
}

// A user whose home is not writable (nobody with HOME=/nonexistent,
// docker run --user 1000 with HOME=/) has no state folder: kubectl still
// writes the kubeconfig, kubeboot refuses every write ("create the backup
// folder"), and the CLI's hint then blames the kubeconfig and its folder.
// A state folder that cannot be made stands in (a path under a file).
func TestWriteWithoutAStateFolderWritesWithoutBackup(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(identityConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	blocker := filepath.Join(dir, "home-is-a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// backupName loops for ever on a Lstat error other than "not exist"
	// (ENOTDIR here; EACCES for HOME=/root run as another user), at 100%
	// CPU, holding config.lock, which breaks every kubectl write.
	done := make(chan error, 1)
	var logs []string
	go func() {
		_, err := Use(context.Background(), "c1", EditOptions{Kubeconfig: cfg, Home: dir, StateDir: filepath.Join(blocker, ".local", "state", "kubeboot"),
			Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Use with no state folder to be had: %v (kubectl config use-context writes it)", err)
		}
		if data, _ := os.ReadFile(cfg); !strings.Contains(string(data), "current-context: c1") {
			t.Errorf("current-context not written:\n%s", data)
		}
		if !strings.Contains(strings.Join(logs, "\n"), "without a backup") {
			t.Errorf("the write without a backup is not said: %q", logs)
		}
		if _, err := os.Lstat(KubectlLockName(cfg)); err == nil {
			t.Errorf("%s left behind", KubectlLockName(cfg))
		}
	case <-time.After(5 * time.Second):
		_, lerr := os.Lstat(KubectlLockName(cfg))
		t.Fatalf("Use has not returned after 5s with a state folder under a file (config.lock present: %v)", lerr == nil)
	}
}

// backupName ends on any error of the names it tries, not only "not
// exist": a folder under a file (ENOTDIR) made it loop for ever.
func TestBackupNameEndsOnAnUnexpectedError(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() { done <- backupName(filepath.Join(blocker, "state", "config"), nil) }()
	select {
	case name := <-done:
		if !strings.HasPrefix(name, filepath.Join(blocker, "state", "config")+".kubeboot-backup-") {
			t.Errorf("backupName = %s", name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("backupName has not returned after 5s for a folder under a file")
	}
}

// The lock a killed sudo kubeboot left (root's, 0600) cannot be read by
// the user's kubeboot: it is named as another user's lock, with its uid and
// what to do, not blamed on kubectl.
func TestLockOfAnotherUserIsNamed(t *testing.T) {
	if dir := os.Getenv("KUBEBOOT_TEST_FOREIGN_LOCK"); dir != "" {
		cfg := filepath.Join(dir, "config")
		_, err := Use(context.Background(), "c1", EditOptions{Kubeconfig: cfg, StateDir: filepath.Join(dir, "state"), LockTimeout: 300 * time.Millisecond})
		var le *LockError
		if !errors.As(err, &le) || le.Holder != HolderOtherUser || le.UID != 0 || !strings.Contains(err.Error(), "another user (uid 0)") {
			t.Fatalf("Use beside root's unreadable lock: %v", err)
		}
		return
	}
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to run as another user")
	}
	dir := t.TempDir()
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
			os.Chmod(d, fi.Mode().Perm()|0o005)
		}
	}
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(identityConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(KubectlLockName(cfg), []byte(lockMarker+"999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, cfg} {
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", os.Args[0], "-test.run=^TestLockOfAnotherUserIsNamed$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KUBEBOOT_TEST_FOREIGN_LOCK="+dir, "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as uid 65534: %v\n%s", err, out)
	}
}
