package testutil

import (
	"io/fs"
	"os"
	"testing"
)

// Symlink makes newname a symbolic link to oldname for a test about
// links, and skips the test (so a subtest: only that case) where no link
// can be made: Windows refuses one without the privilege or developer
// mode, and Wine 8's CreateSymbolicLinkW is a stub that reports success
// and makes nothing (a link made on the Linux side is no better: Wine
// shows it as a plain file). A link reported made but not seen as one
// fails the test anywhere but under Wine.
func Symlink(t testing.TB, oldname, newname string) {
	t.Helper()
	if err := os.Symlink(oldname, newname); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	fi, err := os.Lstat(newname)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return
	}
	seen := "nothing"
	if err == nil {
		seen = fi.Mode().String()
	}
	if UnderWine() {
		t.Skipf("under Wine, os.Symlink(%s) reports success but %s is there (Wine 8's CreateSymbolicLinkW is a stub): this case needs a link", newname, seen)
	}
	t.Fatalf("os.Symlink(%s) reported success, but Lstat sees %s (%v)", newname, seen, err)
}
