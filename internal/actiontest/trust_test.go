package actiontest

import (
	"bytes"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/releasetest"
)

// outputs parses $GITHUB_OUTPUT.
func outputs(j job) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(j.output, "\n"), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// wantRunnable checks what a green job reported: the folder it put on
// PATH holds the kubectl of kubectl-path, that file hashes to the sha256
// output (the mirror's published digest for version) and runs as that
// kubectl, and nothing else is in the folder.
func wantRunnable(t *testing.T, m *mirror.Mirror, j job, version string) {
	t.Helper()
	if j.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", j.code, j.stdout, j.stderr)
	}
	out := outputs(j)
	p := out["kubectl-path"]
	if out["version"] != version {
		t.Errorf("version output %q, want %s", out["version"], version)
	}
	if j.path != filepath.Dir(p)+"\n" {
		t.Errorf("GITHUB_PATH %q does not hold kubectl-path %s", j.path, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("kubectl-path %s: %v", p, err)
	}
	published := string(fileAt(t, m, mirror.KubectlPath(version, runtime.GOOS, runtime.GOARCH)+".sha256"))
	if got := sha256hex(b); got != out["sha256"] || got != published {
		t.Errorf("the file on PATH hashes to %s; sha256 output %s, published %s", got, out["sha256"], published)
	}
	if said, err := exec.Command(p).Output(); err != nil || string(said) != "kubectl "+version+"\n" {
		t.Errorf("the kubectl on PATH says %q, %v", said, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	for _, e := range entries {
		if e.Name() != "kubectl" && e.Name() != ".kubeboot-install.lock" {
			t.Errorf("the folder on PATH also holds %s", e.Name())
		}
	}
}

// plant writes an executable that records being run into the tool-cache
// folder of version, with the completion marker and a neighbour, as
// whatever wrote the tool cache of a self-hosted runner could.
func plant(t *testing.T, r *runner, version, ran string) {
	t.Helper()
	dir := filepath.Join(r.toolCache, "kubectl", strings.TrimPrefix(version, "v"), strings.ToLower(runnerArch()))
	os.MkdirAll(dir, 0o755)
	script := "#!/bin/sh\necho planted >>'" + ran + "'\necho kubectl " + version + "\n"
	for _, name := range []string{"kubectl", "git"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(dir+".complete", nil, 0o644)
}

// TestActionNeverPutsAPlantedKubectlOnPath: a kubectl already in the tool
// cache under the version a spec resolves to goes on PATH only when it is
// byte for byte the verified file; otherwise it is replaced, with its
// folder, and the outputs describe the file on PATH. Before, a constraint
// job deleted the kubectl it had verified and put the planted one on PATH.
func TestActionNeverPutsAPlantedKubectlOnPath(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	for _, spec := range []string{">=1.36, <1.37", "1.36", "v1.36.4"} {
		t.Run(spec, func(t *testing.T) {
			r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
			ran := filepath.Join(t.TempDir(), "ran")
			plant(t, r, "v1.36.4", ran)
			j := r.job("INPUT_VERSION="+spec, "INPUT_MIRROR="+m.URL())
			wantRunnable(t, m, j, "v1.36.4")
			if !strings.Contains(j.stdout, "::warning title=kubeboot::") {
				t.Errorf("the replaced tool-cache folder is not reported:\n%s", j.stdout)
			}
			// Planted again after a good job: the next job (which offers
			// kubeboot the tool cache's file) replaces it again.
			plant(t, r, "v1.36.4", ran)
			wantRunnable(t, m, r.job("INPUT_VERSION="+spec, "INPUT_MIRROR="+m.URL()), "v1.36.4")
			if b, err := os.ReadFile(ran); err == nil {
				t.Errorf("the planted kubectl ran: %q", b)
			}
		})
	}
}

// TestActionMarkerAheadOfTheCDNFallsBack: a release line's marker names a
// patch the mirror does not serve yet; the action lets kubeboot resolve,
// which falls back to the newest published patch as `kubeboot install`
// does, and a later job of the same spec downloads nothing.
func TestActionMarkerAheadOfTheCDNFallsBack(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	m.SetMarker("stable-1.36", "v1.36.5")
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	j := r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL())
	wantRunnable(t, m, j, "v1.36.4")
	if !strings.Contains(j.stderr, "v1.36.5 is not on the mirror yet") {
		t.Errorf("the fallback is not reported:\n%s", j.stderr)
	}
	before := binaryRequests(m)
	wantRunnable(t, m, r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL()), "v1.36.4")
	if n := binaryRequests(m) - before; n != 0 {
		t.Errorf("the second job made %d binary requests", n)
	}
	if names := versionFolders(t, r); strings.Join(names, " ") != "1.36.4" {
		t.Errorf("tool cache holds %v", names)
	}
}

// TestActionFailedJobLeavesNothing: a failed exact-version job leaves no
// folder in the tool cache, and a folder an earlier job left empty does
// not make a later job report a kubectl that is not there (before, its
// files went to x64/x64/kubectl and the job reported x64/kubectl).
func TestActionFailedJobLeavesNothing(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	j := r.job("INPUT_VERSION=v1.36.9", "INPUT_MIRROR="+m.URL())
	if j.code == 0 || j.path != "" || j.output != "" {
		t.Fatalf("an unpublished version: exit %d, PATH %q, outputs %q", j.code, j.path, j.output)
	}
	if names := versionFolders(t, r); len(names) != 0 {
		t.Errorf("a failed job left %v in the tool cache", names)
	}
	arch := strings.ToLower(runnerArch())
	os.MkdirAll(filepath.Join(r.toolCache, "kubectl", "1.36.4", arch), 0o755)
	wantRunnable(t, m, r.job("INPUT_VERSION=>=1.36, <1.37", "INPUT_MIRROR="+m.URL()), "v1.36.4")
	if _, err := os.Stat(filepath.Join(r.toolCache, "kubectl", "1.36.4", arch, arch)); err == nil {
		t.Errorf("the tool cache has %s/%s", arch, arch)
	}
}

// tamperKubeboot replaces every file the action keeps of kubeboot in the
// tool cache (and a binary where an earlier action kept one) by a kubeboot
// that records being run.
func tamperKubeboot(t *testing.T, r *runner, version, ran string) {
	t.Helper()
	evil := []byte("#!/bin/sh\necho ran >>'" + ran + "'\nexit 1\n")
	dir := filepath.Join(r.toolCache, "kubeboot", strings.TrimPrefix(version, "v"), strings.ToLower(runnerArch()))
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "kubeboot"), evil, 0o755)
	os.WriteFile(dir+".complete", nil, 0o644)
	filepath.WalkDir(filepath.Join(r.toolCache, "kubeboot"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".tar.gz") {
			os.WriteFile(p, releasetest.Archive(t, runtime.GOOS, evil), 0o644)
		}
		return nil
	})
}

