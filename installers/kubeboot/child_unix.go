//go:build !windows

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

// childSignals are forwarded to the child of kubeconfig shell: Ctrl-C sent
// to kubeboot alone (kill -INT), a kill, the terminal's hangup, and
// Ctrl-\ (SIGQUIT, which would otherwise make kubeboot dump its stack).
var childSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// reraisable are the signals kubeboot dies of in turn when its child did
// (reraise): those whose default action, once kubeboot's handler is reset,
// is to end the process without a Go stack dump.
var reraisable = []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL}

// reraise makes kubeboot die of signal sig, so that its parent (a shell
// running a loop) sees death by that signal, as if the child were it; it
// returns when sig is not reraisable (or kubeboot survived it).
func reraise(sig int) {
	s := syscall.Signal(sig)
	if !slices.Contains(reraisable, s) {
		return
	}
	signal.Reset(s)
	_ = syscall.Kill(os.Getpid(), s)
	time.Sleep(time.Second) // delivered at once; the caller's exit code is the fallback
}

// runChild starts the child in kubeboot's process group (a shell with job
// control moves to its own), forwards childSignals to it until it exits,
// and returns its exit code: 128+N when it died of signal N, as shells
// report it, and N. A child stopped by the terminal stops with kubeboot, as one
// job.
func runChild(c childSpec) (code, signaled int, err error) {
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, childSignals...)
	defer signal.Stop(sig)
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	if c.Started != nil {
		c.Started(cmd.Process.Pid)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sig:
			_ = cmd.Process.Signal(s)
		case err := <-done:
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				return 0, 0, err
			}
			return exitStatus(cmd.ProcessState.Sys())
		}
	}
}

// exitStatus is the code a shell reports for a child's wait status, and
// the signal it died of (0 when none).
func exitStatus(sys any) (code, signaled int, err error) {
	ws, ok := sys.(syscall.WaitStatus)
	if !ok {
		return 0, 0, errors.New("no exit status")
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), int(ws.Signal()), nil
	}
	return ws.ExitStatus(), 0, nil
}
