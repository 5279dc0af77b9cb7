package sigtest

import (
	"os"
	"path/filepath"
	"testing"
)

// FixturesDir returns the folder of the real Sigstore test data,
// ../shared/fixtures/sigstore beside the checkout (found by walking up from
// the working directory to go.mod), and whether it exists. The data is
// never copied into the repository.
func FixturesDir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	f := filepath.Join(filepath.Dir(dir), "shared", "fixtures", "sigstore")
	_, err = os.Stat(filepath.Join(f, "README.md"))
	return f, err == nil
}

// Fixtures returns FixturesDir, or skips the test saying the data is absent.
func Fixtures(t testing.TB) string {
	t.Helper()
	f, ok := FixturesDir()
	if !ok {
		t.Skipf("real Sigstore fixtures absent (../shared/fixtures/sigstore beside the checkout, %q): skipping", f)
	}
	return f
}

// ConformanceDir returns the folder of sigstore-conformance's
// bundle-verify cases, ../shared/fixtures/sigstore-conformance/bundle-verify
// beside the checkout, or skips the test saying they are absent.
func ConformanceDir(t testing.TB) string {
	t.Helper()
	f, _ := FixturesDir()
	d := filepath.Join(filepath.Dir(f), "sigstore-conformance", "bundle-verify")
	if _, err := os.Stat(filepath.Join(d, "a.txt")); err != nil {
		t.Skipf("sigstore-conformance cases absent (%q): skipping the conformance run", d)
	}
	return d
}
