package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/uninstall"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// uninstall removes the kubectl kubeboot installed, after a dry run that
// changes nothing, leaves a program it has no record of, and never reads
// or touches the kubeconfig.
func TestUninstallCommand(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(testutil.TempDir(t), "bin [é] x")
	if r := e.run("install", "kubectl", "--dir", dir); r.code != 0 {
		t.Fatalf("install: %+v", r)
	}
	exe := bootstrap.HostPlatform().Executable()
	kubectl := filepath.Join(dir, exe)
	helm := filepath.Join(dir, "helm")
	os.WriteFile(helm, []byte("somebody else's helm"), 0o755)
	kube := filepath.Join(e.getenv("HOME"), ".kube")
	os.MkdirAll(kube, 0o700)
	os.WriteFile(filepath.Join(kube, "config"), []byte("apiVersion: v1\nkind: Config\n"), 0o600)

	r := e.run("uninstall", "kubectl", "helm", "--dir", dir, "--dry-run", "-o", "json")
	var out uninstallOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil {
		t.Fatalf("dry run: %+v (%v)", r, err)
	}
	actions := map[string]uninstall.Action{}
	for _, s := range out.Steps {
		actions[s.Path] = s.Action
		if s.Done {
			t.Errorf("a dry run did %+v", s)
		}
	}
	if actions[kubectl] != uninstall.Remove || actions[helm] != uninstall.Leave || !out.DryRun {
		t.Errorf("dry run plan: %+v", out)
	}
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("the dry run removed kubectl: %v", err)
	}

	r = e.run("uninstall", "kubectl", "helm", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "removed      "+kubectl) || !strings.Contains(r.stdout, "left         "+helm+": no record") {
		t.Fatalf("uninstall: %+v", r)
	}
	if _, err := os.Lstat(kubectl); !os.IsNotExist(err) {
		t.Errorf("kubectl is still there: %v", err)
	}
	if b, _ := os.ReadFile(helm); string(b) != "somebody else's helm" {
		t.Errorf("helm was touched: %q", b)
	}
	if b, err := os.ReadFile(filepath.Join(kube, "config")); err != nil || !strings.HasPrefix(string(b), "apiVersion") {
		t.Errorf("the kubeconfig was touched: %q, %v", b, err)
	}
	if names := testutil.Names(dir); strings.Join(names, ",") != "helm" {
		t.Errorf("the folder holds %v, want only helm", names)
	}
	if r := e.run("uninstall"); r.code != exitUsage {
		t.Errorf("uninstall without tools: %+v", r)
	}
}
