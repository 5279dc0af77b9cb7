package kubeconfig

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUseThroughBindMount: a kubeconfig that is a single-file bind mount
// (docker run -v ~/.kube/config:..., devcontainers) cannot be replaced by
// a rename (EBUSY); kubectl writes it in place, and so does every write
// here, after the backup, saying so. Runs in a mount namespace of its own
// (root only).
func TestUseThroughBindMount(t *testing.T) {
	if dir := os.Getenv("KUBECONFIG_TEST_BINDMOUNT"); dir != "" {
		bindMountChild(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a mount namespace")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "host-config")
	os.WriteFile(src, []byte(pruneDoc), 0o600)
	os.Mkdir(filepath.Join(dir, "kube"), 0o700)
	os.WriteFile(filepath.Join(dir, "kube", "config"), nil, 0o600)
	cmd := exec.Command(os.Args[0], "-test.run=^TestUseThroughBindMount$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "KUBECONFIG_TEST_BINDMOUNT="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "--- SKIP") {
		t.Skipf("no bind mount here:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("%v\n%s", err, out)
	}
	// The host's file got the change.
	if c := mustLoad(t, src); c.CurrentContext != "lab" {
		t.Errorf("the mounted file's current-context is %q", c.CurrentContext)
	}
}

func bindMountChild(t *testing.T, dir string) {
	if err := syscall.Mount("", "/", "", syscall.MS_PRIVATE|syscall.MS_REC, ""); err != nil {
		t.Skipf("mount namespace: %v", err)
	}
	path := filepath.Join(dir, "kube", "config")
	if err := syscall.Mount(filepath.Join(dir, "host-config"), path, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	if err := os.Rename(filepath.Join(dir, "host-config"), path); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Skipf("a rename over the mount point did not fail with EBUSY: %v", err)
	}
	var logs []string
	opts := EditOptions{Kubeconfig: path, Home: dir, Logf: func(f string, a ...any) { logs = append(logs, f) }}
	res, err := Use(context.Background(), "lab", opts)
	if err != nil {
		t.Fatalf("use on a bind-mounted file: %v", err)
	}
	w := res.Edit.Written
	if len(w) != 1 || !w[0].InPlace || w[0].Backup == "" || !strings.Contains(strings.Join(logs, "\n"), "in place") {
		t.Errorf("result %+v, logs %v", w, logs)
	}
	if data, err := os.ReadFile(w[0].Backup); err != nil || string(data) != pruneDoc {
		t.Errorf("backup: %v", err)
	}
	if _, err := Delete(context.Background(), []string{"tunnel"}, DeleteOptions{Cascade: true}, opts); err != nil {
		t.Errorf("delete on a bind-mounted file: %v", err)
	}
	if c := mustLoad(t, path); c.CurrentContext != "lab" || len(c.Contexts) != 2 {
		t.Errorf("after the writes: %+v", c)
	}
}

// TestUseThroughLinkToLockedFolder: ~/.kube/config is a link to a file the
// user may write, in a folder they may not (a shared or managed folder);
// kubectl writes through the link in place, and so does every write here:
// its locks and backup go beside the link, nothing is created in the
// locked folder. Run as root, the check runs as another uid.
func TestUseThroughLinkToLockedFolder(t *testing.T) {
	if home := os.Getenv("KUBECONFIG_TEST_LOCKED"); home != "" {
		lockedChild(t, home)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a folder the test's user cannot write")
	}
	dir := t.TempDir()
	locked, home := filepath.Join(dir, "locked"), filepath.Join(dir, "home")
	os.Mkdir(locked, 0o755) // root's
	os.Mkdir(home, 0o700)
	real := filepath.Join(locked, "config")
	os.WriteFile(real, []byte(pruneDoc), 0o600)
	os.Symlink(real, filepath.Join(home, "config"))
	for _, p := range []string{real, home} {
		os.Chown(p, nobody, nobody)
	}
	os.Lchown(filepath.Join(home, "config"), nobody, nobody)
	runAsNobody(t, dir, nil, "^TestUseThroughLinkToLockedFolder$", "KUBECONFIG_TEST_LOCKED="+home)
	entries, _ := os.ReadDir(locked)
	if len(entries) != 1 {
		t.Errorf("files created in the locked folder: %v", entries)
	}
	if c := mustLoad(t, real); c.CurrentContext != "live" { // lab, then back with use -
		t.Errorf("current-context %q", c.CurrentContext)
	}
	if fi, err := os.Stat(real); err != nil || fi.Sys().(*syscall.Stat_t).Uid != nobody || fi.Mode().Perm() != 0o600 {
		t.Errorf("the file's owner or mode changed: %v", fi)
	}
}

func lockedChild(t *testing.T, home string) {
	link := filepath.Join(home, "config")
	opts := EditOptions{Kubeconfig: link, Home: home}
	res, err := Use(context.Background(), "lab", opts)
	if err != nil {
		t.Fatalf("use through the link: %v", err)
	}
	w := res.Edit.Written
	if len(w) != 1 || !w[0].InPlace || filepath.Dir(w[0].Backup) != home {
		t.Fatalf("result %+v", w)
	}
	if data, err := os.ReadFile(w[0].Backup); err != nil || string(data) != pruneDoc {
		t.Errorf("backup: %v", err)
	}
	if c := mustLoad(t, link); c.CurrentContext != "lab" {
		t.Errorf("current-context %q", c.CurrentContext)
	}
	if _, err := Use(context.Background(), "-", opts); err != nil {
		t.Errorf("use - through the link: %v", err)
	}
}

// TestReadOnlyBindMount: a kubeconfig bind-mounted read-only (docker run
// -v ~/.kube/config:...:ro) is refused as kubectl refuses it, with the
// kernel's reason ("read-only file system", not the file's mode, which
// allows writing), and nothing is created beside it. Runs in a mount
// namespace of its own (root only).
func TestReadOnlyBindMount(t *testing.T) {
	if dir := os.Getenv("KUBECONFIG_TEST_ROMOUNT"); dir != "" {
		roMountChild(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a mount namespace")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "host-config"), []byte(pruneDoc), 0o644)
	os.Mkdir(filepath.Join(dir, "kube"), 0o700)
	os.WriteFile(filepath.Join(dir, "kube", "config"), nil, 0o644)
	cmd := exec.Command(os.Args[0], "-test.run=^TestReadOnlyBindMount$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "KUBECONFIG_TEST_ROMOUNT="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "--- SKIP") {
		t.Skipf("no bind mount here:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("%v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "kube")); len(entries) != 1 {
		t.Errorf("files created beside the mount: %v", entries)
	}
}

func roMountChild(t *testing.T, dir string) {
	if err := syscall.Mount("", "/", "", syscall.MS_PRIVATE|syscall.MS_REC, ""); err != nil {
		t.Skipf("mount namespace: %v", err)
	}
	path := filepath.Join(dir, "kube", "config")
	if err := syscall.Mount(filepath.Join(dir, "host-config"), path, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	if err := syscall.Mount("", path, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("read-only remount: %v", err)
	}
	for _, op := range []func() error{
		func() error {
			_, err := Use(context.Background(), "lab", EditOptions{Kubeconfig: path, Home: dir})
			return err
		},
		func() error {
			_, err := Delete(context.Background(), []string{"lab"}, DeleteOptions{}, EditOptions{Kubeconfig: path, Home: dir})
			return err
		},
	} {
		err := op()
		var ro *ReadOnlyError
		if !errors.As(err, &ro) || !ro.FileSystem || !strings.Contains(err.Error(), "read-only file system") ||
			strings.Contains(err.Error(), "mode") || !strings.Contains(err.Error(), path) {
			t.Errorf("write to a read-only mount: %v", err)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != pruneDoc {
		t.Error("the file changed")
	}
}
