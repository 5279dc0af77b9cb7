//go:build unix

package store

import (
	"os"
	"syscall"
)

// openPin opens path without waiting for a writer (a FIFO would block an
// ordinary open until one comes).
func openPin(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
