package main

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/internal/k8stest"
)

func TestParseKubectlArgs(t *testing.T) {
	tests := []struct {
		in   []string
		want kubectlArgs
		err  bool
	}{
		{nil, kubectlArgs{}, false},
		{[]string{"get", "pods", "-n", "x"}, kubectlArgs{args: []string{"get", "pods", "-n", "x"}}, false},
		{[]string{"--version", "1.36", "-v", "--", "version", "--client"}, kubectlArgs{version: "1.36", verbose: true, args: []string{"version", "--client"}}, false},
		{[]string{"--version=cluster", "get", "--version", "x"}, kubectlArgs{version: "cluster", args: []string{"get", "--version", "x"}}, false},
		// kubectl's own flags start kubectl's arguments, -v=6 included.
		{[]string{"-n", "kube-system", "get", "pods"}, kubectlArgs{args: []string{"-n", "kube-system", "get", "pods"}}, false},
		{[]string{"-v=6", "get"}, kubectlArgs{args: []string{"-v=6", "get"}}, false},
		{[]string{"--context", "a", "-v"}, kubectlArgs{args: []string{"--context", "a", "-v"}}, false},
		{[]string{"--", "--help"}, kubectlArgs{args: []string{"--help"}}, false},
		{[]string{"--help"}, kubectlArgs{help: true}, false},
		{[]string{"--version"}, kubectlArgs{}, true},
	}
	for _, tt := range tests {
		got, err := parseKubectlArgs(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if tt.err {
			continue
		}
		if len(got.args) == 0 {
			got.args = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestKubectlTarget(t *testing.T) {
	tests := []struct {
		args []string
		want clusterTarget
	}{
		{[]string{"get", "pods"}, clusterTarget{}},
		{[]string{"--context", "a", "get"}, clusterTarget{Context: "a"}},
		{[]string{"get", "--context=b", "--kubeconfig", "/k b/c"}, clusterTarget{Kubeconfig: "/k b/c", Context: "b"}},
		// After --, other flags are the inner command's (server flags there
		// are refused: TestKubectlTargetUnsure).
		{[]string{"exec", "pod", "--", "sh", "--user", "x", "--tls-server-name", "y"}, clusterTarget{}},
		{[]string{"--context"}, clusterTarget{}}, // no value: kubectl's own error
		// What else picks the cluster kubectl talks to.
		{[]string{"-s", "https://a:6443", "get"}, clusterTarget{Server: "https://a:6443"}},
		{[]string{"-s=https://b", "get"}, clusterTarget{Server: "https://b"}},
		{[]string{"-shttps://c", "get"}, clusterTarget{Server: "https://c"}},
		{[]string{"--server", "https://d", "--cluster=x", "--user", "u"}, clusterTarget{Server: "https://d", Cluster: "x", User: "u"}},
		{[]string{"--tls-server-name", "api.b", "--certificate-authority=ca.pem", "--insecure-skip-tls-verify"}, clusterTarget{TLSServerName: "api.b", CA: "ca.pem", Insecure: "true"}},
		{[]string{"--insecure-skip-tls-verify=false", "get"}, clusterTarget{Insecure: "false"}},
		{[]string{"--server-side", "apply"}, clusterTarget{}}, // another flag, not --server
	}
	for _, tt := range tests {
		if got, err := kubectlTarget(tt.args); got != tt.want || err != nil {
			t.Errorf("%q: got %+v (%v), want %+v", tt.args, got, err, tt.want)
		}
	}
}

func TestShimArgs(t *testing.T) {
	tests := []struct {
		goos, argv0 string
		shim        bool
	}{
		{"linux", "kubectl", true},
		{"linux", "/home/a b/.local/bin/kubectl", true},
		{"linux", "/usr/local/bin/kubeboot", false},
		{"linux", "kubectl.exe", false},
		{"linux", "KUBECTL", false},
		{"darwin", "/opt/homebrew/bin/kubectl", true},
		{"windows", `C:\Users\Zoë [x]\AppData\Local\kubeboot\bin\kubectl.exe`, true},
		{"windows", `C:\bin\KUBECTL.EXE`, true},
		{"windows", "kubectl", true},
		{"windows", `C:/bin/kubectl.exe`, true},
		{"windows", `C:\bin\kubeboot.exe`, false},
		{"windows", `C:\kubectl.exe\kubeboot.exe`, false},
		{"windows", `kubectl-1.36.exe`, false},
	}
	for _, tt := range tests {
		got := shimArgs(tt.goos, tt.argv0, []string{"get", "pods"})
		want := []string{"get", "pods"}
		if tt.shim {
			want = []string{"kubectl", "--", "get", "pods"}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %q: %q, want %q", tt.goos, tt.argv0, got, want)
		}
	}
	if shimName("windows") != "kubectl.exe" || shimName("linux") != "kubectl" || shimName("darwin") != "kubectl" {
		t.Error("shimName")
	}
}

func TestFreshMinor(t *testing.T) {
	now := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	cache := map[string]clusterMinor{
		"https://a": {Spec: "1.37", Asked: now.Add(-59 * time.Minute)},
		"https://b": {Spec: "1.36", Asked: now.Add(-61 * time.Minute)},
		"https://c": {Spec: "1.35", Asked: now.Add(time.Hour)}, // a clock set back
		"https://d": {Asked: now},
	}
	for server, want := range map[string]bool{"https://a": true, "https://b": false, "https://c": false, "https://d": false, "https://e": false} {
		if _, ok := freshMinor(cache, server, now, time.Hour); ok != want {
			t.Errorf("%s: fresh %v, want %v", server, ok, want)
		}
	}
	// A failure (no spec) is remembered for a minute, not past it.
	failed := map[string]clusterMinor{"https://a": {Asked: now.Add(-30 * time.Second)}, "https://b": {Asked: now.Add(-2 * time.Minute)}, "https://c": {Spec: "1.37", Asked: now}}
	for server, want := range map[string]bool{"https://a": true, "https://b": false, "https://c": false, "https://e": false} {
		if _, ok := recentFailure(failed, server, now, time.Minute); ok != want {
			t.Errorf("%s: recent failure %v, want %v", server, ok, want)
		}
	}
}

// A pinned exact version is downloaded once; the next run asks the
// mirror nothing, prints nothing of its own, and kubectl's output and
// exit code pass through.
func TestKubectlPinnedRunsFromStore(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, store.PinEnv+"=1.37.2")
	r := e.run("kubectl", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || r.stderr != "" {
		t.Fatalf("first run: %+v", r)
	}
	before := len(e.m.AllRequests())
	r = e.run("kubectl", "--", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || r.stderr != "" {
		t.Fatalf("warm run: %+v", r)
	}
	e.m.Close() // offline: an exact stored version needs nothing
	r = e.run("kubectl", "-v", "exit", "7")
	if r.code != 7 || r.stdout != "" {
		t.Errorf("exit code: %+v", r)
	}
	if !strings.Contains(r.stderr, "kubeboot: kubectl v1.37.2 (env: pinned by "+store.PinEnv+")") {
		t.Errorf("-v does not say why: %q", r.stderr)
	}
	if n := len(e.m.AllRequests()) - before; n != 0 {
		t.Errorf("warm runs made %d requests", n)
	}
}

// A project's .tool-versions in a parent folder pins the version; kubectl
// flags pass through untouched.
func TestKubectlProjectPin(t *testing.T) {
	e := newEnv(t)
	e.m.AddKubectl("v1.35.6", runtime.GOOS, runtime.GOARCH, standin135)
	project := filepath.Join(t.TempDir(), "my project [x]")
	sub := filepath.Join(project, "deploy", "ünïcode")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(project, ".tool-versions"), []byte("golang 1.25\nkubectl 1.35.6\n"), 0o644)
	e.wd = sub
	r := e.run("kubectl", "-v", "version", "--client", "-n", "x")
	if r.code != 0 || r.stdout != "Client Version: v1.35.6\n" {
		t.Fatalf("%+v", r)
	}
	if !strings.Contains(r.stderr, "pinned by "+filepath.Join(project, ".tool-versions")+":2") {
		t.Errorf("stderr %q does not name the pin", r.stderr)
	}
	r = e.run("kubectl", "args", "-n", "kube-system", "--context", "x", "-v=6", "--", "--help")
	var got []string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || !reflect.DeepEqual(got, []string{"args", "-n", "kube-system", "--context", "x", "-v=6", "--", "--help"}) {
		t.Errorf("arguments: %q %v (%+v)", got, err, r)
	}
	// --version beats the pin; a bad pin is a clear error.
	if r := e.run("kubectl", "--version", "v1.37.2", "version"); r.stdout != "Client Version: v1.37.2\n" {
		t.Errorf("--version: %+v", r)
	}
	os.WriteFile(filepath.Join(sub, "mise.toml"), []byte("[tools]\nkubectl = \"system\"\n"), 0o644)
	if r := e.run("kubectl", "version"); r.code != 1 || !strings.Contains(r.stderr, "mise.toml:2") || r.stdout != "" {
		t.Errorf("bad pin: %+v", r)
	}
}

// auto asks the real API server of the context kubectl would use (from
// --context in ARGS, else the current one), remembers the answer, and
// falls back to stable for a cluster that does not answer.
func TestKubectlAutoFollowsCluster(t *testing.T) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	e := newEnv(t)
	e.m.SetMarker("stable", "v1.35.6\n")
	e.m.AddKubectl("v1.35.6", runtime.GOOS, runtime.GOARCH, standin135)
	config := filepath.Join(t.TempDir(), "config")
	doc := strings.Replace(string(s.KubeconfigYAML(s.Blank, "")), "contexts:\n", "contexts:\n- name: dead\n  context:\n    cluster: dead\n    user: "+s.Blank.Entry+"\n", 1)
	doc = strings.Replace(doc, "clusters:\n", "clusters:\n- name: dead\n  cluster:\n    server: https://127.0.0.1:1\n", 1)
	doc = strings.Replace(doc, "current-context: coreweave", "current-context: dead", 1)
	if err := os.WriteFile(config, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	e.vars = append(e.vars, "KUBECONFIG="+config)
	r := e.run("kubectl", "-v", "--context", "coreweave", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || !strings.Contains(r.stderr, "(cluster: context coreweave: the API server "+s.URL+" runs 1.37)") {
		t.Fatalf("--context coreweave: %+v", r)
	}
	// The current context's server does not answer: stable, and why.
	r = e.run("kubectl", "-v", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.35.6\n" || !strings.Contains(r.stderr, "stable: no project pin, and the cluster's version is unknown") {
		t.Fatalf("dead context: %+v", r)
	}
	// ...and for a minute it is not asked again.
	r = e.run("kubectl", "-v", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.35.6\n" || !strings.Contains(r.stderr, "is not asked again for a minute: it did not answer") {
		t.Fatalf("dead context, again: %+v", r)
	}
	// --kubeconfig in ARGS, the real server's own file, and the cached answer.
	own := filepath.Join(t.TempDir(), "own")
	s.WriteKubeconfig(own, s.Blank, "")
	r = e.run("kubectl", "-v", "--kubeconfig="+own, "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || !strings.Contains(r.stderr, "ago)") {
		t.Fatalf("--kubeconfig, cached: %+v", r)
	}
	b, _ := os.ReadFile(filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl", clusterCacheName))
	if !strings.Contains(string(b), s.URL) || strings.Contains(string(b), s.Blank.Token) {
		t.Errorf("cache file: %s", b)
	}
	// --version cluster with a dead cluster is an error, not stable.
	if r := e.run("kubectl", "--version", "cluster", "version"); r.code != 1 || !strings.Contains(r.stderr, "--version cluster") {
		t.Errorf("--version cluster, dead: %+v", r)
	}
}

// A fresh cached minor answers without asking the server.
func TestKubectlAutoCachedMinor(t *testing.T) {
	e := newEnv(t)
	config := filepath.Join(t.TempDir(), "config")
	os.WriteFile(config, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n"), 0o600)
	e.vars = append(e.vars, "KUBECONFIG="+config)
	dir := filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl")
	if err := writeClusterCache(filepath.Join(dir, clusterCacheName), map[string]clusterMinor{clusterKey(t, config, clusterTarget{}): {Spec: "1.37", Asked: time.Now().Add(-time.Minute)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	r := e.run("kubectl", "-v", "version")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || !strings.Contains(r.stderr, "runs 1.37 (asked 1m0s ago)") {
		t.Fatalf("%+v", r)
	}
	// list says what runs here; prune removes the older versions.
	e.m.AddKubectl("v1.35.6", runtime.GOOS, runtime.GOARCH, standin135)
	if r := e.run("kubectl", "--version", "1.35.6", "version"); r.code != 0 {
		t.Fatal(r)
	}
	var list kubectlListOutput
	r = e.run("kubectl", "list", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Versions) != 2 || list.Versions[0].Version != "v1.37.2" || list.Here.Source != "cluster" || list.Here.Spec != "1.37" {
		t.Fatalf("list: %v %+v", err, r)
	}
	r = e.run("kubectl", "list")
	if !strings.Contains(r.stdout, "here: kubectl 1.37, downloaded on first use (cluster: context c") {
		t.Errorf("list: %+v", r)
	}
	var pruned kubectlPruneOutput
	r = e.run("kubectl", "prune", "--keep", "1", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &pruned); err != nil || len(pruned.Removed) != 1 || pruned.Removed[0].Version != "v1.35.6" {
		t.Fatalf("prune: %v %+v", err, r)
	}
	if r := e.run("kubectl", "prune", "--keep", "-1"); r.code != 2 {
		t.Errorf("prune --keep -1: %+v", r)
	}
}

// The shim: kubectl by name from a PATH that has it first runs kubeboot
// kubectl; install refuses and uninstall leaves alone a kubectl that is
// not the shim.
func TestKubectlShimOnPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlink shim")
	}
	e := newEnv(t)
	bin := filepath.Join(t.TempDir(), "my bin")
	e.vars = append(e.vars, store.PinEnv+"=1.37.2", "PATH="+bin+":/usr/bin:/bin")
	r := e.exec("kubectl", "shim", "install", "--dir", bin)
	if r.code != 0 || !strings.Contains(r.stdout, "installed the kubectl shim "+filepath.Join(bin, "kubectl")) || r.stderr != "" {
		t.Fatalf("install: %+v", r)
	}
	if r := e.exec("kubectl", "shim", "install", "--dir", bin); r.code != 0 || !strings.Contains(r.stdout, "already in place") {
		t.Errorf("reinstall: %+v", r)
	}
	sh := exec.Command("sh", "-c", "kubectl version --client && kubectl exit 5")
	sh.Env, sh.Dir = e.vars, e.workdir()
	outb, err := sh.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 || string(outb) != "Client Version: v1.37.2\n" {
		t.Fatalf("kubectl by name: %q %v", outb, err)
	}
	r = e.exec("doctor")
	if !strings.Contains(r.stdout, filepath.Join(bin, "kubectl")+" is first on PATH: kubectl here runs kubectl v1.37.2 from the store (env: pinned by") {
		t.Errorf("doctor: %s", r.stdout)
	}
	if r := e.exec("kubectl", "shim", "uninstall", "--dir", bin); r.code != 0 || !strings.Contains(r.stdout, "removed") {
		t.Errorf("uninstall: %+v", r)
	}
	if _, err := os.Lstat(filepath.Join(bin, "kubectl")); !os.IsNotExist(err) {
		t.Errorf("shim still there: %v", err)
	}
	// Not ours: left alone both ways.
	other := filepath.Join(bin, "kubectl")
	os.WriteFile(other, standin, 0o755)
	if r := e.exec("kubectl", "shim", "install", "--dir", bin); r.code != 1 || !strings.Contains(r.stderr, "not kubeboot's shim") {
		t.Errorf("install over a kubectl: %+v", r)
	}
	if r := e.exec("kubectl", "shim", "uninstall", "--dir", bin); r.code != 1 || !strings.Contains(r.stderr, "left alone") {
		t.Errorf("uninstall of a kubectl: %+v", r)
	}
	if got, _ := os.ReadFile(other); string(got) != string(standin) {
		t.Error("the other kubectl changed")
	}
	// The shim not first on PATH: install says so.
	bin2 := t.TempDir()
	r = e.exec("kubectl", "shim", "install", "--dir", bin2)
	if r.code != 0 || !strings.Contains(r.stderr, "is not on your PATH") {
		t.Errorf("install off PATH: %+v", r)
	}
}

// setup mentions the shim to a user with several contexts, asks on a
// terminal (default no), and installs it only with --shim.
func TestSetupOffersShim(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlink shim")
	}
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"eks.yaml", filepath.Join(home, ".kube", "config"))
	bin := filepath.Join(home, "bin")
	shim := filepath.Join(home, ".local", "bin", "kubectl")
	r := e.run("setup", corpus+"coreweave.yaml", "--dir", bin, "--yes", "--version", "stable", "--no-verify")
	if r.code != 0 || !strings.Contains(r.stderr, "tip: with 2 contexts, `kubeboot kubectl shim install`") {
		t.Fatalf("--yes: %+v", r)
	}
	if _, err := os.Lstat(shim); !os.IsNotExist(err) {
		t.Fatalf("--yes installed the shim unasked: %v", err)
	}
	e.terminal, e.stdin = true, "y\n" // yes to setup; the shim question then reads no answer: no
	r = e.run("setup", corpus+"coreweave.yaml", "--dir", bin, "--version", "stable", "--no-verify")
	if r.code != 0 || !strings.Contains(r.stderr, "You have 2 contexts. Install the kubectl shim") {
		t.Fatalf("terminal: %+v", r)
	}
	if _, err := os.Lstat(shim); !os.IsNotExist(err) {
		t.Fatalf("the shim was installed without a yes: %v", err)
	}
	e.terminal, e.stdin = false, ""
	incoming, _ := filepath.Abs(corpus + "coreweave.yaml")
	r = e.exec("setup", incoming, "--dir", bin, "--yes", "--shim", "--version", "stable", "--no-verify", "-o", "json")
	var res struct{ Shim *shimOutput }
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 || res.Shim == nil || res.Shim.Path != shim {
		t.Fatalf("--shim: %v %+v", err, r)
	}
	if !isShim(shim) {
		t.Error("no shim after --shim")
	}
}

// doctor without a shim says so and what kubeboot kubectl would run.
func TestDoctorKubectlHere(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, store.PinEnv+"=1.36")
	r := e.run("doctor")
	if !strings.Contains(r.stdout, "shim        no kubectl shim (optional: kubeboot kubectl shim install); kubeboot kubectl here: kubectl 1.36, downloaded on first use (env: pinned by "+store.PinEnv+")") {
		t.Errorf("doctor: %s", r.stdout)
	}
}

func TestDirectKubectl(t *testing.T) {
	tests := []struct {
		args   []string
		direct bool
	}{
		{[]string{"kubectl", "--", "get"}, true},
		{[]string{"kubectl"}, true},
		{[]string{"kubectl", "-v", "get", "pods"}, true},
		{[]string{"kubectl", "--", "list"}, true}, // kubectl's, after --
		{[]string{"kubectl", "list"}, false},
		{[]string{"kubectl", "shim", "install"}, false},
		{[]string{"kubectl", "--help"}, false},
		{[]string{"kubectl", "--version"}, false},
		{[]string{"install", "kubectl"}, false},
		{[]string{"--context", "x", "kubectl", "get"}, false},
	}
	for _, tt := range tests {
		if _, got := directKubectl(tt.args); got != tt.direct {
			t.Errorf("%q: direct %v", tt.args, got)
		}
	}
}

// clusterKey is the cache key of the cluster kubectl talks to with the
// kubeconfig file config and the flags of t.
func clusterKey(t *testing.T, config string, target clusterTarget) string {
	t.Helper()
	view, err := kubeconfig.LoadView([]string{config})
	if err != nil {
		t.Fatal(err)
	}
	c, err := resolveCluster(view, target, "")
	if err != nil {
		t.Fatal(err)
	}
	return c.key
}

// setup --shim installs the shim with kubectl, in step 1 (which the plan
// says): a later step that fails (the access check, against a cluster that
// answers its version but fails every review) leaves a kubectl that runs.
func TestSetupShimBeforeLaterSteps(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlink shim")
	}
	e := newEnv(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"gitVersion":"v1.37.2"}`))
			return
		}
		http.Error(w, "etcd is down", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	incoming := writeKubeconfig(t, filepath.Join(t.TempDir(), "cw-kubeconfig"), srv.URL,
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), fakeClusterToken)
	shim := filepath.Join(e.home(), ".local", "bin", "kubectl")
	r := e.exec("setup", incoming, "--yes", "--shim", "--version", "stable")
	if r.code == 0 || !strings.Contains(r.stderr, "verify access failed") {
		t.Fatalf("want the access check to fail: %+v", r)
	}
	plan, _, _ := strings.Cut(r.stderr, "  2. ")
	if !strings.Contains(plan, "1. install kubectl v1.37.2 into kubeboot's store") || !strings.Contains(plan, "and the kubectl shim at "+shim) {
		t.Errorf("the plan does not list the shim in step 1:\n%s", r.stderr)
	}
	if !isShim(shim) {
		t.Fatalf("no shim after a failure past step 1:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "the kubectl shim at "+shim+" runs it") {
		t.Errorf("step 1 does not name the shim:\n%s", r.stderr)
	}
	cmd := exec.Command(shim, "version", "--client")
	cmd.Env = e.vars
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v1.37.2") {
		t.Errorf("the shim does not run kubectl: %v\n%s", err, out)
	}
}
