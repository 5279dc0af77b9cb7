package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestNoOlder(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	v := func(s string) *version.Version { return version.Must(version.NewSemver(s)) }
	c.RememberResolved(mustSpec(t, "stable"), v("v1.37.2"), false)
	c.RememberResolved(mustSpec(t, "stable"), v("v1.36.4"), false) // never lowers
	for _, tc := range []struct {
		spec, answered, installed, want string
	}{
		{"stable", "v1.36.4", "", "v1.37.2"},             // answered before
		{"stable", "v1.37.3", "", "v1.37.3"},             // newer: taken
		{"stable", "v1.37.2", "v1.38.1", "v1.38.1"},      // installed is newer
		{"stable", "v1.37.2", "v1.38.0-rc.1", "v1.37.2"}, // a pre-release does not hold stable back
		{"1.36", "v1.36.2", "v1.37.2", "v1.36.2"},        // another line: not a downgrade of it
		{"1.36", "v1.36.2", "v1.36.4", "v1.36.4"},
		{"v1.30.1", "v1.30.1", "v1.37.2", "v1.30.1"}, // exact: never held back
		{">=1.30, <1.37", "v1.36.4", "v1.36.9", "v1.36.9"},
		{">=1.30, <1.37", "v1.36.4", "v1.37.2", "v1.36.4"},
	} {
		got, held := c.NoOlder(mustSpec(t, tc.spec), v(tc.answered), tc.installed)
		if Tag(got) != tc.want || (held != nil) != (tc.want != tc.answered) {
			t.Errorf("NoOlder(%q, %s, installed %q) = %s, %+v; want %s", tc.spec, tc.answered, tc.installed, Tag(got), held, tc.want)
		}
	}
	// Another mirror has a memory of its own.
	other := newClient(t, newMirror(t, mirror.Options{}), Options{CacheDir: c.opts.CacheDir})
	if got, held := other.NoOlder(mustSpec(t, "stable"), v("v1.36.4"), ""); Tag(got) != "v1.36.4" || held != nil {
		t.Errorf("another mirror was held by this one's memory: %s %+v", Tag(got), held)
	}
	c.RememberResolved(mustSpec(t, "stable"), v("v1.36.4"), true)
	if got, _ := c.NoOlder(mustSpec(t, "stable"), v("v1.36.4"), ""); Tag(got) != "v1.36.4" {
		t.Errorf("after a reset: %s", Tag(got))
	}
}

