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

// An upstream whose stable.txt names an unsigned-era version of its own
// cannot get it into the tree through --versions stable; named exactly it
// is synced, but the tree's stable and latest markers never name it (a
// client following them would refuse it), and Verify fails on a tree
// whose stable.txt was made to name it.
func TestSyncServerChosenUnsignedVersion(t *testing.T) {
	u := newUpstream(t, 2048)
	u.SetSigner(nil)
	u.AddKubectl("v1.25.16", linux.OS, linux.Arch, []byte("planted v1.25.16"))
	u.SetMarker("stable", "v1.25.16")
	u.SetMarker("stable-1.25", "v1.25.16")
	ctx := context.Background()
	dir := t.TempDir()
	opts := u.opts(dir, "stable")
	opts.Platforms = []bootstrap.Platform{linux}
	opts.Signature.Mode = bootstrap.SignatureAuto
	rep, err := mirrorsync.Sync(ctx, opts)
	if !errors.Is(err, bootstrap.ErrSignatureMissing) {
		t.Fatalf("Sync(stable) = %+v, %v; want ErrSignatureMissing", rep, err)
	}
	exe := filepath.Join(dir, "release", "v1.25.16", "bin", "linux", "amd64", "kubectl")
	if _, err := os.Stat(exe); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the unsigned binary was synced: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "release", "stable.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a stable marker was written: %v", err)
	}

	// Named exactly (and a signed version beside it): synced, checksum only.
	opts.Versions = []string{"v1.25.16", "stable-1.37"}
	if _, err := mirrorsync.Sync(ctx, opts); err != nil {
		t.Fatal(err)
	}
	wantMarkers(t, dir, map[string]string{
		"stable": "v1.37.2", "stable-1": "v1.37.2", "latest": "v1.37.2", "latest-1": "v1.37.2",
		"stable-1.25": "v1.25.16", "latest-1.25": "v1.25.16",
		"stable-1.37": "v1.37.2", "latest-1.37": "v1.37.2",
	})
	vopts := opts
	vopts.Versions = nil
	if _, err := mirrorsync.Verify(ctx, dir, vopts); err != nil {
		t.Fatalf("Verify of the synced tree: %v", err)
	}
	// A tree made to send clients to the unsigned one fails Verify.
	if err := os.WriteFile(filepath.Join(dir, "release", "stable.txt"), []byte("v1.25.16"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := mirrorsync.Verify(ctx, dir, vopts); !errors.Is(err, mirrorsync.ErrStaleMarker) {
		t.Fatalf("Verify with stable.txt naming an unsigned version: %v", err)
	}

	// Only the unsigned version: no stable marker at all.
	only := t.TempDir()
	opts.Dir, opts.Versions = only, []string{"1.25"}
	if _, err := mirrorsync.Sync(ctx, opts); err != nil {
		t.Fatal(err)
	}
	wantMarkers(t, only, map[string]string{"stable-1.25": "v1.25.16", "latest-1.25": "v1.25.16"})
}
