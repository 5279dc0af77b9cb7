//go:build !unix

package bootstrap

// statIdentity is not trusted off Unix: Windows lets any program set a
// file's change time back (SetFileInformationByHandle), so nothing short of
// rehashing proves a kubectl unchanged there. The digest cache stays unused.
func statIdentity(string) (string, bool) { return "", false }
