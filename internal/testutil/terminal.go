//go:build linux || darwin

package testutil

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Terminal runs a command with a pseudo-terminal as its stdin, stdout and
// stderr, as a user at a shell would, and keeps what it shows.
type Terminal struct {
	Cmd *exec.Cmd
	tty *os.File

	mu     sync.Mutex
	buf    bytes.Buffer
	closed chan struct{} // closed once the terminal has nothing more to read
}

// StartTerminal starts cmd in a 40x160 pseudo-terminal.
func StartTerminal(t testing.TB, cmd *exec.Cmd) *Terminal {
	t.Helper()
	return StartTerminalSize(t, cmd, 40, 160)
}

// StartTerminalSize starts cmd in a pseudo-terminal of rows x cols, such
// as the classic 24x80.
func StartTerminalSize(t testing.TB, cmd *exec.Cmd, rows, cols uint16) *Terminal {
	t.Helper()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	term := &Terminal{Cmd: cmd, tty: tty, closed: make(chan struct{})}
	t.Cleanup(func() { tty.Close() })
	go func() {
		defer close(term.closed)
		io.Copy(term, tty) // ends with EIO once the program has exited
	}()
	return term
}

func (term *Terminal) Write(p []byte) (int, error) {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.buf.Write(p)
}

// Screen returns everything the program has shown so far.
func (term *Terminal) Screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.buf.String()
}

// Type sends keystrokes, as a user typing.
func (term *Terminal) Type(s string) { term.tty.Write([]byte(s)) }

// WaitFor waits until the screen shows want; it fails the test at once if
// the screen shows any of failFast first.
func (term *Terminal) WaitFor(t testing.TB, want string, failFast ...string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		screen := term.Screen()
		if strings.Contains(screen, want) {
			return
		}
		for _, f := range failFast {
			if strings.Contains(screen, f) {
				t.Fatalf("the terminal shows %q instead of %q:\n%s", f, want, screen)
			}
		}
	}
	t.Fatalf("the terminal never showed %q; it shows:\n%s", want, term.Screen())
}

// Wait waits for the program to exit and for everything it wrote to be
// read: its exit does not mean the reader has caught up.
func (term *Terminal) Wait(t testing.TB) error {
	t.Helper()
	err := term.Cmd.Wait()
	select {
	case <-term.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal was not drained")
	}
	return err
}
