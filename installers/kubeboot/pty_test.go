//go:build linux || darwin

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// startInTerminal runs kubeboot in a pseudo-terminal.
func startInTerminal(t *testing.T, env []string, args ...string) *testutil.Terminal {
	cmd := exec.Command(kubeboot, args...)
	cmd.Env = env
	return testutil.StartTerminal(t, cmd)
}

// TestSetupAsksOnATerminal answers setup's prompt in a real pseudo-terminal
// and reads what the user would see.
func TestSetupAsksOnATerminal(t *testing.T) {
	k8stest.Skip(t)
	srv := k8stest.Shared(t)
	e := newEnv(t)
	home := e.home()
	file := filepath.Join(home, "cw-kubeconfig")
	if err := srv.WriteKubeconfig(file, srv.Admin, k8stest.TenantNamespace); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(home, "bin")
	term := startInTerminal(t, append(e.vars, "TERM=xterm", "PATH="+bin), "setup", file, "--dir", bin)
	term.WaitFor(t, "Continue? [y/N]")
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Fatal("setup installed before the user answered")
	}
	term.Type("y\r")
	if err := term.Wait(t); err != nil {
		t.Fatalf("setup: %v\n%s", err, term.Screen())
	}
	out := term.Screen()
	for _, want := range []string{
		"kubeboot setup will:",
		"1. install kubectl v1.37.2 into " + bin,
		"\033[32m✓\033[0m kubectl v1.37.2 installed", // green on a terminal
		"current context coreweave",
		"Summary",
		"Next: kubectl get pods",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, srv.Admin.Token) {
		t.Error("the token reached the terminal")
	}
}

// Answering no changes nothing; NO_COLOR turns colour off.
func TestSetupDeclinedOnATerminal(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"coreweave.yaml", filepath.Join(home, "Downloads", "cw-kubeconfig"))
	bin := filepath.Join(home, "bin")
	term := startInTerminal(t, append(e.vars, "TERM=xterm", "NO_COLOR=1"), "setup", "--dir", bin, "--version", "stable")
	term.WaitFor(t, "Continue? [y/N]")
	term.Type("\r")
	err := term.Wait(t)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("declined setup: %v\n%s", err, term.Screen())
	}
	term.WaitFor(t, "Nothing was changed.")
	for _, p := range []string{bin, filepath.Join(home, ".kube")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after the user said no", p)
		}
	}
	if strings.Contains(term.Screen(), "\033[3") {
		t.Error("colour despite NO_COLOR")
	}
}
