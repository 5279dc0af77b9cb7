//go:build linux || darwin

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/mirror"
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

// Ctrl-C at the prompt, in a real terminal: setup stops at once without
// Enter, says "interrupted" once, exits 130, and changes nothing.
func TestSetupCtrlCAtThePrompt(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"coreweave.yaml", filepath.Join(home, "Downloads", "cw-kubeconfig"))
	bin := filepath.Join(home, "bin")
	term := startInTerminal(t, append(e.vars, "TERM=xterm"), "setup", "--dir", bin, "--version", "stable")
	term.WaitFor(t, "Continue? [y/N]")
	term.Type("\x03")
	err := waitExit(t, term, 5*time.Second)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("Ctrl-C at the prompt: %v, want exit 130\n%s", err, term.Screen())
	}
	_, after, _ := strings.Cut(term.Screen(), "Continue? [y/N] ")
	if got := strings.TrimSpace(strings.ReplaceAll(after, "^C", "")); got != "kubeboot: interrupted" {
		t.Errorf("after the prompt: %q, want one line", got)
	}
	for _, p := range []string{bin, filepath.Join(home, ".kube")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after Ctrl-C", p)
		}
	}
}

// waitExit is term.Wait, failing when the program takes longer than d.
func waitExit(t *testing.T, term *testutil.Terminal, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- term.Wait(t) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		term.Cmd.Process.Kill()
		t.Fatalf("still running %s after Ctrl-C:\n%s", d, term.Screen())
		return nil
	}
}

// On an 80-column terminal the progress line is redrawn in place and never
// wraps; Ctrl-C mid-download then stops with one line and exit 130.
func TestProgressAndCtrlCOn80Columns(t *testing.T) {
	e := newEnv(t)
	path := mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH)
	var faults []mirror.Fault
	for range 4 {
		faults = append(faults, mirror.Fault{StallAfter: 500_000, Stall: 300 * time.Millisecond})
	}
	e.m.QueueFaults(path, faults...)
	dir := t.TempDir()
	cmd := exec.Command(kubeboot, "install", "kubectl", "--dir", dir)
	cmd.Env = append(e.vars, "TERM=xterm")
	term := testutil.StartTerminalSize(t, cmd, 24, 80)
	if err := term.Wait(t); err != nil {
		t.Fatalf("install: %v\n%s", err, term.Screen())
	}
	screen := term.Screen()
	progress, _, _ := strings.Cut(screen, "installed kubectl")
	redraws := strings.Split(progress, "\r\033[K")
	if len(redraws) < 3 {
		t.Fatalf("%d redraws; the screen:\n%q", len(redraws)-1, screen)
	}
	for _, r := range redraws {
		r = strings.TrimRight(r, "\r\n")
		if n := len([]rune(r)); n > 79 || strings.Contains(r, "\n") {
			t.Errorf("a redraw of %d columns or with a newline would wrap on 80 columns: %q", n, r)
		}
	}

	// Again, stalled for good, and Ctrl-C.
	e = newEnv(t)
	e.m.QueueFaults(path, mirror.Fault{StallAfter: 100_000, Stall: time.Minute})
	other := t.TempDir()
	cmd = exec.Command(kubeboot, "install", "kubectl", "--dir", other)
	cmd.Env = append(e.vars, "TERM=xterm")
	term = testutil.StartTerminalSize(t, cmd, 24, 80)
	term.WaitFor(t, "downloading kubectl")
	term.Type("\x03")
	err := waitExit(t, term, 10*time.Second)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("Ctrl-C mid-download: %v, want exit 130\n%s", err, term.Screen())
	}
	out := term.Screen()
	if strings.Count(out, "interrupted") != 1 || strings.Contains(out, "https://") || strings.Contains(out, "failed") {
		t.Errorf("after Ctrl-C the terminal shows:\n%q", out)
	}
	if entries, _ := os.ReadDir(other); len(entries) > 1 {
		t.Errorf("left behind: %v", entries)
	}
}
