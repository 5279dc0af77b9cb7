package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// opsEnv is an env whose ~/.kube/config is corpus/multi.yaml.
func opsEnv(t *testing.T) (*env, string) {
	e := newEnv(t)
	config := filepath.Join(e.home(), ".kube", "config")
	copyFile(t, corpus+"multi.yaml", config)
	return e, config
}

func TestKubeconfigListAndUse(t *testing.T) {
	e, config := opsEnv(t)
	r := e.run("kubeconfig", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "CURRENT") || !strings.Contains(r.stdout, "*        staging-alice") {
		t.Fatalf("list: %+v", r)
	}
	r = e.run("kubeconfig", "list", "-o", "json")
	var infos []struct {
		Name    string
		Current bool
		File    string
	}
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil || len(infos) != 3 || infos[0].File != config {
		t.Fatalf("list -o json: %v %+v", err, infos)
	}
	if r = e.run("kubeconfig", "use", "prod-alice"); r.code != 0 || !strings.Contains(r.stdout, "current context: prod-alice (was staging-alice)") {
		t.Fatalf("use: %+v", r)
	}
	if r = e.run("kubeconfig", "use", "-"); r.code != 0 || !strings.Contains(r.stdout, "current context: staging-alice") {
		t.Fatalf("use -: %+v", r)
	}
	before, _ := os.ReadFile(config)
	if r = e.run("kubeconfig", "use", "prod-alcie"); r.code != 1 || !strings.Contains(r.stderr, `did you mean "prod-alice"`) {
		t.Errorf("misspelt: %+v", r)
	}
	if r = e.run("kubeconfig", "use", "prod-alice", "--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "nothing written") {
		t.Errorf("dry run: %+v", r)
	}
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Error("a failed or dry use changed the kubeconfig")
	}
	if r = e.run("kubeconfig", "use"); r.code != 2 {
		t.Errorf("no name: %+v", r)
	}
}

