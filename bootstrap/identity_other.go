//go:build !unix && !windows

package bootstrap

// statIdentity is unknown on this OS: the digest cache stays unused.
func statIdentity(string) (string, bool) { return "", false }
