package verify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"sigs.k8s.io/yaml"
)

// srv is the real API server of this package's tests; nil when they skip.
var srv *k8stest.Server

func TestMain(m *testing.M) {
	if mode := os.Getenv("VERIFY_TEST_PLUGIN"); mode != "" {
		os.Exit(plugin(mode))
	}
	// testing.Short is usable only after flag parsing, which m.Run does;
	// the server starts lazily in server().
	code := m.Run()
	if srv != nil {
		srv.Stop()
	}
	os.Exit(code)
}

var startOnce sync.Once
var startErr error

// server returns the shared real API server, starting it on first use, or
// skips the test.
func server(t *testing.T) *k8stest.Server {
	t.Helper()
	k8stest.Skip(t)
	startOnce.Do(func() {
		start := time.Now()
		srv, startErr = k8stest.Start(context.Background())
		fmt.Fprintf(os.Stderr, "k8stest: API server started in %v\n", time.Since(start).Round(time.Millisecond))
	})
	if startErr != nil {
		t.Fatal(startErr)
	}
	return srv
}

// plugin is the exec credential plugin the tests run: this test binary,
// re-executed with VERIFY_TEST_PLUGIN set.
func plugin(mode string) int {
	var info struct {
		APIVersion string `json:"apiVersion"`
		Spec       struct {
			Interactive bool            `json:"interactive"`
			Cluster     json.RawMessage `json:"cluster"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(os.Getenv("KUBERNETES_EXEC_INFO")), &info); err != nil || info.Spec.Interactive {
		fmt.Fprintln(os.Stderr, "bad KUBERNETES_EXEC_INFO")
		return 5
	}
	status := map[string]string{}
	switch mode {
	case "token":
		status["token"] = os.Getenv("VERIFY_TEST_TOKEN")
	case "cert":
		cert, _ := os.ReadFile(os.Getenv("VERIFY_TEST_CERT"))
		key, _ := os.ReadFile(os.Getenv("VERIFY_TEST_KEY"))
		status["clientCertificateData"], status["clientKeyData"] = string(cert), string(key)
	case "cluster-info":
		if info.Spec.Cluster == nil {
			return 6
		}
		status["token"] = os.Getenv("VERIFY_TEST_TOKEN")
	case "fail":
		fmt.Println(os.Getenv("VERIFY_TEST_TOKEN"))
		fmt.Fprintln(os.Stderr, "plugin: login required")
		return 3
	case "garbage":
		fmt.Println("token: " + os.Getenv("VERIFY_TEST_TOKEN"))
		return 0
	case "mark":
		os.WriteFile(os.Getenv("VERIFY_TEST_MARK"), []byte("ran"), 0o600)
		status["token"] = "exec-token-0123456789"
	case "hang":
		time.Sleep(10 * time.Minute)
		return 0
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"apiVersion": info.APIVersion, "kind": "ExecCredential", "status": status})
	return 0
}

// kc is a kubeconfig under construction: one cluster, user and context
// named like CoreWeave's.
type kc struct {
	cluster map[string]any
	user    map[string]any
	ns      string
}

func newKC(s *k8stest.Server, u k8stest.User) *kc {
	k := &kc{cluster: map[string]any{"server": s.URL, "certificate-authority-data": base64.StdEncoding.EncodeToString(s.CAPEM)}, user: map[string]any{}}
	if u.Token != "" {
		k.user["token"] = u.Token
	}
	if u.ClientCertPEM != nil {
		k.user["client-certificate-data"] = base64.StdEncoding.EncodeToString(u.ClientCertPEM)
		k.user["client-key-data"] = base64.StdEncoding.EncodeToString(u.ClientKeyPEM)
	}
	return k
}

func (k *kc) yaml() []byte {
	ctx := map[string]any{"cluster": "coreweave", "user": "token-user"}
	if k.ns != "" {
		ctx["namespace"] = k.ns
	}
	out, err := yaml.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "coreweave",
		"clusters": []any{map[string]any{"name": "coreweave", "cluster": k.cluster}},
		"users":    []any{map[string]any{"name": "token-user", "user": k.user}},
		"contexts": []any{map[string]any{"name": "coreweave", "context": ctx}},
	})
	if err != nil {
		panic(err)
	}
	return out
}

// write writes the kubeconfig into dir (a new temp folder when "", from
// testutil.TempDir: t.TempDir's cleanup fails under Wine).
func (k *kc) write(t *testing.T, dir string) string {
	t.Helper()
	if dir == "" {
		dir = testutil.TempDir(t)
	}
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, k.yaml(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// secretsOf lists every credential the server's users have, and the
// secrets' value: none may appear in a report, error or log.
func secretsOf(s *k8stest.Server) []string {
	var out []string
	for _, u := range []k8stest.User{s.Admin, s.Blank, s.Tenant, s.CertUser} {
		if u.Token != "" {
			out = append(out, u.Token)
		}
		if u.ClientKeyPEM != nil {
			out = append(out, base64.StdEncoding.EncodeToString(u.ClientKeyPEM)[:40])
			lines := strings.Split(string(u.ClientKeyPEM), "\n")
			out = append(out, lines[1])
		}
	}
	return append(out, "k8stest-secret-value", "wrong-token-0123456789")
}

// run verifies the kubeconfig at path, checking that no secret leaks into
// the report, the error or the log.
func run(t *testing.T, s *k8stest.Server, path string, o Options) (*Report, error) {
	t.Helper()
	var log strings.Builder
	o.Kubeconfig = []string{path}
	o.Logf = func(f string, a ...any) { fmt.Fprintf(&log, f+"\n", a...) }
	if o.ExecTimeout == 0 {
		o.ExecTimeout = 20 * time.Second
	}
	r, err := Verify(context.Background(), o)
	js, _ := json.Marshal(r)
	var all []string
	if s != nil {
		all = secretsOf(s)
	}
	for _, secret := range all {
		for what, text := range map[string]string{"report": string(js), "log": log.String(), "error": fmt.Sprint(err)} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds a secret %.8s...: %s", what, secret, text)
			}
		}
	}
	return r, err
}

func TestTokenUsers(t *testing.T) {
	s := server(t)
	tests := []struct {
		name      string
		user      k8stest.User
		ctxNS, ns string
		allowed   bool
		wantNS    string
	}{
		{"admin", s.Admin, k8stest.TenantNamespace, "", true, k8stest.TenantNamespace},
		{"admin other namespace", s.Admin, k8stest.TenantNamespace, k8stest.OtherNamespace, true, k8stest.OtherNamespace},
		{"blank no namespace", s.Blank, "", "", false, "default"},
		{"blank tenant namespace", s.Blank, k8stest.TenantNamespace, "", false, k8stest.TenantNamespace},
		{"tenant own namespace", s.Tenant, k8stest.TenantNamespace, "", true, k8stest.TenantNamespace},
		{"tenant other namespace", s.Tenant, k8stest.TenantNamespace, k8stest.OtherNamespace, false, k8stest.OtherNamespace},
		{"tenant no namespace", s.Tenant, "", "", false, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKC(s, tt.user)
			k.ns = tt.ctxNS
			path := k.write(t, "")
			r, err := run(t, s, path, Options{Namespace: tt.ns, KubectlVersion: "v1.35.1"})
			if err != nil {
				t.Fatal(err)
			}
			if r.ServerVersion != s.Version || r.Namespace != tt.wantNS || r.AuthMethod != AuthToken || r.Context != "coreweave" {
				t.Errorf("report: %+v", r)
			}
			if r.Identity == nil || r.Identity.Username != tt.user.Username || !sameSet(r.Identity.Groups, tt.user.Groups) {
				t.Errorf("identity %+v, want %s %v", r.Identity, tt.user.Username, tt.user.Groups)
			}
			sec := r.Secrets
			if sec.Allowed != tt.allowed {
				t.Fatalf("allowed=%v, want %v: %+v", sec.Allowed, tt.allowed, sec)
			}
			if tt.allowed {
				want := slices.Sorted(slices.Values(k8stest.Secrets[tt.wantNS]))
				if sec.Count != len(want) || !slices.Equal(sec.Names, want) {
					t.Errorf("secrets %d %v, want %v", sec.Count, sec.Names, want)
				}
			} else {
				if sec.Count != 0 || sec.Names != nil || !strings.Contains(sec.Explanation, "authentication works") ||
					!strings.Contains(sec.Explanation, tt.wantNS) {
					t.Errorf("forbidden report: %+v", sec)
				}
				if blank := strings.Contains(sec.Explanation, `"blank" token`); blank != (tt.ctxNS == "" && tt.ns == "") {
					t.Errorf("explanation mentions a blank token: %v: %s", blank, sec.Explanation)
				}
			}
			if r.Skew == nil || r.Skew.Level != SkewWarn {
				t.Errorf("skew v1.35.1 vs %s: %+v", s.Version, r.Skew)
			}
			// The real kubectl must agree.
			args := []string{"get", "secret"}
			if tt.ns != "" {
				args = append(args, "-n", tt.ns)
			}
			out, code, err := k8stest.KubectlRun(context.Background(), path, args...)
			if err != nil {
				t.Fatal(err)
			}
			if (code == 0) != tt.allowed {
				t.Errorf("kubectl get secret exit %d, but verify says allowed=%v:\n%s", code, tt.allowed, out)
			}
			if !tt.allowed && !strings.Contains(out, "Forbidden") {
				t.Errorf("kubectl does not say Forbidden:\n%s", out)
			}
		})
	}
}

func TestRulesOfTenantUser(t *testing.T) {
	s := server(t)
	k := newKC(s, s.Tenant)
	k.ns = k8stest.TenantNamespace
	// Ask about a namespace where the Role applies, via a user that may
	// list secrets: Can is only filled when forbidden, so check through a
	// namespace where it is not, then the rules the server lists for the
	// granted one.
	r, err := run(t, s, k.write(t, ""), Options{Namespace: k8stest.OtherNamespace})
	if err != nil {
		t.Fatal(err)
	}
	if r.Secrets.Allowed || len(r.Secrets.Can) != 0 {
		t.Errorf("tenant-b: %+v", r.Secrets)
	}
	v, err := newVerifier(context.Background(), Options{Kubeconfig: []string{k.write(t, "")}})
	if err != nil {
		t.Fatal(err)
	}
	if can := v.rules(context.Background()); !slices.Contains(can, "list,get secrets") {
		t.Errorf("rules in tenant-a: %q", can)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func TestWrongToken(t *testing.T) {
	s := server(t)
	k := newKC(s, k8stest.User{Token: "wrong-token-0123456789"})
	path := k.write(t, "")
	_, err := run(t, s, path, Options{})
	var ue *UnauthorizedError
	if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &ue) || ue.AuthMethod != AuthToken {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if !strings.Contains(err.Error(), "API Access page") {
		t.Errorf("message does not say what to do: %v", err)
	}
	out, code, _ := k8stest.KubectlRun(context.Background(), path, "get", "secret")
	if code == 0 || !strings.Contains(out, "must be logged in") {
		t.Errorf("kubectl disagrees: exit %d\n%s", code, out)
	}
}

func TestWrongCA(t *testing.T) {
	s := server(t)
	other, err := k8stest.NewCA("other-ca")
	if err != nil {
		t.Fatal(err)
	}
	k := newKC(s, s.Admin)
	k.cluster["certificate-authority-data"] = base64.StdEncoding.EncodeToString(other.CertPEM)
	_, err = run(t, s, k.write(t, ""), Options{})
	var te *TLSError
	if !errors.As(err, &te) || te.Reason != TLSUnknownAuthority || !errors.Is(err, ErrTLS) {
		t.Fatalf("err = %v, want a TLSError for an unknown authority", err)
	}
	if !strings.Contains(err.Error(), "wrong CA, or your clock is off") || !strings.Contains(err.Error(), s.URL) {
		t.Errorf("message: %v", err)
	}
}

func TestServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	k := &kc{cluster: map[string]any{"server": "https://" + addr}, user: map[string]any{"token": "wrong-token-0123456789"}}
	start := time.Now()
	_, err = run(t, nil, k.write(t, ""), Options{})
	var ue *UnreachableError
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &ue) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want ErrUnreachable naming %s", err, addr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("error holds the token: %v", err)
	}
}

func TestClientCertificate(t *testing.T) {
	s := server(t)
	t.Run("data", func(t *testing.T) {
		r, err := run(t, s, newKC(s, s.CertUser).write(t, ""), Options{Namespace: k8stest.TenantNamespace})
		checkAdminLike(t, r, err, "cert-user", AuthClientCert)
	})
	t.Run("relative files", func(t *testing.T) {
		dir := testutil.TempDir(t)
		os.Mkdir(filepath.Join(dir, "pki"), 0o700)
		os.WriteFile(filepath.Join(dir, "pki", "ca.crt"), s.CAPEM, 0o600)
		os.WriteFile(filepath.Join(dir, "pki", "me.crt"), s.CertUser.ClientCertPEM, 0o600)
		os.WriteFile(filepath.Join(dir, "pki", "me.key"), s.CertUser.ClientKeyPEM, 0o600)
		k := &kc{cluster: map[string]any{"server": s.URL, "certificate-authority": "pki/ca.crt"},
			user: map[string]any{"client-certificate": "pki/me.crt", "client-key": "pki/me.key"}, ns: k8stest.TenantNamespace}
		path := k.write(t, dir)
		// Run from another folder: the paths are relative to the file.
		r, err := run(t, s, path, Options{})
		checkAdminLike(t, r, err, "cert-user", AuthClientCert)
		os.Remove(filepath.Join(dir, "pki", "me.key"))
		_, err = run(t, s, path, Options{})
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "client-key") {
			t.Errorf("missing key: %v", err)
		}
	})
}

func checkAdminLike(t *testing.T, r *Report, err error, user, method string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if r.AuthMethod != method || r.Identity == nil || r.Identity.Username != user ||
		!r.Secrets.Allowed || r.Secrets.Count != len(k8stest.Secrets[k8stest.TenantNamespace]) {
		js, _ := json.Marshal(r)
		t.Errorf("report: %s", js)
	}
}

func TestTokenFile(t *testing.T) {
	s := server(t)
	dir := testutil.TempDir(t)
	os.WriteFile(filepath.Join(dir, "token"), []byte("  "+s.Admin.Token+"\n"), 0o600)
	k := newKC(s, k8stest.User{})
	k.user["tokenFile"] = "token"
	k.ns = k8stest.TenantNamespace
	r, err := run(t, s, k.write(t, dir), Options{})
	checkAdminLike(t, r, err, "admin", AuthTokenFile)
}

func execKC(s *k8stest.Server, apiVersion, mode string, extra ...map[string]any) *kc {
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	env := []any{map[string]any{"name": "VERIFY_TEST_PLUGIN", "value": mode}, map[string]any{"name": "VERIFY_TEST_TOKEN", "value": s.Admin.Token}}
	for _, e := range extra {
		env = append(env, e)
	}
	ex := map[string]any{"apiVersion": apiVersion, "command": self, "env": env, "interactiveMode": "Never", "installHint": "install the test plugin"}
	k := newKC(s, k8stest.User{})
	k.user["exec"] = ex
	k.ns = k8stest.TenantNamespace
	return k
}

func TestExecPlugin(t *testing.T) {
	s := server(t)
	for _, api := range []string{ExecV1, ExecV1beta1} {
		t.Run(api, func(t *testing.T) {
			r, err := run(t, s, execKC(s, api, "token").write(t, ""), Options{})
			checkAdminLike(t, r, err, "admin", AuthExec)
		})
	}
	t.Run("cluster info", func(t *testing.T) {
		k := execKC(s, ExecV1, "cluster-info")
		k.user["exec"].(map[string]any)["provideClusterInfo"] = true
		r, err := run(t, s, k.write(t, ""), Options{})
		checkAdminLike(t, r, err, "admin", AuthExec)
	})
	t.Run("client certificate", func(t *testing.T) {
		k := execKC(s, ExecV1, "cert",
			map[string]any{"name": "VERIFY_TEST_CERT", "value": s.ClientCertFile()},
			map[string]any{"name": "VERIFY_TEST_KEY", "value": s.ClientKeyFile()})
		r, err := run(t, s, k.write(t, ""), Options{})
		checkAdminLike(t, r, err, "cert-user", AuthExec)
	})
	t.Run("kubectl agrees", func(t *testing.T) {
		out, code, err := k8stest.KubectlRun(context.Background(), execKC(s, ExecV1, "token").write(t, ""), "get", "secret")
		if err != nil || code != 0 || !strings.Contains(out, "registry-pull") {
			t.Errorf("kubectl with the exec plugin: exit %d, %v\n%s", code, err, out)
		}
	})
}

// TestExecFailures needs no API server: the plugin runs before any request.
func TestExecFailures(t *testing.T) {
	fake := &k8stest.Server{URL: "https://127.0.0.1:1", CAPEM: nil, Admin: k8stest.User{Token: "wrong-token-0123456789"}}
	tests := []struct {
		name, mode, api string
		timeout         time.Duration
		check           func(*ExecError) bool
		contains        string
	}{
		{"fails", "fail", ExecV1, 0, func(e *ExecError) bool { return e.ExitCode == 3 && !e.TimedOut }, "exit status 3"},
		{"garbage", "garbage", ExecV1, 0, func(e *ExecError) bool { return e.ExitCode == -1 }, "not an ExecCredential"},
		{"hangs", "hang", ExecV1, 300 * time.Millisecond, func(e *ExecError) bool { return e.TimedOut }, "no credential within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			start := time.Now()
			_, err := run(t, nil, execKC(fake, tt.api, tt.mode).write(t, ""), Options{ExecTimeout: tt.timeout, ExecStderr: &stderr})
			var ee *ExecError
			if !errors.As(err, &ee) || !errors.Is(err, ErrExecPlugin) || !tt.check(ee) || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("err = %#v (%v)", ee, err)
			}
			if strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("the error holds the plugin's output: %v", err)
			}
			if tt.mode == "fail" && !strings.Contains(stderr.String(), "login required") {
				t.Errorf("the plugin's stderr was not passed on: %q", stderr.String())
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("missing command", func(t *testing.T) {
		k := execKC(fake, ExecV1, "token")
		k.user["exec"].(map[string]any)["command"] = "kubeboot-no-such-plugin"
		_, err := run(t, nil, k.write(t, ""), Options{})
		var ee *ExecError
		if !errors.As(err, &ee) || !ee.NotFound || !strings.Contains(err.Error(), "install the test plugin") || !strings.Contains(err.Error(), "kubeboot-no-such-plugin") {
			t.Fatalf("err = %v", err)
		}
		problem, hint, _ := Advice(err)
		if hint != "install the test plugin" || !strings.Contains(problem, "kubeboot-no-such-plugin not found") {
			t.Errorf("problem %q, hint %q: want the command named and the kubeconfig's installHint", problem, hint)
		}
	})
	t.Run("missing command without installHint", func(t *testing.T) {
		for _, cmd := range []string{"kubeboot-no-such-plugin", filepath.Join(testutil.TempDir(t), "bin", "no-such-plugin")} {
			k := execKC(fake, ExecV1, "token")
			ex := k.user["exec"].(map[string]any)
			ex["command"] = cmd
			delete(ex, "installHint")
			_, err := run(t, nil, k.write(t, ""), Options{})
			problem, hint, _ := Advice(err)
			var ee *ExecError
			if !errors.As(err, &ee) || !ee.NotFound || !strings.Contains(problem, filepath.Base(cmd)+" not found") ||
				strings.Contains(hint, "run the plugin yourself") || !strings.Contains(hint, "not installed") {
				t.Errorf("command %s: problem %q, hint %q", cmd, problem, hint)
			}
		}
	})
	t.Run("v1 without interactiveMode", func(t *testing.T) {
		k := execKC(fake, ExecV1, "token")
		delete(k.user["exec"].(map[string]any), "interactiveMode")
		if _, err := run(t, nil, k.write(t, ""), Options{}); !errors.Is(err, ErrBadConfig) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTLSServerName(t *testing.T) {
	s := server(t)
	k := newKC(s, s.Admin)
	k.ns = k8stest.TenantNamespace
	k.cluster["server"] = strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	_, err := run(t, s, k.write(t, ""), Options{})
	var te *TLSError
	if !errors.As(err, &te) || te.Reason != TLSWrongHost {
		t.Fatalf("localhost is not in the certificate: err = %v", err)
	}
	k.cluster["tls-server-name"] = k8stest.ServerName
	r, err := run(t, s, k.write(t, ""), Options{})
	checkAdminLike(t, r, err, "admin", AuthToken)
}

func TestInsecureSkipTLSVerify(t *testing.T) {
	s := server(t)
	k := newKC(s, s.Admin)
	k.ns = k8stest.TenantNamespace
	delete(k.cluster, "certificate-authority-data")
	k.cluster["insecure-skip-tls-verify"] = true
	r, err := run(t, s, k.write(t, ""), Options{})
	checkAdminLike(t, r, err, "admin", AuthToken)
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "insecure-skip-tls-verify") {
		t.Errorf("warnings: %q", r.Warnings)
	}
	k.cluster["certificate-authority-data"] = base64.StdEncoding.EncodeToString(s.CAPEM)
	if _, err := run(t, s, k.write(t, ""), Options{}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("CA and insecure together: %v", err)
	}
}

// TestProxyURL reaches the API server only through the kubeconfig's
// proxy-url: the server is addressed by a name this machine cannot resolve.
func TestProxyURL(t *testing.T) {
	s := server(t)
	proxy := testutil.StartConnectProxy(t, func(string) string { return strings.TrimPrefix(s.URL, "https://") })
	k := newKC(s, s.Admin)
	k.ns = k8stest.TenantNamespace
	k.cluster["server"] = "https://" + k8stest.ServerName + ":443"
	k.cluster["proxy-url"] = proxy.URL
	r, err := run(t, s, k.write(t, ""), Options{})
	checkAdminLike(t, r, err, "admin", AuthToken)
	if asked := proxy.Asked(); r.Proxy != proxy.URL || len(asked) == 0 || asked[0] != k8stest.ServerName+":443" {
		t.Errorf("proxy %q saw %v", r.Proxy, asked)
	}
}

// TestTLSFailures uses local TLS servers: an expired certificate, and a
// server that does not speak TLS.
func TestTLSFailures(t *testing.T) {
	ca, err := k8stest.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue(k8stest.CertSpec{CommonName: "expired", IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	expired := httptest.NewUnstartedServer(http.NotFoundHandler())
	expired.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	expired.StartTLS()
	defer expired.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	for _, tc := range []struct {
		url    string
		reason TLSReason
		hint   string
	}{
		{expired.URL, TLSExpired, "clock"},
		{strings.Replace(plain.URL, "http:", "https:", 1), TLSNotTLS, "does not speak TLS"},
	} {
		k := &kc{cluster: map[string]any{"server": tc.url, "certificate-authority-data": base64.StdEncoding.EncodeToString(ca.CertPEM)},
			user: map[string]any{"token": "wrong-token-0123456789"}}
		_, err := run(t, nil, k.write(t, ""), Options{})
		var te *TLSError
		if !errors.As(err, &te) || te.Reason != tc.reason || !strings.Contains(err.Error(), tc.hint) || strings.Contains(err.Error(), "wrong-token") {
			t.Errorf("%s: err = %v, want %s", tc.url, err, tc.reason)
		}
	}
}

func TestLoadMerged(t *testing.T) {
	dir := testutil.TempDir(t)
	a := filepath.Join(dir, "a", "config")
	b := filepath.Join(dir, "b", "config")
	os.MkdirAll(filepath.Dir(a), 0o700)
	os.MkdirAll(filepath.Dir(b), 0o700)
	os.WriteFile(a, []byte(`clusters:
- name: shared
  cluster: {server: "https://a.example", certificate-authority: ca.crt}
contexts:
- name: one
  context: {cluster: shared, user: u}
`), 0o600)
	os.WriteFile(b, []byte(`current-context: two
clusters:
- name: shared
  cluster: {server: "https://b.example"}
- name: only-b
  cluster: {server: "https://only-b.example"}
users:
- name: u
  user:
    tokenFile: tok
    exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}
- name: v
  user:
    exec: {command: plugin-on-path}
- name: w
  user:
    exec: {command: 'bin\plugin.exe', apiVersion: client.authentication.k8s.io/v1}
contexts:
- name: one
  context: {cluster: only-b}
- name: two
  context: {cluster: only-b, user: u}
`), 0o600)
	cfg, err := LoadMerged([]string{filepath.Join(dir, "missing"), a, b})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "two" || len(cfg.Clusters) != 2 || len(cfg.Contexts) != 2 || len(cfg.Users) != 3 {
		t.Fatalf("merged: %+v", cfg)
	}
	body := func(k kubeconfig.Kind, name string) string {
		e, _ := cfg.Lookup(k, name)
		return string(e.Body)
	}
	// Bodies are JSON: a Windows path shows there with its backslashes escaped.
	if got := body(kubeconfig.KindCluster, "shared"); !strings.Contains(got, "a.example") || !strings.Contains(got, jsonString(t, filepath.Join(dir, "a", "ca.crt"))) {
		t.Errorf("first file must win, paths resolved: %s", got)
	}
	if got := body(kubeconfig.KindContext, "one"); !strings.Contains(got, `"shared"`) {
		t.Errorf("context one: %s", got)
	}
	// Like kubectl (client-go's GetAuthInfoFileReferences), an exec command
	// is a path, resolved from its file's folder, only when it holds the
	// OS's separator: ./bin/plugin on Unix, bin\plugin.exe on Windows; any
	// other command is run as written.
	execWant := map[string]string{"u": "./bin/plugin", "w": `bin\plugin.exe`}
	if filepath.Separator == '/' {
		execWant["u"] = filepath.Join(dir, "b", "bin", "plugin")
	} else {
		execWant["w"] = filepath.Join(dir, "b", "bin", "plugin.exe")
	}
	if got := body(kubeconfig.KindUser, "u"); !strings.Contains(got, jsonString(t, filepath.Join(dir, "b", "tok"))) || !strings.Contains(got, `"command":`+jsonString(t, execWant["u"])) {
		t.Errorf("user u: %s, want command %q", got, execWant["u"])
	}
	if got := body(kubeconfig.KindUser, "w"); !strings.Contains(got, `"command":`+jsonString(t, execWant["w"])) {
		t.Errorf("user w: %s, want command %q", got, execWant["w"])
	}
	if got := body(kubeconfig.KindUser, "v"); !strings.Contains(got, `"plugin-on-path"`) {
		t.Errorf("a command without a separator is looked up on PATH: %s", got)
	}
	if _, err := LoadMerged([]string{filepath.Join(dir, "nope")}); !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("no file: %v", err)
	}
	os.WriteFile(a, []byte("clusters: [\n"), 0o600)
	if _, err := LoadMerged([]string{a, b}); !errors.Is(err, ErrBadConfig) || !errors.Is(err, kubeconfig.ErrInvalidConfig) {
		t.Errorf("invalid file: %v", err)
	}
}

// jsonString quotes s as JSON, as it appears in an entry's Body.
func jsonString(t testing.TB, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContextErrors(t *testing.T) {
	k := &kc{cluster: map[string]any{"server": "https://127.0.0.1:1"}, user: map[string]any{"auth-provider": map[string]any{"name": "gcp"}}}
	path := k.write(t, "")
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Context: "nope"}, `context "nope" is not defined`},
		{Options{}, "auth-provider"},
	} {
		_, err := run(t, nil, path, tc.o)
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.o, err, tc.want)
		}
		if p, h, ok := Advice(err); !ok || p == "" || h == "" {
			t.Errorf("Advice(%v) = %q, %q, %v", err, p, h, ok)
		}
	}
}

func TestSkew(t *testing.T) {
	tests := []struct {
		kubectl, server, level string
	}{
		{"v1.37.2", "v1.37.0", SkewOK},
		{"v1.36.9", "v1.37.2", SkewOK},
		{"v1.38.0", "v1.37.2", SkewOK},
		{"v1.35.0", "v1.37.2", SkewWarn},
		{"v1.39.0-alpha.1", "v1.37.2", SkewWarn},
		{"v1.37.2", "v1.36.4-eks-1234", SkewOK},
		{"v1.30.0", "v1.36.4-gke.100", SkewWarn},
		{"v2.37.0", "v1.37.0", SkewWarn},
		{"", "v1.37.2", SkewUnknown},
		{"v0.0.0-master", "v1.37.2", SkewWarn},
		{"v0.0.0-master+$Format:%H$", "v1.37.2", SkewUnknown},
		{"garbage", "v1.37.2", SkewUnknown},
	}
	for _, tt := range tests {
		v := Skew(tt.kubectl, tt.server)
		if v.Level != tt.level || v.Message == "" {
			t.Errorf("Skew(%q, %q) = %+v, want %s", tt.kubectl, tt.server, v, tt.level)
		}
		if v.Fix != "" {
			t.Errorf("Skew(%q, %q): fix %q; the library names no command", tt.kubectl, tt.server, v.Fix)
		}
	}
	if v := Skew("v1.35.0", "v1.37.2"); !strings.Contains(v.Message, "2 minor versions older") {
		t.Errorf("message: %s", v.Message)
	}
}

func TestMinorSpec(t *testing.T) {
	for in, want := range map[string]string{"v1.37.2": "1.37", "v1.36.4-eks-1234": "1.36", "1.9.0+k3s1": "1.9"} {
		if got, err := MinorSpec(in); err != nil || got != want {
			t.Errorf("MinorSpec(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := MinorSpec("unknown"); err == nil {
		t.Error("MinorSpec accepted garbage")
	}
}

func TestClusterVersionSpec(t *testing.T) {
	s := server(t)
	spec, err := ClusterVersionSpec(context.Background(), Options{Kubeconfig: []string{newKC(s, s.Blank).write(t, "")}})
	want, _ := MinorSpec(s.Version)
	if err != nil || spec != want || want == "" {
		t.Errorf("ClusterVersionSpec = %q, %v; want %q", spec, err, want)
	}
}
