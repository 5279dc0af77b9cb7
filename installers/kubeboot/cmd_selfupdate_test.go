package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/internal/releasetest"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

const ghToken = "ghp_selfupdateTEST0123456789abcdefXYZ"

var (
	newBuildOnce sync.Once
	newBuild     []byte // kubeboot built as version 1.1.0
	newBuildErr  string
)

// newKubeboot returns a kubeboot binary linked as version 1.1.0.
func newKubeboot(t *testing.T) []byte {
	newBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kubeboot-new-")
		if err != nil {
			newBuildErr = err.Error()
			return
		}
		defer os.RemoveAll(dir)
		path := releasetest.BuildKubeboot(t, dir, "1.1.0")
		if newBuild, err = os.ReadFile(path); err != nil {
			newBuildErr = err.Error()
		}
	})
	if newBuildErr != "" {
		t.Fatal(newBuildErr)
	}
	return newBuild
}

// selfUpdateEnv is an installed old kubeboot (v0.0.0-test) and a GitHub
// server publishing v1.1.0.
type selfUpdateEnv struct {
	t    *testing.T
	g    *releasetest.GitHub
	exe  string
	old  []byte
	root string // trusted_root.json of the test CA that signs releases; "" for none
	env  []string
}

// releaseCA stands in for Sigstore's public-good CA in these tests.
var releaseCA *sigtest.CA

func testReleaseCA(t *testing.T) *sigtest.CA {
	if releaseCA == nil {
		releaseCA = sigtest.NewCA(t, sigtest.Options{})
	}
	return releaseCA
}

