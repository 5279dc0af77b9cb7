package releasetest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run scripts/install.sh against a loopback release folder
// holding a freshly built kubeboot, as the GitHub release would.

var (
	buildOnce sync.Once
	built     []byte
)

func kubebootBinary(t *testing.T) []byte {
	buildOnce.Do(func() {
		b, err := os.ReadFile(BuildKubeboot(t, t.TempDir(), "9.9.9-test"))
		if err != nil {
			t.Fatal(err)
		}
		built = b
	})
	if built == nil {
		t.Fatal("building kubeboot failed in an earlier test")
	}
	return built
}

type scriptRun struct {
	code           int
	stdout, stderr string
	dir            string // the install folder
}

// runInstallSh serves files on loopback and runs install.sh with PATH and
// the extra environment variables env, in which "$SERVER" stands for the
// server's base URL (http://127.0.0.1:PORT) and "$HOSTPORT" for its
// 127.0.0.1:PORT.
func runInstallSh(t *testing.T, files map[string][]byte, path string, env ...string) scriptRun {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[strings.TrimPrefix(r.URL.Path, "/releases/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	home := t.TempDir()
	dir := filepath.Join(home, "bin")
	script, err := filepath.Abs("../../scripts/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	// A hanging script fails its test within a minute instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", script)
	cmd.WaitDelay = time.Second
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + path, "TMPDIR=" + t.TempDir(),
		"KUBEBOOT_RELEASE_URL=" + srv.URL + "/releases",
		"KUBEBOOT_INSTALL_DIR=" + dir,
		"KUBEBOOT_INSTALL_RUN=version",
	}
	for _, e := range env {
		e = strings.ReplaceAll(e, "$HOSTPORT", strings.TrimPrefix(srv.URL, "http://"))
		cmd.Env = append(cmd.Env, strings.ReplaceAll(e, "$SERVER", srv.URL))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return scriptRun{code, stdout.String(), stderr.String(), dir}
}

func skipUnlessUnix(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("install.sh is for Linux and macOS")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
}

var (
	archiveOnce sync.Once
	archive     []byte
)

// release returns a fresh copy of a correct release for this machine.
func release(t *testing.T) map[string][]byte {
	archiveOnce.Do(func() { archive = Archive(t, runtime.GOOS, kubebootBinary(t)) })
	files := map[string][]byte{ArchiveName(runtime.GOOS, runtime.GOARCH): archive}
	files["checksums.txt"] = Checksums(files)
	return files
}

func TestInstallShInstallsAndRuns(t *testing.T) {
	skipUnlessUnix(t)
	r := runInstallSh(t, release(t), pathWithoutCosign(t))
	if r.code != 0 || !strings.HasPrefix(r.stdout, "kubeboot 9.9.9-test ") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	fi, err := os.Stat(filepath.Join(r.dir, "kubeboot"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("installed binary: %v, %v", fi, err)
	}
	if !strings.Contains(r.stderr, "verified") || !strings.Contains(r.stderr, "not on your PATH") {
		t.Errorf("stderr does not report the verification and PATH: %s", r.stderr)
	}
	// Without cosign, one line says the signature was not checked.
	if n := strings.Count(r.stderr, "cosign is not installed, so only the sha256 in checksums.txt is checked, not its signature\n"); n != 1 {
		t.Errorf("stderr says %d times that only the checksum was checked, want once:\n%s", n, r.stderr)
	}
	if entries, _ := os.ReadDir(r.dir); len(entries) != 1 {
		t.Errorf("install folder holds %d entries, want only kubeboot", len(entries))
	}
}

// Every refusal installs nothing at all.
func TestInstallShFailsClosed(t *testing.T) {
	skipUnlessUnix(t)
	name := ArchiveName(runtime.GOOS, runtime.GOARCH)
	cases := map[string]struct {
		change func(files map[string][]byte)
		path   func(t *testing.T) string
		want   string
	}{
		"corrupted archive": {
			change: func(f map[string][]byte) {
				arc := bytes.Clone(f[name])
				arc[len(arc)/2] ^= 0xff
				f[name] = arc
			},
			want: "checksum mismatch for " + name,
		},
		"missing checksum line": {
			change: func(f map[string][]byte) {
				f["checksums.txt"] = Checksums(map[string][]byte{"kubeboot_plan9_mips.tar.gz": {1}})
			},
			want: "checksums.txt has no sha256 line for " + name,
		},
		"malformed checksum line": {
			change: func(f map[string][]byte) { f["checksums.txt"] = []byte("abc123  " + name + "\n") },
			want:   "malformed sha256",
		},
		"no checksums.txt": {
			change: func(f map[string][]byte) { delete(f, "checksums.txt") },
			want:   "cannot download",
		},
		"no sha256 tool": {
			path: pathWithout("sha256sum", "shasum", "cosign"),
			want: "needs sha256sum or shasum",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			files := release(t)
			if tc.change != nil {
				tc.change(files)
			}
			path := pathWithoutCosign(t)
			if tc.path != nil {
				path = tc.path(t)
			}
			r := runInstallSh(t, files, path)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want a failure saying %q\nstderr: %s", r.code, tc.want, r.stderr)
			}
			if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
				entries, _ := os.ReadDir(r.dir)
				t.Fatalf("install folder exists with %d entries after a refusal", len(entries))
			}
		})
	}
}

