package main

import (
	"errors"
	"os"
	"os/exec"
)

// execKubectl runs kubectl at path as a child with this process's
// streams, console and environment, and returns its exit code. Ctrl-C
// reaches the child through the console they share; the parent keeps
// receiving it too and ignores it while the child runs (app's
// passInterrupts), so it waits for the child's own exit code; kubectlRun
// has kubeboot watch them (host.WatchInterrupts) before, whatever watched
// says.
func execKubectl(path string, args []string, _ bool) (int, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}
