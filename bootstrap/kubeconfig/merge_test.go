package kubeconfig

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parseT(t testing.TB, doc, path string) *Config {
	t.Helper()
	c, err := Parse([]byte(doc), path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bodyField(t testing.TB, c *Config, k Kind, name, field string) string {
	t.Helper()
	e, ok := c.Lookup(k, name)
	if !ok {
		t.Fatalf("%s %q missing; have %v", k, name, entryNames(c, k))
	}
	var m map[string]any
	json.Unmarshal(e.Body, &m)
	s, _ := m[field].(string)
	return s
}

func TestMergeIntoEmpty(t *testing.T) {
	in := mustLoad(t, "testdata/corpus/coreweave.yaml")
	out, ch, err := Merge(NewConfig("/home/x/.kube/config"), in, ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ch.Clusters.Added, []string{"coreweave"}) || !reflect.DeepEqual(ch.Users.Added, []string{"token-abcd"}) ||
		!reflect.DeepEqual(ch.Contexts.Added, []string{"coreweave"}) || ch.Empty() {
		t.Errorf("changes = %+v", ch)
	}
	if out.CurrentContext != "" {
		t.Errorf("Merge changed current-context to %q; selection is Import's job", out.CurrentContext)
	}
	if bodyField(t, out, KindCluster, "coreweave", "server") != "https://k8s.ord1.coreweave.com" {
		t.Error("cluster body lost")
	}
}

func TestMergeIdenticalIsNoop(t *testing.T) {
	a := mustLoad(t, "testdata/corpus/multi.yaml")
	// Same content, other formatting and key order, other folder.
	b := parseT(t, `{"contexts":[{"context":{"namespace":"web","user":"alice","cluster":"prod"},"name":"prod-alice"}],
"clusters":[{"cluster":{"certificate-authority-data":"RkFLRSBQUk9EIENB","server":"https://prod.example.com:6443"},"name":"prod"}]}`, "/elsewhere/in.json")
	out, ch, err := Merge(a, b, ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Empty() || !Equal(out, a) {
		t.Errorf("identical entries changed something: %+v", ch)
	}
	if !reflect.DeepEqual(ch.Contexts.Unchanged, []string{"prod-alice"}) || !reflect.DeepEqual(ch.Clusters.Unchanged, []string{"prod"}) {
		t.Errorf("unchanged = %+v", ch)
	}
}

func TestMergeConflictPolicies(t *testing.T) {
	target := mustLoad(t, "testdata/corpus/coreweave.yaml")
	in := mustLoad(t, "testdata/corpus/coreweave-other-org.yaml")

	_, _, err := Merge(target, in, ConflictFail)
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) {
		t.Fatalf("Fail: err = %v, want *ConflictError", err)
	}
	want := []Ref{{KindCluster, "coreweave"}, {KindContext, "coreweave"}}
	if !reflect.DeepEqual(ce.Conflicts, want) {
		t.Errorf("conflicts = %v, want %v", ce.Conflicts, want)
	}
	assertNoSecret(t, "conflict error", err.Error())

	out, ch, err := Merge(target, in, ConflictRename)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ch.Clusters.Renamed, []Renamed{{From: "coreweave", To: "coreweave-2"}}) ||
		!reflect.DeepEqual(ch.Contexts.Renamed, []Renamed{{From: "coreweave", To: "coreweave-2"}}) ||
		!reflect.DeepEqual(ch.Users.Added, []string{"token-efgh"}) {
		t.Errorf("rename changes = %+v", ch)
	}
	if got := bodyField(t, out, KindContext, "coreweave-2", "cluster"); got != "coreweave-2" {
		t.Errorf("renamed context points at cluster %q, want coreweave-2", got)
	}
	if got := bodyField(t, out, KindContext, "coreweave", "cluster"); got != "coreweave" {
		t.Errorf("original context now points at %q", got)
	}
	if bodyField(t, out, KindCluster, "coreweave", "server") != "https://k8s.ord1.coreweave.com" ||
		bodyField(t, out, KindCluster, "coreweave-2", "server") != "https://k8s.las1.coreweave.com" {
		t.Error("cluster bodies mixed up")
	}
	if ch.NewName(KindContext, "coreweave") != "coreweave-2" || ch.NewName(KindUser, "token-efgh") != "token-efgh" {
		t.Error("NewName wrong")
	}

	// A second rename import of the same file changes nothing.
	again, ch2, err := Merge(out, in, ConflictRename)
	if err != nil {
		t.Fatal(err)
	}
	if !ch2.Empty() || !Equal(again, out) {
		t.Errorf("re-import under rename changed things: %+v", ch2)
	}
	if !reflect.DeepEqual(ch2.Contexts.Renamed, []Renamed{{From: "coreweave", To: "coreweave-2", Existing: true}}) {
		t.Errorf("re-import renames = %+v", ch2.Contexts.Renamed)
	}

	out, ch, err = Merge(target, in, ConflictReplace)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ch.Clusters.Replaced, []string{"coreweave"}) || !reflect.DeepEqual(ch.Contexts.Replaced, []string{"coreweave"}) {
		t.Errorf("replace changes = %+v", ch)
	}
	if bodyField(t, out, KindCluster, "coreweave", "server") != "https://k8s.las1.coreweave.com" || len(out.Clusters) != 1 {
		t.Error("replace did not let the incoming cluster win")
	}
	if len(out.Users) != 2 {
		t.Errorf("users = %v; the old user must stay", entryNames(out, KindUser))
	}
}

