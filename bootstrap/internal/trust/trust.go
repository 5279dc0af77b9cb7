// Package trust is the one rule for files kubeboot reads and acts on
// without checking their content against something signed: pin files,
// store entries and receipts, and the client's remembered answers (verified
// releases, installed digests, channel floors).
//
// Invariant: such a file, the folder holding it, and (for a link) what the
// link leads to belong to the user running kubeboot or to the system's
// administrator, and no one else may write them. A folder writable by all
// with the sticky bit (/tmp) counts as not writable: others may add files
// of their own there, which fail the owner rule, but not replace anyone
// else's. Whoever could change such a file could otherwise vouch for a
// kubectl in this user's name.
package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// ErrUntrusted means a file or folder belongs to another user, or others
// may write it, so it is not used.
var ErrUntrusted = errors.New("not trusted: another user's, or writable by others")

// UntrustedError names what is not trusted and why.
type UntrustedError struct {
	Path   string
	Reason string // "it belongs to owner 1001, not to you (1000) or the administrator"
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("%s is not used: %s", e.Path, e.Reason)
}

// Is makes errors.Is match ErrUntrusted.
func (e *UntrustedError) Is(target error) bool { return target == ErrUntrusted }

// Owners are the owners whose files count: the user running kubeboot and
// the system's administrator (root; on Windows SYSTEM and the
// Administrators group).
type Owners struct {
	Self  string
	Roots []string
	// NoOwnerIsMine accepts files whose owner the OS cannot say: Windows
	// volumes without ACLs (FAT, exFAT), where every file is the user's.
	NoOwnerIsMine bool
	// NoModes ignores permission bits, which Windows makes up (ACLs
	// decide there; the owner check stands).
	NoModes bool
}

// Trusts reports whether owner is the user or an administrator.
func (o Owners) Trusts(owner string) bool {
	if owner == "" {
		return o.NoOwnerIsMine
	}
	return owner == o.Self || slices.Contains(o.Roots, owner)
}

// OthersMayWrite reports whether someone other than the user and the
// administrator may change a file or folder of mode m owned by owner: it
// is writable by all, or by its group while it is not the user's own (a
// group the user shares with others). A link's own bits mean nothing (its
// target's count); a sticky folder writable by all counts as not writable
// (see the package doc).
func (o Owners) OthersMayWrite(owner string, m fs.FileMode) bool {
	if o.NoModes || m&fs.ModeSymlink != 0 {
		return false
	}
	if m.IsDir() && m&fs.ModeSticky != 0 {
		return false
	}
	return m&0o002 != 0 || (m&0o020 != 0 && owner != o.Self)
}

// Reason says why a file or folder (what: "it", "its folder") of owner and
// mode m cannot be trusted, or "" when it can.
func (o Owners) Reason(what, owner string, m fs.FileMode) string {
	switch {
	case !o.Trusts(owner):
		return fmt.Sprintf("%s belongs to %s, not to you (%s) or the administrator", what, ownerName(owner), o.Self)
	case o.OthersMayWrite(owner, m):
		return fmt.Sprintf("%s may be changed by other users (mode %s)", what, m.Perm())
	}
	return ""
}

func ownerName(id string) string {
	if id == "" {
		return "an unknown owner"
	}
	return "owner " + id
}

// Check returns nil when path (a link judged as itself, then its target)
// and the folder holding it follow the rule for the running user.
// Otherwise it returns an *UntrustedError (ErrUntrusted), also when nothing
// is at path yet but its folder fails the rule, or the error of Lstat
// (fs.ErrNotExist when there is nothing at path, or no folder).
func Check(path string) error {
	return CheckWith(path, Current())
}

// CheckWith is Check for the owners o.
func CheckWith(path string, o Owners) error {
	// The folder first: a file not there yet is not to be made in another
	// user's folder either.
	dir := filepath.Dir(path)
	dfi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if r := o.Reason("its folder", OwnerOf(dir, dfi), dfi.Mode()); r != "" {
		return &UntrustedError{Path: path, Reason: r}
	}
	return CheckOne(path, "it", o)
}

// CheckOne applies the rule to path alone (Lstat), and to a link's target
// (the file it leads to, links followed); what names path in the reason.
func CheckOne(path, what string, o Owners) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if r := o.Reason(what, OwnerOf(path, fi), fi.Mode()); r != "" {
		return &UntrustedError{Path: path, Reason: r}
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	tfi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if r := o.Reason("what it links to", OwnerOf(path, tfi), tfi.Mode()); r != "" {
		return &UntrustedError{Path: path, Reason: r}
	}
	return nil
}
