package mirrorsync_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
	"github.com/kubeboot/kubeboot/internal/pgptest"
	"github.com/kubeboot/kubeboot/internal/testutil"
	origin "github.com/kubeboot/kubeboot/internal/upstream"
)

// mirroredTools are the catalogue's tools a sync copies (kubectl has its
// own tree; gke-gcloud-auth-plugin has no download).
func mirroredTools() []*catalog.Tool {
	var out []*catalog.Tool
	for _, t := range catalog.All() {
		if t.Delegate == "" && t.Name != "kubectl" {
			out = append(out, t)
		}
	}
	return out
}

var toolPlatforms = []bootstrap.Platform{{OS: "linux", Arch: "amd64"}, {OS: "windows", Arch: "amd64"}}

// toolOrigin publishes every tool's v1.3.0 (latest) and v1.2.3 for both
// platforms, helm's signed by a maintainer whose key is in keys.
func toolOrigin(t *testing.T) (o *origin.Origin, keys []byte, programs map[string][]byte) {
	maintainer := pgptest.NewRSA(t)
	keys = pgptest.KEYS(pgptest.Transferable(t, maintainer, nil, nil, false))
	o = origin.Start(t)
	o.Signer = maintainer
	programs = map[string][]byte{}
	for _, tool := range mirroredTools() {
		for _, p := range toolPlatforms {
			cp := catalog.Platform{OS: p.OS, Arch: p.Arch}
			o.Publish(t, tool, "v1.2.3", cp, []byte("old "+tool.Name+" "+p.String()), false, nil)
			prog := []byte(tool.Name + " 1.3.0 for " + p.String())
			o.Publish(t, tool, "v1.3.0", cp, prog, true, nil)
			programs[tool.Name+" "+p.String()] = prog
		}
	}
	return o, keys, programs
}

