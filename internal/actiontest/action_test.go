// Package actiontest runs the GitHub Action's script (scripts/action.sh)
// under a simulated runner against loopback servers, and checks the shape
// of action.yml.
package actiontest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/releasetest"
)

var (
	buildOnce sync.Once
	kubeboot  string
	buildDir  string
)

// kubebootBin builds the installer once for all tests.
func kubebootBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		d, err := os.MkdirTemp("", "actiontest-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
		kubeboot = releasetest.BuildKubeboot(t, d, "9.9.9-test")
	})
	if kubeboot == "" {
		t.Fatal("building kubeboot failed in an earlier test")
	}
	return kubeboot
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func skipUnlessUnix(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("runs scripts/action.sh with this machine's bash (Windows runners use Git for Windows' bash)")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
}

// runner is a simulated GitHub Actions runner: a tool cache shared by its
// jobs, and a fresh temp folder, output and path file for each job.
type runner struct {
	t         *testing.T
	toolCache string
	env       []string
	// timeout bounds each job (default 3 minutes): a job that hangs is
	// killed and reported with exit code -1.
	timeout time.Duration
	// prefix, when set, runs the job's bash through it (prefix... bash
	// action.sh), such as unshare with a mount of its own.
	prefix []string
}

func newRunner(t *testing.T, env ...string) *runner {
	base := t.TempDir()
	r := &runner{t: t, toolCache: filepath.Join(base, "tool cache [ü]")}
	arch := runnerArch()
	osName := map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS]
	r.env = append([]string{
		"RUNNER_OS=" + osName, "RUNNER_ARCH=" + arch, "RUNNER_TOOL_CACHE=" + r.toolCache,
		"HOME=" + base, "PATH=" + os.Getenv("PATH"),
	}, env...)
	return r
}

// runnerArch is RUNNER_ARCH for this machine.
func runnerArch() string { return map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH] }

// job is what one run of the action left.
type job struct {
	code           int
	stdout, stderr string
	output, path   string // the contents of $GITHUB_OUTPUT and $GITHUB_PATH
}