func TestMergeRenameSkipsTakenNames(t *testing.T) {
	target := parseT(t, `
clusters:
- {name: a, cluster: {server: https://t1}}
- {name: a-2, cluster: {server: https://t2}}
contexts:
- {name: c, context: {cluster: a}}
`, "/t/config")
	in := parseT(t, `
clusters:
- {name: a, cluster: {server: https://i1}}
- {name: a-3, cluster: {server: https://i3}}
users:
- {name: u, user: {token: FAKE-CW-TOKEN-x}}
contexts:
- {name: c, context: {cluster: a, user: u}}
- {name: d, context: {cluster: a-3, user: u}}
current-context: c
`, "/i/in")
	out, ch, err := Merge(target, in, ConflictRename)
	if err != nil {
		t.Fatal(err)
	}
	if got := ch.Clusters.Renamed; !reflect.DeepEqual(got, []Renamed{{From: "a", To: "a-4"}}) {
		t.Errorf("renamed = %+v, want a→a-4 (a-2 in target, a-3 in incoming)", got)
	}
	if !reflect.DeepEqual(ch.Clusters.Added, []string{"a-3"}) {
		t.Errorf("added = %v", ch.Clusters.Added)
	}
	if got := bodyField(t, out, KindContext, "c-2", "cluster"); got != "a-4" {
		t.Errorf("context c-2 points at %q, want a-4", got)
	}
	if got := bodyField(t, out, KindContext, "d", "cluster"); got != "a-3" {
		t.Errorf("context d points at %q, want a-3", got)
	}
	assertEveryEntrySurvives(t, target, in, out, ch)
}

// assertEveryEntrySurvives checks that out holds every target entry
// unchanged and every incoming entry under its (possibly new) name.
func assertEveryEntrySurvives(t testing.TB, target, in, out *Config, ch *Changes) {
	t.Helper()
	for _, k := range Kinds {
		for _, e := range target.Entries(k) {
			if _, ok := out.Lookup(k, e.Name); !ok {
				t.Errorf("target %s %q lost", k, e.Name)
			}
		}
		for _, e := range in.Entries(k) {
			if _, ok := out.Lookup(k, ch.NewName(k, e.Name)); !ok {
				t.Errorf("incoming %s %q lost (new name %q)", k, e.Name, ch.NewName(k, e.Name))
			}
		}
	}
}

