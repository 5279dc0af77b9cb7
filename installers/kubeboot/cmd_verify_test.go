package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/k8stest"
)

// verifyEnv is a clean environment for `kubeboot verify`: its own HOME and
// a PATH holding only what the test puts there.
func verifyEnv(t *testing.T, kubectl string) *env {
	t.Helper()
	home, bin := t.TempDir(), t.TempDir()
	if kubectl != "" {
		if err := os.Symlink(kubectl, filepath.Join(bin, "kubectl")); err != nil {
			t.Fatal(err)
		}
	}
	return &env{t: t, vars: []string{"HOME=" + home, "PATH=" + bin}}
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeKubectl is a script answering `kubectl version --client -o json`.
func fakeKubectl(t *testing.T, version string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubectl")
	script := "#!/bin/sh\necho '{\"clientVersion\":{\"gitVersion\":\"" + version + "\"}}'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyCLI(t *testing.T) {
	s := k8stest.Shared(t)
	secrets := []string{s.Admin.Token, s.Blank.Token, s.Tenant.Token, "k8stest-secret-value", "wrong-token-0123456789",
		base64.StdEncoding.EncodeToString(s.CertUser.ClientKeyPEM)[:40]}
	wrongCA, err := k8stest.NewCA("other")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	replace := func(b []byte, old, new string) []byte { return []byte(strings.Replace(string(b), old, new, 1)) }
	wrongCAData := base64.StdEncoding.EncodeToString(wrongCA.CertPEM)
	caData := base64.StdEncoding.EncodeToString(s.CAPEM)

	tests := []struct {
		name    string
		config  []byte
		args    []string
		code    int
		kubectl string // the kubectl on PATH
		stdout  []string
		stderr  []string
		canList bool // what the real kubectl get secret must agree with
		agreeNS string
	}{
		{name: "admin", config: s.KubeconfigYAML(s.Admin, k8stest.TenantNamespace), kubectl: k8stest.Kubectl(),
			stdout:  []string{"Kubernetes " + s.Version, "identity   admin", "system:masters", "can list secrets in namespace tenant-a: 3", "is supported with server", "ok: the credentials work"},
			canList: true},
		{name: "blank token", config: s.KubeconfigYAML(s.Blank, ""),
			stdout:  []string{"identity   blank-user", "cannot list secrets in namespace default", "authentication works", `"blank" token`, "RBAC grants this user nothing", "no kubectl found on PATH", "fix: kubeboot install kubectl --version cluster"},
			canList: false},
		{name: "tenant own namespace", config: s.KubeconfigYAML(s.Tenant, k8stest.TenantNamespace), kubectl: fakeKubectl(t, "v1.34.0"),
			stdout:  []string{"identity   tenant-user", "can list secrets in namespace tenant-a: 3", "minor versions older", "fix: kubeboot install kubectl --version cluster"},
			canList: true},
		{name: "tenant other namespace", config: s.KubeconfigYAML(s.Tenant, k8stest.TenantNamespace), args: []string{"--namespace", k8stest.OtherNamespace},
			stdout:  []string{"cannot list secrets in namespace tenant-b", "authentication works (you are tenant-user)"},
			canList: false, agreeNS: k8stest.OtherNamespace},
		{name: "client certificate", config: s.KubeconfigYAML(s.CertUser, k8stest.TenantNamespace),
			stdout: []string{"authenticates with client certificate", "identity   cert-user", "can list secrets in namespace tenant-a: 3"}, canList: true},
		{name: "wrong token", config: s.KubeconfigYAML(k8stest.User{Entry: "token-x", Token: "wrong-token-0123456789"}, ""), code: 4,
			stderr: []string{"401 Unauthorized", "ask your org admin for a new kubeconfig on the API Access page"}},
		{name: "wrong CA", config: replace(s.KubeconfigYAML(s.Admin, ""), caData, wrongCAData), code: 1,
			stderr: []string{"TLS with the API server " + s.URL, "wrong CA, or your clock is off"}},
		{name: "server down", config: replace(s.KubeconfigYAML(s.Admin, ""), s.URL, "https://"+down), code: 1,
			stderr: []string{"cannot reach the API server https://" + down, "connection refused"}},
		{name: "unknown context", config: s.KubeconfigYAML(s.Admin, ""), args: []string{"--context", "nope"}, code: 1,
			stderr: []string{`context "nope" is not defined`, "known contexts: coreweave"}},
		{name: "insecure", config: replace(s.KubeconfigYAML(s.Admin, k8stest.TenantNamespace), "certificate-authority-data: "+caData, "insecure-skip-tls-verify: true"),
			stdout: []string{"can list secrets"}, stderr: []string{"warning: cluster \"coreweave\" sets insecure-skip-tls-verify"}, canList: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := verifyEnv(t, tt.kubectl)
			path := writeFile(t, tt.config)
			start := time.Now()
			r := e.run(append([]string{"verify", "--kubeconfig", path}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if tt.name == "server down" && time.Since(start) > 3*time.Second {
				t.Errorf("server down took %v", time.Since(start))
			}
			for _, want := range tt.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if tt.code != 0 {
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 1 {
					t.Errorf("error takes %d lines, want at most 2:\n%s", n+1, r.stderr)
				}
			}
			for _, secret := range secrets {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("output holds a secret %.8s...", secret)
				}
			}
			if tt.code != 0 {
				return
			}
			// The real kubectl agrees about listing secrets.
			args := []string{"get", "secret"}
			if tt.agreeNS != "" {
				args = append(args, "-n", tt.agreeNS)
			}
			out, code, err := k8stest.KubectlRun(context.Background(), path, args...)
			if err != nil {
				t.Fatal(err)
			}
			if (code == 0) != tt.canList {
				t.Errorf("kubectl get secret: exit %d, verify says can list = %v\n%s", code, tt.canList, out)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		e := verifyEnv(t, k8stest.Kubectl())
		r := e.run("verify", "--json", "--kubeconfig", writeFile(t, s.KubeconfigYAML(s.Tenant, k8stest.TenantNamespace)))
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		var got struct {
			Server, ServerVersion, Namespace, KubectlPath string
			Identity                                      struct{ Username string }
			Secrets                                       struct {
				Allowed bool
				Count   int
				Names   []string
			}
			Skew struct{ Level, Kubectl string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if got.Server != s.URL || got.ServerVersion != s.Version || got.Identity.Username != "tenant-user" ||
			!got.Secrets.Allowed || got.Secrets.Count != 3 || len(got.Secrets.Names) != 3 ||
			got.Skew.Level != "ok" || got.Skew.Kubectl != s.Version || !strings.HasSuffix(got.KubectlPath, "/kubectl") {
			t.Errorf("%+v", got)
		}
		if strings.Contains(r.stdout, s.Tenant.Token) {
			t.Error("the JSON holds the token")
		}
	})

	t.Run("KUBECONFIG list", func(t *testing.T) {
		// The first file defines the context and wins for the cluster; the
		// second file's cluster of the same name points nowhere.
		first := writeFile(t, s.KubeconfigYAML(s.Tenant, k8stest.TenantNamespace))
		second := writeFile(t, replace(s.KubeconfigYAML(s.Admin, ""), s.URL, "https://"+down))
		e := verifyEnv(t, "")
		e.vars = append(e.vars, "KUBECONFIG="+first+string(os.PathListSeparator)+second)
		r := e.run("verify")
		if r.code != 0 || !strings.Contains(r.stdout, "identity   tenant-user") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		e.vars[len(e.vars)-1] = "KUBECONFIG=" + second + string(os.PathListSeparator) + first
		if r := e.run("verify"); r.code != 1 || !strings.Contains(r.stderr, down) {
			t.Errorf("reversed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("no kubeconfig", func(t *testing.T) {
		e := verifyEnv(t, "")
		if r := e.run("verify"); r.code != 1 || !strings.Contains(r.stderr, "no kubeconfig file found") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
}
