//go:build unix

package kubeconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const otherUID = 65534

// As root, a folder tree that another uid made or may change is never
// used: every folder from BASE (XDG_RUNTIME_DIR, or the cache folder) to
// the root must be root's own, real, and not writable by others, so that
// nobody can rename root's shell folder and plant a kubeconfig (and its
// exec plugin) in its place. An XDG_RUNTIME_DIR of another user (sudo -E)
// is passed over for the cache folder.
func TestPrivateTreeOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the tree belongs to uid 65534")
	}
	type tree struct{ base, root string }
	mk := func(t *testing.T) tree {
		base := filepath.Join(t.TempDir(), "run")
		root := filepath.Join(base, "kubeboot", "shells")
		if err := os.MkdirAll(root, 0o700); err != nil {
			t.Fatal(err)
		}
		return tree{base, root}
	}
	chownAll := func(t *testing.T, paths ...string) {
		for _, p := range paths {
			if err := os.Lchown(p, otherUID, otherUID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, tr tree)
	}{
		{"the whole tree is nobody's", func(t *testing.T, tr tree) {
			chownAll(t, tr.base, filepath.Dir(tr.root), tr.root)
		}},
		{"BASE is nobody's (XDG_RUNTIME_DIR of sudo -E)", func(t *testing.T, tr tree) { chownAll(t, tr.base) }},
		{"kubeboot is nobody's", func(t *testing.T, tr tree) { chownAll(t, filepath.Dir(tr.root)) }},
		{"shells is nobody's", func(t *testing.T, tr tree) { chownAll(t, tr.root) }},
		{"BASE may be written by others", func(t *testing.T, tr tree) { os.Chmod(tr.base, 0o777) }},
		{"BASE is a link to a folder of root's", func(t *testing.T, tr tree) {
			real := tr.base + ".real"
			if err := os.Rename(tr.base, real); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, tr.base); err != nil {
				t.Fatal(err)
			}
		}},
		{"kubeboot is a link", func(t *testing.T, tr tree) {
			mid := filepath.Dir(tr.root)
			os.RemoveAll(mid)
			other := filepath.Join(filepath.Dir(tr.base), "other")
			os.MkdirAll(filepath.Join(other, "shells"), 0o700)
			if err := os.Symlink(other, mid); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := mk(t)
			tt.setup(t, tr)
			before := listTree(tr.base)
			_, err := NewPrivate(tr.root, NewConfig(""), os.Getpid())
			if !errors.Is(err, ErrUnsafePrivateRoot) {
				t.Fatalf("NewPrivate in that tree: %v", err)
			}
			if after := listTree(tr.base); !slicesEqual(before, after) {
				t.Errorf("written in that tree: %v, was %v", after, before)
			}
			if _, err := SweepPrivate(tr.root, time.Now()); !errors.Is(err, ErrUnsafePrivateRoot) {
				t.Errorf("sweep in that tree: %v", err)
			}
			// PrivateRoot passes over that XDG_RUNTIME_DIR for a cache
			// folder of root's own, where NewPrivate works.
			cache := filepath.Join(t.TempDir(), "cache")
			getenv := func(k string) string {
				return map[string]string{"XDG_RUNTIME_DIR": tr.base, "XDG_CACHE_HOME": cache}[k]
			}
			got, err := PrivateRoot("linux", getenv, "/nonexistent")
			want := filepath.Join(cache, "kubeboot", "shells")
			if strings.Contains(tt.name, "BASE") || strings.Contains(tt.name, "whole") {
				if err != nil || got != want {
					t.Fatalf("PrivateRoot = %q, %v; want %q", got, err, want)
				}
				p, err := NewPrivate(got, NewConfig(""), os.Getpid())
				if err != nil {
					t.Fatal(err)
				}
				p.Remove()
			}
		})
	}
}

// The attack itself: nobody renames root's shell folder away and plants
// one of theirs under the same name; with the tree root's own (0700) they
// cannot, and a folder found under a name is never reused.
func TestPrivateFolderIsNewAndFileExclusive(t *testing.T) {
	root := filepath.Join(t.TempDir(), "kubeboot", "shells")
	p, err := NewPrivate(root, NewConfig("a"), os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove()
	// A file in the way of the exclusive write is not replaced.
	planted := filepath.Join(t.TempDir(), "config")
	os.WriteFile(planted, []byte("planted"), 0o600)
	if err := writeExclusive(planted, []byte("new")); !errors.Is(err, os.ErrExist) {
		t.Errorf("writeExclusive over a file: %v", err)
	}
	if b, _ := os.ReadFile(planted); string(b) != "planted" {
		t.Errorf("replaced: %q", b)
	}
	if os.Geteuid() == 0 {
		if err := os.Chmod(root, 0o777); err != nil {
			t.Fatal(err)
		}
		os.Lchown(root, otherUID, otherUID)
		if _, err := NewPrivate(root, NewConfig("a"), os.Getpid()); !errors.Is(err, ErrUnsafePrivateRoot) {
			t.Errorf("root's shells folder given to nobody, mode 0777: %v", err)
		}
	}
}

func listTree(dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			out = append(out, p+" "+fi.Mode().String())
		}
		return nil
	})
	return out
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }
