package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
)

// --version cluster asks the real API server (v1.37.x) and installs the
// newest patch of its minor, although stable.txt names another release.
func TestInstallVersionCluster(t *testing.T) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	e := newEnv(t)
	e.m.SetMarker("stable", "v1.36.4\n")
	e.m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, []byte("not this one"))
	e.m.SetMarker("stable-1.37", "v1.37.2\n")
	config := filepath.Join(t.TempDir(), "config")
	if err := s.WriteKubeconfig(config, s.Blank, ""); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := e.run("install", "kubectl", "--version", "cluster", "--kubeconfig", config, "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "installed kubectl v1.37.2") {
		t.Fatalf("%+v", r)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "kubectl")); string(got) != string(standin) {
		t.Error("the wrong kubectl was installed")
	}
	// No kubeconfig to ask: a clear error, nothing installed.
	other := t.TempDir()
	r = e.run("install", "kubectl", "--version", "cluster", "--kubeconfig", filepath.Join(other, "missing"), "--dir", other)
	if r.code != 1 || !strings.Contains(r.stderr, "--version cluster") {
		t.Errorf("missing kubeconfig: %+v", r)
	}
}
