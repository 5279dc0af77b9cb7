package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// These tests drive the real kubeboot binary, as users and scripts do.

var (
	kubeboot string // path of the binary under test
	standin  []byte // a real executable served as kubectl v1.37.2
	// standin135 is the same, reporting v1.35.6.
	standin135 []byte
)

func TestMain(m *testing.M) {
	if pre := os.Getenv("KUBEBOOT_TEST_STANDINS"); pre != "" {
		os.Exit(runWithPrebuilt(m, pre))
	}
	dir, err := os.MkdirTemp("", "kubeboot-cli-")
	if err != nil {
		panic(err)
	}
	kubeboot = filepath.Join(dir, "kubeboot")
	standinPath := filepath.Join(dir, "kubectl")
	for _, b := range [][]string{
		{"-o", kubeboot, "-ldflags", "-X main.version=v0.0.0-test", "."},
		{"-o", standinPath, "-ldflags", "-X main.gitVersion=v1.37.2", "github.com/kubeboot/kubeboot/internal/cmd/kubectl-standin"},
		{"-o", standinPath + "-135", "-ldflags", "-X main.gitVersion=v1.35.6", "github.com/kubeboot/kubeboot/internal/cmd/kubectl-standin"},
	} {
		cmd := exec.Command("go", append([]string{"build", "-trimpath"}, b...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	if standin, err = os.ReadFile(standinPath); err != nil {
		panic(err)
	}
	if standin135, err = os.ReadFile(standinPath + "-135"); err != nil {
		panic(err)
	}
	version = "v0.0.0-test" // as the binary is built, for the in-process runs
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runWithPrebuilt runs the tests with the stand-ins mk/windows.mk built
// beforehand in dir (kubectl-<version>.exe): a test binary under Wine
// cannot run `go build`. There is no kubeboot binary then: make
// test-windows runs only the tests named *OnWindows, which run kubeboot
// in-process.
func runWithPrebuilt(m *testing.M, dir string) int {
	var err error
	if standin, err = os.ReadFile(filepath.Join(dir, "kubectl-v1.37.2.exe")); err == nil {
		standin135, err = os.ReadFile(filepath.Join(dir, "kubectl-v1.35.6.exe"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "KUBEBOOT_TEST_STANDINS:", err)
		return 1
	}
	version = "v0.0.0-test"
	return m.Run()
}

type result struct {
	code           int
	stdout, stderr string
}

// env is a clean environment for one run: its own HOME, a PATH without any
// kubectl, and trust in the mirror's certificate. run runs kubeboot
// in-process on a fake host made of env; exec runs the built binary, for
// the few tests that need a real process (signals, proxies, terminals).
type env struct {
	t    *testing.T
	m    *mirror.Mirror
	vars []string
	// untrusted leaves the mirror's certificate out of the in-process
	// host's HTTP client, as SSL_CERT_FILE=/dev/null does for exec.
	untrusted bool
	// stdin is what the in-process host reads; terminal makes its streams
	// terminals of width columns.
	stdin       string
	stdinReader io.Reader
	terminal    bool
	width       int
	// interrupts, when not nil, is the in-process host's Ctrl-C.
	interrupts chan os.Signal
	// wd is the working folder of a run (project pins); default HOME.
	wd string
	// now, when set, is the in-process host's clock.
	now func() time.Time
}

// workdir is the working folder of a run.
func (e *env) workdir() string {
	if e.wd != "" {
		return e.wd
	}
	return e.getenv("HOME")
}

func newEnv(t *testing.T) *env {
	m := mirror.Start(mirror.Options{Sign: true})
	t.Cleanup(m.Close)
	m.SetMarker("stable", "v1.37.2\n")
	m.SetMarker("stable-1.37", "v1.37.2\n")
	m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, standin)
	cert := filepath.Join(testutil.TempDir(t), "ca.pem")
	if err := os.WriteFile(cert, m.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(testutil.TempDir(t), "trusted_root.json")
	if err := os.WriteFile(root, m.TrustedRootJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	home := testutil.TempDir(t)
	return &env{t: t, m: m, vars: []string{
		"HOME=" + home, "PATH=/nonexistent", "SSL_CERT_FILE=" + cert, "KUBEBOOT_MIRROR=" + m.URL(),
		"KUBEBOOT_SIGSTORE_TRUSTED_ROOT=" + root,
	}}
}

// getenv reads e.vars as a process would: the last setting wins.
func (e *env) getenv(key string) string {
	v := ""
	for _, kv := range e.vars {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// host is the fake host of one in-process run.
func (e *env) host(stdout, stderr io.Writer) *host {
	h := &host{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		Getenv:   e.getenv,
		Environ:  func() []string { return slices.Clone(e.vars) },
		Home:     e.getenv("HOME"),
		LookPath: func(name string) (string, error) { return lookPathIn(e.getenv("PATH"), name) },
		Stdin:    strings.NewReader(e.stdin),
		Stdout:   stdout, Stderr: stderr,
		StdinTerminal: e.terminal, StdoutTerminal: e.terminal, StderrTerminal: e.terminal,
		Width:      func() int { return e.width },
		Now:        time.Now,
		Executable: func() (string, error) { return "", errors.New("no executable in-process") },
		CacheDir:   filepath.Join(e.getenv("HOME"), ".cache", "kubeboot"),
		StateDir:   filepath.Join(e.getenv("HOME"), ".local", "state", "kubeboot"),
		Downloads:  filepath.Join(e.getenv("HOME"), "Downloads"),
		Getwd:      func() (string, error) { return e.workdir(), nil },
		// kubectl runs as a child here, the process being the test's.
		Exec: func(path string, args []string) (int, error) {
			cmd := exec.Command(path, args...)
			cmd.Env, cmd.Dir = e.vars, e.workdir()
			cmd.Stdin = strings.NewReader(e.stdin)
			cmd.Stdout, cmd.Stderr = stdout, stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), nil
			}
			return 0, err
		},
	}
	if e.m != nil && !e.untrusted {
		h.HTTPClient = e.m.Client()
	}
	if e.interrupts != nil {
		h.Interrupts = e.interrupts
	}
	if e.now != nil {
		h.Now = e.now
	}
	return h
}

// lookPathIn is exec.LookPath on the PATH list pathEnv.
func lookPathIn(pathEnv, name string) (string, error) {
	for _, dir := range filepath.SplitList(pathEnv) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// run runs kubeboot in-process.
func (e *env) run(args ...string) result {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(e.host(&stdout, &stderr), args)
	return result{code, stdout.String(), stderr.String()}
}

// exec runs the kubeboot binary.
func (e *env) exec(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(kubeboot, args...)
	cmd.Env, cmd.Dir = e.vars, e.wd
	cmd.Stdin = strings.NewReader(e.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestInstallPrintsPathAndVersion(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	r := e.run("install", "kubectl", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	path := filepath.Join(dir, "kubectl")
	if !strings.Contains(r.stdout, path) || !strings.Contains(r.stdout, "v1.37.2") {
		t.Errorf("stdout %q lacks the path or version", r.stdout)
	}
	if !strings.Contains(r.stderr, "not on your PATH") || !strings.Contains(r.stderr, exportPath(dir)) {
		t.Errorf("stderr %q does not explain how to add the folder to PATH", r.stderr)
	}
	out, err := exec.Command(path, "version", "--client").Output()
	if err != nil || !strings.Contains(string(out), "v1.37.2") {
		t.Fatalf("installed kubectl: %q, %v", out, err)
	}
	r = e.run("install", "kubectl", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "already up to date") {
		t.Errorf("rerun: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestInstallJSON(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	var got struct {
		Path    string `json:"path"`
		Version string `json:"version"`
		SHA256  string `json:"sha256"`
		Changed bool   `json:"changed"`
	}
	for i, wantChanged := range []bool{true, false} {
		r := e.run("install", "--json", "kubectl", "--dir", dir)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("run %d: exit %d, stderr %q", i, r.code, r.stderr)
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
		}
		want := filepath.Join(dir, "kubectl")
		if got.Path != want || got.Version != "v1.37.2" || got.SHA256 != sum(standin) || got.Changed != wantChanged {
			t.Errorf("run %d: %+v", i, got)
		}
	}
}

func TestExitCodesAndMessages(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(e *env)
		args     []string
		code     int
		contains []string
	}{
		{"checksum mismatch", func(e *env) {
			e.m.Put(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), []byte("tampered"))
		}, nil, 3, []string{"checksum mismatch", sum(standin), sum([]byte("tampered")), "nothing was installed"}},
		{"bad marker", func(e *env) { e.m.SetMarker("stable", "<html>moved</html>") }, nil, 3,
			[]string{"release marker", `"<html>moved</html>"`, "did not answer like dl.k8s.io"}},
		{"bad digest file", func(e *env) {
			e.m.Put(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH)+".sha256", []byte("nope"))
		}, nil, 3, []string{"digest file"}},
		{"unknown version", nil, []string{"--version", "v1.99.0"}, 1, []string{"not published", "404"}},
		{"bad spec", nil, []string{"--version", "newest"}, 2, []string{"invalid version spec", "--version 1.36"}},
		{"insecure mirror", nil, []string{"--mirror", "http://mirror.corp"}, 1, []string{"plain http", "use an https:// mirror"}},
		{"unreachable mirror", nil, []string{"--mirror", "https://127.0.0.1:1"}, 1, []string{"cannot reach 127.0.0.1:1", "proxy"}},
		{"untrusted mirror", func(e *env) { e.untrusted = true }, nil, 1,
			[]string{"cannot trust the certificate of 127.0.0.1:", "unknown authority", "SSL_CERT_FILE"}},
		{"misspelt flag", nil, []string{"--verison", "1.36"}, 2, []string{`did you mean "--version"`}},
		{"missing object", nil, []string{}, 2, []string{"kubeboot install kubectl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			dir := t.TempDir()
			old := []byte("old kubectl")
			os.WriteFile(filepath.Join(dir, "kubectl"), old, 0o755)
			args := []string{"install"}
			if tt.name != "missing object" {
				args = append(args, "kubectl")
			}
			args = append(append(args, "--dir", dir), tt.args...)
			r := e.run(args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			for _, s := range tt.contains {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 1 {
				t.Errorf("error takes %d lines, want at most 2:\n%s", n+1, r.stderr)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "kubectl")); !bytes.Equal(got, old) {
				t.Error("the old kubectl was changed by a failed run")
			}
			entries := testutil.Names(dir, bootstrap.InstallLockName)
			if len(entries) != 1 {
				t.Errorf("folder holds %d entries, want the old kubectl only", len(entries))
			}
		})
	}
}

func TestUsageAndVersion(t *testing.T) {
	e := newEnv(t)
	if r := e.run("instal"); r.code != 2 || !strings.Contains(r.stderr, `did you mean "install"`) {
		t.Errorf("misspelt command: %+v", r)
	}
	if r := e.run("install", "--help"); r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "--mirror") {
		t.Errorf("install --help: %+v", r)
	}
	if r := e.run("version"); r.code != 0 || !strings.Contains(r.stdout, "v0.0.0-test") {
		t.Errorf("version: %+v", r)
	}
}

// TestProxyFromEnvironment reaches the mirror only through an HTTPS_PROXY:
// the mirror is addressed as example.com, a name this machine cannot
// resolve, so a success proves the CONNECT went through the proxy.
func TestProxyFromEnvironment(t *testing.T) {
	e := newEnv(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.m.URL(), "https://"))
	proxy := testutil.StartConnectProxy(t, func(hostport string) string {
		_, p, _ := net.SplitHostPort(hostport)
		return "127.0.0.1:" + p // the front and the CDN host share the name
	})
	e.vars = append(e.vars, "HTTPS_PROXY="+proxy.URL)
	dir := t.TempDir()
	r := e.exec("install", "kubectl", "--dir", dir, "--mirror", "https://example.com:"+port)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if asked := proxy.Asked(); len(asked) == 0 || asked[0] != "example.com:"+port {
		t.Errorf("proxy saw CONNECTs %v", asked)
	}
}

// TestInterruptKeepsOldKubectl sends SIGINT mid-download to the real
// process: kubeboot must stop, say "interrupted" once, exit 130, and leave
// the old kubectl and no temp file behind.
func TestInterruptKeepsOldKubectl(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGINT")
	}
	e := newEnv(t)
	e.m.QueueFaults(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), mirror.Fault{StallAfter: 100_000, Stall: time.Minute})
	dir := t.TempDir()
	old := []byte("old kubectl")
	os.WriteFile(filepath.Join(dir, "kubectl"), old, 0o755)
	cmd := exec.Command(kubeboot, "install", "kubectl", "--dir", dir)
	cmd.Env = e.vars
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until part of the body has arrived.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		m, _ := filepath.Glob(filepath.Join(dir, ".kubectl.kubeboot-*.tmp"))
		if len(m) == 1 {
			if fi, err := os.Stat(m[0]); err == nil && fi.Size() > 0 {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	msg, _ := io.ReadAll(bufio.NewReader(stderr))
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Errorf("exit after SIGINT: %v, want 130; stderr %q", err, msg)
	}
	if string(msg) != "kubeboot: interrupted\n" {
		t.Errorf("stderr after SIGINT: %q, want one line", msg)
	}
	entries := testutil.Names(dir, bootstrap.InstallLockName)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after the interrupt, want the old kubectl only", len(entries))
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "kubectl")); !bytes.Equal(got, old) {
		t.Error("the old kubectl changed")
	}
}
