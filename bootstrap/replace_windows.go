//go:build windows

package bootstrap

import "github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"

// replaceExecutable renames src over dst.
func replaceExecutable(src, dst string) error { return atomicfile.Replace(src, dst) }