// TestActionReverifiesKeptKubeboot: what the action keeps of an exact
// kubeboot-version in the tool cache is checked against the release's
// checksums.txt before anything of it runs; a tampered copy is replaced
// by a verified download and never run.
func TestActionReverifiesKeptKubeboot(t *testing.T) {
	skipUnlessUnix(t)
	exe, err := os.ReadFile(kubebootBin(t))
	if err != nil {
		t.Fatal(err)
	}
	g := releasetest.NewGitHub(t)
	assets := releasetest.Release(t, runtime.GOOS, runtime.GOARCH, exe)
	g.AddRelease("v9.9.9", assets, true)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "PATH="+releasetest.PathWithout(t, "cosign"), "KUBEBOOT_RELEASE_URL="+g.URL+"/kubeboot/kubeboot/releases/download/v9.9.9")...)
	ran := filepath.Join(t.TempDir(), "ran")
	for i := range 2 {
		if i == 1 {
			tamperKubeboot(t, r, "v9.9.9", ran)
		}
		wantRunnable(t, m, r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL(), "INPUT_KUBEBOOT_VERSION=v9.9.9"), "v1.36.4")
	}
	if b, err := os.ReadFile(ran); err == nil {
		t.Errorf("a tampered kubeboot from the tool cache ran: %q", b)
	}
	name := releasetest.ArchiveName(runtime.GOOS, runtime.GOARCH)
	kept, _ := os.ReadFile(filepath.Join(r.toolCache, "kubeboot", "9.9.9", strings.ToLower(runnerArch()), name))
	if !bytes.Equal(kept, assets[name]) {
		t.Error("the tampered archive was not replaced by the verified one")
	}
}

