//go:build !windows

package bootstrap

import "github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"

// replaceExecutable renames src over dst; on Unix a running dst keeps
// running from its old inode.
func replaceExecutable(src, dst string) error { return atomicfile.Replace(src, dst) }

// sweepAside has nothing to do: only Windows moves running programs aside.
func (c *Client) sweepAside(dir, base string) {}
