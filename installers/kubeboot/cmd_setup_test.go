package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestSetupFromNothing(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"coreweave.yaml", filepath.Join(home, "Downloads", "cw-kubeconfig"))
	bin := filepath.Join(home, "bin")

	// Without a terminal and without --yes, setup refuses and changes nothing.
	r := e.run("setup", "--dir", bin)
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("no terminal, no --yes: %+v", r)
	}
	for _, p := range []string{bin, filepath.Join(home, ".kube")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s exists after a refused setup", p)
		}
	}

	r = e.run("setup", "--dir", bin, "--yes")
	if r.code != 0 {
		t.Fatalf("setup --yes: %+v", r)
	}
	for _, want := range []string{"✓ kubectl v1.37.2 installed at " + filepath.Join(bin, "kubectl"), "current context coreweave", "kubectl get pods"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, fakeToken) {
		t.Error("the token reached setup's output")
	}
	if got, _ := os.ReadFile(filepath.Join(bin, "kubectl")); !bytes.Equal(got, standin) {
		t.Error("kubectl not installed")
	}

	// Again, as JSON: nothing changes.
	r = e.run("setup", "--dir", bin, "--yes", "--json")
	var res setupResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("setup --json: %v\n%+v", err, r)
	}
	if res.Kubectl == nil || res.Kubectl.Changed || res.Kubeconfig == nil || res.Kubeconfig.Written || len(res.Steps) != 2 {
		t.Errorf("second setup = %+v", res)
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
	r := e.run("setup", corpus+"coreweave.yaml", "--dir", bin, "--yes")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %+v", r.code, r)
	}
	if !strings.Contains(r.stdout, "✗ import kubeconfig failed") || !strings.Contains(r.stdout, "steps before it are kept (install kubectl)") {
		t.Errorf("stdout does not name the failed step:\n%s", r.stdout)
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
	r := e.run("setup", corpus+"coreweave.yaml", "--dir", filepath.Join(home, "bin"), "--yes")
	if r.code != 3 || !strings.Contains(r.stdout, "✗ install kubectl failed") {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(filepath.Join(home, ".kube", "config")); !os.IsNotExist(err) {
		t.Error("the kubeconfig was imported after kubectl failed verification")
	}
}
