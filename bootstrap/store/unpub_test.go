package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
