package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// kubectl's arguments that name the server in a way kubeboot cannot read
// for certain, not knowing which of kubectl's flags take a value, are
// refused; plain ones are read.
func TestKubectlTargetUnsure(t *testing.T) {
	for _, args := range [][]string{
		// -A takes no value: kubectl reads -A, then -s URL.
		{"get", "pods", "-As", "https://evil"},
		{"get", "pods", "-Ashttps://evil"},
		{"get", "pods", "-ws", "https://evil"},
		{"get", "pods", "-As=https://evil"},
		// "--" as -n's value ends nothing: --server is still kubectl's.
		{"get", "pods", "-n", "--", "--server=https://evil"},
		{"get", "pods", "-n", "--", "-s", "https://evil"},
		{"exec", "pod", "--", "sh", "--context", "x"},
		// A later server flag may be the value of the flag before it.
		{"-s", "https://evil", "get", "pods", "-l", "--server=https://good"},
		{"--context", "evil", "get", "pods", "-l", "--context=good"},
		{"get", "pods", "-l", "--server=https://good"},
		{"get", "pods", "--selector", "-s", "https://good"},
		{"get", "pods", "-n", "--kubeconfig=/good"},
		{"get", "pods", "-o", "--cluster", "good"},
		// Twice, whatever their places.
		{"--server=https://a", "--server", "https://b"},
		{"-s", "https://a", "--server=https://b"},
		{"--kubeconfig", "/a", "get", "--kubeconfig=/b"},
		{"--cluster=a", "--cluster=b"},
	} {
		got, err := kubectlTarget(args)
		if !errors.Is(err, errServerUnsure) {
			t.Errorf("%q: read as %+v (%v), want refused", args, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "pass it once as --server/--context") {
			t.Errorf("%q: %v", args, err)
		}
	}
	for _, tt := range []struct {
		args []string
		want clusterTarget
	}{
		{[]string{"get", "pods", "-A", "--server", "https://a"}, clusterTarget{Server: "https://a"}},
		{[]string{"get", "pods", "-n=x", "-s", "https://a"}, clusterTarget{Server: "https://a"}},
		{[]string{"get", "pods", "-n", "x", "--context", "c", "-lapp=s"}, clusterTarget{Context: "c"}},
		{[]string{"--context", "c", "--cluster", "k", "--kubeconfig", "/k", "-shttps://a", "get"},
			clusterTarget{Context: "c", Cluster: "k", Kubeconfig: "/k", Server: "https://a"}},
		{[]string{"--kubeconfig=~/cfg", "get"}, clusterTarget{Kubeconfig: "~/cfg"}}, // as kubectl reads it
		{[]string{"--insecure-skip-tls-verify", "--server", "https://a"}, clusterTarget{Server: "https://a", Insecure: "true"}},
		{[]string{"exec", "pod", "--", "ls", "-l", "/"}, clusterTarget{}},
	} {
		got, err := kubectlTarget(tt.args)
		if err != nil || got != tt.want {
			t.Errorf("%q: %+v (%v), want %+v", tt.args, got, err, tt.want)
		}
	}
}

// The guard end to end: the bypasses are refused before anything runs; a
// --kubeconfig with ~ is the file kubectl reads (./~/cfg, kubectl expands
// no ~), and a server without a scheme matches no URL.
func TestExpectServerBypasses(t *testing.T) {
	e, _, _ := shellEnv(t)
	wd := t.TempDir()
	e.wd = wd
	write := func(path, server string) {
		os.MkdirAll(filepath.Dir(path), 0o700)
		cfg := "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster: {server: \"" + server + "\"}\n" +
			"contexts:\n- name: c\n  context: {cluster: k}\n"
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(e.home(), "cfg"), "https://good.example")
	write(filepath.Join(wd, "~", "cfg"), "https://evil.example")
	write(filepath.Join(wd, "noscheme"), "good.example:443")
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"--", "get", "pods", "-As", "https://evil.example"}, "cannot read for certain"},
		{[]string{"--", "get", "pods", "-n", "--", "--server=https://evil.example"}, "cannot read for certain"},
		{[]string{"--", "-s", "https://evil.example", "get", "-l", "--server=https://good.example"}, "cannot read for certain"},
		{[]string{"--", "--kubeconfig=~/cfg", "get", "pods"}, "points at the API server https://evil.example"},
		{[]string{"--", "--kubeconfig=" + filepath.Join(wd, "noscheme"), "get", "pods"}, "points at the API server good.example:443"},
		{[]string{"--", "--server", "good.example", "get", "pods"}, "points at the API server good.example,"},
	} {
		r := e.run(append([]string{"kubectl", "--expect-server", "https://good.example"}, tt.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, tt.err) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", tt.args, r.code, r.stderr, tt.err)
		}
	}
	// The same file by its real name passes.
	r := e.run("kubectl", "--expect-server", "https://good.example", "--", "--kubeconfig="+filepath.Join(e.home(), "cfg"), "exit", "0")
	if r.code != 0 {
		t.Errorf("the expected server was refused: %+v", r)
	}
}