func mustSpec(t *testing.T, s string) Spec {
	t.Helper()
	sp, err := ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// A marker that goes backwards (a stale CDN edge; stable.txt has gone
// back upstream) never moves the installed kubectl back: it is kept,
// and the result says so; an empty folder gets the version this mirror
// answered before. --allow-downgrade (or an exact version) installs the
// older one.
func TestChannelNeverMovesBack(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	cache := testutil.TempDir(t)
	c := newClient(t, m, Options{CacheDir: cache})
	ctx := context.Background()
	dir := testutil.TempDir(t)
	if res, err := c.Install(ctx, InstallRequest{Dir: dir}); err != nil || res.Version != "v1.37.2" {
		t.Fatalf("%+v %v", res, err)
	}
	target := filepath.Join(dir, HostPlatform().Executable())
	before, _ := os.ReadFile(target)
	m.SetMarker("stable", "v1.36.4\n")
	res, err := c.Install(ctx, InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || res.Version != "v1.37.2" || res.HeldBack == nil || res.HeldBack.Answered != "v1.36.4" || res.HeldBack.Kept != "v1.37.2" {
		t.Fatalf("marker went back: %+v (held %+v)", res, res.HeldBack)
	}
	if after, _ := os.ReadFile(target); !bytes.Equal(before, after) {
		t.Fatal("the kubectl changed")
	}
	if !strings.Contains(res.HeldBack.Reason, "stable.txt") || !strings.Contains(res.HeldBack.Reason, "v1.36.4") {
		t.Errorf("reason %q", res.HeldBack.Reason)
	}
	// A new folder: the version this mirror answered before.
	fresh := testutil.TempDir(t)
	if res, err := c.Install(ctx, InstallRequest{Dir: fresh}); err != nil || res.Version != "v1.37.2" || res.HeldBack == nil || !res.Changed {
		t.Fatalf("new folder: %+v %v", res, err)
	}
	// The user accepts the older one.
	if res, err := c.Install(ctx, InstallRequest{Dir: dir, AllowDowngrade: true}); err != nil || res.Version != "v1.36.4" || !res.Changed || res.HeldBack != nil {
		t.Fatalf("--allow-downgrade: %+v %v", res, err)
	}
	if res, err := c.Install(ctx, InstallRequest{Dir: dir}); err != nil || res.Version != "v1.36.4" || res.Changed || res.HeldBack != nil {
		t.Fatalf("after accepting it: %+v %v", res, err)
	}
	if res, err := c.Install(ctx, InstallRequest{Dir: dir, Version: "v1.37.2"}); err != nil || !res.Changed {
		t.Fatalf("exact: %+v %v", res, err)
	}
	if res, err := c.Install(ctx, InstallRequest{Dir: dir, Version: "v1.36.4"}); err != nil || res.Version != "v1.36.4" || !res.Changed {
		t.Fatalf("an exact older version: %+v %v", res, err)
	}
}

// A no-op rerun asks the mirror only for the marker: the digest and the
// signature verified before are remembered, for that file only.
func TestNoOpRerunAsksOnlyTheMarker(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the digest cache is off on Windows")
	}
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	ctx := context.Background()
	dir := testutil.TempDir(t)
	if _, err := c.Install(ctx, InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	n := len(m.Requests())
	res, err := c.Install(ctx, InstallRequest{Dir: dir})
	if err != nil || res.Changed || res.Signature == nil || !res.Signature.Verified || res.SHA256 == "" {
		t.Fatalf("%+v %v", res, err)
	}
	var paths []string
	for _, r := range m.Requests()[n:] {
		paths = append(paths, r.Path)
	}
	if len(paths) != 1 || paths[0] != "/release/stable.txt" {
		t.Fatalf("no-op rerun requests: %v", paths)
	}
	// Another file in its place is checked in full and replaced.
	target := filepath.Join(dir, HostPlatform().Executable())
	os.WriteFile(target, []byte("someone else's kubectl"), 0o755)
	if res, err := c.Install(ctx, InstallRequest{Dir: dir}); err != nil || !res.Changed {
		t.Fatalf("replaced file: %+v %v", res, err)
	}
	// A mode that needs what was not verified asks again.
	off := newClient(t, m, Options{CacheDir: c.opts.CacheDir, Signature: SignatureOptions{Mode: SignatureOff}})
	fresh := testutil.TempDir(t)
	if _, err := off.Install(ctx, InstallRequest{Dir: fresh, Version: "v1.36.4"}); err != nil {
		t.Fatal(err)
	}
	n = len(m.Requests())
	if res, err := c.Install(ctx, InstallRequest{Dir: fresh, Version: "v1.36.4"}); err != nil || res.Signature == nil || !res.Signature.Verified {
		t.Fatalf("after an unsigned check: %+v %v", res, err)
	}
	if len(m.Requests())-n < 2 {
		t.Errorf("the signature was not fetched again: %v", m.Requests()[n:])
	}
}

// A lie the mirror told once (a newer version that it then withdrew) does
// not block later installs into other folders: the remembered version is
// tried, found unpublished and forgotten. The folder it went into keeps
// it, as any newer kubectl is kept.
func TestChannelMemoryOfAWithdrawnVersion(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	ctx := context.Background()
	p := HostPlatform()
	m.AddKubectl("v1.99.0", p.OS, p.Arch, standins["v1.36.4"])
	m.SetMarker("stable", "v1.99.0\n")
	lied := testutil.TempDir(t)
	if res, err := c.Install(ctx, InstallRequest{Dir: lied}); err != nil || res.Version != "v1.99.0" {
		t.Fatalf("%+v %v", res, err)
	}
	kubectlPath := "/release/v1.99.0/bin/" + p.OS + "/" + p.Arch + "/" + p.Executable()
	for _, ext := range []string{"", ".sha256", ".sig", ".cert"} {
		m.Delete(kubectlPath + ext)
	}
	m.SetMarker("stable", "v1.37.2\n")
	// The folder holding it keeps it (where the digest cache records what
	// Install put there: not on Windows, where only the memory counts).
	if res, err := c.Install(ctx, InstallRequest{Dir: lied}); runtime.GOOS != "windows" && (err != nil || res.Version != "v1.99.0" || res.Changed || res.HeldBack == nil || !res.HeldBack.Installed) {
		t.Fatalf("the folder holding it: %+v %v", res, err)
	}
	for i := 0; i < 2; i++ {
		res, err := c.Install(ctx, InstallRequest{Dir: testutil.TempDir(t)})
		if err != nil || res.Version != "v1.37.2" || res.HeldBack != nil {
			t.Fatalf("new folder %d: %+v %v", i, res, err)
		}
	}
	if got, _ := c.channels.get(c.channelKey(mustSpec(t, "stable"))); got != "v1.37.2" {
		t.Errorf("memory = %q after the withdrawn version", got)
	}
}

// A newer kubectl kubeboot installed in the folder (from another mirror)
// is kept as it is, without asking this mirror for it.
func TestKeptKubectlIsNotAskedFor(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the digest cache, which records the version Install put in a folder, is off on Windows")
	}
	ctx := context.Background()
	other := newMirror(t, mirror.Options{})
	p := HostPlatform()
	other.AddKubectl("v1.38.0", p.OS, p.Arch, standins["v1.37.2"])
	cache := testutil.TempDir(t)
	dir := testutil.TempDir(t)
	if _, err := newClient(t, other, Options{CacheDir: cache}).Install(ctx, InstallRequest{Dir: dir, Version: "v1.38.0"}); err != nil {
		t.Fatal(err)
	}
	m := newMirror(t, mirror.Options{})
	res, err := newClient(t, m, Options{CacheDir: cache}).Install(ctx, InstallRequest{Dir: dir})
	if err != nil || res.Changed || res.Version != "v1.38.0" || res.HeldBack == nil || !res.HeldBack.Installed {
		t.Fatalf("%+v %v", res, err)
	}
	for _, r := range m.Requests() {
		if strings.Contains(r.Path, "v1.38.0") || strings.Contains(r.Path, "v1.37.2/") {
			t.Errorf("asked the mirror for %s", r.Path)
		}
	}
}

// What was verified under one trusted root is not taken for a
// verification under another.
func TestVerifiedMemoryIsPerTrustedRoot(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the digest cache is off on Windows")
	}
	ctx := context.Background()
	m := newMirror(t, mirror.Options{})
	cache := testutil.TempDir(t)
	dir := testutil.TempDir(t)
	if _, err := newClient(t, m, Options{CacheDir: cache}).Install(ctx, InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	otherRoot := mustRoot(t, sigtest.NewCA(t, sigtest.Options{Name: "sigtest"}))
	c := newClient(t, m, Options{CacheDir: cache, Signature: SignatureOptions{TrustedRoot: otherRoot}})
	if res, err := c.Install(ctx, InstallRequest{Dir: dir}); !errors.Is(err, ErrVerification) {
		t.Fatalf("under another root: %+v %v", res, err)
	}
}
