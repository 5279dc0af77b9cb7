package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
)

// doctorEnv is an env whose PATH holds a stand-in kubectl v1.37.2 and whose
// kubeconfig points at the shared real API server.
func doctorEnv(t *testing.T) (*env, string) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	e := newEnv(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "kubectl"), standin, 0o755); err != nil {
		t.Fatal(err)
	}
	e.vars = append(e.vars, "PATH="+bin)
	config := filepath.Join(e.home(), ".kube", "config")
	os.MkdirAll(filepath.Dir(config), 0o700)
	if err := s.WriteKubeconfig(config, s.Tenant, k8stest.TenantNamespace); err != nil {
		t.Fatal(err)
	}
	os.Chmod(config, 0o600)
	return e, config
}

func TestDoctorHealthy(t *testing.T) {
	e, _ := doctorEnv(t)
	r := e.run("doctor")
	if r.code != 0 || !strings.Contains(r.stdout, "all good") {
		t.Fatalf("healthy machine: %+v", r)
	}
	for _, want := range []string{"v1.37.2, installed directly; this is the one your shell runs", "current context coreweave", "authenticated as"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDoctorFindsProblemsAndChangesNothing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are Unix")
	}
	e, config := doctorEnv(t)
	os.Chmod(config, 0o644)
	before, _ := os.ReadFile(config)
	r := e.run("doctor", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %+v", r.code, r)
	}
	var out struct {
		OK     bool
		Checks []check
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	found := false
	for _, c := range out.Checks {
		if c.Name == "kubeconfig" && !c.OK && c.Fix == "chmod 600 "+config {
			found = true
		}
	}
	if out.OK || !found {
		t.Errorf("doctor missed the world-readable kubeconfig: %+v", out)
	}
	fi, _ := os.Stat(config)
	after, _ := os.ReadFile(config)
	if fi.Mode().Perm() != 0o644 || string(after) != string(before) {
		t.Error("doctor changed the kubeconfig")
	}
}

func TestDoctorWithoutKubectlOrAccess(t *testing.T) {
	e, config := doctorEnv(t)
	e.vars = append(e.vars, "PATH=/nonexistent")
	// A revoked token.
	b, _ := os.ReadFile(config)
	s := k8stest.Shared(t)
	os.WriteFile(config, []byte(strings.ReplaceAll(string(b), s.Tenant.Token, "revoked-0123456789")), 0o600)
	r := e.run("doctor")
	if r.code != 1 {
		t.Fatalf("exit %d: %+v", r.code, r)
	}
	for _, want := range []string{"no kubectl on PATH", "fix: kubeboot install kubectl", "✗ access"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "revoked-0123456789") {
		t.Error("a token reached doctor's output")
	}
}

// A kubeconfig that does not parse is reported without the values the
// parser quotes (an alias named like the password, a single-quoted token).
func TestDoctorHidesValuesOfAnInvalidKubeconfig(t *testing.T) {
	e := newEnv(t)
	config := filepath.Join(e.home(), ".kube", "config")
	for _, doc := range []string{
		"users:\n- name: a\n  user:\n    password: *hunter2-secret\n",
		"users:\n- name: a\n  user:\n    token: 'hunter2-secret\n",
	} {
		os.MkdirAll(filepath.Dir(config), 0o700)
		os.WriteFile(config, []byte(doc), 0o600)
		for _, args := range [][]string{{"doctor"}, {"doctor", "--json"}, {"verify"}, {"kubeconfig", "token"}} {
			r := e.run(args...)
			if r.code == 0 || strings.Contains(r.stdout+r.stderr, "hunter2") {
				t.Errorf("%v: exit %d, output quotes the secret:\n%s%s", args, r.code, r.stdout, r.stderr)
			}
		}
	}
}

// doctor says whether the kubectl the shell runs is the one published and
// signed; a kubectl that claims v1.37.2 but differs from it needs fixing.
func TestDoctorChecksTheKubectlSignature(t *testing.T) {
	e, _ := doctorEnv(t)
	r := e.run("doctor")
	if !strings.Contains(r.stdout, "is kubectl v1.37.2 as published, signed by krel-staging@k8s-releng-prod.iam.gserviceaccount.com") {
		t.Fatalf("doctor does not report the signature:\n%s%s", r.stdout, r.stderr)
	}
	bin := filepath.SplitList(e.getenv("PATH"))[0]
	f, _ := os.OpenFile(filepath.Join(bin, "kubectl"), os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte("\x00 a few bytes more: still runs, still says v1.37.2"))
	f.Close()
	r = e.run("doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "says it is kubectl v1.37.2 but is not the file") {
		t.Fatalf("a modified kubectl: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
