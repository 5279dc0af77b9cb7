//go:build !unix

package fileid

import "os"

// Trusted is false off Unix: Windows lets any program set a file's times
// back, and os.Stat reports no inode or change time there, so an ID holds
// only the size and the modification time.
const Trusted = false

func fill(*ID, os.FileInfo) {}
