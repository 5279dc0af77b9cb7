package bootstrap

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestInstallOverRunningKubectl replaces a kubectl.exe that is running: a
// copy of this test binary, sleeping.
func TestInstallOverRunningKubectl(t *testing.T) {
	if os.Getenv("KUBEBOOT_TEST_SLEEPER") != "" {
		time.Sleep(time.Minute)
		return
	}
	dir := testutil.TempDir(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.ReadFile(self)
	dst := filepath.Join(dir, "kubectl.exe")
	os.WriteFile(dst, exe, 0o755)
	cmd := exec.Command(dst, "-test.run=^TestInstallOverRunningKubectl$")
	cmd.Env = append(os.Environ(), "KUBEBOOT_TEST_SLEEPER=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	time.Sleep(500 * time.Millisecond) // let it start

	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	res, err := c.Install(t.Context(), InstallRequest{Version: "v1.37.2", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != string(standins["v1.37.2"]) || !res.Changed {
		t.Fatal("kubectl.exe was not replaced")
	}
	if _, err := os.Stat(dst + ".old-1"); err != nil {
		t.Fatalf("the running kubectl was not moved aside: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := c.Install(t.Context(), InstallRequest{Version: "v1.37.2", Dir: dir}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ { // the exited process's file may stay locked a moment
		if _, err := os.Stat(dst + ".old-1"); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
		if _, err := c.Install(t.Context(), InstallRequest{Version: "v1.37.2", Dir: dir, Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	t.Error("the next run did not remove kubectl.exe.old-1")
}
