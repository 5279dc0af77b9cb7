package main

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// versionServer answers /version with the version for the TLS server name
// the client sent ("" for none: an IP address), as a proxy routing by
// server name does, and counts the questions.
type versionServer struct {
	srv   *httptest.Server
	asked atomic.Int32
}

func startVersionServer(t *testing.T, bySNI map[string]string) *versionServer {
	v := &versionServer{}
	v.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.asked.Add(1)
		ver, ok := bySNI[r.TLS.ServerName]
		if r.URL.Path != "/version" || !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"gitVersion": ver})
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *versionServer) caPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: v.srv.Certificate().Raw}))
}

// kubeconfigDoc writes a kubeconfig of clusters (name: body fields),
// one context per cluster of the same name, and users.
func kubeconfigDoc(t *testing.T, path, current string, clusters map[string]map[string]any, user map[string]any) {
	t.Helper()
	cfg := map[string]any{"apiVersion": "v1", "kind": "Config", "current-context": current}
	var cl, ctx []any
	for name, body := range clusters {
		cl = append(cl, map[string]any{"name": name, "cluster": body})
		ctx = append(ctx, map[string]any{"name": name, "context": map[string]any{"cluster": name, "user": "u"}})
	}
	if user == nil {
		user = map[string]any{}
	}
	cfg["clusters"], cfg["contexts"], cfg["users"] = cl, ctx, []any{map[string]any{"name": "u", "user": user}}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Two clusters behind one URL (routed by TLS server name), and a cluster
// named by --server/-s or --cluster in kubectl's arguments, each have their
// own version; the cache holds neither credentials nor query strings.
func TestKubectlClusterVersionKeyedByCluster(t *testing.T) {
	e := newEnv(t)
	e.m.SetMarker("stable-1.35", "v1.35.6\n")
	e.m.AddKubectl("v1.35.6", runtime.GOOS, runtime.GOARCH, standin135)
	proxy := startVersionServer(t, map[string]string{"": "v1.35.6", "example.com": "v1.37.2"})
	other := startVersionServer(t, map[string]string{"": "v1.37.1"})
	config := filepath.Join(t.TempDir(), "config")
	const secret = "QUERYSECRET0123456789"
	kubeconfigDoc(t, config, "a", map[string]map[string]any{
		"a": {"server": proxy.srv.URL, "certificate-authority-data": []byte(proxy.caPEM())},
		"b": {"server": proxy.srv.URL, "tls-server-name": "example.com", "certificate-authority-data": []byte(proxy.caPEM())},
		"q": {"server": strings.Replace(proxy.srv.URL, "https://", "https://alice:PASSWORD1234@", 1) + "/?token=" + secret, "certificate-authority-data": []byte(proxy.caPEM())},
	}, nil)
	e.vars = append(e.vars, "KUBECONFIG="+config)
	runs := []struct {
		args []string
		want string
	}{
		{[]string{"version", "--client"}, "v1.35.6"},
		{[]string{"--context", "b", "version", "--client"}, "v1.37.2"},
		{[]string{"version", "--client", "--cluster=b"}, "v1.37.2"},
		{[]string{"version", "--client", "-s", other.srv.URL}, "v1.37.2"},
		// Cached now, each its own.
		{[]string{"version", "--client", "--server=" + other.srv.URL, "--context", "a"}, "v1.37.2"},
		{[]string{"version", "--client"}, "v1.35.6"},
		{[]string{"--context=b", "version", "--client"}, "v1.37.2"},
		// A server URL with a query string (that this server does not
		// answer): stable, and the failure is remembered without it.
		{[]string{"--context=q", "version", "--client"}, "v1.37.2"},
	}
	for _, r := range runs {
		res := e.run(append([]string{"kubectl", "-v"}, r.args...)...)
		if res.code != 0 || res.stdout != "Client Version: "+r.want+"\n" {
			t.Errorf("%q: %+v, want kubectl %s", r.args, res, r.want)
		}
		if strings.Contains(res.stderr, secret) || strings.Contains(res.stderr, "PASSWORD1234") {
			t.Errorf("%q: a secret in the messages: %s", r.args, res.stderr)
		}
	}
	if n := other.asked.Load(); n != 1 {
		t.Errorf("the --server cluster was asked %d times, want once (then cached)", n)
	}
	b, _ := os.ReadFile(filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl", clusterCacheName))
	if strings.Contains(string(b), secret) || strings.Contains(string(b), "PASSWORD1234") || !strings.Contains(string(b), proxy.srv.URL) {
		t.Errorf("cache file: %s", b)
	}
}

// The key: what identifies a cluster changes it, what does not (a
// credential, a query string, another context of the same cluster) does
// not.
func TestResolveClusterKey(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	ca1, ca2 := filepath.Join(dir, "ca1.pem"), filepath.Join(dir, "ca2.pem")
	os.WriteFile(ca1, []byte("CA one"), 0o644)
	os.WriteFile(ca2, []byte("CA two"), 0o644)
	kubeconfigDoc(t, config, "plain", map[string]map[string]any{
		"plain":    {"server": "https://api.example:6443"},
		"creds":    {"server": "https://bob:pw@api.example:6443?token=x"},
		"sni":      {"server": "https://api.example:6443", "tls-server-name": "b.example"},
		"ca":       {"server": "https://api.example:6443", "certificate-authority": ca1},
		"cadata":   {"server": "https://api.example:6443", "certificate-authority-data": []byte("CA one")},
		"insecure": {"server": "https://api.example:6443", "insecure-skip-tls-verify": true},
		"proxied":  {"server": "https://api.example:6443", "proxy-url": "http://proxy:3128"},
		// kubectl reads keys spelled exactly: this is the plain cluster.
		"shouty": {"server": "https://api.example:6443", "Insecure-Skip-TLS-Verify": true, "Proxy-URL": "http://proxy:3128", "TLS-Server-Name": "b.example"},
	}, nil)
	view, err := kubeconfig.LoadView([]string{config})
	if err != nil {
		t.Fatal(err)
	}
	key := func(tg clusterTarget) string {
		c, err := resolveCluster(view, tg, dir)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.shown, "pw") || strings.Contains(c.shown, "token") {
			t.Errorf("shown %q", c.shown)
		}
		return c.key
	}
	plain := key(clusterTarget{})
	same := []clusterTarget{{Context: "creds"}, {Cluster: "creds"}, {Server: "https://api.example:6443/"[:len("https://api.example:6443")]}, {User: "someone"}, {Context: "shouty"}}
	for _, tg := range same {
		if k := key(tg); k != plain {
			t.Errorf("%+v: another key than the same cluster's", tg)
		}
	}
	seen := map[string]string{plain: "plain"}
	for name, tg := range map[string]clusterTarget{
		"sni": {Context: "sni"}, "--tls-server-name": {TLSServerName: "c.example"}, "ca": {Context: "ca"},
		"--certificate-authority": {CA: "ca2.pem"}, "insecure": {Context: "insecure"}, "--insecure-skip-tls-verify": {Context: "sni", Insecure: "true"},
		"proxied": {Context: "proxied"}, "-s": {Server: "https://other:6443"},
	} {
		k := key(tg)
		if prev, ok := seen[k]; ok {
			t.Errorf("%s has the key of %s", name, prev)
		}
		seen[k] = name
	}
	if key(clusterTarget{Insecure: "true"}) != key(clusterTarget{Context: "insecure"}) {
		t.Error("--insecure-skip-tls-verify and the same in the kubeconfig: two keys")
	}
	// A CA given as a file and the same CA inline are the same cluster.
	if key(clusterTarget{Context: "ca"}) != key(clusterTarget{Context: "cadata"}) {
		t.Error("the same CA, as a file and inline: two keys")
	}
}

// Asking the cluster runs the context's exec credential plugin: the whole
// question is bounded (a plugin that takes 20 s costs about 3 s), and a
// failure is remembered for a minute, so a failing plugin does not run on
// every command.
func TestKubectlClusterQuestionBounded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh plugin")
	}
	e := newEnv(t)
	srv := startVersionServer(t, map[string]string{"": "v1.37.2"})
	dir := t.TempDir()
	count := filepath.Join(dir, "runs")
	config := filepath.Join(dir, "config")
	plugin := func(script string) map[string]any {
		return map[string]any{"exec": map[string]any{"apiVersion": "client.authentication.k8s.io/v1", "command": "/bin/sh",
			"args": []string{"-c", "echo run >> '" + count + "'; " + script}, "interactiveMode": "Never"}}
	}
	kubeconfigDoc(t, config, "slow", map[string]map[string]any{"slow": {"server": srv.srv.URL, "certificate-authority-data": []byte(srv.caPEM())}}, plugin("sleep 20"))
	e.vars = append(e.vars, "KUBECONFIG="+config)
	start := time.Now()
	r := e.run("kubectl", "-v", "version", "--client")
	if took := time.Since(start); took > 6*time.Second || r.code != 0 || !strings.Contains(r.stderr, "stable: no project pin, and the cluster's version is unknown") {
		t.Fatalf("a 20 s plugin: %v, %+v", took, r)
	}
	start = time.Now()
	r = e.run("kubectl", "-v", "version", "--client")
	if took := time.Since(start); took > time.Second || r.code != 0 || !strings.Contains(r.stderr, "not asked again") {
		t.Errorf("again: %v, %+v", took, r)
	}
	// A plugin that fails at once (another cluster): run once, not on
	// every command.
	os.Remove(count)
	srv2 := startVersionServer(t, map[string]string{"": "v1.37.2"})
	kubeconfigDoc(t, config, "failing", map[string]map[string]any{"failing": {"server": srv2.srv.URL, "certificate-authority-data": []byte(srv2.caPEM())}}, plugin("exit 1"))
	for range 3 {
		if r := e.run("kubectl", "version", "--client"); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
			t.Fatalf("failing plugin: %+v", r)
		}
	}
	if b, _ := os.ReadFile(count); strings.Count(string(b), "run") != 1 {
		t.Errorf("the failing plugin ran %d times in 3 commands", strings.Count(string(b), "run"))
	}
	if srv.asked.Load()+srv2.asked.Load() != 0 {
		t.Errorf("the server was asked without a credential")
	}
}