func TestKubeconfigNamespaceRenameDelete(t *testing.T) {
	e, config := opsEnv(t)
	if r := e.run("kubeconfig", "namespace", "team-a"); r.code != 0 || !strings.Contains(r.stdout, "context staging-alice: namespace team-a") {
		t.Fatalf("namespace: %+v", r)
	}
	if r := e.run("kubeconfig", "namespace", "Bad_NS"); r.code != 2 {
		t.Errorf("invalid namespace: %+v", r)
	}
	if r := e.run("kubeconfig", "namespace", "team-b", "--context", "prod-alice", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"namespace": "team-b"`) {
		t.Errorf("namespace --context: %+v", r)
	}
	if r := e.run("kubeconfig", "rename", "prod-alice", "staging", "--cluster"); r.code != 1 || !strings.Contains(r.stderr, `cluster "staging" already exists`) {
		t.Errorf("rename onto an existing cluster: %+v", r)
	}
	if r := e.run("kubeconfig", "rename", "prod-alice", "p", "--cluster", "--user"); r.code != 0 || !strings.Contains(r.stdout, "renamed cluster prod -> p") {
		t.Fatalf("rename: %+v", r)
	}
	if r := e.run("kubeconfig", "delete", "staging-alice"); r.code != 1 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("delete current: %+v", r)
	}
	r := e.run("kubeconfig", "delete", "p", "--cascade")
	if r.code != 0 || !strings.Contains(r.stdout, "deleted context p") || !strings.Contains(r.stdout, "deleted cluster p") {
		t.Fatalf("delete --cascade: %+v", r)
	}
	data, _ := os.ReadFile(config)
	// The cluster went; the user, renamed p, stays: staging-alice uses it.
	if strings.Contains(string(data), "prod.example.com") || !strings.Contains(string(data), "user: p\n") {
		t.Errorf("after the cascade:\n%s", data)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, "FAKE-") {
			t.Error("a secret reached the output")
		}
	}
}

// TestKubeconfigPruneAsks: contexts on loopback ports nothing listens on
// (a stopped local cluster, a closed tunnel) beside one that answers: one
// failed check proves nothing, so prune --yes removes nothing and shows
// the evidence with its dates; once every check over the span saw them
// fail, prune asks, and --yes removes the one that is not current.
func TestKubeconfigPruneAsks(t *testing.T) {
	e := newEnv(t)
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return clock }
	config := filepath.Join(e.home(), ".kube", "config")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "https://" + l.Addr().String()
	l.Close()
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"gitVersion":"v1.37.2"}`)
	}))
	defer live.Close()
	os.MkdirAll(filepath.Dir(config), 0o700)
	os.WriteFile(config, []byte(strings.NewReplacer("GONE", gone, "LIVE", live.URL).Replace(`apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: a, cluster: {server: "GONE"}}
- {name: b, cluster: {server: "GONE"}}
- {name: live, cluster: {server: "LIVE"}}
users:
- {name: u, user: {token: FAKE-TOKEN-prune}}
contexts:
- {name: a, context: {cluster: a, user: u}}
- {name: b, context: {cluster: b, user: u}}
- {name: live, context: {cluster: live}}
`)), 0o600)
	before, _ := os.ReadFile(config)
	r := e.run("kubeconfig", "prune", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "keep context b (unreachable") || !strings.Contains(r.stdout, "since 2026-12-01T09:00:00Z; removable from 2026-12-08T09:00:00Z") ||
		!strings.Contains(r.stdout, "nothing to prune") {
		t.Fatalf("prune --dry-run: %+v", r)
	}
	r = e.run("kubeconfig", "prune", "--yes", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"firstFailed": "2026-12-01T09:00:00Z"`) || !strings.Contains(r.stdout, `"failures": 2`) {
		t.Fatalf("prune --yes after one failure: %+v", r)
	}
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Fatal("prune --yes deleted a context on a fresh failure")
	}
	if strings.Contains(string(before), "firstFailed") {
		t.Fatal("evidence in the kubeconfig")
	}

	clock = clock.Add(8 * 24 * time.Hour)
	r = e.run("kubeconfig", "prune", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "remove context b (unreachable on every check (3, on 2 days) from 2026-12-01T09:00:00Z to 2026-12-09T09:00:00Z") ||
		!strings.Contains(r.stdout, "keep context a (unreachable") || !strings.Contains(r.stdout, "the current context is kept") {
		t.Fatalf("prune --dry-run after the span: %+v", r)
	}
	if r = e.run("kubeconfig", "prune"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("prune without a terminal: %+v", r)
	}
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Fatal("prune changed the file without --yes")
	}
	if r = e.run("kubeconfig", "prune", "--yes", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"contexts": [`) {
		t.Fatalf("prune --yes: %+v", r)
	}
	if r = e.run("kubeconfig", "list"); strings.Contains(r.stdout, " b ") || !strings.Contains(r.stdout, " a ") || strings.Contains(r.stdout+r.stderr, "FAKE-TOKEN") {
		t.Errorf("after prune: %+v", r)
	}
}

func TestKubeconfigImportNameNamespace(t *testing.T) {
	e, config := opsEnv(t)
	r := e.run("kubeconfig", "import", corpus+"coreweave.yaml", "--name", "cw", "--namespace", "team-c")
	if r.code != 0 || !strings.Contains(r.stdout, "current context: cw") {
		t.Fatalf("import --name: %+v", r)
	}
	data, _ := os.ReadFile(config)
	if !strings.Contains(string(data), "namespace: team-c") || strings.Contains(string(data), "name: coreweave\n  context") {
		t.Errorf("imported:\n%s", data)
	}
}

func TestKubeconfigOpsCompletion(t *testing.T) {
	e, _ := opsEnv(t)
	if got := complete(t, e, "kubeconfig", "use", ""); !slices.Contains(got, "prod-alice") {
		t.Errorf("use completes %v", got)
	}
	if got := complete(t, e, "kubeconfig", "delete", "prod-alice", ""); slices.Contains(got, "prod-alice") || !slices.Contains(got, "staging-ci") {
		t.Errorf("delete completes %v", got)
	}
	if got := complete(t, e, "kubeconfig", "namespace", ""); !slices.Contains(got, "default") {
		t.Errorf("namespace completes %v", got)
	}
}

// TestKubeconfigUnwritableNamesFile: a kubeconfig whose folder cannot be
// made gets an error naming the file, and no installer flag as advice.
func TestKubeconfigUnwritableNamesFile(t *testing.T) {
	if os.Geteuid() != 0 || runtime.GOOS != "linux" {
		t.Skip("needs root on Linux: /sys refuses new folders even to root")
	}
	e := newEnv(t)
	config := "/sys/kubeboot-test-no-such-folder/config"
	e.vars = append(e.vars, "KUBECONFIG="+config)
	r := e.run("kubeconfig", "import", corpus+"coreweave.yaml")
	if r.code == 0 || !strings.Contains(r.stderr, config) || strings.Contains(r.stderr, "--dir") {
		t.Errorf("import into an unwritable folder: %+v", r)
	}
}

