//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// ptyShellEnv is shellEnv with bash as SHELL and a kubectl on PATH that
// answers `kubectl config current-context` from KUBECONFIG: the real one
// when KUBEBOOT_TEST_KUBECTL names it, else a script (never
// /usr/bin/kubectl).
func ptyShellEnv(t *testing.T) (e *env, config, root, kubectl string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	e, config, root = shellEnv(t)
	bin := filepath.Dir(filepath.Join(e.getenv("PATH"), "x"))
	kubectl = filepath.Join(bin, "kubectl")
	if real := os.Getenv("KUBEBOOT_TEST_KUBECTL"); real != "" {
		if err := os.Symlink(real, kubectl); err != nil {
			t.Fatal(err)
		}
	} else {
		script := "#!/bin/sh\n# kubectl config current-context, and nothing else\n" +
			"[ \"$*\" = \"config current-context\" ] || exit 64\n" +
			"f=\"${KUBECONFIG:-$HOME/.kube/config}\"\nf=\"${f%%:*}\"\n" +
			"sed -n 's/^current-context: *//p' \"$f\"\n"
		if err := os.WriteFile(kubectl, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.vars = append(e.vars, "SHELL="+bash, "TERM=dumb", "KUBEBOOT_BIN="+kubeboot)
	return e, config, root, kubectl
}

// currentContext is what kubectl says in another terminal, with env.
func currentContext(t *testing.T, kubectl string, env []string) string {
	t.Helper()
	cmd := exec.Command(kubectl, "config", "current-context")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl config current-context: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// ask types a command line into bash and waits for its answer, marked so
// that the echo of the typed line does not count.
func ask(t *testing.T, term *testutil.Terminal, n int, line string) string {
	t.Helper()
	start := len(term.Screen())
	term.Type(line + "; echo \"END$((" + strconv.Itoa(n) + "+1000))\"\r")
	end := "END" + strconv.Itoa(n+1000)
	term.WaitFor(t, end+"\r\n")
	screen := term.Screen()[start:]
	screen = screen[:strings.LastIndex(screen, end+"\r\n")]
	// The answer follows the last echo of the typed line (the terminal may
	// echo it before bash prints its prompt, and bash echoes it again).
	lines := strings.Split(screen, "\r\n")
	i := len(lines) - 1
	for i >= 0 && !strings.Contains(lines[i], `echo "END$((`) {
		i--
	}
	answer := strings.Join(lines[i+1:], "\r\n")
	return strings.TrimSpace(answer)
}

// privateDirs lists the private folders under root.
func privateDirs(root string) []string {
	m, _ := filepath.Glob(filepath.Join(root, "shell-*"))
	return m
}

// In a real terminal: inside `shell B`, kubectl says B while another
// terminal says A; namespace changes the private file only; exit returns
// the shell's code and removes the folder.
func TestShellInATerminal(t *testing.T) {
	e, config, root, kubectl := ptyShellEnv(t)
	before, _ := os.ReadFile(config)
	term := startInTerminal(t, e.vars, "kubeconfig", "shell", "B")
	if got := ask(t, term, 1, `echo "ctx=$(kubectl config current-context)= prompt=$KUBEBOOT_CONTEXT/$KUBEBOOT_NAMESPACE"`); got != "ctx=B= prompt=B/team-b" {
		t.Errorf("inside the shell: %q\n%s", got, term.Screen())
	}
	if got := currentContext(t, kubectl, e.vars); got != "A" {
		t.Errorf("another terminal says %q, want A", got)
	}
	if got := ask(t, term, 2, `"$KUBEBOOT_BIN" kubeconfig namespace team-z >/dev/null && grep -c 'namespace: team-z' "$KUBECONFIG"`); got != "1" {
		t.Errorf("namespace inside: %q\n%s", got, term.Screen())
	}
	private := ask(t, term, 3, `echo "$KUBECONFIG"`)
	if after, _ := os.ReadFile(config); !bytes.Equal(after, before) {
		t.Errorf("the shared kubeconfig changed:\n%s", after)
	}
	if fi, err := os.Stat(private); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private file %s: %v, %v", private, fi, err)
	}
	term.Type("exit 4\r")
	err := waitExit(t, term, 10*time.Second)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 {
		t.Errorf("exit: %v, want the shell's 4", err)
	}
	if d := privateDirs(root); len(d) != 0 {
		t.Errorf("left behind: %v", d)
	}
}

// Ctrl-C at the prompt and in a command is the shell's: it keeps
// running. Ctrl-C of a COMMAND run directly ends it, kubeboot dying of SIGINT too, and the
// folder goes.
func TestShellCtrlC(t *testing.T) {
	e, _, root, _ := ptyShellEnv(t)
	term := startInTerminal(t, e.vars, "kubeconfig", "shell", "B")
	ask(t, term, 1, "true")
	term.Type("sleep 30\r")
	time.Sleep(300 * time.Millisecond)
	term.Type("\x03")
	if got := ask(t, term, 2, `echo "alive $KUBEBOOT_CONTEXT"; test -f "$KUBECONFIG" && echo kept`); got != "alive B\r\nkept" {
		t.Errorf("after Ctrl-C: %q\n%s", got, term.Screen())
	}
	term.Type("\x03")
	time.Sleep(300 * time.Millisecond) // readline drops what is typed while it handles ^C
	if got := ask(t, term, 3, `echo "still $KUBEBOOT_CONTEXT"`); got != "still B" {
		t.Errorf("after Ctrl-C at the prompt: %q", got)
	}
	term.Type("exit\r")
	if err := waitExit(t, term, 10*time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}

	term = startInTerminal(t, e.vars, "kubeconfig", "shell", "B", "--", "sleep", "30")
	for deadline := time.Now().Add(10 * time.Second); len(privateDirs(root)) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	term.Type("\x03")
	err := waitExit(t, term, 10*time.Second)
	if !diedOf(err, syscall.SIGINT) {
		t.Errorf("Ctrl-C of the command: %v, want death by SIGINT\n%s", err, term.Screen())
	}
	if d := privateDirs(root); len(d) != 0 {
		t.Errorf("left behind: %v", d)
	}
}

// The terminal's hangup (the SIGHUP the kernel sends the session leader,
// kubeboot here, when the terminal closes) ends the shell; kubeboot
// removes the folder and dies of SIGHUP too.
func TestShellTerminalClosed(t *testing.T) {
	e, _, root, _ := ptyShellEnv(t)
	term := startInTerminal(t, e.vars, "kubeconfig", "shell", "B")
	ask(t, term, 1, "true")
	if len(privateDirs(root)) != 1 {
		t.Fatal("no private folder while the shell runs")
	}
	term.Cmd.Process.Signal(syscall.SIGHUP)
	err := waitExit(t, term, 10*time.Second)
	if !diedOf(err, syscall.SIGHUP) {
		t.Errorf("after the hangup: %v, want death by SIGHUP", err)
	}
	if d := privateDirs(root); len(d) != 0 {
		t.Errorf("left behind: %v", d)
	}
}

// kill -9 of kubeboot: the folder stays while its shell may run, and the
// next run sweeps it once both are gone.
func TestShellKilledThenSwept(t *testing.T) {
	e, config, root, kubectl := ptyShellEnv(t)
	term := startInTerminal(t, e.vars, "kubeconfig", "shell", "B")
	shellPid, _ := strconv.Atoi(ask(t, term, 1, `echo $$`))
	dirs := privateDirs(root)
	if len(dirs) != 1 {
		t.Fatalf("private folders: %v", dirs)
	}
	owner, _ := os.ReadFile(filepath.Join(dirs[0], "owner"))
	if !strings.Contains(string(owner), "pid "+strconv.Itoa(term.Cmd.Process.Pid)+"\n") || !strings.Contains(string(owner), "pid "+strconv.Itoa(shellPid)+"\n") {
		t.Errorf("the marker does not name kubeboot %d and the shell %d:\n%s", term.Cmd.Process.Pid, shellPid, owner)
	}
	term.Cmd.Process.Signal(syscall.SIGKILL)
	term.Cmd.Wait()
	// The shell lost its terminal's session leader; it goes too.
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(shellPid, 0) == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if syscall.Kill(shellPid, 0) == nil {
		syscall.Kill(shellPid, syscall.SIGKILL)
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(dirs[0]); err != nil {
		t.Fatalf("the folder went without a sweep: %v", err)
	}
	r := e.run("kubeconfig", "shell", "A", "--", kubectl, "config", "current-context")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "A" {
		t.Errorf("next run: %+v", r)
	}
	if d := privateDirs(root); len(d) != 0 {
		t.Errorf("not swept: %v", d)
	}
	if b, _ := os.ReadFile(config); string(b) != sharedConfig {
		t.Error("the shared kubeconfig changed")
	}
}

// SIGTERM to kubeboot (a kill, a supervisor) goes to the child; kubeboot
// exits as the child did and removes the folder.
func TestShellForwardsSIGTERM(t *testing.T) {
	e, _, root, _ := ptyShellEnv(t)
	cmd := exec.Command(kubeboot, "kubeconfig", "shell", "B", "--", "sleep", "30")
	cmd.Env = e.vars
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var owner []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if d := privateDirs(root); len(d) == 1 {
			if owner, _ = os.ReadFile(filepath.Join(d[0], "owner")); strings.Count(string(owner), "pid ") == 2 {
				break
			}
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if !diedOf(err, syscall.SIGTERM) {
			t.Errorf("after SIGTERM: %v, want death by SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("kubeboot still runs 10 s after SIGTERM: the child did not get it")
	}
	if d := privateDirs(root); len(d) != 0 {
		t.Errorf("left behind: %v", d)
	}
}

// diedOf reports whether a process's wait error is death by signal sig.
func diedOf(err error, sig syscall.Signal) bool {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}
