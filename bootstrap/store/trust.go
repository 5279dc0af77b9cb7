package store

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
)

// ErrUntrusted means a file or folder the store would use belongs to
// another user, or others may write it, so it is not used: the store
// passes over such entries and files (and never removes them), and fails
// with an *UntrustedError when its own folder is such a folder.
var ErrUntrusted = trust.ErrUntrusted

// UntrustedError names what is not trusted and why.
type UntrustedError = trust.UntrustedError

// CheckTrusted returns nil when path (a link judged as itself, then its
// target) and the folder holding it belong to the user running kubeboot or
// to the administrator and no one else may write them: the rule for pin
// files, store entries and every file the store reads (and, for callers,
// files they keep in the store's folder). Otherwise it returns an
// *UntrustedError (ErrUntrusted), also when nothing is at path yet but
// its folder fails the rule, or the error of Lstat (fs.ErrNotExist when
// there is nothing at path, or no folder).
func CheckTrusted(path string) error { return trust.Check(path) }

// checkDir is the rule for the store's own folder: it, not its parent
// (a cache folder such as $XDG_CACHE_HOME may be shared). Nothing there
// yet is fine: the store creates it as this user's.
func (s *Store) checkDir() error {
	err := trust.CheckOne(s.dir, "it", trust.Current())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// entryTrusted applies the rule to an entry: its version and platform
// folders, its receipt and its kubectl. It returns why not, or "".
func (s *Store) entryTrusted(dir string, p string) string {
	o := trust.Current()
	for _, path := range []string{filepath.Join(dir, ReceiptName), dir, p} {
		if err := trust.CheckWith(path, o); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err.Error()
		}
	}
	return ""
}
