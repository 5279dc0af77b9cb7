//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A child that dies of Ctrl-C (or another signal) makes kubeboot die of
// that signal too, after cleaning up, so that a calling script stops as
// it would have without kubeboot: `for i in 1 2 3; do kubeboot kubeconfig
// shell X -- sleep 2; done` ends at the first Ctrl-C.
func TestKubeconfigShellDiesOfTheChildsSignal(t *testing.T) {
	e, _, root := shellEnv(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		cmd := exec.Command(kubeboot, "kubeconfig", "shell", "A", "--", "/bin/sh", "-c", "kill -"+strings.ToUpper(sigName(sig))+" $$")
		cmd.Env = e.vars
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%v: %v %s", sig, err, stderr.String())
		}
		ws := ee.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: kubeboot ended with %v (exit %d), not by the signal: %s", sig, ws, ws.ExitStatus(), stderr.String())
		}
		if left := leftIn(root); len(left) != 0 {
			t.Errorf("%v: left behind: %v", sig, left)
		}
	}
	// Ctrl-C in a terminal reaches the whole foreground group: bash's loop
	// ends only when its child died of it (bash's "wait and cooperative
	// exit"), not when it exited 130.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script := `for i in 1 2 3; do "$KB" kubeconfig shell A -- /bin/sh -c 'echo ready; sleep 5'; echo "after $i"; done`
	cmd := exec.Command(bash, "-c", script)
	cmd.Env = append(e.vars, "KB="+kubeboot)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("no ready: %q", lines.Text())
	}
	time.Sleep(200 * time.Millisecond) // sleep runs
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	cmd.Wait()
	if len(rest) != 0 {
		t.Errorf("the loop went on after Ctrl-C: %q", rest)
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func sigName(s syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGINT: "int", syscall.SIGTERM: "term", syscall.SIGHUP: "hup"}[s]
}

// SIGQUIT (Ctrl-\) sent to kubeboot goes to the child like the others:
// kubeboot dumps no Go stack and leaves no child behind.
func TestKubeconfigShellForwardsSIGQUIT(t *testing.T) {
	e, _, root := shellEnv(t)
	cmd := exec.Command(kubeboot, "kubeconfig", "shell", "A", "--", "/bin/sh", "-c",
		`trap 'echo got-quit; exit 7' QUIT; echo "ready $$"; while :; do sleep 0.1; done`)
	cmd.Env = e.vars
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var child int
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "ready ") {
		t.Fatalf("no ready: %q", lines.Text())
	}
	child, _ = strconv.Atoi(strings.TrimPrefix(lines.Text(), "ready "))
	cmd.Process.Signal(syscall.SIGQUIT)
	var rest []string
	read := make(chan struct{})
	go func() {
		defer close(read)
		for lines.Scan() {
			rest = append(rest, lines.Text())
		}
	}()
	select {
	case <-read:
	case <-time.After(10 * time.Second):
		// kubeboot is gone (a stack dump) and its child holds stdout.
		cmd.Process.Kill()
		if child > 0 {
			syscall.Kill(child, syscall.SIGKILL)
		}
		<-read
		t.Fatalf("the child still runs 10s after SIGQUIT to kubeboot: %s", stderr.String())
	}
	err = cmd.Wait()
	if cmd.ProcessState.ExitCode() != 7 || !strings.Contains(strings.Join(rest, "\n"), "got-quit") {
		t.Errorf("exit %d (%v), stdout %q, stderr %s", cmd.ProcessState.ExitCode(), err, rest, stderr.String())
	}
	if strings.Contains(stderr.String(), "goroutine") {
		t.Errorf("a Go stack dump:\n%s", stderr.String())
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// When the folder for private kubeconfigs cannot be made, shell says
// where it goes and what to set, not --dir (a flag shell does not have).
func TestKubeconfigShellNoPrivateRootHint(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to run as another user")
	}
	e, config, _ := shellEnv(t)
	home := e.home() // root's, 0755: uid 65534 may read, not write
	for _, p := range []string{filepath.Dir(home), home, filepath.Dir(config)} {
		os.Chmod(p, 0o755)
	}
	os.Chmod(config, 0o644)
	binDir := t.TempDir()
	os.Chmod(binDir, 0o755)
	os.Chmod(filepath.Dir(binDir), 0o755)
	exe := filepath.Join(binDir, "kubeboot")
	copyExe(t, kubeboot, exe)
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", exe, "kubeconfig", "shell", "A", "--", "/bin/true")
	cmd.Env = e.vars
	cmd.Dir = "/"
	out, _ := cmd.CombinedOutput()
	if strings.Contains(string(out), "--dir") || !strings.Contains(string(out), "XDG_RUNTIME_DIR") || cmd.ProcessState.ExitCode() == 0 {
		t.Errorf("exit %d:\n%s", cmd.ProcessState.ExitCode(), out)
	}
}

// import inside a private shell refuses: its file is removed on exit;
// with --kubeconfig it writes the file named.
func TestKubeconfigImportInsidePrivateShell(t *testing.T) {
	e, config, _ := shellEnv(t)
	incoming := filepath.Join(e.home(), "new.yaml")
	os.WriteFile(incoming, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: cn\n  cluster: {server: \"https://n.example\"}\n"+
		"users:\n- name: un\n  user: {token: x}\ncontexts:\n- name: N\n  context: {cluster: cn, user: un}\ncurrent-context: N\n"), 0o600)
	r := e.run("kubeconfig", "shell", "A", "--", "/bin/sh", "-c", kubeboot+` kubeconfig import "$1"; echo "code=$?"; `+
		`grep -c "name: N" "$KUBECONFIG"; true`, "sh", incoming)
	if !strings.Contains(r.stdout, "code=2") || !strings.Contains(r.stdout+r.stderr, "import from a terminal outside it") {
		t.Errorf("import inside: %+v", r)
	}
	if b, _ := os.ReadFile(config); string(b) != sharedConfig {
		t.Error("the shared kubeconfig changed")
	}
}
