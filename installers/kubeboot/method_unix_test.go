//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
)

// fakeBrew makes a Homebrew-shaped prefix whose brew records its arguments
// and, for install and upgrade, puts the kubectl stand-in in the Cellar and
// links it from bin, as brew does. It returns the prefix's bin folder.
func fakeBrew(t *testing.T) (bin, argsFile string) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "homebrew")
	bin = filepath.Join(prefix, "bin")
	cellar := filepath.Join(prefix, "Cellar", "kubernetes-cli", "1.37.2", "bin")
	for _, d := range []string{bin, cellar} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(prefix, "standin")
	if err := os.WriteFile(src, standin, 0o755); err != nil {
		t.Fatal(err)
	}
	argsFile = filepath.Join(prefix, "brew.args")
	script := `#!/bin/sh
PATH=/usr/bin:/bin
echo "$*" >>"` + argsFile + `"
case "$1" in
--version) echo "Homebrew 4.4.1";;
install|upgrade)
	echo "==> Pouring kubernetes-cli"
	cp "` + src + `" "` + cellar + `/kubectl"
	ln -sf ../Cellar/kubernetes-cli/1.37.2/bin/kubectl "` + bin + `/kubectl";;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "brew"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, argsFile
}

func TestInstallMethodBrew(t *testing.T) {
	e := newEnv(t)
	bin, argsFile := fakeBrew(t)
	e.vars = append(e.vars, "PATH="+bin, "KUBEBOOT_MIRROR=")

	r := e.run("install", "kubectl", "--method", "brew", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out managerOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if out.Method != "brew" || out.Path != filepath.Join(bin, "kubectl") || out.Version != "v1.37.2" || out.Owner.Manager != "brew" || out.Upgrade {
		t.Errorf("JSON = %+v", out)
	}
	if !strings.Contains(r.stderr, "==> Pouring kubernetes-cli") {
		t.Errorf("brew's output was not streamed: %q", r.stderr)
	}

	// brew now owns the kubectl that wins on PATH: auto upgrades through it
	// rather than shadowing it.
	r = e.run("install", "kubectl")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "upgraded kubectl v1.37.2 at "+filepath.Join(bin, "kubectl")+" with Homebrew") {
		t.Errorf("stdout = %q", r.stdout)
	}
	b, _ := os.ReadFile(argsFile)
	if !strings.Contains(string(b), "install kubectl\n") || !strings.HasSuffix(string(b), "upgrade kubectl\n") {
		t.Errorf("brew ran with %q", b)
	}

	// A pinned version means the direct download, even here.
	dir := t.TempDir()
	r = e.run("install", "kubectl", "--version", "1.37", "--dir", dir, "--mirror", e.m.URL(), "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"method": "direct"`) {
		t.Errorf("pinned install: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestInstallMethodErrors(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"--method", "apt"}, exitUsage, `invalid argument "apt" for "--method" flag: use one of: auto, direct, brew, choco, scoop, winget`},
		{[]string{"--method", "brew", "--version", "1.36"}, exitUsage, "use --method direct"},
		{[]string{"--method", "choco"}, exitFailure, "Chocolatey is for Windows only"},
		{[]string{"--method", "scoop"}, exitFailure, "--method direct"},
		{[]string{"--method", "brew"}, exitFailure, "Homebrew is not installed"},
	} {
		r := e.run(append([]string{"install", "kubectl"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.inStderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, r.code, r.stderr, tt.code, tt.inStderr)
		}
	}
}

func TestInstallMethodDirectJSON(t *testing.T) {
	e := newEnv(t)
	r := e.run("install", "kubectl", "--dir", t.TempDir(), "--method", "direct", "--json")
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil || out["method"] != "direct" || out["sha256"] != sum(standin) {
		t.Fatalf("exit %d, %v: %s %s", r.code, err, r.stdout, r.stderr)
	}
}

// setup on a machine whose kubectl Homebrew owns upgrades it through brew
// rather than installing a second kubectl that brew's would shadow.
func TestSetupUpgradesThroughOwningManager(t *testing.T) {
	k8stest.Skip(t)
	s := k8stest.Shared(t)
	e := newEnv(t)
	bin, argsFile := fakeBrew(t)
	e.vars = append(e.vars, "PATH="+bin, "KUBEBOOT_MIRROR=")
	if r := e.run("install", "kubectl", "--method", "brew"); r.code != 0 {
		t.Fatalf("brew install: %+v", r)
	}
	file := filepath.Join(e.home(), "cw-kubeconfig")
	if err := s.WriteKubeconfig(file, s.Admin, k8stest.TenantNamespace); err != nil {
		t.Fatal(err)
	}
	r := e.run("setup", file, "--yes")
	if r.code != 0 {
		t.Fatalf("setup: %+v", r)
	}
	for _, want := range []string{"brew upgrade kubectl (the kubectl on PATH", "✓ kubectl v1.37.2 at " + filepath.Join(bin, "kubectl") + ", through Homebrew"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "(Homebrew)") {
		t.Errorf("the summary lacks (Homebrew):\n%s", r.stdout)
	}
	if b, _ := os.ReadFile(argsFile); !strings.HasSuffix(string(b), "upgrade kubectl\n") {
		t.Errorf("brew ran with %q", b)
	}
	if _, err := os.Stat(filepath.Join(e.home(), ".local", "bin", "kubectl")); !os.IsNotExist(err) {
		t.Error("setup installed a second kubectl beside brew's")
	}
}