func TestMergeResolvesRelativePathsAcrossFolders(t *testing.T) {
	in := mustLoad(t, "testdata/corpus/relative-paths.yaml")
	dir, _ := filepath.Abs(filepath.Join("testdata", "corpus"))
	out, _, err := Merge(NewConfig("/home/x/.kube/config"), in, ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		kind        Kind
		name, field string
		want        string
	}{
		{KindCluster, "onprem", "certificate-authority", filepath.Join(dir, "pki/ca.crt")},
		{KindUser, "onprem-admin", "client-certificate", filepath.Join(dir, "pki/admin.crt")},
		{KindUser, "onprem-admin", "client-key", filepath.Join(dir, "pki/admin.key")},
		{KindUser, "onprem-bot", "tokenFile", filepath.Join(dir, "secrets/bot.token")},
	}
	for _, c := range checks {
		if got := bodyField(t, out, c.kind, c.name, c.field); got != c.want {
			t.Errorf("%s %s.%s = %q, want %q", c.kind, c.name, c.field, got, c.want)
		}
	}
	// kubectl resolves an exec command only when it holds the OS's path
	// separator: ./bin/credential-helper is a path on Unix, not on Windows
	// (see TestMergeExecCommandLikeKubectl).
	e, _ := out.Lookup(KindUser, "onprem-exec")
	if filepath.Separator == '/' && !strings.Contains(string(e.Body), jsonString(t, filepath.Join(dir, "bin/credential-helper"))) {
		t.Errorf("exec command not resolved: %s", e.Body)
	}
	if filepath.Separator == '\\' && !strings.Contains(string(e.Body), `"command":"./bin/credential-helper"`) {
		t.Errorf("exec command without a backslash rewritten on Windows: %s", e.Body)
	}
	// PATH-based exec commands and absolute paths are left alone.
	eks, _, err := Merge(NewConfig("/x/config"), mustLoad(t, "testdata/corpus/eks.yaml"), ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	if e := eks.Users[0]; !strings.Contains(string(e.Body), `"command":"aws"`) {
		t.Errorf("PATH command rewritten: %s", e.Body)
	}
	// Same folder: paths stay relative.
	same, _, err := Merge(NewConfig(filepath.Join(dir, "config")), in, ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	if got := bodyField(t, same, KindCluster, "onprem", "certificate-authority"); got != "pki/ca.crt" {
		t.Errorf("same-folder merge rewrote the path to %q", got)
	}
	// Identical once resolved: no conflict between a relative and an
	// absolute spelling of the same file.
	abs := parseT(t, `clusters: [{name: onprem, cluster: {server: "https://onprem.example.com", certificate-authority: `+jsonString(t, filepath.Join(dir, "pki/ca.crt"))+`}}]`, "/t/config")
	if _, ch, err := Merge(abs, in, ConflictFail); err != nil || !reflect.DeepEqual(ch.Clusters.Unchanged, []string{"onprem"}) {
		t.Errorf("relative vs absolute same file: %v, %+v", err, ch)
	}
}

// TestMergeExecCommandLikeKubectl pins client-go's rule for exec commands
// (GetAuthInfoFileReferences): a command is a file path, resolved from its
// kubeconfig's folder, only when it contains filepath.Separator; otherwise
// kubectl looks it up as is, so a merge must leave it alone.
func TestMergeExecCommandLikeKubectl(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "corpus"))
	for _, c := range []struct {
		command string
		path    bool // kubectl on this OS takes it for a file path
	}{
		{"./bin/helper", filepath.Separator == '/'},
		{"bin/helper", filepath.Separator == '/'},
		{`.\bin\helper.exe`, filepath.Separator == '\\'},
		{`bin\helper.exe`, filepath.Separator == '\\'},
		{"helper", false},
	} {
		doc := `users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ` + jsonString(t, c.command) + `}}}]`
		in := parseT(t, doc, filepath.Join(dir, "config"))
		out, _, err := Merge(NewConfig(filepath.Join(filepath.Dir(dir), "elsewhere", "config")), in, ConflictFail)
		if err != nil {
			t.Fatal(err)
		}
		want := c.command
		if c.path {
			want = filepath.Join(dir, c.command)
		}
		e, _ := out.Lookup(KindUser, "u")
		if !strings.Contains(string(e.Body), `"command":`+jsonString(t, want)) {
			t.Errorf("command %q became %s, want %q", c.command, e.Body, want)
		}
		// The result is valid YAML that reads back the same command.
		b, err := out.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back := parseT(t, string(b), "/x/config")
		if e2, _ := back.Lookup(KindUser, "u"); !strings.Contains(string(e2.Body), `"command":`+jsonString(t, want)) {
			t.Errorf("command %q did not survive Marshal: %s", want, b)
		}
	}
}