func (r *runner) job(inputs ...string) job {
	t := r.t
	t.Helper()
	tmp := t.TempDir()
	out, path := filepath.Join(tmp, "output"), filepath.Join(tmp, "path")
	os.WriteFile(out, nil, 0o644)
	os.WriteFile(path, nil, 0o644)
	script, err := filepath.Abs("../../scripts/action.sh")
	if err != nil {
		t.Fatal(err)
	}
	timeout := r.timeout
	if timeout == 0 {
		timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(slices.Clip(r.prefix), "bash", script)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = time.Second
	cmd.Env = append(append([]string{"RUNNER_TEMP=" + filepath.Join(tmp, "runner temp"), "GITHUB_OUTPUT=" + out, "GITHUB_PATH=" + path}, r.env...), inputs...)
	os.MkdirAll(filepath.Join(tmp, "runner temp"), 0o755)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	o, _ := os.ReadFile(out)
	p, _ := os.ReadFile(path)
	return job{code, stdout.String(), stderr.String(), string(o), string(p)}
}

// signingMirror is a signing fault mirror with kubectl v1.36.4 and v1.37.2
// for this machine, stable naming v1.37.2, and the environment that makes
// kubeboot and curl trust it.
func signingMirror(t *testing.T) (*mirror.Mirror, []string) {
	m := mirror.Start(mirror.Options{Sign: true})
	t.Cleanup(m.Close)
	for _, v := range []string{"v1.36.4", "v1.37.2"} {
		m.AddKubectl(v, runtime.GOOS, runtime.GOARCH, []byte("#!/bin/sh\necho kubectl "+v+"\n"))
	}
	m.SetMarker("stable", "v1.37.2")
	m.SetMarker("stable-1.36", "v1.36.4")
	dir := t.TempDir()
	root, ca := filepath.Join(dir, "trusted_root.json"), filepath.Join(dir, "mirror.pem")
	os.WriteFile(root, m.TrustedRootJSON(), 0o644)
	os.WriteFile(ca, m.CertPEM(), 0o644)
	return m, []string{"KUBEBOOT_SIGSTORE_TRUSTED_ROOT=" + root, "SSL_CERT_FILE=" + ca, "CURL_CA_BUNDLE=" + ca}
}

func binaryRequests(m *mirror.Mirror) int {
	n := 0
	for _, r := range m.Requests() {
		if strings.HasSuffix(r.Path, "/kubectl") {
			n++
		}
	}
	return n
}

func TestActionInstallsThenReusesToolCache(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	arch := strings.ToLower(runnerArch())
	for _, tc := range []struct{ spec, version string }{{"stable", "v1.37.2"}, {"1.36", "v1.36.4"}, {"v1.37.2", "v1.37.2"}} {
		folder := filepath.Join(r.toolCache, "kubectl", strings.TrimPrefix(tc.version, "v"), arch)
		kubectl := filepath.Join(folder, "kubectl")
		digest := string(fileAt(t, m, mirror.KubectlPath(tc.version, runtime.GOOS, runtime.GOARCH)+".sha256"))
		wantOutput := "kubectl-path=" + kubectl + "\nversion=" + tc.version + "\nsha256=" + digest + "\n"

		before := binaryRequests(m)
		first := r.job("INPUT_VERSION="+tc.spec, "INPUT_MIRROR="+m.URL(), "INPUT_VERIFY_SIGNATURE=require")
		if first.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", tc.spec, first.code, first.stdout, first.stderr)
		}
		if first.output != wantOutput || first.path != folder+"\n" {
			t.Errorf("%s: GITHUB_OUTPUT\n%q\nwant\n%q\nGITHUB_PATH %q, want %q", tc.spec, first.output, wantOutput, first.path, folder+"\n")
		}
		if _, err := os.Stat(folder + ".complete"); err != nil {
			t.Errorf("%s: no tool-cache completion marker: %v", tc.spec, err)
		}
		if out, err := exec.Command(kubectl).Output(); err != nil || string(out) != "kubectl "+tc.version+"\n" {
			t.Errorf("%s: the installed kubectl says %q, %v", tc.spec, out, err)
		}
		downloads := binaryRequests(m) - before
		if tc.spec != "v1.37.2" && downloads != 1 {
			t.Errorf("%s: first job made %d binary requests", tc.spec, downloads)
		}

		// A second job of the same version: from the tool cache, nothing downloaded.
		before = binaryRequests(m)
		second := r.job("INPUT_VERSION="+tc.spec, "INPUT_MIRROR="+m.URL())
		if second.code != 0 {
			t.Fatalf("%s again: exit %d\n%s", tc.spec, second.code, second.stderr)
		}
		if n := binaryRequests(m) - before; n != 0 {
			t.Errorf("%s again: %d binary requests, want 0", tc.spec, n)
		}
		if second.output != wantOutput || second.path != folder+"\n" {
			t.Errorf("%s again: outputs %q, path %q", tc.spec, second.output, second.path)
		}
		if !strings.Contains(second.stderr, "already in the tool cache") {
			t.Errorf("%s again: kubeboot did not report changed=false: %s", tc.spec, second.stderr)
		}
	}
	if names := versionFolders(t, r); strings.Join(names, " ") != "1.36.4 1.37.2" {
		t.Errorf("tool cache holds %v", names)
	}
}

// versionFolders lists $RUNNER_TOOL_CACHE/kubectl without the hidden
// entries @actions/tool-cache passes over (kubeboot's receipts); a staging
// folder left behind fails the test.
func versionFolders(t *testing.T, r *runner) []string {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(r.toolCache, "kubectl"))
	var names []string
	for _, e := range entries {
		switch {
		case strings.HasPrefix(e.Name(), ".staging"):
			t.Errorf("a staging folder is left in the tool cache: %s", e.Name())
		case !strings.HasPrefix(e.Name(), "."):
			names = append(names, e.Name())
		}
	}
	return names
}

func fileAt(t *testing.T, m *mirror.Mirror, path string) []byte {
	t.Helper()
	b, ok := m.File(path)
	if !ok {
		t.Fatalf("the mirror has no %s", path)
	}
	return b
}

func TestActionRefusesBadSignature(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	// The compromised mirror: another binary with a matching .sha256,
	// under the genuine signature.
	p := mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH)
	sig, cert := fileAt(t, m, p+".sig"), fileAt(t, m, p+".cert")
	m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, []byte("#!/bin/sh\necho owned\n"))
	m.Put(p+".sig", sig)
	m.Put(p+".cert", cert)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	j := r.job("INPUT_VERSION=stable", "INPUT_MIRROR="+m.URL())
	if j.code == 0 {
		t.Fatalf("the job succeeded with a swapped kubectl:\n%s", j.stderr)
	}
	if j.path != "" || j.output != "" {
		t.Errorf("a failed job wrote PATH %q, outputs %q", j.path, j.output)
	}
	if !strings.Contains(j.stdout, "::error title=kubeboot::") || !strings.Contains(j.stderr, "verification") {
		t.Errorf("no annotation naming the verification failure:\nstdout %s\nstderr %s", j.stdout, j.stderr)
	}
	if _, err := os.Stat(filepath.Join(r.toolCache, "kubectl", "1.37.2", strings.ToLower(runnerArch()), "kubectl")); err == nil {
		t.Error("the swapped kubectl is in the tool cache")
	}
	if n := binaryRequests(m); n != 0 {
		t.Errorf("%d binary requests: the signature check must come first", n)
	}
}

