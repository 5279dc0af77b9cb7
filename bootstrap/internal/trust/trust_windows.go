//go:build windows

package trust

import (
	"os"

	"golang.org/x/sys/windows"
)

// Current is the user of this process's token, and SYSTEM and the
// Administrators group (which own what administrators create).
func Current() Owners {
	o := Owners{Roots: []string{"S-1-5-18", "S-1-5-32-544"}, NoOwnerIsMine: true, NoModes: true}
	if u, err := windows.GetCurrentProcessToken().GetTokenUser(); err == nil {
		o.Self = u.User.Sid.String()
	}
	return o
}

// OwnerOf is the SID owning path ("" when Windows does not say).
func OwnerOf(path string, _ os.FileInfo) string {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return ""
	}
	sid, _, err := sd.Owner()
	if err != nil || sid == nil {
		return ""
	}
	return sid.String()
}
