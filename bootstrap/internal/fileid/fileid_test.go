package fileid

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// Every ordinary change to a file changes its ID; reading it does not.
func TestIDChangesWithTheFile(t *testing.T) {
	dir := testutil.TempDir(t)
	p := filepath.Join(dir, "kubectl")
	if err := os.WriteFile(p, []byte("kubectl v1.36.4"), 0o755); err != nil {
		t.Fatal(err)
	}
	id := func() ID {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := Of(fi)
		if !ok {
			t.Fatal("no ID for a regular file")
		}
		return got
	}
	first := id()
	os.ReadFile(p)
	if again := id(); again != first {
		t.Fatalf("reading changed the ID: %v then %v", first, again)
	}
	if first.Size != 15 {
		t.Errorf("size %d, want 15", first.Size)
	}
	// Same size, new content, times forced back to the old ones: only the
	// change time (Unix) can tell.
	mtime := time.Unix(0, first.ModTime)
	os.WriteFile(p, []byte("kubectl v1.36.5"), 0o755)
	os.Chtimes(p, mtime, mtime)
	if Trusted && id() == first {
		t.Error("a rewrite with its times set back kept the ID on an OS where IDs are trusted")
	}
	os.WriteFile(p, []byte("short"), 0o755)
	if id() == first {
		t.Error("a truncated file kept its ID")
	}
	if _, ok := Of(nil); ok {
		t.Error("Of(nil) gave an ID")
	}
	dfi, _ := os.Stat(dir)
	if _, ok := Of(dfi); ok {
		t.Error("a folder got an ID")
	}
}
