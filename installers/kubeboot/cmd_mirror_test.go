package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

// mirror sync copies verified releases, reruns fetch nothing, a swapped
// binary is refused with exit 3 and never published, and mirror verify
// catches a file tampered with afterwards; install then works from the tree.
func TestMirrorSyncAndVerify(t *testing.T) {
	e := newEnv(t)
	e.m.SetMarker("stable-1.36", "v1.36.4")
	e.m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, standin)
	plat := runtime.GOOS + "/" + runtime.GOARCH
	dir := filepath.Join(t.TempDir(), "mirror [corp]")

	r := e.run("mirror", "sync", "--dir", dir, "--versions", "stable,1.36", "--platforms", plat, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Files []struct{ Version, Status string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Files) != 2 {
		t.Fatalf("report %s: %v", r.stdout, err)
	}
	before := len(e.m.Requests())
	r = e.run("mirror", "sync", "--dir", dir, "--versions", "v1.37.2,v1.36.4", "--platforms", plat)
	if r.code != 0 || !strings.Contains(r.stdout, "0 downloaded") {
		t.Fatalf("rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(e.m.Requests()) - before; n != 0 {
		t.Errorf("a rerun with exact versions made %d requests", n)
	}

	// The compromised upstream: another kubectl with a matching .sha256.
	evil := []byte("#!/bin/sh\necho pwned\n")
	p := mirror.KubectlPath("v1.35.9", runtime.GOOS, runtime.GOARCH)
	e.m.AddKubectl("v1.35.9", runtime.GOOS, runtime.GOARCH, standin)
	e.m.Put(p, evil)
	e.m.Put(p+".sha256", []byte(sum(evil)))
	r = e.run("mirror", "sync", "--dir", dir, "--versions", "v1.35.9", "--platforms", plat)
	if r.code != 3 || !strings.Contains(r.stderr, "v1.35.9") {
		t.Fatalf("swapped upstream: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "release", "v1.35.9", "bin", runtime.GOOS, runtime.GOARCH, "kubectl")); err == nil {
		t.Fatal("a binary that failed its signature was published")
	}

	// The refused download left its folder: verify names what is missing
	// and what to do, and passes once the folder is removed.
	if r = e.run("mirror", "verify", dir); r.code == 0 || !strings.Contains(r.stderr, "kubectl v1.35.9 for "+plat+" is missing") {
		t.Fatalf("verify of a tree a sync failed in: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.RemoveAll(filepath.Join(dir, "release", "v1.35.9"))
	if r = e.run("mirror", "verify", dir); r.code != 0 {
		t.Fatalf("verify of a good tree: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Install from the tree, served by the loopback mirror's own server.
	served := mirror.Start(mirror.Options{})
	defer served.Close()
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			b, _ := os.ReadFile(path)
			served.Put("/"+filepath.ToSlash(rel), b)
		}
		return nil
	})
	e.vars = append(e.vars, "KUBEBOOT_MIRROR="+served.URL())
	e.m = served
	if r = e.run("install", "kubectl", "--dir", t.TempDir(), "--version", "1.36", "--verify-signature", "require"); r.code != 0 || !strings.Contains(r.stdout, "v1.36.4") {
		t.Fatalf("install from the synced tree: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Tampered after the sync: verify says so, exit 3.
	bin := filepath.Join(dir, "release", "v1.36.4", "bin", runtime.GOOS, runtime.GOARCH, "kubectl")
	os.WriteFile(bin, evil, 0o755)
	if r = e.run("mirror", "verify", dir); r.code != 3 {
		t.Fatalf("verify of a tampered tree: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = e.run("mirror", "sync", "--dir", dir, "--versions", "stable", "--platforms", "plan9/mips"); r.code != 2 {
		t.Errorf("a platform kubectl does not exist for: exit %d, want 2", r.code)
	}
	if r = e.run("mirror", "sync"); r.code != 2 || !strings.Contains(r.stderr, "--dir DIR --versions") {
		t.Errorf("no flags: exit %d, want 2 with the synopsis\n%s", r.code, r.stderr)
	}
}

// mirror sync --sigstore alone copies Sigstore's TUF repository (from
// KUBEBOOT_SIGSTORE_TUF_URL): one that does not verify from the built-in
// root is exit 3, naming it, and lands nothing; without --versions or
// --sigstore there is nothing to do (a usage error).
func TestMirrorSyncSigstoreFlag(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var asked []string
	tuf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer tuf.Close()
	e.vars = append(e.vars, "KUBEBOOT_SIGSTORE_TUF_URL="+tuf.URL)
	dir := filepath.Join(t.TempDir(), "mirror [corp]")
	if r := e.run("mirror", "sync", "--dir", dir); r.code != exitUsage || !strings.Contains(r.stderr, "--sigstore") {
		t.Fatalf("nothing to do: exit %d\n%s", r.code, r.stderr)
	}
	r := e.run("mirror", "sync", "--dir", dir, "--sigstore")
	mu.Lock()
	defer mu.Unlock()
	if r.code != 3 || !strings.Contains(r.stderr, "Sigstore's TUF repository at "+tuf.URL) || !slices.Contains(asked, "/16.root.json") {
		t.Fatalf("exit %d, asked %v\n%s%s", r.code, asked, r.stdout, r.stderr)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sigstore-tuf")); len(entries) != 0 {
		t.Fatalf("files landed: %v", entries)
	}
}
