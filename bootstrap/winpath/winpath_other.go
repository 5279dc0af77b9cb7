//go:build !windows

package winpath

// AddToUserPath adds dir to the user's Path in HKCU\Environment and tells
// running programs; on this OS it returns ErrUnsupported.
func AddToUserPath(dir string) (*Result, error) { return nil, ErrUnsupported }

// UserPath returns the raw user Path and whether it is REG_EXPAND_SZ; on
// this OS it returns ErrUnsupported.
func UserPath() (value string, expandable bool, err error) { return "", false, ErrUnsupported }
