//go:build !windows

package exeinstall

import "github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"

// Replace renames src over dst, in the same folder. On Unix a running dst
// keeps running from its old inode.
func Replace(src, dst string) error { return atomicfile.Replace(src, dst) }

// sweepAside has nothing to do: only Windows moves running programs aside.
func sweepAside(dir, base string, names []string, logf func(string, ...any)) {}
