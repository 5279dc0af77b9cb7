//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// execKubectl replaces this process with kubectl at path: the same pid,
// streams, terminal and environment, so its exit code and every signal
// are kubectl's. It returns only when the exec fails. watched says that
// kubeboot relays Ctrl-C, SIGTERM and SIGHUP (host.WatchInterrupts): they are
// given back their default first, so that one arriving just before the
// exec ends the process rather than being ignored (passInterrupts);
// unwatched, they have it already, and signal.Reset would start the
// runtime's signal threads for nothing.
func execKubectl(path string, args []string, watched bool) (int, error) {
	if watched {
		signal.Reset(interruptSignals...)
	}
	return 0, syscall.Exec(path, append([]string{"kubectl"}, args...), os.Environ())
}