// TestActionDownloadsVerifiedKubeboot runs the action without KUBEBOOT_BIN:
// it installs the kubeboot release from the GitHub-shaped server through
// install.sh (archive verified against checksums.txt; with cosign, its
// bundle), keeps an exact release in the tool cache, and refuses a
// corrupted archive.
func TestActionDownloadsVerifiedKubeboot(t *testing.T) {
	skipUnlessUnix(t)
	exe, err := os.ReadFile(kubebootBin(t))
	if err != nil {
		t.Fatal(err)
	}
	g := releasetest.NewGitHub(t)
	assets := releasetest.Release(t, runtime.GOOS, runtime.GOARCH, exe)
	g.AddRelease("v9.9.9", assets, true)
	m, env := signingMirror(t)
	noCosign := releasetest.PathWithout(t, "cosign")
	r := newRunner(t, append(env, "PATH="+noCosign, "KUBEBOOT_RELEASE_URL="+g.URL+"/kubeboot/kubeboot/releases/download/v9.9.9")...)
	arch := strings.ToLower(runnerArch())

	j := r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL(), "INPUT_KUBEBOOT_VERSION=v9.9.9")
	if j.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", j.code, j.stdout, j.stderr)
	}
	if !strings.Contains(j.stderr, "only the sha256 in checksums.txt is checked") {
		t.Errorf("install.sh did not say what it checked: %s", j.stderr)
	}
	kept := filepath.Join(r.toolCache, "kubeboot", "9.9.9", arch, releasetest.ArchiveName(runtime.GOOS, runtime.GOARCH))
	if got, _ := os.ReadFile(kept); !bytes.Equal(got, assets[filepath.Base(kept)]) {
		t.Errorf("the verified archive is not kept in the tool cache at %s", kept)
	}
	if !strings.Contains(j.output, "version=v1.36.4\n") {
		t.Errorf("outputs %q", j.output)
	}
	// The next job re-verifies the kept archive against checksums.txt: one
	// small request to GitHub, no archive downloaded.
	before := len(g.Requests())
	if j := r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL(), "INPUT_KUBEBOOT_VERSION=v9.9.9"); j.code != 0 {
		t.Fatalf("again: exit %d\n%s", j.code, j.stderr)
	}
	var paths []string
	for _, req := range g.Requests()[before:] {
		paths = append(paths, path.Base(req.Path))
	}
	if strings.Join(paths, " ") != "checksums.txt" {
		t.Errorf("the second job asked GitHub for %v, want only checksums.txt", paths)
	}

	// A corrupted archive on a fresh runner: refused, nothing on PATH.
	bad := map[string][]byte{}
	for k, v := range assets {
		bad[k] = v
	}
	name := releasetest.ArchiveName(runtime.GOOS, runtime.GOARCH)
	bad[name] = append(append([]byte(nil), assets[name]...), 0)
	g.AddRelease("v9.9.8", bad, false)
	r2 := newRunner(t, append(env, "PATH="+noCosign, "KUBEBOOT_RELEASE_URL="+g.URL+"/kubeboot/kubeboot/releases/download/v9.9.8")...)
	j = r2.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL(), "INPUT_KUBEBOOT_VERSION=v9.9.8")
	if j.code == 0 || j.path != "" || j.output != "" {
		t.Errorf("corrupted kubeboot archive: exit %d, PATH %q, outputs %q\n%s", j.code, j.path, j.output, j.stderr)
	}
	if !strings.Contains(j.stderr, "checksum mismatch") {
		t.Errorf("no checksum message: %s", j.stderr)
	}
}

