package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/internal/pgptest"
)

// mirror sync --tools killed with SIGKILL in the middle of helm's
// download, then run again: the rerun completes, nothing half-written is
// under its name, verify passes, and `install helm` and `install virtctl`
// work with KUBEBOOT_MIRROR_ROOT naming a plain file server of the tree
// and no other network.
func TestMirrorSyncToolsKilledThenRerun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	e, o := toolEnv(t)
	plat := catalog.Platform{OS: "linux", Arch: "amd64"}
	helm := o.Publish(t, catalog.Helm(), "v4.0.1", plat, []byte("helm 4.0.1"), true, nil)
	virtctl := o.Publish(t, catalog.Virtctl(), "v1.6.0", plat, []byte("virtctl 1.6.0"), true, nil)
	started := make(chan struct{})
	o.Hold(helm.Artifact.URL, 10, started)
	dir := filepath.Join(t.TempDir(), "files [ü]")
	args := []string{"mirror", "sync", "--dir", dir, "--tools", "virtctl,helm", "--platforms", "linux/amd64", "--parallel", "1"}

	cmd := exec.Command(kubeboot, args...)
	cmd.Env = e.vars
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("helm's download never started")
	}
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	helmPath := catalog.MirroredPath(dir, helm.Artifact.URL)
	if _, err := os.Lstat(helmPath); err == nil {
		t.Fatal("a half-downloaded helm is under its name")
	}

	if r := e.run(args...); r.code != 0 || !strings.Contains(r.stdout, "2 tool files") {
		t.Fatalf("rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entries, _ := os.ReadDir(filepath.Dir(helmPath))
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".tmp") {
			t.Errorf("the killed run's %s is still there", en.Name())
		}
	}
	if r := e.run("mirror", "verify", dir); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	o.Files.Close()
	o.API.Close()
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(static.Close)
	e.vars = append(e.vars, "KUBEBOOT_MIRROR_ROOT="+static.URL, "KUBEBOOT_GITHUB_API_URL=")
	bin := t.TempDir()
	for _, p := range []struct{ tool, program, body string }{{"helm", "helm", "helm 4.0.1"}, {"virtctl", "virtctl", "virtctl 1.6.0"}} {
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			break
		}
		r := e.run("install", p.tool, "--dir", bin)
		if got, _ := os.ReadFile(filepath.Join(bin, p.program)); r.code != 0 || string(got) != p.body {
			t.Errorf("install %s from the tree: exit %d %q\n%s%s", p.tool, r.code, got, r.stdout, r.stderr)
		}
	}

	// A file changed in the tree: verify says which, exit 3.
	vpath := catalog.MirroredPath(dir, virtctl.Artifact.URL)
	os.WriteFile(vpath, []byte("virtctl 1.6.0 but not"), 0o644)
	if r := e.run("mirror", "verify", dir); r.code != 3 || !strings.Contains(r.stderr, "virtctl v1.6.0 for linux/amd64") {
		t.Errorf("verify of a changed file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestMirrorSyncToolsHint: a tool whose version cannot be read gets a
// hint about the versions and mirrors sync reads, not kubectl's install.
func TestMirrorSyncToolsHint(t *testing.T) {
	e, o := toolEnv(t)
	plat := catalog.Platform{OS: "linux", Arch: "amd64"}
	o.Publish(t, catalog.Virtctl(), "v1.6.0", plat, []byte("virtctl 1.6.0"), true, nil)
	dir := t.TempDir()
	if r := e.run("mirror", "sync", "--dir", dir, "--tools", "virtctl", "--platforms", "linux/amd64"); r.code != 0 {
		t.Fatalf("sync: %+v", r)
	}
	r := e.run("mirror", "sync", "--dir", dir, "--tools", "helm", "--platforms", "linux/amd64")
	if r.code == 0 || strings.Contains(r.stderr, "install kubectl") || !strings.Contains(r.stderr, "--tools NAME@vX.Y.Z") {
		t.Errorf("sync of a helm whose marker is missing: %+v", r)
	}
}

// TestMirrorVerifySaysUncheckedSignature: sync checks helm's .asc with
// the keys kubeboot carries; a tree synced without it (--verify-signature
// off) passes verify, which says in its text
// output that the signature could not be checked.
func TestMirrorVerifySaysUncheckedSignature(t *testing.T) {
	e, o := toolEnv(t)
	o.Signer = pgptest.NewRSA(t)
	o.Publish(t, catalog.Helm(), "v4.0.1", catalog.Platform{OS: "linux", Arch: "amd64"}, []byte("helm 4.0.1"), true, nil)
	dir := t.TempDir()
	// Without KUBEBOOT_HELM_KEYRING, helm's keys kubeboot carries judge
	// the .asc: a test key is not one of them.
	if r := e.run("mirror", "sync", "--dir", dir, "--tools", "helm", "--platforms", "linux/amd64"); r.code != 3 || !strings.Contains(r.stderr, "not in the keyring") {
		t.Errorf("sync of a helm signed by a key not helm's: %+v", r)
	}
	if r := e.run("mirror", "sync", "--dir", dir, "--tools", "helm", "--platforms", "linux/amd64", "--verify-signature", "off"); r.code != 0 {
		t.Fatalf("sync: %+v", r)
	}
	r := e.run("mirror", "verify", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "not checked: the PGP signature") {
		t.Errorf("verify of a tree without helm's .asc: %+v", r)
	}
}