// pathWithout is PathWithout for a later test.
func pathWithout(names ...string) func(t *testing.T) string {
	return func(t *testing.T) string { return PathWithout(t, names...) }
}

// pathWithoutCosign is PATH without any cosign the machine may have.
func pathWithoutCosign(t *testing.T) string {
	if _, err := exec.LookPath("cosign"); err != nil {
		return os.Getenv("PATH")
	}
	return pathWithout("cosign")(t)
}

// fakeCosign puts a cosign first on PATH that records its arguments (one a
// line) and a copy of the bundle it was given, prints msg to stderr and
// exits with code.
func fakeCosign(t *testing.T, code int, msg string) (path, argsFile, bundleFile string) {
	dir := t.TempDir()
	argsFile, bundleFile = filepath.Join(dir, "args"), filepath.Join(dir, "bundle")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >'" + argsFile + "'\n" +
		"while [ $# -gt 0 ]; do if [ \"$1\" = --bundle ]; then cp \"$2\" '" + bundleFile + "'; fi; shift; done\n" +
		"echo '" + msg + "' >&2\nexit " + strconv.Itoa(code) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "cosign"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir + string(os.PathListSeparator) + pathWithoutCosign(t), argsFile, bundleFile
}

// signedRelease is release(t) with a checksums.txt.sigstore.json (its
// content is opaque to install.sh: cosign judges it).
func signedRelease(t *testing.T) map[string][]byte {
	files := release(t)
	files["checksums.txt.sigstore.json"] = []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	return files
}

func TestInstallShVerifiesSignatureWithCosign(t *testing.T) {
	skipUnlessUnix(t)
	const workflow = "https://github.com/kubeboot/kubeboot/.github/workflows/release.yml"
	for name, tc := range map[string]struct {
		env      []string
		identity []string
	}{
		"pinned version: exact identity": {[]string{"KUBEBOOT_VERSION=v9.9.9"},
			[]string{"--certificate-identity", workflow + "@refs/tags/v9.9.9"}},
		"latest: the workflow on any v* tag": {nil,
			[]string{"--certificate-identity-regexp", `^https://github\.com/kubeboot/kubeboot/\.github/workflows/release\.yml@refs/tags/v[0-9][0-9A-Za-z.+-]*$`}},
	} {
		t.Run(name, func(t *testing.T) {
			files := signedRelease(t)
			path, argsFile, bundleFile := fakeCosign(t, 0, "Verified OK")
			r := runInstallSh(t, files, path, tc.env...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "kubeboot 9.9.9-test ") {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "signature of checksums.txt verified with cosign") || strings.Contains(r.stderr, "not installed") {
				t.Errorf("stderr does not report the signature check: %s", r.stderr)
			}
			args, err := os.ReadFile(argsFile)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(string(args), "\n"), "\n")
			want := append(append([]string{"verify-blob", "--bundle", "BUNDLE"}, tc.identity...),
				"--certificate-oidc-issuer", "https://token.actions.githubusercontent.com", "CHECKSUMS")
			if len(got) == len(want) {
				if filepath.Base(got[2]) == "checksums.txt.sigstore.json" {
					want[2] = got[2]
				}
				if filepath.Base(got[len(got)-1]) == "checksums.txt" {
					want[len(want)-1] = got[len(got)-1]
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("cosign arguments:\n%q\nwant\n%q", got, want)
			}
			if b, err := os.ReadFile(bundleFile); err != nil || !bytes.Equal(b, files["checksums.txt.sigstore.json"]) {
				t.Errorf("cosign was given another bundle than the release's: %q, %v", b, err)
			}
		})
	}
}

// A signature cosign rejects, or no signature at all, installs nothing.
func TestInstallShRefusesBadSignature(t *testing.T) {
	skipUnlessUnix(t)
	t.Run("cosign rejects", func(t *testing.T) {
		path, _, _ := fakeCosign(t, 1, "Error: none of the expected identities matched what was in the certificate")
		r := runInstallSh(t, signedRelease(t), path, "KUBEBOOT_VERSION=v9.9.9")
		wantRefused(t, r, "the signature of checksums.txt does not verify", "none of the expected identities matched")
	})
	t.Run("no bundle published", func(t *testing.T) {
		path, argsFile, _ := fakeCosign(t, 0, "Verified OK")
		r := runInstallSh(t, release(t), path)
		wantRefused(t, r, "cannot download", "checksums.txt.sigstore.json")
		if _, err := os.Stat(argsFile); err == nil {
			t.Error("cosign ran without a bundle")
		}
	})
}

func wantRefused(t *testing.T, r scriptRun, says ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("installed; want a refusal\nstderr: %s", r.stderr)
	}
	for _, s := range says {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr does not say %q:\n%s", s, r.stderr)
		}
	}
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(r.dir)
		t.Fatalf("install folder exists with %d entries after a refusal", len(entries))
	}
	if r.stdout != "" {
		t.Errorf("kubeboot ran after a refusal: %s", r.stdout)
	}
}

func TestInstallShShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck)")
	}
	out, err := exec.Command("shellcheck", "--shell=sh", "../../scripts/install.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
}
