package execplugin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// TestRepairDryRunRefusesWhatTheWriteRefuses: the dry run --fix makes
// before installing anything refuses a kubeconfig list whose other file
// sits in a folder where kubectl's lock cannot be made, as the write does
// (run as another user: root may write anywhere).
func TestRepairDryRunRefusesWhatTheWriteRefuses(t *testing.T) {
	if dir := os.Getenv("EXECPLUGIN_TEST_LOCKDIR"); dir != "" {
		m := Machine{GOOS: "linux", GOARCH: "amd64", IsProgram: func(string) bool { return true }}
		list := filepath.Join(dir, "sys", "shared.yaml") + ":" + filepath.Join(dir, "home", "config")
		opts := kubeconfig.EditOptions{Home: filepath.Join(dir, "home"), DryRun: true, CheckLocks: true, Getenv: func(k string) string {
			if k == "KUBECONFIG" {
				return list
			}
			return ""
		}}
		_, err := Repair(context.Background(), opts, m)
		if err == nil {
			t.Fatal("the dry run accepts a write that cannot take kubectl's lock")
		}
		if !strings.Contains(err.Error(), "shared.yaml.lock") {
			t.Errorf("error %v does not name the lock", err)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run as another user")
	}
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	os.MkdirAll(filepath.Join(dir, "sys"), 0o755)
	os.MkdirAll(filepath.Join(dir, "home"), 0o755)
	os.WriteFile(filepath.Join(dir, "sys", "shared.yaml"), []byte("apiVersion: v1\nkind: Config\ncurrent-context: c\n"), 0o644)
	cfg := filepath.Join(dir, "home", "config")
	os.WriteFile(cfg, []byte("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: "+APIv1alpha1+"\n      command: aws-iam-authenticator\n"), 0o600)
	os.Chown(filepath.Join(dir, "home"), 65534, 65534)
	os.Chown(cfg, 65534, 65534)
	// A copy of this test program the other user may run.
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "execplugin.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestRepairDryRunRefusesWhatTheWriteRefuses$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "EXECPLUGIN_TEST_LOCKDIR="+dir, "HOME="+filepath.Join(dir, "home"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("%v\n%s", err, out)
	}
}
