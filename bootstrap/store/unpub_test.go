package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// An exact version the mirror does not publish costs one try (not two)
// and leaves no folder behind.
func TestUnpublishedExactVersion(t *testing.T) {
	f := newFixture(t)
	f.ensure("v1.37.2") // the store exists
	before := len(f.m.AllRequests())
	_, err := f.s.Ensure(context.Background(), "v1.36.9")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unpublished: %v", err)
	}
	seen := map[string]int{}
	for _, r := range f.m.AllRequests()[before:] {
		if !r.Front {
			seen[r.Path]++
		}
	}
	for p, n := range seen {
		if n > 1 {
			t.Errorf("%s asked %d times", p, n)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "v1.36.9")); !os.IsNotExist(err) {
		var left []string
		filepath.WalkDir(filepath.Join(f.dir, "v1.36.9"), func(p string, _ fs.DirEntry, _ error) error {
			left = append(left, strings.TrimPrefix(p, f.dir))
			return nil
		})
		t.Errorf("left behind: %q", left)
	}
	if es, _ := f.s.List(); len(es) != 1 {
		t.Errorf("List: %+v", es)
	}
}

// A store this user can read but not write (shared, read-only), whose
// kubectl's change time moved (a chmod after it was filled): hashed once,
// noted in VerifiedDir, and not hashed again on later runs; a changed
// content is still caught.
func TestReadOnlyStoreHashesOnce(t *testing.T) {
	f := newFixture(t)
	e := f.ensure("v1.37.2")
	if err := os.Chmod(e.Path, 0o755); err != nil { // moves the change time
		t.Fatal(err)
	}
	testutil.MakeReadOnly(t, filepath.Dir(e.Path))
	hashes := 0
	fileid.TestHookHashing = func(string) { hashes++ }
	t.Cleanup(func() { fileid.TestHookHashing = nil })
	verified := filepath.Join(testutil.TempDir(t), "verified")
	for run := range 3 {
		s, err := New(Options{Dir: f.dir, Client: f.s.client, VerifiedDir: verified})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Ensure(context.Background(), "v1.37.2"); err != nil || !got.Intact {
			t.Fatalf("run %d: %+v, %v", run, got, err)
		}
	}
	if hashes != 1 {
		t.Errorf("3 runs hashed the stored kubectl %d times, want once", hashes)
	}
	// Without a folder for the note: hashed each time, as before.
	hashes = 0
	for range 2 {
		s, _ := New(Options{Dir: f.dir, Client: f.s.client})
		if _, err := s.Ensure(context.Background(), "v1.37.2"); err != nil {
			t.Fatal(err)
		}
	}
	if hashes != 2 {
		t.Errorf("without VerifiedDir: %d hashes in 2 runs", hashes)
	}
	// A note in a folder others may write vouches for nothing.
	os.Chmod(verified, 0o777)
	hashes = 0
	s, _ := New(Options{Dir: f.dir, Client: f.s.client, VerifiedDir: verified})
	if _, err := s.Ensure(context.Background(), "v1.37.2"); err != nil || hashes != 1 {
		t.Errorf("a world-writable note folder: %v, %d hashes", err, hashes)
	}
	// Another content of the same size, in place: not intact.
	os.Chmod(verified, 0o700)
	b, _ := os.ReadFile(e.Path)
	b[0] ^= 0xff
	if err := os.WriteFile(e.Path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	s, _ = New(Options{Dir: f.dir, Client: f.s.client, VerifiedDir: verified})
	if es, _ := s.List(); len(es) != 1 || es[0].Intact {
		t.Errorf("a changed kubectl: %+v", es)
	}
}
