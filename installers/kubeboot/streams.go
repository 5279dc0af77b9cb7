package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// Where output goes: results on stdout; the plan, prompts, progress, step
// marks, notes and errors on stderr, so that `kubeboot setup > log` keeps
// the conversation on the screen. Colour is decided per stream.

// stream is an output stream and whether it is a terminal.
type stream struct {
	w        io.Writer
	terminal bool
	colour   bool
}

// stdout and stderr return the host's streams.
func (a *app) stdout() stream { return a.stream(a.host.Stdout, a.host.StdoutTerminal) }
func (a *app) stderr() stream { return a.stream(a.host.Stderr, a.host.StderrTerminal) }

func (a *app) stream(w io.Writer, terminal bool) stream {
	colour := terminal && a.host.Getenv("NO_COLOR") == "" && a.host.Getenv("TERM") != "dumb"
	return stream{w, terminal, colour}
}

// mark is ✓ or ✗, green or red when s shows colour.
func (s stream) mark(ok bool) string {
	m, colour := "✓", "32"
	if !ok {
		m, colour = "✗", "31"
	}
	if s.colour {
		return "\033[" + colour + "m" + m + "\033[0m"
	}
	return m
}

// logf prints a library note on stderr, for --verbose.
func (a *app) logf(format string, args ...any) {
	fmt.Fprintf(a.host.Stderr, "  "+format+"\n", args...)
}

// confirm asks question on the terminal (written to stderr, read from
// stdin) and returns nil on yes. Without a terminal it refuses to guess;
// Ctrl-C at the prompt ends the wait at once.
func (a *app) confirm(ctx context.Context, question, refusal string) error {
	h := a.host
	if !h.StdinTerminal {
		return usageErrorf("%s", refusal)
	}
	fmt.Fprint(h.Stderr, question+" [y/N] ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(h.Stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(h.Stderr)
		return context.Cause(ctx)
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return nil
		}
	}
	fmt.Fprintln(h.Stderr, "Nothing was changed.")
	return errCancelled
}
