// Command kubeboot replaces the getting-started page of shell one-liners:
// it installs a verified kubectl, imports the cloud's kubeconfig safely and
// checks that the credentials work. This file is wiring only: flags, the
// terminal, and exit codes; the work is done by the bootstrap library.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubeboot/kubeboot/internal/term"
)

// Set at link time by the release build.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Exit codes, part of the installer's contract.
const (
	exitOK           = 0
	exitFailure      = 1
	exitUsage        = 2
	exitVerification = 3
	exitUnauthorized = 4
	exitConflict     = 5
)

// app is what every command needs from the outside world; tests and main
// fill it differently.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// interactive is true when stderr is a terminal: progress may redraw.
	interactive bool
	// stdinInteractive is true when stdin is a terminal: we may ask.
	stdinInteractive bool
	// flagSets, when not nil, makes parseFlags record each command's flags
	// instead of parsing: `kubeboot completion` learns them that way.
	flagSets map[string]*flag.FlagSet
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{
		stdin:            os.Stdin,
		stdout:           os.Stdout,
		stderr:           os.Stderr,
		getenv:           os.Getenv,
		interactive:      term.IsTerminal(os.Stderr.Fd()),
		stdinInteractive: term.IsTerminal(os.Stdin.Fd()),
	}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// logf prints a library note on stderr, for --verbose.
func (a *app) logf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "  "+format+"\n", args...)
}

// run dispatches to a command and turns its error into a message and an
// exit code.
func (a *app) run(ctx context.Context, args []string) int {
	err := a.dispatch(ctx, args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelpShown) {
		return exitOK
	}
	if errors.Is(err, errCancelled) {
		return exitFailure
	}
	msg, hint := explain(err)
	fmt.Fprintln(a.stderr, "kubeboot: "+msg)
	if hint != "" {
		fmt.Fprintln(a.stderr, "  "+hint)
	}
	return exitCode(err)
}
