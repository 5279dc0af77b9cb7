package pkgmgr

import "golang.org/x/sys/windows"

// Elevated reports whether this process may install for all users: on
// Windows, a UAC-elevated token; elsewhere, root.
func Elevated() bool { return windows.GetCurrentProcessToken().IsElevated() }
