//go:build !unix && !windows

package kubeconfig

import "io/fs"

// processAlive cannot tell on this system: every folder is kept.
func processAlive(int) bool { return true }

func ownedByMe(fs.FileInfo) bool { return true }
