package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/execplugin"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/upstream"
)

// azureKubeloginScript is a stand-in for Azure's kubelogin: it names
// Azure's module, as the real program does, and prints a credential.
const azureKubeloginScript = "#!/bin/sh\n# github.com/Azure/kubelogin\n" +
	`echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"plugin-token"}}'` + "\n"

// pluginsConfig has a v1alpha1 entry with a path from another machine
// (and a secret in its env and arguments), Azure's arguments given to
// int128's program, a plugin name with spaces, [ and non-ASCII, and a
// token user.
const pluginsConfig = `apiVersion: v1
kind: Config
current-context: aks
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: aks
  context: {cluster: c, user: aks}
users:
- name: aks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1alpha1
      command: /Users/alice/bin/kubelogin
      args: [get-token, --server-id, 6dae42f8-SERVERID, --client-secret=s3cr3t-arg]
      env:
      - name: AAD_SERVICE_PRINCIPAL_CLIENT_SECRET
        value: s3cr3t-env
- name: wrong
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubectl-oidc_login
      args: [get-token, --server-id=x, --login, azurecli]
- name: "odd [1] ü"
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: "/opt/my tools [1]/plügin"
- name: tok
  user:
    token: s3cr3t-token
`

func pluginsEnv(t *testing.T) (*env, string, string) {
	t.Helper()
	tool := catalog.AzureKubelogin()
	if runtime.GOOS == "windows" || !tool.Supports(hostPlatform) {
		t.Skip("the stand-in plugin is a shell script")
	}
	e, o := toolEnv(t)
	o.Publish(t, tool, "v0.2.10", hostPlatform, []byte(azureKubeloginScript), true, nil)
	cfg := filepath.Join(e.getenv("HOME"), ".kube", "config")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	if err := os.WriteFile(cfg, []byte(pluginsConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return e, cfg, filepath.Join(t.TempDir(), "my bin")
}

func noSecret(t *testing.T, what string, r result) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, "s3cr3t") || strings.Contains(r.stdout+r.stderr, "SERVERID") {
		t.Errorf("%s printed an argument or env value:\n%s\n%s", what, r.stdout, r.stderr)
	}
}

func execOf(t *testing.T, cfg, user string) execplugin.Exec {
	t.Helper()
	c, err := kubeconfig.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Lookup(kubeconfig.KindUser, user)
	var b struct {
		Exec execplugin.Exec `json:"exec"`
	}
	if !ok || kubeconfig.DecodeBody(e.Body, &b) != nil {
		t.Fatalf("user %s: %s", user, e.Body)
	}
	return b.Exec
}

