// Package examples_test builds and runs the example programs, so that what
// tool authors copy keeps working.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

func build(t *testing.T, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func run(t *testing.T, env []string, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func TestPinnedKubectl(t *testing.T) {
	standin := build(t, "github.com/kubeboot/kubeboot/internal/cmd/kubectl-standin")
	body, _ := os.ReadFile(standin)
	m := mirror.Start(mirror.Options{Sign: true})
	defer m.Close()
	m.SetMarker("stable", "v1.37.2")
	m.SetMarker("stable-1.36", "v1.36.4")
	m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, body)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, m.CertPEM(), 0o644)
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	os.WriteFile(root, m.TrustedRootJSON(), 0o644)
	dir := t.TempDir()
	out, code := run(t, []string{"SSL_CERT_FILE=" + ca, "HOME=" + t.TempDir()},
		build(t, "./pinned-kubectl"), "-mirror", m.URL(), "-dir", dir, "-trusted-root", root)
	if code != 0 || !strings.Contains(out, "using kubectl v1.36.4 at "+filepath.Join(dir, "kubectl")) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestImportKubeconfig(t *testing.T) {
	home := t.TempDir()
	bin := build(t, "./import-kubeconfig")
	src := filepath.Join(t.TempDir(), "acme")
	os.WriteFile(src, []byte(`apiVersion: v1
kind: Config
clusters: [{name: acme, cluster: {server: "https://acme.example"}}]
users: [{name: acme-user, user: {token: acme-secret-token}}]
contexts: [{name: acme, context: {cluster: acme, user: acme-user}}]
`), 0o600)
	env := []string{"HOME=" + home}
	out, code := run(t, env, bin, "-file", src)
	if code != 0 || !strings.Contains(out, "context=acme") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// Another provider file with the same names: renamed, both kept.
	other := filepath.Join(t.TempDir(), "acme2")
	b, _ := os.ReadFile(src)
	os.WriteFile(other, []byte(strings.ReplaceAll(string(b), "acme.example", "acme2.example")), 0o600)
	out, code = run(t, env, bin, "-file", other)
	if code != 0 || !strings.Contains(out, "context acme is now acme-2") || !strings.Contains(out, "context=acme-2") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "acme-secret-token") {
		t.Error("the token reached the output")
	}
}

func TestCheckAccess(t *testing.T) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	config := filepath.Join(t.TempDir(), "config")
	if err := s.WriteKubeconfig(config, s.Tenant, k8stest.TenantNamespace); err != nil {
		t.Fatal(err)
	}
	bin := build(t, "./check-access")
	out, code := run(t, []string{"HOME=" + t.TempDir()}, bin, "-kubeconfig", config, "-kubectl-version", "v1.34.0")
	if code != 0 || !strings.Contains(out, "may list secrets in "+k8stest.TenantNamespace) || !strings.Contains(out, "skew: warn") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "config")
	s.WriteKubeconfig(bad, k8stest.User{Entry: "token-x", Token: "wrong-0123456789"}, "")
	if out, code = run(t, nil, bin, "-kubeconfig", bad); code != 4 {
		t.Errorf("wrong token: exit %d:\n%s", code, out)
	}
}
