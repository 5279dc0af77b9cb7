//go:build !windows

package pkgmgr

import "os"

// Elevated reports whether this process may install for all users: on
// Windows, a UAC-elevated token; elsewhere, root.
func Elevated() bool { return os.Geteuid() == 0 }
