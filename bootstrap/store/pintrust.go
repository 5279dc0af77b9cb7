package store

import (
	"fmt"
	"io/fs"
	"slices"
)

// maxPinBytes bounds what is read of a pin file: pin files are a few
// lines, and a larger one is not read at all.
const maxPinBytes = 64 << 10

// pinFile is what the OS says about a pin file and the folder holding it:
// the input of pinDecision.
type pinFile struct {
	Mode fs.FileMode // the file's type and permissions (links followed)
	Size int64
	// FileOwner and DirOwner identify their owners ("1000" on Unix, a SID
	// on Windows); "" when the OS did not say.
	FileOwner, DirOwner string
}

// pinOwners are the owners whose pin files count: the user running
// kubeboot and the system's administrator (root; on Windows SYSTEM and the
// Administrators group).
type pinOwners struct {
	Self  string
	Roots []string
	// NoOwnerIsMine accepts files whose owner the OS cannot say: Windows
	// volumes without ACLs (FAT, exFAT), where every file is the user's.
	NoOwnerIsMine bool
}

// trusts reports whether owner is the user or an administrator.
func (o pinOwners) trusts(owner string) bool {
	if owner == "" {
		return o.NoOwnerIsMine
	}
	return owner == o.Self || slices.Contains(o.Roots, owner)
}

// pinDecision decides whether a pin file is read, git's safe.directory
// rule: the file and the folder holding it must belong to the user running
// kubeboot or to the administrator, so that a .tool-versions another user
// left in a shared parent (/tmp, a world-writable folder, their own
// folder) pins nothing. Only a regular file is read (a FIFO would block, a
// link to /dev/zero would never end), and only up to maxPinBytes. When use
// is false, reason says why, for the log; tooLarge marks the one case that
// is the user's own mistake rather than someone else's file.
func pinDecision(f pinFile, owners pinOwners) (use bool, tooLarge bool, reason string) {
	switch {
	case !owners.trusts(f.DirOwner):
		return false, false, fmt.Sprintf("its folder belongs to %s, not to you (%s) or the administrator", ownerName(f.DirOwner), owners.Self)
	case !owners.trusts(f.FileOwner):
		return false, false, fmt.Sprintf("it belongs to %s, not to you (%s) or the administrator", ownerName(f.FileOwner), owners.Self)
	case !f.Mode.IsRegular():
		return false, false, fmt.Sprintf("it is not a regular file (%s)", fileKind(f.Mode))
	case f.Size > maxPinBytes:
		return false, true, fmt.Sprintf("it is larger than %d KiB (%d bytes); a pin file is a few lines", maxPinBytes>>10, f.Size)
	}
	return true, false, ""
}

func ownerName(id string) string {
	if id == "" {
		return "an unknown owner"
	}
	return "owner " + id
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