// Where the real kubectl goes: for each command line, kubectl runs against
// two servers, and whenever it talks to another than the expected one,
// the guard refuses the same arguments.
func TestExpectServerMatchesRealKubectl(t *testing.T) {
	kubectl := os.Getenv("KUBEBOOT_TEST_KUBECTL")
	if kubectl == "" || runtime.GOOS == "windows" {
		t.Skip("KUBEBOOT_TEST_KUBECTL is not set")
	}
	type server struct {
		*httptest.Server
		hits atomic.Int32
	}
	serve := func(tls bool) *server {
		s := &server{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.hits.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`)
		})
		if tls {
			s.Server = httptest.NewTLSServer(h)
		} else {
			s.Server = httptest.NewServer(h)
		}
		t.Cleanup(s.Close)
		return s
	}
	good, evil, plain := serve(true), serve(true), serve(false)
	home, wd := t.TempDir(), t.TempDir()
	config := func(path, server string, insecure bool) string {
		os.MkdirAll(filepath.Dir(path), 0o700)
		tls := ""
		if insecure {
			tls = ", insecure-skip-tls-verify: true"
		}
		cfg := "apiVersion: v1\nkind: Config\ncurrent-context: good\nclusters:\n" +
			"- name: good\n  cluster: {server: \"" + server + "\"" + tls + "}\n" +
			"- name: evil\n  cluster: {server: \"" + evil.URL + "\", insecure-skip-tls-verify: true}\n" +
			"users:\n- name: u\n  user: {token: not-a-secret}\n" +
			"contexts:\n- name: good\n  context: {cluster: good, user: u}\n- name: evil\n  context: {cluster: evil, user: u}\n"
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	shared := config(filepath.Join(home, ".kube", "config"), good.URL, true)
	config(filepath.Join(home, "cfg"), good.URL, true)
	config(filepath.Join(wd, "~", "cfg"), evil.URL, true)
	noScheme := config(filepath.Join(wd, "noscheme"), strings.TrimPrefix(plain.URL, "http://"), false)
	wantGood := good.URL
	vars := []string{"HOME=" + home, "KUBECONFIG=" + shared, "PATH=/nonexistent"}
	h := &host{GOOS: runtime.GOOS, Home: home, Getenv: func(k string) string {
		for _, kv := range vars {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}, Getwd: func() (string, error) { return wd, nil }}
	a := &app{host: h}
	for _, tt := range []struct {
		args   []string
		expect string // "" is the good server
	}{
		{args: []string{"get", "pods"}},
		{args: []string{"--context", "evil", "get", "pods"}},
		{args: []string{"get", "pods", "-As", evil.URL}},
		{args: []string{"get", "pods", "-As" + evil.URL}},
		{args: []string{"get", "pods", "-n", "--", "--server=" + evil.URL}},
		{args: []string{"-s", evil.URL, "get", "pods", "-l", "--server=" + good.URL}},
		{args: []string{"--context", "evil", "get", "pods", "-l", "--context=good"}},
		{args: []string{"--kubeconfig=~/cfg", "get", "pods"}},
		{args: []string{"--kubeconfig=" + noScheme, "get", "pods"}, expect: "https://" + strings.TrimPrefix(plain.URL, "http://")},
	} {
		good.hits.Store(0)
		evil.hits.Store(0)
		plain.hits.Store(0)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, kubectl, tt.args...)
		cmd.Env, cmd.Dir = vars, wd
		out, _ := cmd.CombinedOutput()
		cancel()
		expect := tt.expect
		if expect == "" {
			expect = wantGood
		}
		hitExpected := good.hits.Load() > 0 && evil.hits.Load() == 0 && plain.hits.Load() == 0 && expect == wantGood
		if good.hits.Load()+evil.hits.Load()+plain.hits.Load() == 0 {
			t.Errorf("%q: kubectl talked to no server:\n%s", tt.args, out)
			continue
		}
		k, err := parseKubectlArgs(append([]string{"--expect-server", expect, "--"}, tt.args...))
		if err != nil {
			t.Fatal(err)
		}
		gerr := a.checkKubectlServer(k)
		t.Logf("%q: kubectl reached good %d, evil %d, plain http %d; guard: %v", tt.args, good.hits.Load(), evil.hits.Load(), plain.hits.Load(), gerr)
		if hitExpected && gerr != nil {
			t.Errorf("%q: kubectl went to the expected server, the guard refused: %v", tt.args, gerr)
		}
		if !hitExpected && gerr == nil {
			t.Errorf("%q: kubectl went elsewhere (good %d, evil %d, plain http %d), the guard let it run", tt.args, good.hits.Load(), evil.hits.Load(), plain.hits.Load())
		}
	}
}