// TestActionRefusesKubebootVersionThatIsNoVersion: kubeboot-version names
// a folder of the tool cache, so anything but a version is refused before
// anything is written or fetched.
func TestActionRefusesKubebootVersionThatIsNoVersion(t *testing.T) {
	skipUnlessUnix(t)
	g := releasetest.NewGitHub(t)
	for _, kv := range []string{"v1.2.3/../../x", "v1.2.3/x", "1.2", "v1.2.3 ", "main", "v1.2.3-rc..1"} {
		t.Run(kv, func(t *testing.T) {
			r := newRunner(t, "PATH="+releasetest.PathWithout(t, "cosign"), "KUBEBOOT_RELEASE_URL="+g.URL+"/kubeboot/kubeboot/releases/download/v1.2.3")
			before := len(g.Requests())
			j := r.job("INPUT_VERSION=1.36", "INPUT_KUBEBOOT_VERSION="+kv)
			if j.code == 0 || !strings.Contains(j.stdout, "::error title=kubeboot::kubeboot-version must be a kubeboot release such as v1.2.3") {
				t.Errorf("exit %d\nstdout %s\nstderr %s", j.code, j.stdout, j.stderr)
			}
			if n := len(g.Requests()) - before; n != 0 {
				t.Errorf("%d requests before the refusal", n)
			}
			if _, err := os.Stat(r.toolCache); err == nil {
				var made []string
				filepath.WalkDir(filepath.Dir(r.toolCache), func(p string, d fs.DirEntry, err error) error {
					made = append(made, p)
					return nil
				})
				t.Errorf("the refused job wrote %v", made)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(r.toolCache), "x")); err == nil {
				t.Error("the refused job wrote outside the tool cache")
			}
		})
	}
}

// TestActionMasksTokens: a token passed as the user name of the mirror or
// the release URL is masked for the runner before any other output and
// appears nowhere else, on success and on failure.
func TestActionMasksTokens(t *testing.T) {
	skipUnlessUnix(t)
	exe, err := os.ReadFile(kubebootBin(t))
	if err != nil {
		t.Fatal(err)
	}
	g := releasetest.NewGitHub(t)
	g.AddRelease("v9.9.9", releasetest.Release(t, runtime.GOOS, runtime.GOARCH, exe), true)
	m, env := signingMirror(t)
	const mirrorToken, releaseToken = "m1rror-t0ken", "rel3ase-t0ken"
	withToken := strings.Replace(m.URL(), "https://", "https://"+mirrorToken+"@", 1)
	for _, tc := range []struct {
		tag string
		ok  bool
	}{{"v9.9.9", true}, {"v9.9.8", false}} {
		release := strings.Replace(g.URL, "http://", "http://"+releaseToken+"@", 1) + "/kubeboot/kubeboot/releases/download/" + tc.tag
		r := newRunner(t, append(env, "PATH="+releasetest.PathWithout(t, "cosign"), "KUBEBOOT_RELEASE_URL="+release)...)
		j := r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+withToken, "INPUT_KUBEBOOT_VERSION="+tc.tag)
		if (j.code == 0) != tc.ok {
			t.Fatalf("%s: exit %d\n%s\n%s", tc.tag, j.code, j.stdout, j.stderr)
		}
		masks, rest := leadingMasks(j.stdout)
		for _, secret := range []string{mirrorToken, releaseToken} {
			if !strings.Contains(strings.Join(masks, "\n"), secret) {
				t.Errorf("%s: %s is not masked first: %q", tc.tag, secret, j.stdout)
			}
			for what, s := range map[string]string{"stdout": rest, "stderr": j.stderr, "outputs": j.output} {
				if strings.Contains(s, secret) {
					t.Errorf("%s: %s is in %s: %s", tc.tag, secret, what, s)
				}
			}
		}
	}
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().String()
}

