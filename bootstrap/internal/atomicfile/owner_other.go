//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
)

// chownLike is a no-op where files have no Unix owner: on Windows the
// owner-only DACL (Options.Private) decides access.
func chownLike(*os.File, fs.FileInfo) error { return nil }

func chownPathLike(string, fs.FileInfo) error { return nil }

// keptMode keeps perm: on Windows the mode is only the read-only attribute,
// which would stop the next rename over the file.
func keptMode(_ fs.FileInfo, perm os.FileMode) os.FileMode { return perm }