// TestKubeconfigPluginsFix: the check names each problem and exits 1; the
// dry run changes nothing; --fix installs Azure's kubelogin from the
// (loopback) release, verified, and points both users at it, v1beta1,
// with a backup; no output holds a secret.
func TestKubeconfigPluginsFix(t *testing.T) {
	e, cfg, dir := pluginsEnv(t)

	r := e.run("kubeconfig", "plugins", "--dir", dir)
	noSecret(t, "the check", r)
	for _, want := range []string{
		"user aks (" + cfg + "): azure-kubelogin, command /Users/alice/bin/kubelogin, not found",
		"invalid apiVersion", "does not exist on this machine",
		"--fix would: install azure-kubelogin",
		"the arguments are Azure kubelogin's (--server-id, --login), given to int128's oidc-login",
		`user "odd [1] ü"`, `command "/opt/my tools [1]/plügin", not found`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the check lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 1 || !strings.Contains(r.stderr, "kubeboot kubeconfig plugins --fix") {
		t.Errorf("the check: %+v", r)
	}

	r = e.run("kubeconfig", "plugins", "--dir", dir, "--fix", "--dry-run")
	noSecret(t, "the dry run", r)
	if got, _ := os.ReadFile(cfg); r.code != 0 || string(got) != pluginsConfig || !strings.Contains(r.stdout, "dry run: nothing written") ||
		!strings.Contains(r.stdout, "--fix would: install azure-kubelogin") || !strings.Contains(r.stdout, "would write "+cfg) {
		t.Fatalf("the dry run: %+v", r)
	}
	if fileExists(filepath.Join(dir, "kubelogin")) {
		t.Fatal("the dry run installed kubelogin")
	}

	r = e.run("kubeconfig", "plugins", "--dir", dir, "--fix", "-o", "json")
	noSecret(t, "--fix", r)
	var out struct {
		Installed []struct{ Tool, Path, Version string }
		Repaired  struct {
			Edit struct {
				Written []struct{ File, Backup string }
			}
		}
		Remaining execplugin.Plan
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %+v", err, r)
	}
	if len(out.Installed) != 1 || out.Installed[0].Tool != "azure-kubelogin" || out.Installed[0].Version != "v0.2.10" {
		t.Fatalf("installed %+v", out.Installed)
	}
	kubelogin := out.Installed[0].Path
	if got, _ := os.ReadFile(kubelogin); string(got) != azureKubeloginScript {
		t.Errorf("%s holds %q", kubelogin, got)
	}
	if w := out.Repaired.Edit.Written; len(w) != 1 || w[0].Backup == "" {
		t.Fatalf("written %+v", w)
	} else if b, _ := os.ReadFile(w[0].Backup); string(b) != pluginsConfig {
		t.Error("the backup is not the previous kubeconfig")
	}
	// PATH lacks kubeboot's folder: the command names the program in full.
	if x := execOf(t, cfg, "aks"); x.APIVersion != execplugin.APIv1beta1 || x.Command != kubelogin || len(x.Args) != 4 {
		t.Errorf("aks: %+v", x)
	}
	if x := execOf(t, cfg, "wrong"); x.Command != kubelogin || strings.Join(x.Args, " ") != "get-token --server-id=x --login azurecli" {
		t.Errorf("wrong: %+v", x)
	}
	got, _ := os.ReadFile(cfg)
	for _, keep := range []string{"s3cr3t-env", "s3cr3t-token", "s3cr3t-arg", "/opt/my tools [1]/plügin"} {
		if !strings.Contains(string(got), keep) {
			t.Errorf("the repair lost %q", keep)
		}
	}
	// What is left is the unknown plugin, which nothing can install.
	if r.code != 1 || out.Remaining.Problems() != 1 || out.Remaining.Users[2].Plugin != execplugin.Unknown {
		t.Errorf("after --fix: exit %d, remaining %+v", r.code, out.Remaining)
	}
	r = e.run("kubeconfig", "plugins", "--dir", dir, "--fix")
	noSecret(t, "the second --fix", r)
	if strings.Contains(r.stdout, "repaired") || strings.Contains(r.stdout, "installed") {
		t.Errorf("the second --fix did something: %s", r.stdout)
	}
}

// realPluginConfig is a kubeconfig for the test API server whose user runs
// command through exec with apiVersion v1alpha1.
func realPluginConfig(s *k8stest.Server, command string) string {
	return `apiVersion: v1
kind: Config
current-context: aks
clusters:
- name: c
  cluster:
    server: ` + s.URL + `
    certificate-authority-data: ` + base64.StdEncoding.EncodeToString(s.CAPEM) + `
contexts:
- name: aks
  context: {cluster: c, user: aks}
users:
- name: aks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1alpha1
      command: ` + command + `
      args: [get-token, --server-id, 6dae42f8-SERVERID]
      env:
      - {name: AZURE_CLIENT_SECRET, value: s3cr3t-env}
`
}

// TestKubeconfigPluginsRealKubectl: against the real kubectl and API
// server, a v1alpha1 entry whose plugin path is from another machine fails
// ("invalid apiVersion"); after --fix (which installs the plugin and
// points the entry at it) kubectl authenticates through the plugin.
func TestKubeconfigPluginsRealKubectl(t *testing.T) {
	s := k8stest.Shared(t)
	tool := catalog.AzureKubelogin()
	if runtime.GOOS == "windows" || !tool.Supports(hostPlatform) {
		t.Skip("the stand-in plugin is a shell script")
	}
	e, o := toolEnv(t)
	plugin := strings.Replace(azureKubeloginScript, "plugin-token", s.Admin.Token, 1)
	o.Publish(t, tool, "v0.2.10", hostPlatform, []byte(plugin), true, nil)
	cfg := filepath.Join(t.TempDir(), "config")
	os.WriteFile(cfg, []byte(realPluginConfig(s, "/Users/alice/bin/kubelogin")), 0o600)
	e.vars = append(e.vars, "KUBECONFIG="+cfg)

	out, code, err := k8stest.KubectlRun(context.Background(), cfg, "get", "namespaces")
	if err != nil || code == 0 || !strings.Contains(out, "invalid apiVersion") {
		t.Fatalf("before the fix kubectl says (exit %d, %v): %s", code, err, out)
	}
	r := e.run("kubeconfig", "plugins", "--fix", "--dir", filepath.Join(t.TempDir(), "bin"))
	noSecret(t, "--fix", r)
	if r.code != 0 {
		t.Fatalf("--fix: %+v", r)
	}
	out, code, err = k8stest.KubectlRun(context.Background(), cfg, "get", "namespaces")
	if err != nil || code != 0 || !strings.Contains(out, k8stest.TenantNamespace) {
		t.Fatalf("after the fix kubectl says (exit %d, %v): %s", code, err, out)
	}
}

// TestKubeconfigPluginsConcurrentKubectl: the real kubectl keeps writing
// the file (adding contexts, and setting the user back to v1alpha1) while
// --fix runs again and again: no context kubectl added is lost, the file
// stays valid, and the last --fix leaves v1beta1.
func TestKubeconfigPluginsConcurrentKubectl(t *testing.T) {
	kubectl := k8stest.Kubectl()
	if kubectl == "" {
		t.Skip(k8stest.EnvKubectl + " is not set")
	}
	e, _ := toolEnv(t)
	dir := t.TempDir()
	prog := filepath.Join(dir, "kubelogin")
	os.WriteFile(prog, []byte(azureKubeloginScript), 0o755)
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(strings.Replace(pluginsConfig, "/Users/alice/bin/kubelogin", prog, 1)), 0o600)
	e.vars = append(e.vars, "KUBECONFIG="+cfg)

	const n = 15
	done := make(chan error, 1)
	go func() {
		for i := range n {
			for _, args := range [][]string{
				{"config", "set-context", fmt.Sprintf("added-%d", i), "--cluster=c", "--user=tok"},
				{"config", "set-credentials", "aks", "--exec-api-version=" + execplugin.APIv1alpha1},
			} {
				// kubectl does not wait for a lock: while kubeboot holds
				// config.lock it fails at once, and is run again.
				for try := 0; ; try++ {
					cmd := exec.Command(kubectl, args...)
					cmd.Env = []string{"KUBECONFIG=" + cfg, "HOME=" + dir}
					b, err := cmd.CombinedOutput()
					if err == nil {
						break
					}
					if !strings.Contains(string(b), "config.lock: file exists") || try > 200 {
						done <- fmt.Errorf("kubectl %v: %v: %s", args, err, b)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
		}
		done <- nil
	}()
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
		}
		if r := e.run("kubeconfig", "plugins", "--fix", "--dir", dir); r.code != 0 && r.code != 1 {
			t.Fatalf("--fix while kubectl writes: %+v", r)
		}
	}
	e.run("kubeconfig", "plugins", "--fix", "--dir", dir)
	c, err := kubeconfig.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, ok := c.Lookup(kubeconfig.KindContext, fmt.Sprintf("added-%d", i)); !ok {
			t.Errorf("context added-%d, written by kubectl, was lost", i)
		}
	}
	if x := execOf(t, cfg, "aks"); x.APIVersion != execplugin.APIv1beta1 || x.Command != prog {
		t.Errorf("aks after the last --fix: %+v", x)
	}
}

