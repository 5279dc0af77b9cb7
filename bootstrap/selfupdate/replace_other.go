//go:build !windows

package selfupdate

import "github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"

// replaceExecutable renames src over exe. A running exe keeps running from
// its old inode; the next start runs the new file.
func replaceExecutable(src, exe string) error { return atomicfile.Replace(src, exe) }
