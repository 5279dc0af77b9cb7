package shellalias

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRemoveThroughBindMount: a profile that is a single-file bind mount
// cannot be replaced by a rename (EBUSY); Remove writes it in place, as
// the kubeconfig writer does. Runs in a mount namespace of its own (root
// only).
func TestRemoveThroughBindMount(t *testing.T) {
	const orig = "x\n"
	if dir := os.Getenv("SHELLALIAS_TEST_BINDMOUNT"); dir != "" {
		if err := syscall.Mount("", "/", "", syscall.MS_PRIVATE|syscall.MS_REC, ""); err != nil {
			t.Skipf("mount namespace: %v", err)
		}
		rc := filepath.Join(dir, ".bashrc")
		if err := syscall.Mount(filepath.Join(dir, "host-bashrc"), rc, "", syscall.MS_BIND, ""); err != nil {
			t.Skipf("bind mount: %v", err)
		}
		if r, err := Remove(Bash, rc); err != nil || !r.Changed {
			t.Fatalf("Remove on a bind-mounted profile: %+v, %v", r, err)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a mount namespace")
	}
	dir := t.TempDir()
	line, _ := Line(Bash)
	src := filepath.Join(dir, "host-bashrc")
	os.WriteFile(src, []byte(orig+line+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".bashrc"), nil, 0o644)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRemoveThroughBindMount$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "SHELLALIAS_TEST_BINDMOUNT="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "--- SKIP") {
		t.Skipf("no bind mount here:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("%v\n%s", err, out)
	}
	if b, _ := os.ReadFile(src); string(b) != orig {
		t.Errorf("the mounted profile holds %q, want %q", b, orig)
	}
}
