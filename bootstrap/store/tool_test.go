package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"github.com/kubeboot/kubeboot/internal/upstream"
)

// toolStore is a store of tool reading o.
func toolStore(t *testing.T, o *upstream.Origin, tool, dir string) *Store {
	t.Helper()
	c, err := bootstrap.New(bootstrap.Options{MirrorRoot: o.Root(), GitHubAPIURL: o.APIURL(), NoDigestCache: true,
		Retries: 1, RetryBackoff: time.Millisecond, StallTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Dir: dir, Client: c, Tool: tool, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreKeepsCatalogueTools: helm in <store>/vX/OS-ARCH/helm with a
// receipt naming the tool and the evidence; an exact version stored makes
// no request; offline, latest answers from the store and a line it does
// not hold is ErrNotStored; a changed file is not used; kubectl's store
// does not take helm's receipt; Remove deletes only the store's files.
func TestStoreKeepsCatalogueTools(t *testing.T) {
	o := upstream.Start(t)
	host := bootstrap.HostPlatform()
	cp := catalog.Platform{OS: host.OS, Arch: host.Arch}
	pub := o.Publish(t, catalog.Helm(), "v4.0.1", cp, []byte("helm 4.0.1"), true, nil)
	o.Publish(t, catalog.Helm(), "v3.19.0", cp, []byte("helm 3.19.0"), false, nil)
	o.Put(catalog.Helm().Versions.Lines["3"], []byte("v3.19.0\n"))
	dir := filepath.Join(testutil.TempDir(t), "store [ü]")
	s := toolStore(t, o, "helm", dir)

	e, err := s.Ensure(context.Background(), "latest")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "v4.0.1", host.OS+"-"+host.Arch, pub.Artifact.Program)
	if e.Path != want || !e.Intact || !e.Downloaded || e.Receipt.Tool != "helm" || e.Receipt.FileSHA256 != sha256hex(pub.File) ||
		e.Receipt.SHA256 != sha256hex(pub.Program) || len(e.Receipt.Evidence) == 0 || e.Receipt.Evidence[0].Kind != catalog.SHA256File {
		t.Fatalf("entry %+v", e)
	}
	if got, _ := os.ReadFile(want); string(got) != "helm 4.0.1" {
		t.Fatalf("%s holds %q", want, got)
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(want), ReceiptName))
	var r map[string]any
	if json.Unmarshal(b, &r) != nil || r["tool"] != "helm" {
		t.Errorf("receipt %s", b)
	}

	before := len(o.Requests())
	if e, err := s.Ensure(context.Background(), "4.0.1"); err != nil || e.Downloaded || e.Path != want {
		t.Fatalf("stored exact version: %+v, %v", e, err)
	}
	if n := len(o.Requests()); n != before {
		t.Errorf("an exact stored version asked %v", o.Requests()[before:])
	}

	// kubectl's store in the same folder passes helm's entry over.
	k, err := New(Options{Dir: dir, Client: s.client})
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := k.List(); len(all) != 0 {
		t.Errorf("kubectl's store lists %+v", all)
	}

	o.Files.Close()
	o.API.Close()
	if e, err := s.Ensure(context.Background(), "latest"); err != nil || !e.Offline || e.Version != "v4.0.1" {
		t.Fatalf("offline latest: %+v, %v", e, err)
	}
	if _, err := s.Ensure(context.Background(), "3"); !errors.Is(err, ErrNotStored) {
		t.Fatalf("offline line 3 with only v4 stored: %v", err)
	}
	os.WriteFile(want, []byte("helm 4.0.2"), 0o755)
	if _, err := s.Ensure(context.Background(), "v4.0.1"); !errors.Is(err, ErrNotStored) {
		t.Fatalf("a changed helm: %v", err)
	}
	if err := s.Remove(context.Background(), "v4.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "v4.0.1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the version folder is still there: %v", err)
	}
}

// TestStoreToolPassesOverOthersFiles: a stored tool that belongs to
// another user is passed over (CheckTrusted), not used nor removed.
func TestStoreToolPassesOverOthersFiles(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	o := upstream.Start(t)
	host := bootstrap.HostPlatform()
	tool := catalog.Virtctl()
	if !tool.Supports(catalog.Platform{OS: host.OS, Arch: host.Arch}) {
		t.Skip("virtctl is not published for", host)
	}
	o.Publish(t, tool, "v1.6.0", catalog.Platform{OS: host.OS, Arch: host.Arch}, []byte("virtctl"), true, nil)
	dir := testutil.TempDir(t)
	s := toolStore(t, o, "virtctl", dir)
	e, err := s.Ensure(context.Background(), "v1.6.0")
	if err != nil {
		t.Fatal(err)
	}
	os.Chown(e.Path, 65534, 65534)
	o.Files.Close()
	o.API.Close()
	if _, err := s.Ensure(context.Background(), "v1.6.0"); !errors.Is(err, ErrNotStored) {
		t.Fatalf("another user's virtctl was used: %v", err)
	}
	if _, err := os.Stat(e.Path); err != nil {
		t.Errorf("another user's file was removed: %v", err)
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
