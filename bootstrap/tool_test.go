package bootstrap

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/pgptest"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"github.com/kubeboot/kubeboot/internal/upstream"
)

// toolClient is a client reading o's mirror root and GitHub API.
func toolClient(t *testing.T, o *upstream.Origin, opts Options) *Client {
	t.Helper()
	opts.MirrorRoot = o.Root()
	opts.GitHubAPIURL = o.APIURL()
	opts.RetryBackoff = time.Millisecond
	opts.StallTimeout = 2 * time.Second
	opts.NoDigestCache = true
	opts.Logf = t.Logf
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// downloadable lists the catalogue's tools that InstallTool downloads
// itself (kubectl goes through Install).
func downloadable() []*catalog.Tool {
	var tools []*catalog.Tool
	for _, tool := range catalog.All() {
		if tool.Delegate == "" && tool.Name != "kubectl" {
			tools = append(tools, tool)
		}
	}
	return tools
}

// platformsOf are the platforms a test installs a tool for: this host's
// when the tool has it, and Windows' archive or .exe.
func platformsOf(tool *catalog.Tool) []catalog.Platform {
	var ps []catalog.Platform
	if h := (catalog.Platform{OS: host.OS, Arch: host.Arch}); tool.Supports(h) {
		ps = append(ps, h)
	}
	if w := (catalog.Platform{OS: "windows", Arch: "amd64"}); w != ps[0] {
		ps = append(ps, w)
	}
	return ps
}

func TestInstallToolEveryTool(t *testing.T) {
	for _, tool := range downloadable() {
		for _, p := range platformsOf(tool) {
			t.Run(tool.Name+"/"+p.String(), func(t *testing.T) {
				o := upstream.Start(t)
				old := o.Publish(t, tool, "v1.2.3", p, []byte("program 1.2.3 of "+tool.Name), false, nil)
				pub := o.Publish(t, tool, "v1.3.0", p, []byte("program 1.3.0 of "+tool.Name), true, nil)
				c := toolClient(t, o, Options{})
				dir := filepath.Join(testutil.TempDir(t), "bin [x] ü")
				plat := Platform{p.OS, p.Arch}
				res, err := c.InstallTool(context.Background(), ToolRequest{Tool: tool.Name, Dir: dir, Platform: plat})
				if err != nil {
					t.Fatal(err)
				}
				if res.Version != "v1.3.0" || !res.Changed || res.Path != filepath.Join(dir, pub.Artifact.Program) || res.SHA256 != sha(pub.Program) || res.FileSHA256 != sha(pub.File) {
					t.Fatalf("result %+v", res)
				}
				// Without a keyring, a PGP signature is reported unchecked,
				// never as evidence.
				var checked []catalog.EvidenceKind
				unchecked := 0
				for _, e := range tool.Evidence {
					if e.Kind == catalog.PGP {
						unchecked++
					} else {
						checked = append(checked, e.Kind)
					}
				}
				var got []catalog.EvidenceKind
				for _, e := range res.Evidence {
					got = append(got, e.Kind)
					if e.Whose == "" {
						t.Errorf("evidence %+v does not say whose", e)
					}
				}
				if !slices.Equal(got, checked) || len(res.Unchecked) != unchecked {
					t.Errorf("evidence %v, unchecked %q; want %v and %d unchecked", got, res.Unchecked, checked, unchecked)
				}
				assertOnlyFile(t, dir, pub.Artifact.Program, pub.Program)
				if fi, _ := os.Stat(res.Path); p.OS != "windows" && fi.Mode().Perm()&0o100 == 0 {
					t.Errorf("%s is not executable: %v", res.Path, fi.Mode())
				}

				again, err := c.InstallTool(context.Background(), ToolRequest{Tool: tool.Name, Dir: dir, Platform: plat, Version: "latest"})
				if err != nil || again.Changed {
					t.Fatalf("a rerun: %+v, %v", again, err)
				}
				back, err := c.InstallTool(context.Background(), ToolRequest{Tool: tool.Name, Dir: dir, Platform: plat, Version: "1.2.3"})
				if err != nil || !back.Changed || back.Version != "v1.2.3" {
					t.Fatalf("an exact version: %+v, %v", back, err)
				}
				assertOnlyFile(t, dir, old.Artifact.Program, old.Program)
			})
		}
	}
}

// TestInstallToolAttacks serves, for every tool, each way its file or its
// evidence can lie; every one is a verification error with the folder's
// previous program untouched and no temp file left.
func TestInstallToolAttacks(t *testing.T) {
	// What each attack must be reported as, besides ErrVerification.
	want := map[string]error{
		"checksum mismatch":                ErrChecksumMismatch,
		"evidence withheld":                ErrEvidenceMissing,
		"API digest mismatch":              ErrChecksumMismatch,
		"malformed digest":                 ErrBadDigest,
		"zip-slip member":                  ErrBadArchive,
		"two programs of that name":        ErrBadArchive,
		"program elsewhere in the archive": ErrBadArchive,
		"version redirect to another host": ErrBadMarker,
	}
	for _, tool := range downloadable() {
		for _, p := range platformsOf(tool) {
			a, _ := tool.Artifact("v1.3.0", p)
			for _, at := range upstream.Attacks() {
				if !at.AppliesTo(tool, a) {
					continue
				}
				t.Run(tool.Name+"/"+p.String()+"/"+at.Name, func(t *testing.T) {
					o := upstream.Start(t)
					o.PublishAttacked(t, tool, "v1.3.0", p, []byte("program of "+tool.Name), at)
					dir := testutil.TempDir(t)
					previous := []byte("the program that was there")
					os.WriteFile(filepath.Join(dir, a.Program), previous, 0o755)
					c := toolClient(t, o, Options{})
					res, err := c.InstallTool(context.Background(), ToolRequest{Tool: tool.Name, Dir: dir, Platform: Platform{p.OS, p.Arch}})
					if want[at.Name] == nil || !errors.Is(err, want[at.Name]) || !errors.Is(err, ErrVerification) {
						t.Fatalf("got %+v, %v; want %v (a verification error)", res, err, want[at.Name])
					}
					if errors.Is(err, fs.ErrNotExist) {
						t.Errorf("a lie is not 'not published': %v", err)
					}
					assertOnlyFile(t, dir, a.Program, previous)
				})
			}
		}
	}
}

func TestInstallToolNotPublished(t *testing.T) {
	for _, tool := range downloadable() {
		t.Run(tool.Name, func(t *testing.T) {
			o := upstream.Start(t)
			p := platformsOf(tool)[0]
			o.Publish(t, tool, "v1.3.0", p, []byte("program"), true, nil)
			c := toolClient(t, o, Options{})
			dir := testutil.TempDir(t)
			_, err := c.InstallTool(context.Background(), ToolRequest{Tool: tool.Name, Dir: dir, Platform: Platform{p.OS, p.Arch}, Version: "v9.9.9"})
			if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrVerification) {
				t.Fatalf("a version that does not exist: %v, want fs.ErrNotExist and no verification error", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 1 || (len(entries) == 1 && entries[0].Name() != exeinstall.LockName) {
				t.Errorf("left %v", entries)
			}
		})
	}
}

func TestInstallToolRefusals(t *testing.T) {
	o := upstream.Start(t)
	c := toolClient(t, o, Options{})
	ctx := context.Background()
	_, err := c.InstallTool(ctx, ToolRequest{Tool: "gke-gcloud-auth-plugin", Dir: testutil.TempDir(t)})
	if !errors.Is(err, ErrDelegated) || !strings.Contains(err.Error(), "gcloud components install gke-gcloud-auth-plugin") {
		t.Errorf("gke-gcloud-auth-plugin: %v", err)
	}
	if _, err = c.InstallTool(ctx, ToolRequest{Tool: "kubelogin"}); !errors.Is(err, ErrUnknownTool) || !strings.Contains(err.Error(), "azure-kubelogin") {
		t.Errorf("kubelogin, which means two tools: %v", err)
	}
	if _, err = c.InstallTool(ctx, ToolRequest{Tool: "helm", Version: "v1.2", Dir: testutil.TempDir(t)}); !errors.Is(err, ErrInvalidVersionSpec) {
		t.Errorf("a bad version: %v", err)
	}
	if _, err = c.InstallTool(ctx, ToolRequest{Tool: "virtctl", Platform: Platform{"windows", "arm64"}, Dir: testutil.TempDir(t)}); !errors.Is(err, ErrUnsupportedPlatform) {
		t.Errorf("an unpublished platform: %v", err)
	}
	if len(o.Requests()) != 0 {
		t.Errorf("refusals asked the network: %v", o.Requests())
	}
}

// TestHelmLines reads helm's v3 line from its own marker, asked with a
// cache-busting query each time.
func TestHelmLines(t *testing.T) {
	o := upstream.Start(t)
	p := platformsOf(catalog.Helm())[0]
	o.Publish(t, catalog.Helm(), "v4.0.1", p, []byte("helm 4"), true, nil)
	o.Publish(t, catalog.Helm(), "v3.19.2", p, []byte("helm 3"), false, nil)
	o.Put("https://get.helm.sh/helm3-latest-version", []byte("v3.19.2"))
	var queries []string
	c := toolClient(t, o, Options{HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "-latest-version") {
			queries = append(queries, r.URL.RawQuery)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}})
	for _, tt := range []struct{ spec, want string }{{"3", "v3.19.2"}, {"", "v4.0.1"}, {"v3", "v3.19.2"}} {
		res, err := c.InstallTool(context.Background(), ToolRequest{Tool: "helm", Version: tt.spec, Dir: testutil.TempDir(t), Platform: Platform{p.OS, p.Arch}})
		if err != nil || res.Version != tt.want {
			t.Fatalf("helm %q: %+v, %v", tt.spec, res, err)
		}
	}
	if len(queries) != 3 || queries[0] == "" || queries[0] == queries[1] || queries[1] == queries[2] {
		t.Errorf("marker queries %q, want a fresh one each time", queries)
	}
}

// TestHelmLineMarkerNamingAnotherLine: a v3 marker that names v4 (a stale
// CDN rule, a mirror that copied the wrong marker) installs nothing.
func TestHelmLineMarkerNamingAnotherLine(t *testing.T) {
	o := upstream.Start(t)
	p := platformsOf(catalog.Helm())[0]
	o.Publish(t, catalog.Helm(), "v4.0.1", p, []byte("helm 4"), true, nil)
	o.Put("https://get.helm.sh/helm3-latest-version", []byte("v4.0.1"))
	dir := testutil.TempDir(t)
	res, err := toolClient(t, o, Options{}).InstallTool(context.Background(), ToolRequest{Tool: "helm", Version: "3", Dir: dir, Platform: Platform{p.OS, p.Arch}})
	if !errors.Is(err, ErrBadMarker) {
		t.Fatalf("--version 3 with a marker naming v4.0.1: %+v, %v; want ErrBadMarker", res, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestGitHubTokenOnlyToTheAPI sends the token with the API request for
// virtctl's digest and with no request to the mirror.
func TestGitHubTokenOnlyToTheAPI(t *testing.T) {
	o := upstream.Start(t)
	p := platformsOf(catalog.Virtctl())[0]
	o.Publish(t, catalog.Virtctl(), "v1.6.0", p, []byte("virtctl"), true, nil)
	const token = "ghp_secret123"
	var withToken, without []string
	c := toolClient(t, o, Options{GitHubToken: token, HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") == "Bearer "+token {
			withToken = append(withToken, r.URL.Host)
		} else {
			without = append(without, r.URL.Host)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}})
	var logs strings.Builder
	c.opts.Logf = func(f string, a ...any) { logs.WriteString(f) }
	res, err := c.InstallTool(context.Background(), ToolRequest{Tool: "virtctl", Dir: testutil.TempDir(t), Platform: Platform{p.OS, p.Arch}})
	if err != nil {
		t.Fatal(err)
	}
	api := strings.TrimPrefix(o.API.URL, "http://")
	if len(withToken) != 1 || withToken[0] != api || slices.Contains(without, api) || len(without) < 2 {
		t.Errorf("token sent to %v, not to %v; want the API host %s only", withToken, without, api)
	}
	if strings.Contains(logs.String()+res.URL+res.Evidence[0].URL, token) {
		t.Error("the token leaked into logs or the result")
	}
	if !strings.Contains(res.Evidence[0].Whose, "GitHub") {
		t.Errorf("virtctl's evidence does not say it is GitHub's word: %q", res.Evidence[0].Whose)
	}
}

// TestKubectlEntry keeps the catalogue's kubectl entry and Install in
// step: the same platforms, files and signer.
func TestKubectlEntry(t *testing.T) {
	k := catalog.Kubectl()
	var ps []Platform
	for _, p := range k.Platforms {
		ps = append(ps, Platform{p.OS, p.Arch})
	}
	if !slices.Equal(ps, KubectlPlatforms) {
		t.Errorf("catalogue platforms %v, Install's %v", ps, KubectlPlatforms)
	}
	c, err := New(Options{NoDigestCache: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range KubectlPlatforms {
		a, _ := k.Artifact("v1.36.4", catalog.Platform{OS: p.OS, Arch: p.Arch})
		if want := c.KubectlURL("v1.36.4", p); a.URL != want || a.Proofs[0].At != want+".sha256" || a.Proofs[1].At != want+".sig" {
			t.Errorf("%s: catalogue %s %v, Install %s", p, a.URL, a.Proofs, want)
		}
	}
	var signer *sigstore.Policy
	for _, e := range k.Evidence {
		if e.Kind == catalog.Sigstore {
			signer = e.Signer
		}
	}
	if signer == nil || *signer != sigstore.KubernetesRelease {
		t.Errorf("catalogue signer %+v, want %+v", signer, sigstore.KubernetesRelease)
	}
}

// TestInstallToolConcurrent runs installs of one tool into one folder at
// once: they take turns on the folder's lock, and the folder ends with the
// program and nothing else.
func TestInstallToolConcurrent(t *testing.T) {
	o := upstream.Start(t)
	tool := catalog.Helm()
	p := platformsOf(tool)[0]
	pub := o.Publish(t, tool, "v4.0.1", p, []byte("helm 4.0.1"), true, nil)
	c := toolClient(t, o, Options{})
	dir := testutil.TempDir(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := c.InstallTool(context.Background(), ToolRequest{Tool: "helm", Dir: dir, Platform: Platform{p.OS, p.Arch}, Force: true})
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	assertOnlyFile(t, dir, pub.Artifact.Program, pub.Program)
}

// TestInstallToolRerunDownloadsNothing: a rerun that finds the program in
// place asks for the version and the evidence, not the file, once the
// program of that verified file is known; Force downloads again, and a
// changed program is replaced.
func TestInstallToolRerunDownloadsNothing(t *testing.T) {
	for _, tool := range downloadable() {
		t.Run(tool.Name, func(t *testing.T) {
			o := upstream.Start(t)
			p := platformsOf(tool)[0]
			pub := o.Publish(t, tool, "v1.3.0", p, []byte("program of "+tool.Name), true, nil)
			c := toolClient(t, o, Options{})
			c.programs.path = filepath.Join(testutil.TempDir(t), "tool-programs.json")
			dir := testutil.TempDir(t)
			req := ToolRequest{Tool: tool.Name, Dir: dir, Platform: Platform{p.OS, p.Arch}}
			downloads := func() (n int) {
				for _, r := range o.Requests() {
					if strings.HasSuffix(pub.Artifact.URL, r) {
						n++
					}
				}
				return n
			}
			if _, err := c.InstallTool(context.Background(), req); err != nil || downloads() != 1 {
				t.Fatalf("first install: %v, %d downloads", err, downloads())
			}
			res, err := c.InstallTool(context.Background(), req)
			if err != nil || res.Changed || res.SHA256 != sha(pub.Program) || res.FileSHA256 != sha(pub.File) || downloads() != 1 {
				t.Fatalf("rerun: %+v, %v, %d downloads", res, err, downloads())
			}
			os.WriteFile(res.Path, []byte("changed by someone"), 0o755)
			if res, err = c.InstallTool(context.Background(), req); err != nil || !res.Changed || downloads() != 2 {
				t.Fatalf("a changed program: %+v, %v, %d downloads", res, err, downloads())
			}
			req.Force = true
			if res, err = c.InstallTool(context.Background(), req); err != nil || downloads() != 3 {
				t.Fatalf("--force: %+v, %v, %d downloads", res, err, downloads())
			}
			assertOnlyFile(t, dir, pub.Artifact.Program, pub.Program)
		})
	}
}

// TestInstallToolLeavesPackageManagersAlone: a helm that Homebrew links
// into its Cellar is never replaced: a named folder is refused before any
// download, a defaulted one moves to the per-user folder.
func TestInstallToolLeavesPackageManagersAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Homebrew's layout; symlinks need privileges on Windows")
	}
	root := testutil.TempDir(t)
	cellar := filepath.Join(root, "usr", "local", "Cellar", "helm", "3.19.0", "bin")
	prefixBin := filepath.Join(root, "usr", "local", "bin")
	userDir := filepath.Join(root, "home", ".local", "bin")
	os.MkdirAll(cellar, 0o755)
	os.MkdirAll(prefixBin, 0o755)
	os.WriteFile(filepath.Join(cellar, "helm"), []byte("homebrew helm"), 0o755)
	if err := os.Symlink("../Cellar/helm/3.19.0/bin/helm", filepath.Join(prefixBin, "helm")); err != nil {
		t.Fatal(err)
	}
	o := upstream.Start(t)
	p := catalog.Platform{OS: host.OS, Arch: host.Arch}
	pub := o.Publish(t, catalog.Helm(), "v4.0.1", p, []byte("helm 4.0.1"), true, nil)
	c := toolClient(t, o, Options{})

	_, err := c.InstallTool(context.Background(), ToolRequest{Tool: "helm", Dir: prefixBin})
	var me *ManagedTargetError
	if !errors.As(err, &me) || me.Owner.Manager.String() != "Homebrew" {
		t.Fatalf("named folder: %v, want a *ManagedTargetError for Homebrew", err)
	}
	for _, r := range o.Requests() {
		if strings.HasSuffix(pub.Artifact.URL, r) {
			t.Error("downloaded although nothing may be written")
		}
	}
	c.installDirs = func() (string, string, error) { return prefixBin, userDir, nil }
	res, err := c.InstallTool(context.Background(), ToolRequest{Tool: "helm"})
	if err != nil || res.Path != filepath.Join(userDir, "helm") || res.LeftAlone == nil {
		t.Fatalf("defaulted folder: %+v, %v", res, err)
	}
	if link, _ := os.Readlink(filepath.Join(prefixBin, "helm")); link != "../Cellar/helm/3.19.0/bin/helm" {
		t.Errorf("Homebrew's link is now %q", link)
	}
	assertOnlyFile(t, userDir, "helm", pub.Program)
}

// TestInstallToolPGP checks helm's PGP signature against the keyring it
// is given: a signature by that keyring's key installs; one by another
// key, a forged one or none refuses the install with the previous helm
// kept; require without a keyring downloads nothing; off reads no .asc.
func TestInstallToolPGP(t *testing.T) {
	tool := catalog.Helm()
	p := platformsOf(tool)[0]
	maintainer, stranger := pgptest.NewRSA(t), pgptest.NewEd25519(t, true)
	keys := pgptest.KEYS(pgptest.Transferable(t, maintainer, nil, nil, false), pgptest.Transferable(t, pgptest.NewEd25519(t, false), nil, nil, false))
	program := []byte("helm 4.0.1")
	install := func(t *testing.T, signer *pgptest.Key, forge bool, keyring []byte, mode SignatureMode) (*upstream.Origin, *ToolResult, string, error) {
		o := upstream.Start(t)
		o.Signer = signer
		pub := o.Publish(t, tool, "v4.0.1", p, program, true, nil)
		if forge {
			o.Put(pub.Artifact.Proofs[1].At, maintainer.Forge(t, pub.File))
		}
		opts := Options{}
		if keyring != nil {
			opts.Keyrings = map[string][]byte{"helm": keyring}
		}
		c := toolClient(t, o, opts)
		dir := testutil.TempDir(t)
		os.WriteFile(filepath.Join(dir, pub.Artifact.Program), []byte("previous helm"), 0o755)
		res, err := c.InstallTool(context.Background(), ToolRequest{Tool: "helm", Dir: dir, Platform: Platform{p.OS, p.Arch}, Signature: mode})
		return o, res, dir, err
	}
	kept := func(t *testing.T, dir string) {
		t.Helper()
		assertOnlyFile(t, dir, catalog.Helm().ProgramFor(p), []byte("previous helm"))
	}

	_, res, dir, err := install(t, maintainer, false, keys, "")
	if err != nil || len(res.Evidence) != 2 || res.Evidence[1].Kind != catalog.PGP || !strings.Contains(res.Evidence[1].Whose, maintainer.Fingerprint()) || len(res.Unchecked) != 0 {
		t.Fatalf("signed by the maintainer: %+v, %v", res, err)
	}
	assertOnlyFile(t, dir, catalog.Helm().ProgramFor(p), program)

	for _, tt := range []struct {
		name    string
		signer  *pgptest.Key
		forge   bool
		keyring []byte
		mode    SignatureMode
		want    error
	}{
		{"signed by another key", stranger, false, keys, "", ErrPGPSignature},
		{"a forged signature", maintainer, true, keys, "", ErrPGPSignature},
		{"no signature, required", nil, false, keys, SignatureRequire, ErrEvidenceMissing},
		// Without a keyring of the caller's, helm's own keys judge: a
		// test key is not one of them.
		{"helm's keys, signed by a key not of them", maintainer, false, nil, "", ErrPGPSignature},
		{"helm's keys, required, signed by a key not of them", maintainer, false, nil, SignatureRequire, ErrPGPSignature},
		{"helm's keys, required, no signature", nil, false, nil, SignatureRequire, ErrEvidenceMissing},
	} {
		_, res, dir, err := install(t, tt.signer, tt.forge, tt.keyring, tt.mode)
		if !errors.Is(err, tt.want) || !errors.Is(err, ErrVerification) {
			t.Errorf("%s: %+v, %v; want %v", tt.name, res, err, tt.want)
		}
		kept(t, dir)
	}

	// auto: a release published without a signature installs on its
	// checksum, saying the signature was not checked.
	for _, kr := range [][]byte{keys, nil} {
		_, res, dir, err = install(t, nil, false, kr, "")
		if err != nil || len(res.Unchecked) != 1 || !strings.Contains(res.Unchecked[0], "none is published") || len(res.Evidence) != 1 {
			t.Errorf("auto, unsigned: %+v, %v", res, err)
		}
		assertOnlyFile(t, dir, catalog.Helm().ProgramFor(p), program)
	}

	o, res, _, err := install(t, stranger, false, keys, SignatureOff)
	if err != nil || len(res.Unchecked) != 1 || len(res.Evidence) != 1 {
		t.Errorf("off: %+v, %v", res, err)
	}
	for _, r := range o.Requests() {
		if strings.HasSuffix(r, ".asc") {
			t.Errorf("off read %s", r)
		}
	}
}

// TestInstallToolKubectl: kubectl through InstallTool is Install, its
// signature reported as evidence.
func TestInstallToolKubectl(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	res, err := c.InstallTool(context.Background(), ToolRequest{Tool: "kubectl", Version: "1.36", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "v1.36.4" || !res.Changed || res.SHA256 != sha(standins["v1.36.4"]) || len(res.Evidence) != 2 ||
		res.Evidence[0].Kind != catalog.SHA256File || res.Evidence[1].Kind != catalog.Sigstore {
		t.Fatalf("%+v", res)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.36.4"])
}

// TestInstallToolSignedRerun: a rerun of a signed install whose program
// is in place downloads nothing once the signature verified over that
// file, by a key the keyring still holds; with a keyring that lacks the
// key, it downloads and judges the signature again (and refuses).
func TestInstallToolSignedRerun(t *testing.T) {
	tool := catalog.Helm()
	p := platformsOf(tool)[0]
	maintainer := pgptest.NewEd25519(t, true)
	o := upstream.Start(t)
	o.Signer = maintainer
	pub := o.Publish(t, tool, "v4.0.1", p, []byte("helm 4.0.1"), true, nil)
	memo := filepath.Join(testutil.TempDir(t), "tool-programs.json")
	client := func(keys []byte) *Client {
		c := toolClient(t, o, Options{Keyrings: map[string][]byte{"helm": keys}})
		c.programs.path = memo
		return c
	}
	downloads := func() (n int) {
		for _, r := range o.Requests() {
			if strings.HasSuffix(pub.Artifact.URL, r) {
				n++
			}
		}
		return n
	}
	dir := testutil.TempDir(t)
	req := ToolRequest{Tool: "helm", Dir: dir, Platform: Platform{p.OS, p.Arch}}
	keys := pgptest.KEYS(pgptest.Transferable(t, maintainer, nil, nil, false))
	if _, err := client(keys).InstallTool(context.Background(), req); err != nil || downloads() != 1 {
		t.Fatalf("first install: %v, %d downloads", err, downloads())
	}
	res, err := client(keys).InstallTool(context.Background(), req)
	if err != nil || res.Changed || downloads() != 1 || len(res.Evidence) != 2 || !strings.Contains(res.Evidence[1].Whose, maintainer.Fingerprint()) {
		t.Fatalf("rerun: %+v, %v, %d downloads", res, err, downloads())
	}
	other := pgptest.KEYS(pgptest.Transferable(t, pgptest.NewRSA(t), nil, nil, false))
	if res, err = client(other).InstallTool(context.Background(), req); !errors.Is(err, ErrPGPSignature) || downloads() != 2 {
		t.Fatalf("rerun with another keyring: %+v, %v, %d downloads", res, err, downloads())
	}
	assertOnlyFile(t, dir, pub.Artifact.Program, pub.Program)
}

// TestInstallToolRequireHoldsOnRerun: --verify-signature require is not
// satisfied by a program already in place whose signature was never
// checked: with the .asc gone the rerun is ErrEvidenceMissing. Once a
// signature verified over that file by a key still held, a rerun without
// the .asc stays a no-download no-op.
func TestInstallToolRequireHoldsOnRerun(t *testing.T) {
	tool := catalog.Helm()
	p := platformsOf(tool)[0]
	maintainer := pgptest.NewEd25519(t, true)
	o := upstream.Start(t)
	o.Signer = maintainer
	pub := o.Publish(t, tool, "v4.0.1", p, []byte("helm 4.0.1"), true, nil)
	memo := filepath.Join(testutil.TempDir(t), "tool-programs.json")
	keys := pgptest.KEYS(pgptest.Transferable(t, maintainer, nil, nil, false))
	c := toolClient(t, o, Options{Keyrings: map[string][]byte{"helm": keys}})
	c.programs.path = memo
	dir := testutil.TempDir(t)
	req := func(mode SignatureMode) ToolRequest {
		return ToolRequest{Tool: "helm", Version: "v4.0.1", Dir: dir, Platform: Platform{p.OS, p.Arch}, Signature: mode}
	}
	if _, err := c.InstallTool(context.Background(), req(SignatureOff)); err != nil {
		t.Fatal(err)
	}
	asc := pub.Artifact.Proofs[1].At
	o.Remove(asc)
	if res, err := c.InstallTool(context.Background(), req(SignatureRequire)); !errors.Is(err, ErrEvidenceMissing) {
		t.Fatalf("require, .asc missing, signature never checked: %+v, %v; want ErrEvidenceMissing", res, err)
	}
	o.Put(asc, maintainer.Sign(t, pub.File))
	if _, err := c.InstallTool(context.Background(), req(SignatureRequire)); err != nil {
		t.Fatal(err)
	}
	o.Remove(asc)
	before := len(o.Requests())
	res, err := c.InstallTool(context.Background(), req(SignatureRequire))
	if err != nil || res.Changed || len(res.Evidence) != 2 {
		t.Fatalf("require, .asc missing, verified before: %+v, %v", res, err)
	}
	for _, r := range o.Requests()[before:] {
		if strings.HasSuffix(pub.Artifact.URL, r) {
			t.Errorf("downloaded %s again", r)
		}
	}
	assertOnlyFile(t, dir, pub.Artifact.Program, pub.Program)
}

// TestGitHubTokenNotToAnotherPort: an API that redirects to its own host
// on another port does not get the token sent there (Go's client copies
// headers to a redirect to the same host name, whatever the port).
func TestGitHubTokenNotToAnotherPort(t *testing.T) {
	o := upstream.Start(t)
	p := platformsOf(catalog.Virtctl())[0]
	o.Publish(t, catalog.Virtctl(), "v1.6.0", p, []byte("virtctl"), true, nil)
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			leaked = append(leaked, r.Host+" "+a)
		}
		http.Redirect(w, r, o.APIURL()+strings.TrimPrefix(r.URL.Path, "/"), http.StatusFound)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer api.Close()
	c2, err := New(Options{MirrorRoot: o.Root(), GitHubAPIURL: api.URL + "/", GitHubToken: "ghp_secret123", CacheDir: testutil.TempDir(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.InstallTool(context.Background(), ToolRequest{Tool: "virtctl", Dir: testutil.TempDir(t), Platform: Platform{p.OS, p.Arch}}); err != nil {
		t.Fatal(err)
	}
	if len(leaked) > 0 {
		t.Errorf("token sent to a port other than the API's (%s): %v", api.Listener.Addr(), leaked)
	}
}

// TestAzureKubeloginVersionFile: Azure kubelogin's latest version is read
// from the kubelogin-version.txt every release publishes, not from the
// release page's redirect.
func TestAzureKubeloginVersionFile(t *testing.T) {
	o := upstream.Start(t)
	p := platformsOf(catalog.AzureKubelogin())[0]
	o.Publish(t, catalog.AzureKubelogin(), "v0.2.19", p, []byte("kubelogin"), true, nil)
	res, err := toolClient(t, o, Options{}).InstallTool(context.Background(), ToolRequest{Tool: "azure-kubelogin", Dir: testutil.TempDir(t), Platform: Platform{p.OS, p.Arch}})
	if err != nil || res.Version != "v0.2.19" {
		t.Fatalf("%+v, %v", res, err)
	}
	asked := strings.Join(o.Requests(), " ")
	if !strings.Contains(asked, "/github.com/Azure/kubelogin/releases/latest/download/kubelogin-version.txt") || strings.Contains(asked, "/releases/latest ") {
		t.Errorf("asked %s", asked)
	}
}
