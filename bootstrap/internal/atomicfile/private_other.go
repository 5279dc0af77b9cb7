//go:build !windows

package atomicfile

// restrictToOwner is a no-op off Windows, where mode 0600 says it all.
func restrictToOwner(string) error { return nil }
