package execplugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

const repairConfig = `apiVersion: v1
kind: Config
current-context: aks
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
contexts:
- name: aks
  context: {cluster: c, user: aks}
users:
- name: aks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1alpha1
      command: /Users/alice/bin/kubelogin
      args: [get-token, --server-id, 6dae42f8, --client-secret=s3cr3t-arg]
      env:
      - name: AAD_SERVICE_PRINCIPAL_CLIENT_SECRET
        value: s3cr3t-env
      provideClusterInfo: false
- name: oidc
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubectl
      args: [oidc-login, get-token, --server-id=x]
- name: token
  user:
    token: s3cr3t-token
`

func repairMachine(dir string) Machine {
	return fake(runtime.GOOS, runtime.GOARCH, dir, map[string]Flavor{filepath.Join(dir, "kubelogin"): FlavorAzure})
}

func TestRepair(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(repairConfig), 0o600)
	m := repairMachine(dir)
	opts := kubeconfig.EditOptions{Kubeconfig: cfg}

	plan, err := Check(context.Background(), opts, m)
	if err != nil || len(plan.Users) != 2 || plan.Problems() != 2 {
		t.Fatalf("Check: %+v, %v", plan, err)
	}
	dry := opts
	dry.DryRun = true
	res, err := Repair(context.Background(), dry, m)
	if got, _ := os.ReadFile(cfg); err != nil || !res.Edit.DryRun || !res.Edit.Changed() || string(got) != repairConfig {
		t.Fatalf("dry run: %+v, %v; file changed: %v", res, err, string(got) != repairConfig)
	}

	res, err = Repair(context.Background(), opts, m)
	if err != nil || !res.Edit.Changed() || res.Edit.Written[0].Backup == "" {
		t.Fatalf("Repair: %+v, %v", res, err)
	}
	if b, _ := os.ReadFile(res.Edit.Written[0].Backup); string(b) != repairConfig {
		t.Errorf("the backup is not the previous file")
	}
	after, err := kubeconfig.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]Exec{}
	for _, u := range usersOf([]*kubeconfig.File{{Path: cfg, Config: after}}) {
		users[u.Name] = u.Exec
	}
	if e := users["aks"]; e.APIVersion != APIv1beta1 || e.Command != "kubelogin" || len(e.Args) != 4 {
		t.Errorf("aks: %+v", e)
	}
	if e := users["oidc"]; e.Command != "kubelogin" || strings.Join(e.Args, " ") != "get-token --server-id=x" {
		t.Errorf("oidc: %+v", e)
	}
	got, _ := os.ReadFile(cfg)
	for _, keep := range []string{"s3cr3t-env", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "provideClusterInfo", "s3cr3t-token"} {
		if !strings.Contains(string(got), keep) {
			t.Errorf("the repair lost %s:\n%s", keep, got)
		}
	}
	if p, _ := Check(context.Background(), opts, m); p.Problems() != 0 {
		t.Errorf("after the repair: %+v", p)
	}
	// Again: nothing to do, nothing written.
	if res, err := Repair(context.Background(), opts, m); err != nil || res.Edit.Changed() {
		t.Errorf("second Repair: %+v, %v", res, err)
	}
}

func TestRepairReadOnly(t *testing.T) {
	if os.Geteuid() == 0 || runtime.GOOS == "windows" {
		t.Skip("root writes a read-only file, as kubectl does; see the CLI's test under another uid")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(repairConfig), 0o400)
	_, err := Repair(context.Background(), kubeconfig.EditOptions{Kubeconfig: cfg}, repairMachine(dir))
	if !errors.Is(err, kubeconfig.ErrReadOnly) {
		t.Fatalf("err %v", err)
	}
	if got, _ := os.ReadFile(cfg); string(got) != repairConfig {
		t.Error("changed")
	}
}

// TestUnloadableExecIsReported: an exec section kubectl cannot load (args
// a string) is a problem naming the user and the field, not "no plugin".
func TestUnloadableExecIsReported(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "config")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nusers:\n- name: alice\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws-iam-authenticator\n      args: \"--token=x\"\n"), 0o600)
	p, err := Check(context.Background(), kubeconfig.EditOptions{Kubeconfig: kc, Home: dir, Getenv: func(string) string { return "" }}, Machine{GOOS: "linux", GOARCH: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Users) != 1 || p.Users[0].User != "alice" || p.Problems() != 1 || !strings.Contains(p.Users[0].Problems[0], "args") {
		t.Errorf("plan %+v", p)
	}
	if strings.Contains(fmt.Sprint(p), "--token=x") {
		t.Errorf("the plan shows an argument's value: %+v", p)
	}
}
