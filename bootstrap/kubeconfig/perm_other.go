//go:build !windows

package kubeconfig

// restrictToOwner is a no-op on Unix, where the mode already says 0600.
func restrictToOwner(string) error { return nil }
