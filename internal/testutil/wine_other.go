//go:build !windows

package testutil

// UnderWine reports whether this Windows program runs under Wine; never,
// on this OS.
func UnderWine() bool { return false }
