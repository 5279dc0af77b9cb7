//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubeconfigPluginsReadOnly: as another user, --fix on a read-only
// (0400) kubeconfig is refused naming the file, with the file unchanged
// and nothing installed; the check itself still reads it.
func TestKubeconfigPluginsReadOnly(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to run as another user")
	}
	dir := t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	exe := filepath.Join(dir, "kubeboot")
	copyExe(t, kubeboot, exe)
	home := filepath.Join(dir, "home")
	bin := filepath.Join(home, "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "kubelogin"), []byte(azureKubeloginScript), 0o755)
	config := filepath.Join(home, "config")
	os.WriteFile(config, []byte(pluginsConfig), 0o400)
	if err := exec.Command("chown", "-R", "65534:65534", home).Run(); err != nil {
		t.Fatal(err)
	}
	path := bin
	as := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", exe}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + path, "KUBECONFIG=" + config,
			"XDG_STATE_HOME=" + filepath.Join(home, "state"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
			"KUBEBOOT_MIRROR_ROOT=http://127.0.0.1:1", "KUBEBOOT_GITHUB_API_URL=http://127.0.0.1:1"} // loopback only
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
	if r := as("kubeconfig", "plugins", "--dir", bin); r.code != 1 || !strings.Contains(r.stdout, "set command /Users/alice/bin/kubelogin to kubelogin") {
		t.Errorf("the check of a read-only kubeconfig: %+v", r)
	}
	// With kubelogin found, and with it missing (--fix would install it
	// first, were the file writable: the refusal comes before).
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, args := range [][]string{{"--dir", bin, "--fix"}, {"--dir", bin, "--fix", "--dry-run"}, {"--dir", empty, "--fix"}} {
		if args[1] == empty {
			path = empty
		}
		r := as(append([]string{"kubeconfig", "plugins"}, args...)...)
		noSecret(t, "--fix", r)
		if r.code == 0 || !strings.Contains(r.stderr, config) || !strings.Contains(r.stderr, "writable") {
			t.Errorf("%v on a read-only kubeconfig: %+v", args, r)
		}
	}
	if data, _ := os.ReadFile(config); string(data) != pluginsConfig {
		t.Error("the read-only kubeconfig changed")
	}
	if left, _ := os.ReadDir(empty); len(left) != 0 {
		t.Errorf("installed into %s: %v", empty, left)
	}
	entries, _ := os.ReadDir(home)
	for _, e := range entries {
		if strings.Contains(e.Name(), "lock") || strings.Contains(e.Name(), "backup") {
			t.Errorf("left %s beside the refused kubeconfig", e.Name())
		}
	}
}

// TestTooOldPluginIsToldToUpgrade: a plugin that only answers v1alpha1.
// --fix sets v1beta1 and says the plugin must answer in it, and how to
// upgrade it; doctor's access check then names the upgrade.
func TestTooOldPluginIsToldToUpgrade(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	bin := filepath.Join(home, "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "aws-iam-authenticator"), []byte("#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\",\"status\":{\"token\":\"t\"}}'\n"), 0o755)
	cfg := filepath.Join(home, "kc.yaml")
	os.WriteFile(cfg, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c1, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: ctx1, context: {cluster: c1, user: u}}]
current-context: ctx1
users:
- name: u
  user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: aws-iam-authenticator, args: [token, -i, x]}}
`), 0o600)
	e.vars = append(e.vars, "PATH="+bin, "KUBECONFIG="+cfg)
	r := e.run("kubeconfig", "plugins", "--fix")
	if r.code != 0 || !strings.Contains(r.stdout, "must answer in client.authentication.k8s.io/v1beta1") ||
		!strings.Contains(r.stdout, `no kind "ExecCredential" is registered`) ||
		!strings.Contains(r.stdout, "kubeboot install aws-iam-authenticator") {
		t.Errorf("--fix: %+v", r)
	}
	r = e.exec("doctor") // the plugin runs with this PATH
	if !strings.Contains(r.stdout, "too old") || !strings.Contains(r.stdout, "kubeboot install aws-iam-authenticator") {
		t.Errorf("doctor does not name the upgrade: %+v", r)
	}
}
