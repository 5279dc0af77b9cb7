package store

import (
	"fmt"
	"io/fs"
	"slices"
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

// trustOwners are the owners whose files count: the user running kubeboot
// and the system's administrator (root; on Windows SYSTEM and the
// Administrators group).
type trustOwners struct {
	Self  string
	Roots []string
	// NoOwnerIsMine accepts files whose owner the OS cannot say: Windows
	// volumes without ACLs (FAT, exFAT), where every file is the user's.
	NoOwnerIsMine bool
	// NoModes ignores permission bits, which Windows makes up (ACLs
	// decide there; the owner check stands).
	NoModes bool
}

// trusts reports whether owner is the user or an administrator.
func (o trustOwners) trusts(owner string) bool {
	if owner == "" {
		return o.NoOwnerIsMine
	}
	return owner == o.Self || slices.Contains(o.Roots, owner)
}

// othersMayWrite reports whether someone other than the user and the
// administrator may change a file or folder of mode m owned by owner: it
// is writable by all, or by its group while it is not the user's own (a
// group the user shares with others). A link's own bits mean nothing
// (its target's count). A folder writable by all but with the sticky bit
// (/tmp) lets others add files of their own, which fail the owner check,
// but not rename or remove anyone else's: it counts as not writable.
func (o trustOwners) othersMayWrite(owner string, m fs.FileMode) bool {
	if o.NoModes || m&fs.ModeSymlink != 0 {
		return false
	}
	if m.IsDir() && m&fs.ModeSticky != 0 {
		return false
	}
	return m&0o002 != 0 || (m&0o020 != 0 && owner != o.Self)
}

// trustReason says why a file or folder (what: "it", "its folder") of
// owner and mode m cannot be trusted, or "" when it can: it must belong to
// the user or the administrator and no one else may write it.
func (o trustOwners) trustReason(what, owner string, m fs.FileMode) string {
	switch {
	case !o.trusts(owner):
		return fmt.Sprintf("%s belongs to %s, not to you (%s) or the administrator", what, ownerName(owner), o.Self)
	case o.othersMayWrite(owner, m):
		return fmt.Sprintf("%s may be changed by other users (mode %s)", what, m.Perm())
	}
	return ""
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
func pinDecision(f pinFile, owners trustOwners) (use bool, tooLarge bool, reason string) {
	if r := owners.trustReason("its folder", f.DirOwner, f.DirMode); r != "" {
		return false, false, r
	}
	if !owners.trusts(f.FileOwner) {
		return false, false, owners.trustReason("it", f.FileOwner, f.Mode)
	}
	link := f.Mode&fs.ModeSymlink != 0
	switch {
	case !link && !f.Mode.IsRegular():
		return false, false, fmt.Sprintf("it is not a regular file (%s)", fileKind(f.Mode))
	case owners.othersMayWrite(f.FileOwner, f.Mode):
		return false, false, owners.trustReason("it", f.FileOwner, f.Mode)
	case link:
		return true, false, ""
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
