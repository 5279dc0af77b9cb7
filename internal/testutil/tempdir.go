package testutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TempDir is t.TempDir for tests that also run under Wine, where
// os.RemoveAll fails ("unlinkat ...: Invalid function": Wine 8 lacks the
// POSIX-semantics delete Go uses) and t.TempDir's cleanup would fail the
// test. The folder is removed with RemoveAll, then file by file; what still
// cannot be removed fails the test, except under Wine, where it is logged.
func TempDir(t testing.TB) string {
	t.Helper()
	// Characters Windows does not allow in names (subtests named after
	// version constraints hold > and <) become _.
	pattern := strings.NewReplacer("/", "_", `\`, "_", ":", "_", "<", "_", ">", "_", `"`, "_", "|", "_", "?", "_", "*", "_").Replace(t.Name())
	dir, err := os.MkdirTemp("", pattern+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := removeAll(dir); err != nil {
			if UnderWine() {
				t.Logf("under Wine, left %s: %v", dir, err)
				return
			}
			t.Errorf("remove temp folder: %v", err)
		}
	})
	return dir
}

// removeAll is the product's bootstrap/internal/removeall.Tree for test
// folders, which that internal package cannot serve; it also makes
// read-only test files removable.
func removeAll(dir string) error {
	if os.RemoveAll(dir) == nil {
		return nil
	}
	var paths []string
	filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	// Deepest first, so folders are empty when their turn comes.
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	var first error
	for _, p := range paths {
		os.Chmod(p, 0o700)
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) && first == nil {
			first = err
		}
	}
	return first
}

// Names lists the names in dir, leaving out those in except (a lock file
// the code under test keeps, say). A missing folder lists nothing.
func Names(dir string, except ...string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if !slices.Contains(except, e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}
