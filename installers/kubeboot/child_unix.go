//go:build !windows

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// childSignals are forwarded to the child of kubeconfig shell: Ctrl-C sent
// to kubeboot alone (kill -INT), a kill, and the terminal's hangup.
var childSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// runChild starts the child in kubeboot's process group (a shell with job
// control moves to its own), forwards childSignals to it until it exits,
// and returns its exit code: 128+N when it died of signal N, as shells
// report it. A child stopped by the terminal stops with kubeboot, as one
// job.
func runChild(c childSpec) (int, error) {
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, childSignals...)
	defer signal.Stop(sig)
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
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
				return 0, err
			}
			return exitStatus(cmd.ProcessState.Sys())
		}
	}
}

// exitStatus is the code a shell reports for a child's wait status.
func exitStatus(sys any) (int, error) {
	ws, ok := sys.(syscall.WaitStatus)
	if !ok {
		return 0, errors.New("no exit status")
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}
