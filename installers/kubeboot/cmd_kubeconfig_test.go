package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const corpus = "../../bootstrap/kubeconfig/testdata/corpus/"

// The tokens in corpus/coreweave.yaml and corpus/coreweave-other-org.yaml.
const (
	fakeToken      = "FAKE-CW-TOKEN-0000-not-a-real-secret"
	otherFakeToken = "FAKE-CW-TOKEN-1111-not-a-real-secret"
)

func (e *env) home() string {
	for _, v := range e.vars {
		if h, ok := strings.CutPrefix(v, "HOME="); ok {
			return h
		}
	}
	e.t.Fatal("no HOME")
	return ""
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(dst), 0o700)
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestKubeconfigImportFromDownloads(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"coreweave.yaml", filepath.Join(home, "Downloads", "cw-kubeconfig"))
	config := filepath.Join(home, ".kube", "config")

	r := e.run("kubeconfig", "import", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "nothing written") || !strings.Contains(r.stdout, "added    context coreweave") {
		t.Fatalf("dry run: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(home, ".kube")); !os.IsNotExist(err) {
		t.Fatalf("dry run created ~/.kube: %v", err)
	}

	r = e.run("kubeconfig", "import")
	if r.code != 0 || !strings.Contains(r.stdout, "current context: coreweave") {
		t.Fatalf("import: %+v", r)
	}
	fi, err := os.Stat(config)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("~/.kube/config: %v, %v", fi, err)
	}

	// The same file again changes nothing; another org's file conflicts.
	before, _ := os.ReadFile(config)
	if r = e.run("kubeconfig", "import"); r.code != 0 || !strings.Contains(r.stdout, "nothing changed") {
		t.Errorf("re-import: %+v", r)
	}
	r = e.run("kubeconfig", "import", corpus+"coreweave-other-org.yaml")
	if r.code != 5 || !strings.Contains(r.stderr, "--on-conflict rename") {
		t.Errorf("conflict: exit %d, stderr %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Error("a conflicting import changed the kubeconfig")
	}

	r = e.run("kubeconfig", "import", corpus+"coreweave-other-org.yaml", "--on-conflict", "rename", "--json")
	if r.code != 0 {
		t.Fatalf("rename: %+v", r)
	}
	var res struct {
		Target, Backup, Context string
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	stateDir := filepath.Join(e.home(), ".local", "state", "kubeboot", "kubeconfig")
	if res.Target != config || res.Context != "coreweave-2" || !strings.HasPrefix(res.Backup, stateDir) || !strings.Contains(filepath.Base(res.Backup), "config.kubeboot-backup-") {
		t.Errorf("--json result = %+v", res)
	}
	if backup, _ := os.ReadFile(res.Backup); string(backup) != string(before) {
		t.Error("the backup does not hold the previous file")
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, fakeToken) || strings.Contains(out, otherFakeToken) {
			t.Error("a token reached the import's output")
		}
	}

	// Token recovery: the token alone on stdout, for each context.
	if r = e.run("kubeconfig", "token", "--context", "coreweave"); r.code != 0 || r.stdout != fakeToken+"\n" {
		t.Errorf("token: %+v", r)
	}
	if r = e.run("kubeconfig", "token", "--context", "coreweave-2"); r.code != 0 || r.stdout != otherFakeToken+"\n" {
		t.Errorf("token of the renamed context: %+v", r)
	}
	if r = e.run("kubeconfig", "token", "--context", "missing"); r.code != 1 || !strings.Contains(r.stderr, "coreweave-2") {
		t.Errorf("token of an unknown context: %+v", r)
	}
}

func TestKubeconfigImportErrors(t *testing.T) {
	e := newEnv(t)
	r := e.run("kubeconfig", "import")
	if r.code != 1 || !strings.Contains(r.stderr, "Downloads") || !strings.Contains(r.stderr, "api-access") {
		t.Errorf("no file: %+v", r)
	}
	bad := filepath.Join(t.TempDir(), "cw-kubeconfig")
	os.WriteFile(bad, []byte("apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: [\n"), 0o600)
	if r = e.run("kubeconfig", "import", bad); r.code != 1 || !regexp.MustCompile(regexp.QuoteMeta(bad)+`:\d+: invalid YAML`).MatchString(r.stderr) {
		t.Errorf("invalid YAML: %+v", r)
	}
	if r = e.run("kubeconfig", "import", "--on-conflict", "merge", bad); r.code != 2 {
		t.Errorf("bad policy: %+v", r)
	}
	if r = e.run("kubeconfig", "imprt"); r.code != 2 || !strings.Contains(r.stderr, `did you mean "import"`) {
		t.Errorf("misspelt subcommand: %+v", r)
	}
}

func TestKubeconfigPath(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	if r := e.run("kubeconfig", "path"); r.stdout != filepath.Join(home, ".kube", "config")+"\n" {
		t.Errorf("default: %+v", r)
	}
	e.vars = append(e.vars, "KUBECONFIG=/etc/a::/etc/b:/etc/a")
	if r := e.run("kubeconfig", "path"); r.stdout != "/etc/a\n/etc/b\n" {
		t.Errorf("KUBECONFIG list: %q", r.stdout)
	}
	if r := e.run("kubeconfig", "path", "--kubeconfig", "/x/y"); r.stdout != "/x/y\n" {
		t.Errorf("explicit: %q", r.stdout)
	}
}

// A second download, which the browser saved as "cw-kubeconfig (1)", is
// the one imported, and the output says which file and which it left.
func TestKubeconfigImportTakesTheNewestDownload(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	old := filepath.Join(home, "Downloads", "cw-kubeconfig")
	newer := filepath.Join(home, "Downloads", "cw-kubeconfig (1)")
	copyFile(t, corpus+"coreweave.yaml", old)
	if r := e.run("kubeconfig", "import"); r.code != 0 {
		t.Fatalf("first import: %+v", r)
	}
	// The token was revoked; the new download holds a new one.
	copyFile(t, corpus+"coreweave-other-org.yaml", newer)
	past := time.Now().Add(-time.Hour)
	os.Chtimes(old, past, past)
	r := e.run("kubeconfig", "import", "--dry-run", "--on-conflict", "replace")
	if r.code != 0 || !strings.Contains(r.stdout, "importing "+newer) || strings.Contains(r.stdout, "nothing would change") ||
		!strings.Contains(r.stdout, "not imported: "+old) {
		t.Fatalf("import of the newer download: %+v", r)
	}
	r = e.run("kubeconfig", "import", "--json", "--on-conflict", "replace")
	var res struct {
		Source         string
		OtherDownloads []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Source != newer || len(res.OtherDownloads) != 1 || res.OtherDownloads[0] != old {
		t.Fatalf("json: %v %+v\n%s", err, res, r.stdout)
	}
}