// TestPluginsInSetupDoctorVerify: setup reports the imported users'
// plugins and changes nothing about them; doctor reports each one with
// the fix; verify's hint names the fix for a v1alpha1 entry and for a
// missing plugin.
func TestPluginsInSetupDoctorVerify(t *testing.T) {
	e, cfg, _ := pluginsEnv(t)
	os.Remove(cfg)
	src := filepath.Join(t.TempDir(), "cw-kubeconfig")
	os.WriteFile(src, []byte(pluginsConfig), 0o600)
	r := e.run("setup", src, "--dir", filepath.Join(t.TempDir(), "bin"), "--yes", "--no-verify")
	noSecret(t, "setup", r)
	if r.code != 0 || !strings.Contains(r.stderr, "user aks runs azure-kubelogin: apiVersion client.authentication.k8s.io/v1alpha1 is refused") ||
		!strings.Contains(r.stderr, "fix the credential plugins with: kubeboot kubeconfig plugins --fix") {
		t.Fatalf("setup: %+v", r)
	}
	if x := execOf(t, cfg, "aks"); x.APIVersion != execplugin.APIv1alpha1 {
		t.Errorf("setup changed the plugin: %+v", x)
	}

	r = e.run("doctor")
	noSecret(t, "doctor", r)
	if r.code != 1 || !strings.Contains(r.stdout, "plugin      user aks runs azure-kubelogin: apiVersion") ||
		!strings.Contains(r.stdout, "fix: kubeboot kubeconfig plugins --fix") {
		t.Errorf("doctor: %+v", r)
	}

	r = e.run("verify")
	noSecret(t, "verify", r)
	if r.code == 0 || !strings.Contains(r.stderr, "kubeboot kubeconfig plugins --fix sets it to client.authentication.k8s.io/v1beta1") {
		t.Errorf("verify of a v1alpha1 entry: %+v", r)
	}
	os.WriteFile(cfg, []byte(strings.Replace(pluginsConfig, "v1alpha1", "v1beta1", 1)), 0o600)
	r = e.run("verify")
	noSecret(t, "verify", r)
	if r.code == 0 || !strings.Contains(r.stderr, "kubeboot kubeconfig plugins --fix installs kubelogin") {
		t.Errorf("verify of a missing plugin: %+v", r)
	}
}

