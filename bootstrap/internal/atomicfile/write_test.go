package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestWritePrivateAndCustomReplace(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("secret"), Options{Perm: 0o644, Private: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("Private left mode %v, want 0600", fi.Mode().Perm())
	}
	// A failing Replace leaves the original and no temp file.
	boom := errors.New("in use")
	err := Write(path, []byte("new"), Options{Perm: 0o755, Replace: func(tmp, dst string) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the Replace error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "secret" {
		t.Errorf("content %q after a failed replace", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries left, want the target only", len(entries))
	}
}