// jsonString quotes s as JSON, which is also a valid YAML double-quoted
// string: Windows paths hold backslashes, which YAML would read as escapes.
func jsonString(t testing.TB, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMergeOthersCountAsTaken(t *testing.T) {
	target := NewConfig("/k/a")
	other := mustLoad(t, "testdata/corpus/coreweave.yaml")
	in := mustLoad(t, "testdata/corpus/coreweave-other-org.yaml")
	if _, _, err := Merge(target, in, ConflictFail, other); !errors.Is(err, ErrConflict) {
		t.Fatalf("names in another KUBECONFIG file did not conflict: %v", err)
	}
	out, ch, err := Merge(target, in, ConflictRename, other)
	if err != nil {
		t.Fatal(err)
	}
	if ch.NewName(KindContext, "coreweave") != "coreweave-2" || len(out.Contexts) != 1 {
		t.Errorf("rename against others: %+v", ch)
	}
	// Identical to the other file's entry: nothing to add.
	_, ch, err = Merge(target, other, ConflictFail, other)
	if err != nil || !ch.Empty() {
		t.Errorf("identical to another file: %v %+v", err, ch)
	}
}

func TestMergeTopLevel(t *testing.T) {
	target := mustLoad(t, "testdata/corpus/coreweave.yaml")
	in := mustLoad(t, "testdata/corpus/extras.yaml")
	out, ch, err := Merge(target, in, ConflictFail)
	if err != nil {
		t.Fatal(err)
	}
	// The target's preferences are empty and it has no extensions: both
	// come from the incoming file, as in kubectl's merged view.
	if !reflect.DeepEqual(ch.TopLevel, []string{"extensions", "preferences"}) {
		t.Errorf("top level = %v", ch.TopLevel)
	}
	y, _ := out.Marshal()
	if !strings.Contains(string(y), "kubeboot.example/owner") || !strings.Contains(string(y), "colors: true") {
		t.Errorf("extension not merged:\n%s", y)
	}
}

func TestChangesJSONHasNoSecrets(t *testing.T) {
	for _, f := range corpusFiles(t) {
		_, ch, err := Merge(mustLoad(t, "testdata/corpus/multi.yaml"), mustLoad(t, f), ConflictRename)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ch)
		assertNoSecret(t, "Changes JSON", string(b))
	}
}

func TestParseConflictPolicy(t *testing.T) {
	for s, want := range map[string]ConflictPolicy{"fail": ConflictFail, "": ConflictFail, "rename": ConflictRename, "replace": ConflictReplace} {
		if got, err := ParseConflictPolicy(s); err != nil || got != want || (s != "" && got.String() != s) {
			t.Errorf("ParseConflictPolicy(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseConflictPolicy("merge"); err == nil {
		t.Error("unknown policy accepted")
	}
	if _, _, err := Merge(NewConfig(""), NewConfig(""), ConflictPolicy(9)); err == nil {
		t.Error("Merge accepted an unknown policy")
	}
}
