//go:build linux || darwin

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kubeboot/kubeboot/internal/k8stest"
)

// screen collects what kubeboot writes to its terminal.
type screen struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	closed chan struct{} // closed once the terminal has nothing more to read
}

// drained waits until everything the program wrote has been read: its exit
// does not mean the reader has caught up.
func (s *screen) drained(t *testing.T) {
	t.Helper()
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal was not drained")
	}
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen shows want.
func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(s.String(), want) {
			return
		}
	}
	t.Fatalf("the terminal never showed %q; it shows:\n%s", want, s.String())
}

// startInTerminal runs kubeboot with a pseudo-terminal as stdin, stdout and
// stderr, as a user at a shell would.
func startInTerminal(t *testing.T, env []string, args ...string) (*os.File, *screen, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(kubeboot, args...)
	cmd.Env = env
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	s := &screen{closed: make(chan struct{})}
	go func() {
		defer close(s.closed)
		io.Copy(s, tty) // ends with EIO once the program has exited
	}()
	return tty, s, cmd
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
	tty, s, cmd := startInTerminal(t, append(e.vars, "TERM=xterm", "PATH="+bin), "setup", file, "--dir", bin)
	s.waitFor(t, "Continue? [y/N]")
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Fatal("setup installed before the user answered")
	}
	tty.Write([]byte("y\r"))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("setup: %v\n%s", err, s.String())
	}
	s.drained(t)
	out := s.String()
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
	tty, s, cmd := startInTerminal(t, append(e.vars, "TERM=xterm", "NO_COLOR=1"), "setup", "--dir", bin)
	s.waitFor(t, "Continue? [y/N]")
	tty.Write([]byte("\r"))
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("declined setup: %v\n%s", err, s.String())
	}
	s.drained(t)
	s.waitFor(t, "Nothing was changed.")
	for _, p := range []string{bin, filepath.Join(home, ".kube")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after the user said no", p)
		}
	}
	if strings.Contains(s.String(), "\033[3") {
		t.Error("colour despite NO_COLOR")
	}
}