func toolSyncOptions(o *origin.Origin, dir string, keys []byte, tools ...string) mirrorsync.Options {
	return mirrorsync.Options{Dir: dir, Tools: tools, Platforms: toolPlatforms, ToolsFrom: o.Root(), GitHubAPIURL: o.APIURL(),
		Keyrings: map[string][]byte{"helm": keys}, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
}

func toolNames() []string {
	var names []string
	for _, t := range mirroredTools() {
		names = append(names, t.Name)
	}
	return names
}

// TestSyncToolsThenInstallFromStaticTree syncs every tool, serves the tree
// from a plain file server with the origin gone, and installs each tool
// for each platform from it alone, helm's signature checked; a rerun
// downloads nothing; verify passes, then catches a file changed in the
// tree, and a marker naming a version the tree lacks.
func TestSyncToolsThenInstallFromStaticTree(t *testing.T) {
	o, keys, programs := toolOrigin(t)
	dir := filepath.Join(testutil.TempDir(t), "tree [ü]")
	specs := append(toolNames(), "helm@v1.2.3")
	rep, err := mirrorsync.Sync(context.Background(), toolSyncOptions(o, dir, keys, specs...))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mirroredTools())*len(toolPlatforms) + len(toolPlatforms); len(rep.Tools) != n {
		t.Fatalf("%d tool files, want %d: %+v", len(rep.Tools), n, rep.Tools)
	}
	for _, f := range rep.Tools {
		if f.Status != mirrorsync.Fetched || len(f.Unchecked) != 0 {
			t.Errorf("%s %s %s: %s %v unchecked %v", f.Tool, f.Version, f.OSArch, f.Status, f.Error, f.Unchecked)
		}
	}
	if len(rep.ToolMarkers) != len(mirroredTools()) {
		t.Errorf("markers %+v: want one per tool's latest (none for helm@v1.2.3)", rep.ToolMarkers)
	}
	// virtctl's evidence is GitHub's answer, served from the tree.
	if _, err := os.Stat(filepath.Join(dir, "api.github.com", "repos", "kubevirt", "kubevirt", "releases", "tags", "v1.3.0")); err != nil {
		t.Errorf("the API's release answer is not in the tree: %v", err)
	}

	before := len(o.Requests())
	again, err := mirrorsync.Sync(context.Background(), toolSyncOptions(o, dir, keys, specs...))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range again.Tools {
		if f.Status != mirrorsync.Present {
			t.Errorf("rerun: %s %s %s is %s", f.Tool, f.Version, f.OSArch, f.Status)
		}
	}
	for _, r := range o.Requests()[before:] {
		marker := strings.HasSuffix(r, "latest") || strings.Contains(r, "/releases/latest/download/") // a version marker is asked again
		if strings.Contains(r, "/download/") && !marker || strings.HasPrefix(r, "/get.helm.sh/helm-v") {
			t.Errorf("the rerun asked for %s", r)
		}
	}

	o.Files.Close()
	o.API.Close()
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(static.Close)
	for _, tool := range mirroredTools() {
		for _, p := range toolPlatforms {
			c, err := bootstrap.New(bootstrap.Options{MirrorRoot: static.URL, Keyrings: map[string][]byte{"helm": keys},
				NoDigestCache: true, RetryBackoff: time.Millisecond, Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			bin := testutil.TempDir(t)
			res, err := c.InstallTool(context.Background(), bootstrap.ToolRequest{Tool: tool.Name, Dir: bin, Platform: p, Signature: bootstrap.SignatureRequire})
			if err != nil {
				t.Errorf("install %s for %s from the tree: %v", tool.Name, p, err)
				continue
			}
			if got, _ := os.ReadFile(res.Path); res.Version != "v1.3.0" || !bytes.Equal(got, programs[tool.Name+" "+p.String()]) {
				t.Errorf("%s for %s: %+v holds %q", tool.Name, p, res, got)
			}
		}
	}

	vrep, err := mirrorsync.Verify(context.Background(), dir, mirrorsync.Options{Keyrings: map[string][]byte{"helm": keys}})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(vrep.Tools) != len(rep.Tools) || len(vrep.ToolMarkers) != len(mirroredTools()) {
		t.Errorf("verify saw %d files and %d markers", len(vrep.Tools), len(vrep.ToolMarkers))
	}

	a, _ := catalog.Virtctl().Artifact("v1.3.0", catalog.Platform{OS: "linux", Arch: "amd64"})
	changed := catalog.MirroredPath(dir, a.URL)
	b, _ := os.ReadFile(changed)
	b[0] ^= 1
	os.WriteFile(changed, b, 0o644)
	marker := catalog.MirroredPath(dir, catalog.Helm().Versions.URL)
	os.WriteFile(marker, []byte("v9.9.9\n"), 0o644)
	vrep, err = mirrorsync.Verify(context.Background(), dir, mirrorsync.Options{Keyrings: map[string][]byte{"helm": keys}})
	if !errors.Is(err, bootstrap.ErrChecksumMismatch) || !errors.Is(err, mirrorsync.ErrStaleMarker) {
		t.Fatalf("verify after a change: %v", err)
	}
	if len(vrep.FailedTools()) != 1 || vrep.FailedTools()[0].Path != changed || !strings.Contains(err.Error(), "virtctl v1.3.0 for linux/amd64") {
		t.Errorf("failed %+v; %v", vrep.FailedTools(), err)
	}
}

// TestSyncToolsRefusesLies: a tampered file, a withheld checksum or .asc
// is reported with the tool it belongs to and lands nothing: neither the
// file nor its evidence nor the marker; the other tools complete.
func TestSyncToolsRefusesLies(t *testing.T) {
	linux := catalog.Platform{OS: "linux", Arch: "amd64"}
	for _, c := range []struct {
		name, tool string
		apply      func(o *origin.Origin, a catalog.Artifact)
		want       error
	}{
		{"tampered file", "oidc-login", func(o *origin.Origin, a catalog.Artifact) {
			b := bytes.Clone(o.Get(a.URL))
			b[len(b)-1] ^= 1
			o.Put(a.URL, b)
		}, bootstrap.ErrChecksumMismatch},
		{"withheld sha256", "azure-kubelogin", func(o *origin.Origin, a catalog.Artifact) { o.Remove(a.Proofs[0].At) }, bootstrap.ErrEvidenceMissing},
		{"withheld asc", "helm", func(o *origin.Origin, a catalog.Artifact) { o.Remove(a.Proofs[1].At) }, bootstrap.ErrEvidenceMissing},
		{"API digest of another file", "virtctl", func(o *origin.Origin, a catalog.Artifact) {
			o.SetAssetDigest("kubevirt/kubevirt", "v1.3.0", a.Name, "sha256:"+sha256hex([]byte("other")))
		}, bootstrap.ErrChecksumMismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, keys, _ := toolOrigin(t)
			tool := catalog.Lookup(c.tool)
			a, _ := tool.Artifact("v1.3.0", linux)
			c.apply(o, a)
			dir := testutil.TempDir(t)
			opts := toolSyncOptions(o, dir, keys, c.tool, "aws-iam-authenticator")
			opts.Platforms = []bootstrap.Platform{{OS: "linux", Arch: "amd64"}}
			if c.want == bootstrap.ErrEvidenceMissing && c.tool == "helm" {
				// A missing .asc is refused when a signature is required;
				// auto mirrors the release as install takes it, saying the
				// signature was not checked.
				opts.ToolSignature = bootstrap.SignatureRequire
			}
			rep, err := mirrorsync.Sync(context.Background(), opts)
			if !errors.Is(err, c.want) || !errors.Is(err, bootstrap.ErrVerification) || !strings.Contains(err.Error(), c.tool+" v1.3.0 for linux/amd64") {
				t.Fatalf("got %v, want %v naming %s", err, c.want, c.tool)
			}
			if _, err := os.Lstat(catalog.MirroredPath(dir, a.URL)); err == nil {
				t.Error("the file landed in the tree")
			}
			for _, pr := range a.Proofs {
				if pr.Kind != catalog.GitHubAssetDigest {
					if _, err := os.Lstat(catalog.MirroredPath(dir, pr.At)); err == nil {
						t.Errorf("its evidence %s landed in the tree", pr.At)
					}
				}
			}
			if _, err := os.Lstat(catalog.MirroredPath(dir, tool.Versions.URL)); err == nil {
				t.Error("its marker was written")
			}
			if len(rep.FailedTools()) != 1 || len(rep.ToolMarkers) != 1 {
				t.Errorf("report: failed %+v, markers %+v", rep.FailedTools(), rep.ToolMarkers)
			}
		})
	}
}

// TestSyncToolsCompletesAfterInterruption: a sync cancelled in the middle
// of a download leaves no file under its name; the next run sweeps the
// temp file and completes.
func TestSyncToolsCompletesAfterInterruption(t *testing.T) {
	o, keys, programs := toolOrigin(t)
	dir := testutil.TempDir(t)
	a, _ := catalog.Helm().Artifact("v1.3.0", catalog.Platform{OS: "linux", Arch: "amd64"})
	started := make(chan struct{})
	o.Hold(a.URL, 10, started)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	opts := toolSyncOptions(o, dir, keys, "helm")
	opts.Platforms = opts.Platforms[:1]
	if _, err := mirrorsync.Sync(ctx, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sync: %v", err)
	}
	path := catalog.MirroredPath(dir, a.URL)
	if _, err := os.Lstat(path); err == nil {
		t.Fatal("a half-downloaded file is under its name")
	}
	o.Hold(a.URL, 0, nil)
	if _, err := mirrorsync.Sync(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left over: %s", e.Name())
		}
	}
	if _, err := mirrorsync.Verify(context.Background(), dir, mirrorsync.Options{Keyrings: map[string][]byte{"helm": keys}}); err != nil {
		t.Fatal(err)
	}
	_ = programs
}