// TestKubeconfigPluginsFixAttacked: when the plugin's release is attacked
// (a checksum that does not match, a zip-slip archive), --fix exits 3
// with nothing installed and the kubeconfig unchanged: no user is pointed
// at a program that is not there.
func TestKubeconfigPluginsFixAttacked(t *testing.T) {
	tool := catalog.AzureKubelogin()
	if runtime.GOOS == "windows" || !tool.Supports(hostPlatform) {
		t.Skip("the stand-in plugin is a shell script")
	}
	a, _ := tool.Artifact("v0.2.10", hostPlatform)
	for _, at := range upstream.Attacks() {
		if (at.Name != "checksum mismatch" && at.Name != "zip-slip member") || !at.AppliesTo(tool, a) {
			continue
		}
		t.Run(at.Name, func(t *testing.T) {
			e, o := toolEnv(t)
			o.PublishAttacked(t, tool, "v0.2.10", hostPlatform, []byte(azureKubeloginScript), at)
			cfg := filepath.Join(e.getenv("HOME"), ".kube", "config")
			os.MkdirAll(filepath.Dir(cfg), 0o700)
			os.WriteFile(cfg, []byte(pluginsConfig), 0o600)
			dir := filepath.Join(t.TempDir(), "bin")
			for _, args := range [][]string{{"--fix"}, {"--fix", "-o", "json"}} {
				r := e.run(append([]string{"kubeconfig", "plugins", "--dir", dir}, args...)...)
				noSecret(t, at.Name, r)
				if r.code != 3 || !strings.Contains(r.stderr, "the kubeconfig was not changed") {
					t.Errorf("%v: %+v", args, r)
				}
				if got, _ := os.ReadFile(cfg); string(got) != pluginsConfig {
					t.Fatalf("%v changed the kubeconfig", args)
				}
				if fileExists(filepath.Join(dir, "kubelogin")) {
					t.Fatalf("%v installed kubelogin", args)
				}
			}
		})
	}
}
