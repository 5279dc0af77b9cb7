//go:build !unix

package kubeconfig

import "io/fs"

// soleLink reports whether fi is a file with no other name. Where link
// counts are not at hand it says no, and backups are copies.
func soleLink(fs.FileInfo) bool { return false }