func newSelfUpdateEnv(t *testing.T, assets map[string][]byte) *selfUpdateEnv {
	t.Helper()
	g := releasetest.NewGitHub(t)
	g.AddRelease("v1.1.0", assets, true)
	old, err := os.ReadFile(kubeboot)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "kubeboot")
	if err := os.WriteFile(exe, old, 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(root, testReleaseCA(t).TrustedRootJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &selfUpdateEnv{t: t, g: g, exe: exe, old: old, root: root}
}

// releaseAssets returns a correct release of exe for this machine.
func releaseAssets(t *testing.T, exe []byte) map[string][]byte {
	assets := map[string][]byte{
		releasetest.ArchiveName(runtime.GOOS, runtime.GOARCH): releasetest.Archive(t, runtime.GOOS, exe),
	}
	assets["checksums.txt"] = releasetest.Checksums(assets)
	releasetest.Sign(t, testReleaseCA(t), "v1.1.0", assets)
	return assets
}

func (e *selfUpdateEnv) run(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(e.exe, args...)
	cmd.Env = []string{
		"HOME=" + e.t.TempDir(), "PATH=/nonexistent",
		"KUBEBOOT_GITHUB_API_URL=" + e.g.APIURL(), "GITHUB_TOKEN=" + ghToken,
	}
	if e.root != "" {
		cmd.Env = append(cmd.Env, "KUBEBOOT_SIGSTORE_TRUSTED_ROOT="+e.root)
	}
	cmd.Env = append(cmd.Env, e.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	r := result{code, stdout.String(), stderr.String()}
	if strings.Contains(r.stdout+r.stderr, ghToken) || strings.Contains(r.stdout+r.stderr, ghToken[8:]) {
		e.t.Fatalf("kubeboot %s printed the token:\n%s%s", strings.Join(args, " "), r.stdout, r.stderr)
	}
	return r
}

func TestSelfUpdate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("replacing the running test binary's copy is covered by the library on Windows")
	}
	e := newSelfUpdateEnv(t, releaseAssets(t, newKubeboot(t)))

	r := e.run("self-update", "--check")
	if r.code != 0 || !strings.Contains(r.stdout, "0.0.0-test is installed; v1.1.0 is available") {
		t.Fatalf("--check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(e.exe); !bytes.Equal(got, e.old) {
		t.Fatal("--check changed the executable")
	}

	r = e.run("self-update", "--verbose")
	if r.code != 0 || !strings.Contains(r.stdout, "updated kubeboot 0.0.0-test to 1.1.0 at "+e.exe) {
		t.Fatalf("self-update: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = e.run("version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "kubeboot 1.1.0 ") {
		t.Fatalf("the new binary says: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = e.run("self-update")
	if r.code != 0 || !strings.Contains(r.stdout, "1.1.0 is already installed") {
		t.Fatalf("second self-update: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	apiCalls := 0
	for _, req := range e.g.Requests() {
		if strings.HasPrefix(req.Path, "/repos/") {
			apiCalls++
			if req.Authorization != "Bearer "+ghToken {
				t.Errorf("%s: Authorization %q, want the token from GITHUB_TOKEN", req.Path, req.Authorization)
			}
		} else if req.Authorization != "" {
			t.Errorf("download %s carried the token", req.Path)
		}
	}
	if apiCalls != 3 {
		t.Errorf("%d API calls, want 3", apiCalls)
	}
}

func TestSelfUpdateChecksumMismatchKeepsOldBinary(t *testing.T) {
	assets := releaseAssets(t, newKubeboot(t))
	arc := assets[releasetest.ArchiveName(runtime.GOOS, runtime.GOARCH)]
	arc[len(arc)-100] ^= 0x55
	e := newSelfUpdateEnv(t, assets)
	r := e.run("self-update")
	if r.code != exitVerification || !strings.Contains(r.stderr, "checksum mismatch") {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitVerification, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(e.exe); !bytes.Equal(got, e.old) {
		t.Fatal("the executable changed after a checksum mismatch")
	}
	if entries := testutil.Names(filepath.Dir(e.exe), bootstrap.InstallLockName); len(entries) != 1 {
		t.Errorf("%d files beside the executable, want none left behind", len(entries)-1)
	}
}

// A release whose checksums.txt is not signed by the release workflow is
// refused with exit 3, and the executable stays as it was.
func TestSelfUpdateRefusesUnsignedRelease(t *testing.T) {
	for name, strip := range map[string]func(map[string][]byte){
		"no bundle":        func(a map[string][]byte) { delete(a, "checksums.txt.sigstore.json") },
		"another identity": func(a map[string][]byte) { releasetest.Sign(t, testReleaseCA(t), "v6.6.6", a) },
	} {
		t.Run(name, func(t *testing.T) {
			assets := releaseAssets(t, newKubeboot(t))
			strip(assets)
			e := newSelfUpdateEnv(t, assets)
			r := e.run("self-update")
			if r.code != exitVerification || !strings.Contains(r.stderr, "signature") && !strings.Contains(r.stderr, "sigstore.json") {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, exitVerification, r.stdout, r.stderr)
			}
			if got, _ := os.ReadFile(e.exe); !bytes.Equal(got, e.old) {
				t.Fatal("the executable changed")
			}
		})
	}
}

func TestSelfUpdateNoAssetForPlatform(t *testing.T) {
	other := map[string][]byte{"kubeboot_plan9_mips.tar.gz": []byte("x")}
	other["checksums.txt"] = releasetest.Checksums(other)
	e := newSelfUpdateEnv(t, other)
	r := e.run("self-update")
	want := releasetest.ArchiveName(runtime.GOOS, runtime.GOARCH)
	if r.code != exitFailure || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "no build for your platform") {
		t.Fatalf("exit %d, want %d naming %s with a hint\n%s", r.code, exitFailure, want, r.stderr)
	}
	if got, _ := os.ReadFile(e.exe); !bytes.Equal(got, e.old) {
		t.Fatal("the executable changed")
	}
}

func TestSelfUpdateVersionFlag(t *testing.T) {
	e := newSelfUpdateEnv(t, map[string][]byte{})
	if r := e.run("self-update", "--version", "latest-ish"); r.code != exitUsage {
		t.Errorf("--version latest-ish: exit %d, want %d", r.code, exitUsage)
	}
	r := e.run("self-update", "--version", "v9.9.9")
	if r.code != exitFailure || !strings.Contains(r.stderr, "has no release v9.9.9") {
		t.Errorf("--version v9.9.9: exit %d %s", r.code, r.stderr)
	}
}

// self-update --version v1.2.0 when the API answers with the genuinely
// signed v1.1.0: exit 3, nothing replaced.
func TestSelfUpdateVersionRefusesAnotherTag(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("replacing the running test binary's copy is covered by the library on Windows")
	}
	e := newSelfUpdateEnv(t, releaseAssets(t, newKubeboot(t)))
	e.g.Alias("v1.2.0", "v1.1.0")
	r := e.run("self-update", "--version", "v1.2.0")
	if r.code != exitVerification || !strings.Contains(r.stderr, "release v1.2.0, the API answered release v1.1.0") {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitVerification, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(e.exe); !bytes.Equal(got, e.old) {
		t.Fatal("the executable changed")
	}
}

// Without --trusted-root, self-update checks the release under the trust
// root kept current through Sigstore's TUF repository, by install's
// refresh: it asks KUBEBOOT_SIGSTORE_TUF_URL, and when that fails says so
// and falls back to the embedded root (under which the test CA's release
// is refused, nothing replaced).
func TestSelfUpdateRefreshesTrustRoot(t *testing.T) {
	e := newSelfUpdateEnv(t, releaseAssets(t, []byte("not run")))
	var mu sync.Mutex
	var asked []string
	tuf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer tuf.Close()
	e.root = ""
	e.env = []string{"KUBEBOOT_SIGSTORE_TUF_URL=" + tuf.URL}
	r := e.run("self-update", "--verbose")
	mu.Lock()
	defer mu.Unlock()
	if r.code != 3 || !slices.Contains(asked, "/16.root.json") || !strings.Contains(r.stderr, "trust root was not refreshed from "+tuf.URL) {
		t.Fatalf("exit %d, TUF asked for %v; stderr:\n%s", r.code, asked, r.stderr)
	}
	if got, _ := os.ReadFile(e.exe); !bytes.Equal(got, e.old) {
		t.Fatal("the executable was replaced")
	}
}
