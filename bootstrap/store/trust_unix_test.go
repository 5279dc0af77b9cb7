//go:build unix

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"github.com/kubeboot/kubeboot/internal/upstream"
)

// chownAll gives path and everything under it to uid 65534.
func chownAll(t *testing.T, path string) {
	t.Helper()
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 65534, 65534)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A store folder others may add to (a shared, sticky cache folder): an
// entry another user planted there, with a receipt that matches its file
// and names a signer, and a remembered channel answer pointing at it, are
// not used (nor removed); the channel asks the mirror, and the named
// version fails, naming the folder.
func TestStoreIgnoresOtherUsersFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown files to another user")
	}
	f := newFixture(t)
	f.m.AddKubectl("v1.37.9", host.OS, host.Arch, []byte("planted kubectl v1.37.9"))
	c, err := bootstrap.New(bootstrap.Options{BaseURL: f.m.URL(), HTTPClient: f.m.Client(), NoDigestCache: true,
		Retries: 1, RetryBackoff: time.Millisecond, Signature: bootstrap.SignatureOptions{TrustedRoot: f.root}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Dir: f.dir, Client: c, ResolveTTL: 24 * time.Hour, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// What the other user plants: a verified entry, and the answer.
	planted := f.ensure("v1.37.9")
	if _, err := s.Ensure(ctx, "stable"); err != nil {
		t.Fatal(err)
	}
	resolved := filepath.Join(f.dir, ResolvedName)
	b, _ := os.ReadFile(resolved)
	if !strings.Contains(string(b), "v1.37.2") {
		t.Fatalf("remembered: %s", b)
	}
	if err := s.Remove(ctx, "v1.37.2"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(resolved, []byte(strings.ReplaceAll(string(b), "v1.37.2", "v1.37.9")), 0o644)
	chownAll(t, filepath.Join(f.dir, "v1.37.9"))
	chownAll(t, resolved)
	os.Chmod(f.dir, 0o777|os.ModeSticky)

	before := len(f.m.Requests())
	e, err := s.Ensure(ctx, "stable")
	if err != nil || e.Version != "v1.37.2" || e.Path == planted.Path {
		t.Fatalf("stable with another user's entry and answer: %+v, %v", e, err)
	}
	if len(f.m.Requests()) == before {
		t.Error("another user's remembered answer was used: no request")
	}
	if _, err := s.Ensure(ctx, "v1.37.9"); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), filepath.Join(f.dir, "v1.37.9")) {
		t.Fatalf("the planted version: %v", err)
	}
	if all, _ := s.List(); len(all) != 1 || all[0].Version != "v1.37.2" {
		t.Errorf("List: %+v", all)
	}
	if _, err := s.Prune(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{planted.Path, filepath.Join(filepath.Dir(planted.Path), ReceiptName), resolved} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("another user's file was removed: %v", err)
		}
	}

	// The store folder itself another user's: a clear error naming it.
	chownAll(t, f.dir)
	os.Chmod(f.dir, 0o755)
	for _, spec := range []string{"stable", "v1.37.9"} {
		_, err := s.Ensure(ctx, spec)
		var ue *UntrustedError
		if !errors.As(err, &ue) || ue.Path != f.dir || !strings.Contains(err.Error(), "belongs to owner 65534") {
			t.Errorf("Ensure(%q) in another user's store: %v", spec, err)
		}
	}
	if err := CheckTrusted(filepath.Join(f.dir, "not-there-yet")); !errors.Is(err, ErrUntrusted) {
		t.Errorf("a file to be made in another user's store: %v", err)
	}
	if _, err := s.List(); !errors.Is(err, ErrUntrusted) {
		t.Errorf("List of another user's store: %v", err)
	}
}

// TestStoreReplacesOthersProgram: online, a stored program that belongs
// to another user (same bytes) is not adopted under a new receipt: the
// store writes a file of its own in its place, for kubectl and for a
// catalogue tool alike.
func TestStoreReplacesOthersProgram(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown files to another user")
	}
	check := func(t *testing.T, ensure func() (*Entry, error)) {
		e, err := ensure()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(e.Path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		e2, err := ensure()
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(e2.Path)
		if err != nil {
			t.Fatal(err)
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != uint32(os.Geteuid()) {
			t.Errorf("%s is still another user's (uid %d) and was adopted: %+v", e2.Path, uid, e2.Receipt)
		}
	}
	t.Run("kubectl", func(t *testing.T) {
		f := newFixture(t)
		check(t, func() (*Entry, error) { return f.s.Ensure(context.Background(), "v1.37.2") })
	})
	t.Run("helm", func(t *testing.T) {
		o := upstream.Start(t)
		p := bootstrap.HostPlatform()
		o.Publish(t, catalog.Helm(), "v4.0.1", catalog.Platform{OS: p.OS, Arch: p.Arch}, []byte("helm 4.0.1"), true, nil)
		s := toolStore(t, o, "helm", testutil.TempDir(t))
		check(t, func() (*Entry, error) { return s.Ensure(context.Background(), "v4.0.1") })
	})
}
