package atomicfile

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// restrictToOwner gives the current user, and nobody else, full access to
// path: a protected DACL, so entries inherited from the folder are dropped.
func restrictToOwner(path string) error { return restrictACL(path, windows.NO_INHERITANCE) }

// RestrictDirToOwner gives the current user, and nobody else, access to
// the folder dir and to whatever is later made in it: a protected DACL
// whose one entry is inherited by files and folders created inside.
func RestrictDirToOwner(dir string) error {
	return restrictACL(dir, windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT)
}

// restrictACL sets path's DACL to one entry, full access for the current
// user, with the given inheritance.
func restrictACL(path string, inheritance uint32) error {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("find the current user: %w", err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.SET_ACCESS,
		Inheritance:       inheritance,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(user.User.Sid),
		},
	}}, nil)
	if err != nil {
		return fmt.Errorf("build an owner-only access list: %w", err)
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	return nil
}
