//go:build linux || darwin

package main

// `kubeboot kubectl` (and the shim) under Ctrl-C and SIGTERM: the
// kubeboot binary against a local mirror (issue 23: signals are watched
// only where the run may wait, and must still stop it there).

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

// sigEnv is a mirror serving the stand-in as kubectl v1.37.2 (stable)
// and an environment for the kubeboot binary that uses it, with a store
// of its own.
type sigEnv struct {
	m     *mirror.Mirror
	dir   string
	env   []string
	cache string
}

func newSigEnv(t *testing.T) *sigEnv {
	t.Helper()
	if kubeboot == "" {
		t.Skip("no kubeboot binary")
	}
	m := mirror.Start(mirror.Options{Sign: true})
	t.Cleanup(m.Close)
	m.SetMarker("stable", "v1.37.2\n")
	m.SetMarker("stable-1.37", "v1.37.2\n")
	m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, standin)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	root := filepath.Join(dir, "root.json")
	if err := os.WriteFile(ca, m.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, m.TrustedRootJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	cache := filepath.Join(dir, "cache")
	for _, d := range []string{home, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"XDG_CACHE_HOME=" + cache,
		"KUBEBOOT_MIRROR=" + m.URL(),
		"SSL_CERT_FILE=" + ca,
		"KUBEBOOT_SIGSTORE_TRUSTED_ROOT=" + root,
		"KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
	}
	return &sigEnv{m: m, dir: dir, env: env, cache: cache}
}

// command is the kubeboot binary with args in e's environment, extra
// variables last (they win), run in e's home folder.
func (e *sigEnv) command(extra []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(kubeboot, args...)
	cmd.Env = append(append([]string(nil), e.env...), extra...)
	cmd.Dir = filepath.Join(e.dir, "home")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// warm stores kubectl v1.37.2 and remembers what stable means.
func (e *sigEnv) warm(t *testing.T) {
	t.Helper()
	cmd, out, errb := e.command(nil, "kubectl", "--version", "stable", "--", "args", "warm")
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "warm") {
		t.Fatalf("warming the store: %v\n%s%s", err, out, errb)
	}
}

// stallingAPIServer accepts connections and never answers: an API server
// behind a VPN that hangs, or a proxy that swallows the handshake.
func stallingAPIServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "https://" + l.Addr().String()
}

func stallingKubeconfig(t *testing.T, dir, server string) string {
	t.Helper()
	path := filepath.Join(dir, "kubeconfig")
	kc := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server +
		"\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: abc\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"
	if err := os.WriteFile(path, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKubectlInterruptWhileAskingClusterRunsNoKubectl: Ctrl-C (or SIGTERM)
// while `kubeboot kubectl` waits for the API server's version must end
// the run, as it ends a download: the interrupt is not taken for "the
// cluster did not answer" (auto would then fall through to the stored
// stable kubectl and run the command the user just tried to stop).
func TestKubectlInterruptWhileAskingClusterRunsNoKubectl(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			e := newSigEnv(t)
			e.warm(t)
			kc := stallingKubeconfig(t, e.dir, stallingAPIServer(t))
			cmd, out, errb := e.command([]string{"KUBECONFIG=" + kc}, "kubectl", "-v", "--", "args", "delete", "namespace", "prod")
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond) // kubeboot is waiting on the API server (3 s bound)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			took := time.Since(start)
			if strings.Contains(out.String(), "delete") {
				t.Errorf("%v while kubeboot asked the cluster its version: kubectl still ran the command (%v after %v)\nstdout: %s\nstderr: %s", sig, err, took.Round(time.Millisecond), out, errb)
			}
			var ee *exec.ExitError
			if err == nil || !errors.As(err, &ee) {
				t.Errorf("%v: kubeboot exited 0; want the run to end as interrupted", sig)
			}
			if strings.Contains(errb.String(), "no answer within") {
				t.Errorf("%v: the user's interrupt is reported as the cluster's silence: %s", sig, errb)
			}
		})
	}
}

// TestKubectlInterruptDuringDownloadDiesOfTheSignal: Ctrl-C during a cold
// download must end kubeboot the way it ends kubectl: by the signal, so
// that a shell script or loop running `kubectl ...` stops (bash aborts a
// script only when its child died of SIGINT); an exit status of 130
// would let `for i in 1 2 3; do kubectl get pods; done` go on to the
// next iteration, and would report SIGTERM as Ctrl-C.
func TestKubectlInterruptDuringDownloadDiesOfTheSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			e := newSigEnv(t)
			e.m.QueueFaults(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), mirror.Fault{StallAfter: len(standin) / 2, Stall: 30 * time.Second})
			cmd, out, errb := e.command(nil, "kubectl", "--version", "v1.37.2", "--", "args", "x")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) && !kubectlDownloadStarted(e.m) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if strings.Contains(out.String(), "x") {
				t.Fatalf("kubectl ran after %v: %s", sig, out)
			}
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("%v during the download: kubeboot %v (exit status %d); want it to die of %v, as kubectl does\nstderr: %s", sig, err, ws.ExitStatus(), sig, errb)
			}
		})
	}
}

func kubectlDownloadStarted(m *mirror.Mirror) bool {
	for _, r := range m.Requests() {
		if strings.HasSuffix(r.Path, "/kubectl") {
			return true
		}
	}
	return false
}
