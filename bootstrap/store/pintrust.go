package store

import (
	"fmt"
	"io/fs"

	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
)

// maxPinBytes bounds what is read of a pin file: pin files are a few
// lines, and a larger one is not read at all.
const maxPinBytes = 64 << 10

// pinFile is what the OS says about a pin file (or a link on the way to
// one) and the folder holding it: the input of pinDecision.
type pinFile struct {
	// Mode is the file's type and permissions, from Lstat: a link is a
	// link, not its target.
	Mode fs.FileMode
	Size int64
	// FileOwner and DirOwner identify their owners ("1000" on Unix, a SID
	// on Windows); "" when the OS did not say.
	FileOwner, DirOwner string
	// DirMode is the folder's type and permissions.
	DirMode fs.FileMode
}

// pinDecision decides whether a pin file is read, git's safe.directory
// rule made stricter: the file and the folder holding it must belong to
// the user running kubeboot or to the administrator, and no one else may
// write them, so that a .tool-versions another user left in a shared
// parent (/tmp, a world-writable folder, their own folder), or a root's
// file anyone may write, pins nothing. A link is judged as itself (who
// made it, where): use true for a link means follow it, and its target
// is then decided the same way. Only a regular file is read (a FIFO would
// block, a link to /dev/zero would never end), and only up to
// maxPinBytes. When use is false, reason says why, for the log; tooLarge
// marks the one case that is the user's own mistake rather than someone
// else's file.
func pinDecision(f pinFile, owners trust.Owners) (use bool, tooLarge bool, reason string) {
	if r := owners.Reason("its folder", f.DirOwner, f.DirMode); r != "" {
		return false, false, r
	}
	if !owners.Trusts(f.FileOwner) {
		return false, false, owners.Reason("it", f.FileOwner, f.Mode)
	}
	link := f.Mode&fs.ModeSymlink != 0
	switch {
	case !link && !f.Mode.IsRegular():
		return false, false, fmt.Sprintf("it is not a regular file (%s)", fileKind(f.Mode))
	case owners.OthersMayWrite(f.FileOwner, f.Mode):
		return false, false, owners.Reason("it", f.FileOwner, f.Mode)
	case link:
		return true, false, ""
	case f.Size > maxPinBytes:
		return false, true, fmt.Sprintf("it is larger than %d KiB (%d bytes); a pin file is a few lines", maxPinBytes>>10, f.Size)
	}
	return true, false, ""
}

// fileKind names a non-regular file's type.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
