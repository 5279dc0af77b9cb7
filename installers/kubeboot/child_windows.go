package main

import (
	"errors"
	"os/exec"
)

// runChild starts the child on kubeboot's console and returns its exit
// code. Ctrl-C reaches the child through the console they share, and
// kubeboot, which gets it too, ignores it while the child runs (app's
// passInterrupts); closing the console ends both, and the next run sweeps
// the folder.
func runChild(c childSpec) (code, signaled int, err error) {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	if c.Started != nil {
		c.Started(cmd.Process.Pid)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, 0, err
	}
	return cmd.ProcessState.ExitCode(), 0, nil
}

// reraise does nothing on Windows, which has no death by signal: the exit
// code is the child's.
func reraise(int) {}
