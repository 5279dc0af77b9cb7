package mirrorsync_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// tree reads every file under dir, by slash path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

func names(m map[string]string) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// mirror sync --sigstore copies a TUF repository made in the test (a root
// rotation, consistent snapshots) into sigstore-tuf/, verified; served by a
// plain file server, it is where a client refreshes its trusted root with
// no other network. A rerun downloads only timestamp.json; a copy damaged
// in the mirror is repaired; a tampered file in the origin lands nothing;
// Verify checks the copy verifies from the start root.
func TestSyncSigstoreTUF(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	repo, keys := tuftest.New(t, ca.TrustedRootJSON())
	repo.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, keys, repo.Online), keys...)
	var mu sync.Mutex
	var asked []string
	var tamper func(name string, b []byte) []byte
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		mu.Lock()
		asked = append(asked, name)
		edit := tamper
		mu.Unlock()
		b, err := repo.Fetch(name, 0)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if edit != nil {
			b = edit(name, b)
		}
		w.Write(b)
	}))
	defer origin.Close()
	sig := bootstrap.SignatureOptions{TUFURL: origin.URL, TUFRoot: repo.Root1}
	ctx := context.Background()
	dir := testutil.TempDir(t)
	tufDir := filepath.Join(dir, bootstrap.SigstoreTUFFolder)
	sync := func() (*mirrorsync.Report, error) {
		mu.Lock()
		asked = nil
		mu.Unlock()
		return mirrorsync.Sync(ctx, mirrorsync.Options{Dir: dir, SigstoreTUF: true, Signature: sig})
	}

	// A tampered target in the origin: nothing lands.
	tamper = func(name string, b []byte) []byte {
		if strings.HasPrefix(name, "targets/") {
			return append([]byte(nil), strings.Replace(string(b), "sigtest", "sigtesT", 1)...)
		}
		return b
	}
	if _, err := sync(); !errors.Is(err, bootstrap.ErrVerification) {
		t.Fatalf("tampered target: err = %v, want ErrVerification", err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Fatalf("a tampered origin left files: %v", names(got))
	}
	tamper = nil

	rep, err := sync()
	if err != nil || rep.SigstoreTUF == nil || rep.SigstoreTUF.RootVersion != 2 {
		t.Fatalf("sync: %+v, %v", rep, err)
	}
	want := []string{"1.root.json", "2.root.json", "3.targets.json", "5.snapshot.json", "targets/" + sha256hex(repo.Target) + ".trusted_root.json", "timestamp.json"}
	got := tree(t, tufDir)
	if strings.Join(names(got), " ") != strings.Join(want, " ") {
		t.Fatalf("mirrored files %v, want %v", names(got), want)
	}
	for _, n := range want {
		if b, _ := repo.Fetch(n, 0); got[n] != string(b) {
			t.Errorf("%s differs from the origin's", n)
		}
	}

	// A rerun downloads only timestamp.json (and asks for a next root); a
	// copy damaged in the mirror is fetched again.
	if rep, err := sync(); err != nil || rep.SigstoreTUF.Fetched != 1 || strings.Join(asked, " ") != "3.root.json timestamp.json" {
		t.Fatalf("rerun: %v; asked %v", err, asked)
	}
	os.WriteFile(filepath.Join(tufDir, "3.targets.json"), []byte(`{"signed":{},"signatures":[]}`), 0o644)
	if _, err := mirrorsync.Verify(ctx, dir, mirrorsync.Options{Signature: sig}); !errors.Is(err, bootstrap.ErrVerification) || !strings.Contains(err.Error(), "3.targets.json") {
		t.Fatalf("verify of a damaged copy: %v", err)
	}
	if _, err := sync(); err != nil || tree(t, tufDir)["3.targets.json"] != got["3.targets.json"] {
		t.Fatalf("repair: %v", err)
	}
	if rep, err := mirrorsync.Verify(ctx, dir, mirrorsync.Options{Signature: sig}); err != nil || rep.SigstoreTUF == nil || rep.SigstoreTUF.RootVersion != 2 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}

	// A new publication whose snapshot is tampered in the origin: the
	// mirror keeps the last verified chain, file for file.
	repo.Publish(t, 11, 6, 4)
	before := tree(t, tufDir)
	tamper = func(name string, b []byte) []byte {
		if name == "6.snapshot.json" {
			return []byte(strings.Replace(string(b), `"version": 6`, `"version":  6`, 1))
		}
		return b
	}
	if _, err := sync(); !errors.Is(err, bootstrap.ErrVerification) {
		t.Fatalf("tampered snapshot: err = %v", err)
	}
	if after := tree(t, tufDir); strings.Join(names(after), " ") != strings.Join(names(before), " ") || after["timestamp.json"] != before["timestamp.json"] {
		t.Fatalf("a tampered origin changed the mirror: %v", names(after))
	}
	tamper = nil
	if _, err := sync(); err != nil {
		t.Fatal(err)
	}

	// The mirror, served as plain files, is the only network a client has.
	origin.Close()
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()
	var notes []string
	client, err := bootstrap.New(bootstrap.Options{CacheDir: testutil.TempDir(t), Logf: func(f string, a ...any) { notes = append(notes, f) },
		Signature: bootstrap.SignatureOptions{TUFURL: files.URL + "/" + bootstrap.SigstoreTUFFolder, TUFRoot: repo.Root1}})
	if err != nil {
		t.Fatal(err)
	}
	wantRoot, err := sigstore.ParseTrustedRoot(repo.Target)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := client.SigstoreRoot(ctx); err != nil || got.ID() != wantRoot.ID() || len(notes) != 0 {
		t.Fatalf("refresh from the mirror: root %v (%v), want %s; notes %v", got, err, wantRoot.ID(), notes)
	}
}
