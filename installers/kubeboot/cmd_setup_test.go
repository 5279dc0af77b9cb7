package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestSetupFromNothing runs the whole page against a real API server: from
// an empty home folder to a working `kubectl get secret` with the kubectl
// setup installed. The mirror serves the real kubectl, and its stable.txt
// names an older release, so that --version cluster visibly asks the server.
func TestSetupFromNothing(t *testing.T) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	real, err := os.ReadFile(k8stest.Kubectl())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.m.SetMarker("stable", "v1.36.4\n")
	e.m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, standin)
	e.m.SetMarker("stable-1.37", "v1.37.2\n")
	e.m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, real)
	home := e.home()
	os.MkdirAll(filepath.Join(home, "Downloads"), 0o700)
	if err := s.WriteKubeconfig(filepath.Join(home, "Downloads", "cw-kubeconfig"), s.Admin, k8stest.TenantNamespace); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(home, "bin")

	// Without a terminal and without --yes, setup refuses and changes nothing.
	r := e.run("setup", "--dir", bin, "--version", "cluster")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("no terminal, no --yes: %+v", r)
	}
	for _, p := range []string{bin, filepath.Join(home, ".kube")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s exists after a refused setup", p)
		}
	}

	r = e.run("setup", "--dir", bin, "--version", "cluster", "--yes")
	if r.code != 0 {
		t.Fatalf("setup --yes: %+v", r)
	}
	for _, want := range []string{
		"✓ kubectl v1.37.2 installed at " + filepath.Join(bin, "kubectl"),
		"current context coreweave",
		fmt.Sprintf("%d secrets in namespace %s", len(k8stest.Secrets[k8stest.TenantNamespace]), k8stest.TenantNamespace),
		"Next: kubectl get pods",
	} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("the output lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, s.Admin.Token) {
		t.Error("the token reached setup's output")
	}

	// The seed's last step, with the kubectl setup installed.
	cmd := exec.Command(filepath.Join(bin, "kubectl"), "get", "secret", "-o", "name")
	cmd.Env = []string{"HOME=" + home}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get secret after setup: %v\n%s", err, out)
	}
	for _, name := range k8stest.Secrets[k8stest.TenantNamespace] {
		if !strings.Contains(string(out), "secret/"+name) {
			t.Errorf("kubectl get secret lacks %s:\n%s", name, out)
		}
	}

	// Again, as JSON: nothing changes.
	r = e.run("setup", "--dir", bin, "--version", "cluster", "--yes", "--json")
	var res setupResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("setup --json: %v\n%+v", err, r)
	}
	if res.Kubectl == nil || res.Kubectl.Changed || res.Kubeconfig == nil || res.Kubeconfig.Written || res.Access == nil || len(res.Steps) != 3 {
		t.Errorf("second setup = %+v", res)
	}
}

