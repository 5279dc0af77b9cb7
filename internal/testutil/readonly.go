// Package testutil holds helpers shared by the project's tests.
package testutil

import (
	"os"
	"testing"
)

// MakeReadOnly makes dir refuse new entries for the rest of the test, even
// when the tests run as root (as CI does): chmod alone does not stop root, so
// on Linux the folder also gets the immutable attribute. The test is skipped
// where neither works.
func MakeReadOnly(t testing.TB, dir string) {
	t.Helper()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Geteuid() == 0 {
		undo, err := setImmutable(dir)
		if err != nil {
			t.Skipf("cannot make %s read-only for root: %v", dir, err)
		}
		t.Cleanup(undo)
	}
	probe, err := os.CreateTemp(dir, "probe")
	if err == nil {
		probe.Close()
		os.Remove(probe.Name())
		t.Skipf("%s is still writable; this file system ignores read-only folders", dir)
	}
}
