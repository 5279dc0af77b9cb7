//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// execKubectl replaces this process with kubectl at path: the same pid,
// streams, terminal and environment, so its exit code and every signal
// are kubectl's. It returns only when the exec fails.
func execKubectl(path string, args []string) (int, error) {
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	return 0, syscall.Exec(path, append([]string{"kubectl"}, args...), os.Environ())
}