// TestKubeconfigUseContextNamedDash: kubectl accepts a context named "-";
// use - goes back to the previous context, use --exact - selects it.
func TestKubeconfigUseContextNamedDash(t *testing.T) {
	e := newEnv(t)
	config := filepath.Join(e.home(), ".kube", "config")
	os.MkdirAll(filepath.Dir(config), 0o700)
	os.WriteFile(config, []byte(`apiVersion: v1
kind: Config
current-context: a
clusters: [{name: c, cluster: {server: "https://c:6443"}}]
contexts:
- {name: a, context: {cluster: c}}
- {name: b, context: {cluster: c}}
- {name: "-", context: {cluster: c}}
`), 0o600)
	if r := e.run("kubeconfig", "use", "--exact", "-"); r.code != 0 || !strings.Contains(r.stdout, "current context: - (was a)") {
		t.Fatalf("use --exact -: %+v", r)
	}
	if r := e.run("kubeconfig", "use", "b"); r.code != 0 {
		t.Fatalf("use b: %+v", r)
	}
	if r := e.run("kubeconfig", "use", "-"); r.code != 0 || !strings.Contains(r.stdout, "current context: - (was b)") {
		t.Fatalf("use - back to the context named -: %+v", r)
	}
	if r := e.run("kubeconfig", "use", "-"); r.code != 0 || !strings.Contains(r.stdout, "current context: b (was -)") {
		t.Fatalf("use - again: %+v", r)
	}
}

// TestKubeconfigProjectFolderKeepsNoCopies: with a per-project kubeconfig
// (KUBECONFIG=./kubeconfig), no backup holding the tokens and no state
// file of kubeboot's is left in the project folder, where git add -A
// would take them: they live in the user's state folder, owner-only,
// named after the kubeconfig, and a backup restores the file.
func TestKubeconfigProjectFolderKeepsNoCopies(t *testing.T) {
	e := newEnv(t)
	project := filepath.Join(e.home(), "project")
	os.MkdirAll(project, 0o755)
	e.wd = project
	copyFile(t, corpus+"multi.yaml", filepath.Join(project, "kubeconfig"))
	e.vars = append(e.vars, "KUBECONFIG=./kubeconfig")
	before, _ := os.ReadFile(filepath.Join(project, "kubeconfig"))
	src, _ := filepath.Abs(corpus + "coreweave.yaml")
	t.Chdir(project)
	var backup string
	for _, args := range [][]string{
		{"kubeconfig", "use", "staging-ci", "-o", "json"},
		{"kubeconfig", "use", "-"},
		{"kubeconfig", "delete", "staging-ci", "--cascade"},
		{"kubeconfig", "import", src},
	} {
		r := e.run(args...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		if backup == "" {
			var res kubeconfig.UseResult
			json.Unmarshal([]byte(r.stdout), &res)
			if res.Edit == nil || len(res.Edit.Written) != 1 {
				t.Fatalf("use -o json: %s", r.stdout)
			}
			backup = res.Edit.Written[0].Backup
		}
	}
	entries, _ := os.ReadDir(project)
	for _, en := range entries {
		if n := en.Name(); n != "kubeconfig" {
			t.Errorf("left in the project folder: %s", n)
		}
	}
	state := filepath.Join(e.home(), ".local", "state", "kubeboot", "kubeconfig")
	if !strings.HasPrefix(backup, state+string(filepath.Separator)+"kubeconfig-") {
		t.Errorf("backup at %s, want it under %s", backup, state)
	}
	if data, err := os.ReadFile(backup); err != nil || string(data) != string(before) {
		t.Errorf("the first backup does not hold the file as it was: %v", err)
	}
	pattern := kubeconfig.BackupPattern(filepath.Join(e.home(), ".local", "state", "kubeboot"), filepath.Join(project, "kubeconfig"))
	if ok, _ := filepath.Match(pattern, backup); !ok {
		t.Errorf("doctor's backup pattern %s does not match %s", pattern, backup)
	}
	if fi, err := os.Stat(filepath.Dir(backup)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("backup folder: %v %v", fi, err)
	}
}
