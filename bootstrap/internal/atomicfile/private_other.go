//go:build !windows

package atomicfile

// restrictToOwner is a no-op off Windows, where mode 0600 says it all.
func restrictToOwner(string) error { return nil }

// RestrictDirToOwner is a no-op off Windows: a folder made with mode 0700
// is already its owner's alone.
func RestrictDirToOwner(string) error { return nil }
