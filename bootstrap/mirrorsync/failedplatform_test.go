package mirrorsync_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
)

// TestOneFailedPlatformKeepsTheMirrorUp: a platform that fails for every
// version (here: one upstream does not publish) neither removes the
// markers a tree already has nor keeps later green syncs from writing
// them, and Verify fails on the tree until the platform is synced or its
// folders removed. Before, the failing sync deleted every marker, later
// green syncs wrote none, and Verify passed the tree that had none.
func TestOneFailedPlatformKeepsTheMirrorUp(t *testing.T) {
	u := newUpstream(t, 16<<10)
	ctx := context.Background()
	darwin := bootstrap.Platform{OS: "darwin", Arch: "arm64"}
	with := func(dir string, ps ...bootstrap.Platform) mirrorsync.Options {
		o := u.opts(dir, versions...)
		o.Platforms = ps
		return o
	}
	removeDarwin := func(dir string) {
		for _, v := range versions {
			os.RemoveAll(filepath.Join(dir, "release", v, "bin", "darwin"))
		}
	}

	t.Run("existing markers stay", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := mirrorsync.Sync(ctx, with(dir, linux)); err != nil {
			t.Fatal(err)
		}
		wantMarkers(t, dir, allMarkers)
		rep, err := mirrorsync.Sync(ctx, with(dir, linux, darwin))
		if err == nil || len(rep.Failed()) != len(versions) {
			t.Fatalf("darwin/arm64 is not published upstream: err %v, %d failed", err, len(rep.Failed()))
		}
		wantMarkers(t, dir, allMarkers)
		if _, err := mirrorsync.Verify(ctx, dir, u.opts("")); !errors.Is(err, mirrorsync.ErrIncomplete) {
			t.Errorf("Verify of a tree missing darwin/arm64 in every version: %v", err)
		}
		// A green sync without the platform keeps them; with its folders
		// removed, the tree verifies.
		if _, err := mirrorsync.Sync(ctx, with(dir, linux)); err != nil {
			t.Fatal(err)
		}
		wantMarkers(t, dir, allMarkers)
		removeDarwin(dir)
		if _, err := mirrorsync.Verify(ctx, dir, u.opts("")); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})

	t.Run("a later green sync writes them", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := mirrorsync.Sync(ctx, with(dir, linux, darwin)); err == nil {
			t.Fatal("darwin/arm64 is not published upstream, yet the sync succeeded")
		}
		if _, err := mirrorsync.Verify(ctx, dir, u.opts("")); !errors.Is(err, mirrorsync.ErrIncomplete) {
			t.Errorf("Verify of a tree with no markers and no darwin/arm64: %v", err)
		}
		if _, err := mirrorsync.Sync(ctx, with(dir, linux)); err != nil {
			t.Fatal(err)
		}
		wantMarkers(t, dir, allMarkers)
		removeDarwin(dir)
		if _, err := mirrorsync.Verify(ctx, dir, u.opts("")); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})
}
