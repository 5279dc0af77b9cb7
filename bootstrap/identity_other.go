//go:build !unix

package bootstrap

import "os"

// identityOf is not trusted off Unix: Windows lets any program set a
// file's change time back (SetFileInformationByHandle), so nothing short of
// rehashing proves a kubectl unchanged there. The digest cache stays unused.
func identityOf(os.FileInfo) (string, bool) { return "", false }

func sameFile(a, b os.FileInfo) bool { return os.SameFile(a, b) }
