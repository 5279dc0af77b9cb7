package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrUntrusted means a file or folder the store would use belongs to
// another user, or others may write it, so it is not used: the store
// passes over such entries and files (and never removes them), and fails
// with an *UntrustedError when its own folder is such a folder.
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

// CheckTrusted returns nil when path (a link judged as itself, then its
// target) and the folder holding it belong to the user running kubeboot or
// to the administrator and no one else may write them: the rule for pin
// files, store entries and every file the store reads (and, for callers,
// files they keep in the store's folder). Otherwise it returns an
// *UntrustedError (ErrUntrusted), also when nothing is at path yet but
// its folder fails the rule, or the error of Lstat (fs.ErrNotExist when
// there is nothing at path, or no folder).
func CheckTrusted(path string) error {
	return checkTrusted(path, currentOwners())
}

func checkTrusted(path string, o trustOwners) error {
	// The folder first: a file not there yet is not to be made in another
	// user's folder either.
	dir := filepath.Dir(path)
	dfi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if r := o.trustReason("its folder", ownerOf(dir, dfi), dfi.Mode()); r != "" {
		return &UntrustedError{Path: path, Reason: r}
	}
	return checkOne(path, "it", o)
}

// checkOne applies the rule to path alone (Lstat), and to a link's
// target (the file it leads to, links followed).
func checkOne(path, what string, o trustOwners) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if r := o.trustReason(what, ownerOf(path, fi), fi.Mode()); r != "" {
		return &UntrustedError{Path: path, Reason: r}
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	tfi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if r := o.trustReason("what it links to", ownerOf(path, tfi), tfi.Mode()); r != "" {
		return &UntrustedError{Path: path, Reason: r}
	}
	return nil
}

// checkDir is the rule for the store's own folder: it, not its parent
// (a cache folder such as $XDG_CACHE_HOME may be shared). Nothing there
// yet is fine: the store creates it as this user's.
func (s *Store) checkDir() error {
	err := checkOne(s.dir, "it", currentOwners())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// entryTrusted applies the rule to an entry: its version and platform
// folders, its receipt and its kubectl. It returns why not, or "".
func (s *Store) entryTrusted(dir string, p string) string {
	o := currentOwners()
	for _, path := range []string{filepath.Join(dir, ReceiptName), dir, p} {
		if err := checkTrusted(path, o); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err.Error()
		}
	}
	return ""
}