// TestActionWithCosignChecksTheBundle: when cosign is on PATH, install.sh
// verifies the release's Sigstore bundle (releasetest.Sign) before trusting
// checksums.txt, and a refusal fails the job.
func TestActionWithCosignChecksTheBundle(t *testing.T) {
	skipUnlessUnix(t)
	exe, err := os.ReadFile(kubebootBin(t))
	if err != nil {
		t.Fatal(err)
	}
	g := releasetest.NewGitHub(t)
	assets := releasetest.Release(t, runtime.GOOS, runtime.GOARCH, exe)
	releasetest.Sign(t, sigtestCA(t), "v9.9.9", assets)
	g.AddRelease("v9.9.9", assets, true)
	m, env := signingMirror(t)
	for _, tc := range []struct {
		code int
		ok   bool
	}{{0, true}, {1, false}} {
		dir := t.TempDir()
		args := filepath.Join(dir, "args")
		os.WriteFile(filepath.Join(dir, "cosign"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >'"+args+"'\nexit "+string(rune('0'+tc.code))+"\n"), 0o755)
		r := newRunner(t, append(env, "PATH="+dir+string(os.PathListSeparator)+releasetest.PathWithout(t, "cosign"), "KUBEBOOT_RELEASE_URL="+g.URL+"/kubeboot/kubeboot/releases/download/v9.9.9")...)
		j := r.job("INPUT_VERSION=stable", "INPUT_MIRROR="+m.URL(), "INPUT_KUBEBOOT_VERSION=v9.9.9")
		got, _ := os.ReadFile(args)
		if !strings.Contains(string(got), "--certificate-identity\nhttps://github.com/kubeboot/kubeboot/.github/workflows/release.yml@refs/tags/v9.9.9\n") {
			t.Errorf("cosign was not asked for the release workflow of v9.9.9: %q", got)
		}
		if (j.code == 0) != tc.ok || (j.path != "") != tc.ok {
			t.Errorf("cosign exit %d: job exit %d, PATH %q\n%s", tc.code, j.code, j.path, j.stderr)
		}
	}
}

// TestActionNeverShowsMirrorPassword: a password in the mirror input is
// masked for the runner and appears in no other output, on success and on
// a verification failure.
func TestActionNeverShowsMirrorPassword(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	withPassword := strings.Replace(m.URL(), "https://", "https://ci-user:pa55-w0rd@", 1)
	check := func(j job) {
		t.Helper()
		masks, rest := leadingMasks(j.stdout)
		if !slices.Contains(masks, "pa55-w0rd") {
			t.Errorf("the password is not masked first: %q", j.stdout)
		}
		for what, s := range map[string]string{"stdout": rest, "stderr": j.stderr, "outputs": j.output, "path": j.path} {
			if strings.Contains(s, "pa55-w0rd") {
				t.Errorf("the password is in %s: %s", what, s)
			}
		}
	}
	j := r.job("INPUT_VERSION=stable", "INPUT_MIRROR="+withPassword)
	if j.code != 0 {
		t.Fatalf("exit %d\n%s", j.code, j.stderr)
	}
	check(j)
	m.Put(mirror.KubectlPath("v1.36.4", runtime.GOOS, runtime.GOARCH), []byte("corrupt"))
	j = r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+withPassword)
	if j.code == 0 {
		t.Fatal("a corrupt kubectl was accepted")
	}
	check(j)
}

// leadingMasks returns the values of the ::add-mask:: commands stdout
// starts with, and the rest of stdout.
func leadingMasks(stdout string) (masks []string, rest string) {
	rest = stdout
	for {
		line, after, ok := strings.Cut(rest, "\n")
		v, isMask := strings.CutPrefix(line, "::add-mask::")
		if !ok || !isMask {
			return masks, rest
		}
		masks, rest = append(masks, v), after
	}
}

// A mirror whose stable.txt chooses an unsigned-era kubectl of its own
// gets nothing onto the job's PATH: a version a marker chose must be
// signed, whatever its number; named exactly, the job accepts it.
func TestActionRefusesMarkerChosenUnsignedVersion(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	m.SetSigner(nil)
	m.AddKubectl("v1.25.16", runtime.GOOS, runtime.GOARCH, []byte("#!/bin/sh\necho planted\n"))
	m.SetMarker("stable", "v1.25.16")
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	for _, version := range []string{"stable", ">=1.20"} {
		j := r.job("INPUT_VERSION="+version, "INPUT_MIRROR="+m.URL())
		if j.code == 0 || j.path != "" || j.output != "" {
			t.Fatalf("%s: the job put an unsigned marker-chosen kubectl on PATH (code %d, PATH %q, outputs %q):\n%s", version, j.code, j.path, j.output, j.stderr)
		}
		if !strings.Contains(j.stdout+j.stderr, "v1.25.16") {
			t.Errorf("%s: the failure does not name the version:\n%s\n%s", version, j.stdout, j.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(r.toolCache, "kubectl", "1.25.16")); err == nil {
		t.Error("the unsigned kubectl reached the tool cache")
	}
	if j := r.job("INPUT_VERSION=v1.25.16", "INPUT_MIRROR="+m.URL()); j.code != 0 || j.path == "" {
		t.Fatalf("named exactly: code %d:\n%s", j.code, j.stderr)
	}
}
