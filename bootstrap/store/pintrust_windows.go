//go:build windows

package store

import "os"

// openPin opens path; Windows has no FIFOs in the file system.
func openPin(path string) (*os.File, error) { return os.Open(path) }
