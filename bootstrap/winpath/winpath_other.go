//go:build !windows

package winpath

// AddToUserPath adds dir to the user's Path in HKCU\Environment and tells
// running programs; on this OS it returns ErrUnsupported.
func AddToUserPath(dir string) (*Result, error) { return nil, ErrUnsupported }

// UserPath returns the raw user Path and whether it is REG_EXPAND_SZ; on
// this OS it returns ErrUnsupported.
func UserPath() (value string, expandable bool, err error) { return "", false, ErrUnsupported }

// AddedByKubeboot reports whether AddToUserPath added dir to the user
// Path; on this OS, never.
func AddedByKubeboot(dir string) bool { return false }

// RemoveFromUserPath removes dir from the user Path when AddToUserPath
// added it; on this OS it returns ErrUnsupported.
func RemoveFromUserPath(dir string) (*Result, error) { return nil, ErrUnsupported }
