package kubeconfig

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestBackupJustMadeIsKept: more than DefaultKeepBackups writes within one
// second share a stamp; the backup each write reports still exists after
// it, holding the content it replaced, and the newest ones are kept.
func TestBackupJustMadeIsKept(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(pruneDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	opts := EditOptions{Kubeconfig: path, Home: dir, Now: func() time.Time { return stamp }}
	names := []string{"lab", "tunnel", "live"}
	for i := 0; i < 3*DefaultKeepBackups; i++ {
		before, _ := os.ReadFile(path)
		res, err := Use(context.Background(), names[i%3], opts)
		if err != nil {
			t.Fatal(err)
		}
		w := res.Edit.Written
		if len(w) != 1 || w[0].Backup == "" {
			t.Fatalf("write %d: %+v", i, w)
		}
		got, err := os.ReadFile(w[0].Backup)
		if err != nil || string(got) != string(before) {
			t.Fatalf("write %d: the backup it reported, %s: %v (same content: %v)", i, filepath.Base(w[0].Backup), err, string(got) == string(before))
		}
	}
	matches, _ := filepath.Glob(path + ".kubeboot-backup-*")
	if len(matches) != DefaultKeepBackups {
		t.Errorf("%d backups kept: %v", len(matches), matches)
	}
	// The clock went back a day: the new backup sorts as the oldest by
	// name, and is kept all the same.
	stamp = stamp.Add(-24 * time.Hour)
	res, err := Use(context.Background(), "lab", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(res.Edit.Written[0].Backup); err != nil {
		t.Errorf("the backup made with the clock set back: %v", err)
	}
}