// TestActionBoundedAndAnnotated: a release server that accepts and never
// answers fails the job within its bound, and a failure of any step
// (here: fetching kubeboot) reaches the job log as an error annotation
// naming the host.
func TestActionBoundedAndAnnotated(t *testing.T) {
	skipUnlessUnix(t)
	g := releasetest.NewGitHub(t)
	for name, base := range map[string]string{
		"silent":    "http://" + silentServer(t),
		"not found": g.URL,
	} {
		t.Run(name, func(t *testing.T) {
			r := newRunner(t, "PATH="+releasetest.PathWithout(t, "cosign"), "KUBEBOOT_INSTALL_TIMEOUT=1",
				"KUBEBOOT_RELEASE_URL="+base+"/kubeboot/kubeboot/releases/download/v9.9.9")
			r.timeout = 60 * time.Second
			start := time.Now()
			j := r.job("INPUT_VERSION=1.36", "INPUT_KUBEBOOT_VERSION=v9.9.9")
			if took := time.Since(start); j.code <= 0 || took > 30*time.Second {
				t.Fatalf("exit %d after %v\n%s", j.code, took.Round(time.Second), j.stderr)
			}
			host := strings.TrimPrefix(base, "http://")
			var annotation string
			for _, line := range strings.Split(j.stdout, "\n") {
				if strings.HasPrefix(line, "::error title=kubeboot::") {
					annotation = line
				}
			}
			if !strings.Contains(annotation, "could not install a verified kubeboot v9.9.9") || !strings.Contains(annotation, host) {
				t.Errorf("no error annotation naming %s in the job log:\nstdout %s\nstderr %s", host, j.stdout, j.stderr)
			}
		})
	}
}

// TestActionConcurrentJobs: jobs of one runner's tool cache running at
// once, a fresh version, a constraint and an exact version of it, all end
// green with a kubectl on PATH that is the verified file.
func TestActionConcurrentJobs(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	ran := filepath.Join(t.TempDir(), "ran")
	plant(t, r, "v1.36.4", ran)
	specs := []string{"1.36", ">=1.36, <1.37", "v1.36.4", "1.36", "v1.36.4", ">=1.36, <1.37"}
	jobs := make([]job, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobs[i] = r.job("INPUT_VERSION="+spec, "INPUT_MIRROR="+m.URL())
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		t.Run(specs[i], func(t *testing.T) { wantRunnable(t, m, j, "v1.36.4") })
	}
	if b, err := os.ReadFile(ran); err == nil {
		t.Errorf("the planted kubectl ran: %q", b)
	}
}

// TestActionUnwritableToolCacheIsAnnotated: a tool cache that cannot be
// written fails the job with an error annotation naming it, not a bare
// shell message.
func TestActionUnwritableToolCacheIsAnnotated(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	os.WriteFile(r.toolCache, []byte("a file, not a folder"), 0o644)
	j := r.job("INPUT_VERSION=1.36", "INPUT_MIRROR="+m.URL())
	if j.code == 0 || j.path != "" || !strings.Contains(j.stdout, "::error title=kubeboot::cannot create "+r.toolCache) {
		t.Errorf("exit %d, PATH %q\nstdout %s\nstderr %s", j.code, j.path, j.stdout, j.stderr)
	}
}

// TestActionPlainHTTPOnlyToLoopbackHost: plain http is judged by the
// mirror URL's parsed host (http://127.0.0.1:x@other-host/ is other-host),
// and the refusal shows no password.
func TestActionPlainHTTPOnlyToLoopbackHost(t *testing.T) {
	skipUnlessUnix(t)
	r := newRunner(t, "KUBEBOOT_BIN="+kubebootBin(t))
	j := r.job("INPUT_VERSION=stable", "INPUT_MIRROR=http://127.0.0.1:pa55-w0rd@other-host.invalid/k8s")
	if j.code == 0 || !strings.Contains(j.stdout, "::error title=kubeboot::") || !strings.Contains(j.stdout, "non-loopback host") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", j.code, j.stdout, j.stderr)
	}
	_, rest := leadingMasks(j.stdout)
	if strings.Contains(rest+j.stderr, "pa55-w0rd") {
		t.Errorf("the password is shown:\n%s%s", rest, j.stderr)
	}
}
