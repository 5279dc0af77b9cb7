package releasetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
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

// runInstallSh serves files on loopback and runs install.sh with PATH.
func runInstallSh(t *testing.T, files map[string][]byte, path string) scriptRun {
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
	cmd := exec.Command("sh", script)
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + path, "TMPDIR=" + t.TempDir(),
		"KUBEBOOT_RELEASE_URL=" + srv.URL + "/releases",
		"KUBEBOOT_INSTALL_DIR=" + dir,
		"KUBEBOOT_INSTALL_RUN=version",
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
	r := runInstallSh(t, release(t), os.Getenv("PATH"))
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
			path: pathWithout("sha256sum", "shasum"),
			want: "needs sha256sum or shasum",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			files := release(t)
			if tc.change != nil {
				tc.change(files)
			}
			path := os.Getenv("PATH")
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

// pathWithout returns a PATH holding links to every program on the real
// PATH except the named ones.
func pathWithout(names ...string) func(t *testing.T) string {
	return func(t *testing.T) string {
		dir := t.TempDir()
		skip := map[string]bool{}
		for _, n := range names {
			skip[n] = true
		}
		for _, p := range filepath.SplitList(os.Getenv("PATH")) {
			entries, _ := os.ReadDir(p)
			for _, e := range entries {
				if skip[e.Name()] {
					continue
				}
				os.Symlink(filepath.Join(p, e.Name()), filepath.Join(dir, e.Name())) // first one on PATH wins
			}
		}
		return dir
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