// A "blank" token authenticates but may not list secrets: setup succeeds and
// says so; a revoked token fails the last step with exit 4 and keeps the rest.
func TestSetupVerifyOutcomes(t *testing.T) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	e := newEnv(t)
	home := e.home()
	bin := filepath.Join(home, "bin")
	blank := filepath.Join(t.TempDir(), "cw-kubeconfig")
	if err := s.WriteKubeconfig(blank, s.Blank, ""); err != nil {
		t.Fatal(err)
	}
	r := e.run("setup", blank, "--dir", bin, "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "RBAC does not let it list secrets") {
		t.Fatalf("blank token: %+v", r)
	}

	revoked := filepath.Join(t.TempDir(), "cw-kubeconfig")
	if err := s.WriteKubeconfig(revoked, k8stest.User{Entry: "token-revoked", Token: "revoked-0123456789"}, ""); err != nil {
		t.Fatal(err)
	}
	// A revoked token is found before anything is written: the kubeconfig
	// and its current context stay as they were.
	config := filepath.Join(home, ".kube", "config")
	before, _ := os.ReadFile(config)
	r = e.run("setup", revoked, "--dir", bin, "--yes", "--on-conflict", "rename")
	if r.code != 4 || strings.Contains(r.stdout+r.stderr, "✓") || !strings.Contains(r.stderr, "401 Unauthorized") ||
		!strings.Contains(r.stderr, "nothing was installed or written") || !strings.Contains(r.stderr, "API Access page") {
		t.Fatalf("revoked token: %+v", r)
	}
	if after, _ := os.ReadFile(config); !bytes.Equal(after, before) {
		t.Error("the kubeconfig changed although the incoming token was rejected")
	}
	if strings.Contains(r.stdout+r.stderr, "revoked-0123456789") {
		t.Error("the token reached the output")
	}

	// --no-verify imports it anyway.
	r = e.run("setup", revoked, "--dir", bin, "--yes", "--on-conflict", "rename", "--no-verify")
	if r.code != 0 || !strings.Contains(r.stderr, "access not checked (--no-verify)") {
		t.Fatalf("--no-verify: %+v", r)
	}

	// An unreachable cluster does not block the import: the user may be
	// offline.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	offline := filepath.Join(t.TempDir(), "cw-kubeconfig")
	doc := strings.Replace(string(s.KubeconfigYAML(s.Admin, "")), s.URL, "https://"+down, 1)
	doc = strings.ReplaceAll(doc, "coreweave", "offline")
	os.WriteFile(offline, []byte(doc), 0o600)
	r = e.run("setup", offline, "--dir", bin, "--yes", "--context", "offline")
	if r.code != 0 || !strings.Contains(r.stderr, "access could not be checked") || !strings.Contains(r.stderr, "current context offline") {
		t.Fatalf("offline: %+v", r)
	}
}

// A conflict is found while planning: setup stops before installing anything.
func TestSetupConflictChangesNothing(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"coreweave.yaml", filepath.Join(home, ".kube", "config"))
	before, _ := os.ReadFile(filepath.Join(home, ".kube", "config"))
	bin := filepath.Join(home, "bin")
	r := e.run("setup", corpus+"coreweave-other-org.yaml", "--dir", bin, "--yes")
	if r.code != 5 {
		t.Fatalf("exit %d, want 5: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Error("kubectl was installed although the import could not proceed")
	}
	if after, _ := os.ReadFile(filepath.Join(home, ".kube", "config")); !bytes.Equal(after, before) {
		t.Error("the kubeconfig changed")
	}
}

// When a later step fails, setup names it and says the earlier ones stay.
func TestSetupReportsTheFailedStep(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("read-only folders differ on Windows")
	}
	e := newEnv(t)
	home := e.home()
	kube := filepath.Join(home, ".kube")
	copyFile(t, corpus+"eks.yaml", filepath.Join(kube, "config"))
	testutil.MakeReadOnly(t, kube)
	bin := filepath.Join(home, "bin")
	r := e.run("setup", corpus+"coreweave.yaml", "--dir", bin, "--yes", "--version", "stable")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %+v", r.code, r)
	}
	if !strings.Contains(r.stderr, "✗ import kubeconfig failed") || !strings.Contains(r.stderr, "steps before it are kept (install kubectl)") {
		t.Errorf("stderr does not name the failed step:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "step 2 (import kubeconfig) failed") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(bin, "kubectl")); err != nil {
		t.Error("the installed kubectl was not kept")
	}
}

func TestSetupChecksumFailureStopsFirstStep(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	e.m.Put(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), []byte("tampered"))
	r := e.run("setup", corpus+"coreweave.yaml", "--dir", filepath.Join(home, "bin"), "--yes", "--version", "stable")
	if r.code != 3 || !strings.Contains(r.stderr, "✗ install kubectl failed") {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(filepath.Join(home, ".kube", "config")); !os.IsNotExist(err) {
		t.Error("the kubeconfig was imported after kubectl failed verification")
	}
}
