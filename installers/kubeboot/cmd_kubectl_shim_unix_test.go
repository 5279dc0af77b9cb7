//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/store"
)

// shell runs script with sh in e's environment plus vars.
func (e *env) shell(script string, vars ...string) result {
	e.t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(append([]string{}, e.vars...), vars...)
	cmd.Dir = e.workdir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// The shim links to the path kubeboot is installed at, kept across an
// upgrade: a package manager's bin/kubeboot pointing at a versioned file
// that the upgrade replaces (Homebrew's Cellar), then a new binary renamed
// over the same path. kubectl keeps running kubeboot; install, doctor and
// uninstall keep recognising the shim; a shim an older kubeboot left
// dangling is reported and replaced.
func TestShimSurvivesKubebootUpgrade(t *testing.T) {
	e := newEnv(t)
	root := t.TempDir()
	prefix := filepath.Join(root, "home brew")
	bin := filepath.Join(prefix, "bin")
	shimDir := filepath.Join(root, "shim [bin]")
	cellar := func(v string) string { return filepath.Join(prefix, "Cellar", "kubeboot", v, "bin", "kubeboot") }
	os.MkdirAll(filepath.Dir(cellar("1.0")), 0o755)
	os.MkdirAll(bin, 0o755)
	copyExe(t, kubeboot, cellar("1.0"))
	if err := os.Symlink("../Cellar/kubeboot/1.0/bin/kubeboot", filepath.Join(bin, "kubeboot")); err != nil {
		t.Fatal(err)
	}
	e.vars = append(e.vars, "PATH="+shimDir+":"+bin+":/usr/bin:/bin", store.PinEnv+"=1.37.2")

	r := e.shell(`kubeboot kubectl shim install --dir "` + shimDir + `"`)
	if r.code != 0 {
		t.Fatalf("shim install: %+v", r)
	}
	shim := filepath.Join(shimDir, "kubectl")
	if target, err := os.Readlink(shim); err != nil || target != filepath.Join(bin, "kubeboot") {
		t.Fatalf("the shim links to %q (%v), want the installed path %s", target, err, filepath.Join(bin, "kubeboot"))
	}
	kubectl := func(when string) {
		t.Helper()
		if r := e.shell("kubectl version --client"); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
			t.Fatalf("kubectl %s: %+v", when, r)
		}
	}
	kubectl("before the upgrade")

	// Upgrade as Homebrew does: a new versioned file, the link moved, the
	// old version removed.
	os.MkdirAll(filepath.Dir(cellar("1.1")), 0o755)
	copyExe(t, kubeboot, cellar("1.1"))
	tmpLink := filepath.Join(bin, ".kubeboot.new")
	os.Symlink("../Cellar/kubeboot/1.1/bin/kubeboot", tmpLink)
	if err := os.Rename(tmpLink, filepath.Join(bin, "kubeboot")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(prefix, "Cellar", "kubeboot", "1.0"))
	kubectl("after the upgrade")
	if r := e.shell(`kubeboot kubectl shim install --dir "` + shimDir + `"`); r.code != 0 || !strings.Contains(r.stdout, "already in place") {
		t.Errorf("shim install after the upgrade: %+v", r)
	}
	if r := e.shell("kubeboot doctor"); !strings.Contains(r.stdout, shim+" is first on PATH") {
		t.Errorf("doctor after the upgrade: %s", r.stdout)
	}
	// A new binary renamed over the same path.
	os.Remove(filepath.Join(bin, "kubeboot"))
	copyExe(t, kubeboot, filepath.Join(bin, ".kubeboot.tmp"))
	os.Rename(filepath.Join(bin, ".kubeboot.tmp"), filepath.Join(bin, "kubeboot"))
	kubectl("after a new binary at the same path")

	// A shim an older kubeboot left pointing at a removed version.
	os.Remove(shim)
	os.Symlink(cellar("0.9"), shim)
	if r := e.shell("kubeboot doctor"); !strings.Contains(r.stdout, "which is gone") || !strings.Contains(r.stdout, "kubeboot kubectl shim install") {
		t.Errorf("doctor with a dangling shim: %s", r.stdout)
	}
	if r := e.shell(`kubeboot kubectl shim install --dir "` + shimDir + `"`); r.code != 0 || !strings.Contains(r.stdout, "installed the kubectl shim") {
		t.Errorf("shim install over a dangling shim: %+v", r)
	}
	kubectl("after replacing a dangling shim")
	os.Remove(shim)
	os.Symlink(cellar("0.9"), shim)
	if r := e.shell(`kubeboot kubectl shim uninstall --dir "` + shimDir + `"`); r.code != 0 || !strings.Contains(r.stdout, "removed") {
		t.Errorf("shim uninstall of a dangling shim: %+v", r)
	}
}

// setup --shim for a per-user install (not root: ~/.local/bin) puts
// kubectl into the store and the shim at ~/.local/bin/kubectl, which is
// what plain kubectl runs.
func TestSetupShimPerUser(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to run as another user")
	}
	e := newEnv(t)
	home := e.home()
	// Everything the user reads, readable by uid 65534.
	for _, v := range []string{"SSL_CERT_FILE", "KUBEBOOT_SIGSTORE_TRUSTED_ROOT"} {
		os.Chmod(filepath.Dir(e.getenv(v)), 0o755)
		os.Chmod(filepath.Dir(filepath.Dir(e.getenv(v))), 0o755)
	}
	os.Chmod(filepath.Dir(home), 0o755)
	binDir := t.TempDir()
	os.Chmod(binDir, 0o755)
	os.Chmod(filepath.Dir(binDir), 0o755)
	exe := filepath.Join(binDir, "kubeboot")
	copyExe(t, kubeboot, exe)
	incoming := filepath.Join(home, "Downloads", "cw-kubeconfig")
	copyFile(t, corpus+"coreweave.yaml", incoming)
	if err := exec.Command("chown", "-R", "65534:65534", home).Run(); err != nil {
		t.Fatal(err)
	}
	shim := filepath.Join(home, ".local", "bin", "kubectl")
	vars := []string{"PATH=" + filepath.Dir(shim) + ":/usr/bin:/bin"}
	as := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups"}, args...)...)
		cmd.Env = append(append([]string{}, e.vars...), vars...)
		cmd.Dir = home
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{code, stdout.String(), stderr.String()}
	}
	r := as(exe, "setup", incoming, "--yes", "--shim", "--version", "stable", "--no-verify", "-o", "json")
	var res struct {
		Kubectl struct{ Path, Version string }
		Shim    *shimOutput
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 || res.Shim == nil || res.Shim.Path != shim {
		t.Fatalf("setup --shim: %v %+v", err, r)
	}
	storeDir := filepath.Join(home, ".cache", "kubeboot", "kubectl")
	if !strings.HasPrefix(res.Kubectl.Path, storeDir+string(filepath.Separator)) || res.Kubectl.Version != "v1.37.2" {
		t.Errorf("kubectl at %s, want in the store %s", res.Kubectl.Path, storeDir)
	}
	if !isShim(shim) {
		t.Fatal("no shim")
	}
	before := len(e.m.AllRequests())
	r = as("/bin/sh", "-c", "kubectl version --client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
		t.Errorf("plain kubectl: %+v", r)
	}
	for _, q := range e.m.AllRequests()[before:] {
		if strings.Contains(q.Path, "/bin/") {
			t.Errorf("plain kubectl downloaded again: %s", q.Path)
		}
	}
}

// copyExe copies the executable src to dst, mode 0755.
func copyExe(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
