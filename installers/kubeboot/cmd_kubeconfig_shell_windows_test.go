package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On Windows (and under Wine) `shell` runs a command through cmd with the
// private kubeconfig, returns its exit code and removes the folder.
func TestKubeconfigShellCmdOnWindows(t *testing.T) {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
	}
	e, config, _ := shellEnv(t)
	local := filepath.Join(e.home(), "AppData", "Local")
	e.vars = append(e.vars, "LOCALAPPDATA="+local)
	root := filepath.Join(local, "kubeboot", "shells")

	r := e.run("kubeconfig", "shell", "B", "--", comspec, "/c", "exit", "7")
	if r.code != 7 {
		t.Errorf("exit %d, want cmd's 7: %+v", r.code, r)
	}
	r = e.run("kubeconfig", "shell", "B", "--", comspec, "/c", "echo", "ctx=%KUBEBOOT_CONTEXT%", "&", "type", "%KUBECONFIG%")
	if r.code != 0 || !strings.Contains(r.stdout, "ctx=B") || !strings.Contains(r.stdout, "current-context: B") || strings.Contains(r.stdout, "name: A") {
		t.Errorf("inside cmd: %+v", r)
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind in %s: %v", root, left)
	}
	if b, _ := os.ReadFile(config); string(b) != sharedConfig {
		t.Error("the shared kubeconfig changed")
	}
}
