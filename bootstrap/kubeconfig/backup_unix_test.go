//go:build unix

package kubeconfig

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBackupsArePrivate: every backup is 0600, whatever the kubeconfig's
// mode (0644 is common: kubectl keeps what it finds); a private (0600)
// kubeconfig's backup is still the old file itself, not a copy.
func TestBackupsArePrivate(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o600} {
		dir := t.TempDir()
		path := filepath.Join(dir, "config")
		if err := os.WriteFile(path, []byte(pruneDoc), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode)
		before, _ := os.Stat(path)
		res, err := Use(context.Background(), "lab", EditOptions{Kubeconfig: path, Home: dir, StateDir: filepath.Join(dir, "state")})
		if err != nil {
			t.Fatal(err)
		}
		b := res.Edit.Written[0].Backup
		fi, err := os.Stat(b)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("kubeconfig mode %04o: backup %s mode %v (%v), want 0600", mode, b, fi.Mode(), err)
			continue
		}
		if data, _ := os.ReadFile(b); string(data) != pruneDoc {
			t.Errorf("kubeconfig mode %04o: the backup does not hold the old content", mode)
		}
		if after, _ := os.Stat(path); after.Mode().Perm() != mode {
			t.Errorf("the kubeconfig's mode changed: %v, was %04o", after.Mode(), mode)
		}
		linked := fi.Sys().(*syscall.Stat_t).Ino == before.Sys().(*syscall.Stat_t).Ino
		if mode == 0o600 && !linked {
			t.Error("the backup of a 0600 kubeconfig was copied, not linked")
		}
	}
}
