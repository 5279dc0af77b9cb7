package kubeconfig

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// opsEnv is a kubeconfig list in a temp folder with a space, a '[' and
// non-ASCII in its name.
type opsEnv struct {
	root  string
	files []string
}

func newOpsEnv(t *testing.T, corpus ...string) *opsEnv {
	t.Helper()
	e := &opsEnv{root: filepath.Join(testutil.TempDir(t), "my [kube] conf ü")}
	for i, c := range corpus {
		p := filepath.Join(e.root, strconv.Itoa(i), "config")
		if c != "" {
			copyInto(t, filepath.Join("testdata", "corpus", c), filepath.Dir(p), "config")
		}
		e.files = append(e.files, p)
	}
	return e
}

func (e *opsEnv) opts() EditOptions {
	list := strings.Join(e.files, string(os.PathListSeparator))
	return EditOptions{Now: fixedNow, Home: e.root, Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return list
		}
		return ""
	}}
}

func (e *opsEnv) snapshot(t *testing.T) map[string]string {
	out := map[string]string{}
	filepath.Walk(e.root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

func TestListAcrossFiles(t *testing.T) {
	e := newOpsEnv(t, "coreweave-other-org.yaml", "multi.yaml", "coreweave.yaml")
	got, err := List(e.opts())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ContextInfo{
		"coreweave":     {Name: "coreweave", Cluster: "coreweave", User: "token-efgh", Current: true, File: e.files[0]},
		"staging-alice": {Name: "staging-alice", Cluster: "staging", User: "alice", File: e.files[1]},
	}
	if len(got) != 4 {
		t.Fatalf("got %d contexts: %+v", len(got), got)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].Name > got[i].Name {
			t.Errorf("not sorted: %q before %q", got[i-1].Name, got[i].Name)
		}
	}
	for _, c := range got {
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		if c.Server == "" {
			t.Errorf("%s: no server", c.Name)
		}
		c.Server, c.Namespace = "", ""
		if c != w {
			t.Errorf("%s: got %+v, want %+v", c.Name, c, w)
		}
	}
	b, _ := json.Marshal(got)
	assertNoSecret(t, "List JSON", string(b))
}

func TestUseAndBack(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	ctx := context.Background()
	if _, err := Use(ctx, "-", e.opts()); !errors.Is(err, ErrNoPreviousContext) {
		t.Fatalf("Use(-) with no history: %v", err)
	}
	r, err := Use(ctx, "prod-alice", e.opts())
	if err != nil || r.Previous != "staging-alice" || !r.Edit.Changed() {
		t.Fatalf("Use = %+v, %v", r, err)
	}
	if c := mustLoad(t, e.files[0]).CurrentContext; c != "prod-alice" {
		t.Fatalf("current-context = %q", c)
	}
	if r, err = Use(ctx, "-", e.opts()); err != nil || r.Context != "staging-alice" {
		t.Fatalf("Use(-) = %+v, %v", r, err)
	}
	if r, err = Use(ctx, "-", e.opts()); err != nil || r.Context != "prod-alice" {
		t.Fatalf("second Use(-) = %+v, %v", r, err)
	}
	// The current one again: nothing written, no backup.
	backups, _ := filepath.Glob(e.files[0] + ".kubeboot-backup-*")
	if r, err = Use(ctx, "prod-alice", e.opts()); err != nil || r.Edit.Changed() {
		t.Fatalf("Use of the current context = %+v, %v", r, err)
	}
	if b, _ := filepath.Glob(e.files[0] + ".kubeboot-backup-*"); len(b) != len(backups) {
		t.Error("a no-op Use made a backup")
	}
}

func TestUseDidYouMean(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	before := e.snapshot(t)
	_, err := Use(context.Background(), "staging-alcie", e.opts())
	var ue *UndefinedError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownContext) {
		t.Fatalf("err = %v", err)
	}
	if len(ue.Suggestions) == 0 || ue.Suggestions[0] != "staging-alice" {
		t.Errorf("suggestions = %v", ue.Suggestions)
	}
	if !strings.Contains(err.Error(), `did you mean "staging-alice"`) {
		t.Errorf("message = %q", err)
	}
	if _, err := Use(context.Background(), "zzzzzzzzzz", e.opts()); !errors.As(err, &ue) || len(ue.Suggestions) != 0 {
		t.Errorf("unrelated name: %v", err)
	}
	after := e.snapshot(t)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Error("a failed Use changed files")
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"prod", "prod-alice", "staging-alice", "staging-ci", "Coreweave"}
	for _, tc := range []struct {
		in   string
		want string
	}{{"prdo", "prod"}, {"coreweave", "Coreweave"}, {"staging-cj", "staging-ci"}, {"alice", "prod-alice"}} {
		if got := suggest(tc.in, names); len(got) == 0 || got[0] != tc.want {
			t.Errorf("suggest(%q) = %v, want %q first", tc.in, got, tc.want)
		}
	}
}

func TestDeleteRefusesCurrent(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	before := readFile(t, e.files[0])
	_, err := Delete(context.Background(), []string{"prod-alice", "staging-alice"}, DeleteOptions{Cascade: true}, e.opts())
	var ce *CurrentContextError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCurrentContext) || ce.Name != "staging-alice" {
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(before, readFile(t, e.files[0])) {
		t.Error("a refused delete changed the file")
	}
	if _, err := Delete(context.Background(), []string{"nope"}, DeleteOptions{}, e.opts()); !errors.Is(err, ErrUnknownContext) {
		t.Errorf("unknown context: %v", err)
	}
}

func TestDeleteCascadeKeepsShared(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	// prod-alice uses cluster prod and user alice; staging-alice uses alice too.
	r, err := Delete(context.Background(), []string{"prod-alice"}, DeleteOptions{Cascade: true}, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Clusters, r.Users) != "[prod] []" {
		t.Errorf("cascade removed clusters %v users %v, want [prod] []", r.Clusters, r.Users)
	}
	c := mustLoad(t, e.files[0])
	if c.has(KindCluster, "prod") || !c.has(KindUser, "alice") {
		t.Error("file disagrees with the result")
	}
}

func TestRenameClusterAndUser(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml", "coreweave.yaml")
	r, err := Rename(context.Background(), "staging-alice", "stg", RenameOptions{Cluster: true, User: true}, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, e.files[0])
	if c.CurrentContext != "stg" || !c.has(KindCluster, "stg") || !c.has(KindUser, "stg") || c.has(KindCluster, "staging") {
		t.Fatalf("after rename: current %q clusters %v users %v", c.CurrentContext, entryNames(c, KindCluster), entryNames(c, KindUser))
	}
	for _, ctx := range c.Contexts {
		cl, u := contextRefs(ctx.Body)
		if cl == "staging" || u == "alice" {
			t.Errorf("context %q still refers to %s/%s", ctx.Name, cl, u)
		}
	}
	if len(r.References) < 2 {
		t.Errorf("references rewritten: %v", r.References)
	}
	// A taken name is refused and nothing changes.
	before := readFile(t, e.files[0])
	if _, err := Rename(context.Background(), "stg", "coreweave", RenameOptions{}, e.opts()); !errors.Is(err, ErrExists) {
		t.Errorf("rename onto a context of another file: %v", err)
	}
	if _, err := Rename(context.Background(), "prod-alice", "staging-ci", RenameOptions{}, e.opts()); !errors.Is(err, ErrExists) {
		t.Errorf("rename onto an existing context: %v", err)
	}
	if !bytes.Equal(before, readFile(t, e.files[0])) {
		t.Error("a refused rename changed the file")
	}
}

func TestOpsDryRunWritesNothing(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml", "")
	before := e.snapshot(t)
	o := e.opts()
	o.DryRun = true
	ctx := context.Background()
	u, err := Use(ctx, "prod-alice", o)
	if err != nil || len(u.Edit.Written) != 1 || u.Edit.Written[0].Backup == "" || !u.Edit.DryRun {
		t.Fatalf("dry Use = %+v, %v", u, err)
	}
	if _, err := SetNamespace(ctx, "team-a", "", o); err != nil {
		t.Fatal(err)
	}
	if _, err := Rename(ctx, "prod-alice", "p", RenameOptions{Cluster: true}, o); err != nil {
		t.Fatal(err)
	}
	d, err := Delete(ctx, []string{"prod-alice"}, DeleteOptions{Cascade: true}, o)
	if err != nil || len(d.Clusters) != 1 {
		t.Fatalf("dry Delete = %+v, %v", d, err)
	}
	if fmt.Sprint(before) != fmt.Sprint(e.snapshot(t)) {
		t.Error("a dry run changed the files")
	}
}

func TestSetNamespaceChecks(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	if _, err := SetNamespace(context.Background(), "Not_A_Namespace", "", e.opts()); !errors.Is(err, ErrInvalidName) {
		t.Errorf("invalid namespace: %v", err)
	}
	r, err := SetNamespace(context.Background(), "team-a", "prod-alice", e.opts())
	if err != nil || r.File != e.files[0] {
		t.Fatalf("SetNamespace = %+v, %v", r, err)
	}
	ctxs, _ := List(e.opts())
	for _, c := range ctxs {
		if c.Name == "prod-alice" && c.Namespace != "team-a" {
			t.Errorf("namespace = %q", c.Namespace)
		}
	}
	e2 := newOpsEnv(t, "relative-paths.yaml")
	c := mustLoad(t, e2.files[0])
	c.CurrentContext = ""
	data, _ := c.Marshal()
	os.WriteFile(e2.files[0], data, 0o600)
	if _, err := SetNamespace(context.Background(), "x", "", e2.opts()); !errors.Is(err, ErrNoCurrentContext) {
		t.Errorf("no current context: %v", err)
	}
}

func TestImportNameAndNamespace(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	src := copyInto(t, "testdata/corpus/coreweave.yaml", testutil.TempDir(t), "cw-kubeconfig")
	o := e.opts()
	res, err := Import(context.Background(), ImportOptions{Source: src, Name: "cw-prod", Namespace: "team-b",
		Now: o.Now, Home: o.Home, Getenv: o.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	if res.Context != "cw-prod" {
		t.Errorf("context = %q", res.Context)
	}
	c := mustLoad(t, e.files[0])
	got, ok := c.Lookup(KindContext, "cw-prod")
	if !ok || c.has(KindContext, "coreweave") || stringField(got.Body, "namespace") != "team-b" || c.CurrentContext != "cw-prod" {
		t.Errorf("imported: contexts %v current %q body %s", entryNames(c, KindContext), c.CurrentContext, got.Body)
	}
	if _, err := Import(context.Background(), ImportOptions{Source: src, Namespace: "Bad NS", Home: o.Home, Getenv: o.Getenv}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("bad namespace: %v", err)
	}
}

// helperUseLoop switches HELPER_KUBECONFIG between two contexts forever.
func helperUseLoop() {
	o := EditOptions{Kubeconfig: os.Getenv("HELPER_KUBECONFIG"), Getenv: func(string) string { return "" }, Home: os.TempDir(), LockTimeout: time.Minute,
		CacheDir: os.Getenv("HELPER_CACHE"), StateDir: os.Getenv("HELPER_STATE")}
	writeForever(func(i int, now func() time.Time) error {
		o.Now = now
		_, err := Use(context.Background(), []string{"prod-alice", "staging-ci"}[i%2], o)
		return err
	})
}

// helperDeleteLimited deletes a context with cascade under
// RLIMIT_FSIZE=HELPER_LIMIT and prints the error as JSON.
func helperDeleteLimited() {
	o := EditOptions{Kubeconfig: os.Getenv("HELPER_KUBECONFIG"), Getenv: func(string) string { return "" }, Home: os.TempDir()}
	writeLimited(func() error {
		_, err := Delete(context.Background(), []string{"prod-alice"}, DeleteOptions{Cascade: true}, o)
		return err
	})
}

// withoutCurrentLine drops the top-level current-context line.
func withoutCurrentLine(data []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(data, []byte("\n")) {
		if !bytes.HasPrefix(l, []byte(currentKey)) {
			out = append(out, l...)
		}
	}
	return out
}

func TestUseSurvivesKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is a Unix test")
	}
	if testing.Short() {
		t.Skip("kills child processes; skipped in -short")
	}
	base := mustLoad(t, "testdata/corpus/multi.yaml")
	valid := map[string]bool{}
	for _, n := range []string{"prod-alice", "staging-ci"} {
		c := base.Clone()
		c.CurrentContext = n
		valid[n] = true
	}
	for round := 0; round < 6; round++ {
		dir := testutil.TempDir(t)
		config := copyInto(t, "testdata/corpus/multi.yaml", dir, "config")
		orig := readFile(t, config)
		// Odd rounds keep summaries, so Use rewrites the file in place.
		cache := ""
		if round%2 == 1 {
			cache = filepath.Join(dir, "cache")
		}
		cmd := helperCmd(t, "use-loop", "HELPER_KUBECONFIG="+config, "HELPER_CACHE="+cache)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if strings.TrimSpace(line) != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", line)
		}
		time.Sleep(time.Duration(round*5) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		got, err := Parse(readFile(t, config), config)
		if err != nil {
			t.Fatalf("round %d: after SIGKILL the file does not parse: %v", round, err)
		}
		// Only current-context may differ from the original, and it names
		// one of the two contexts.
		want, _ := Parse(orig, config)
		want.CurrentContext = got.CurrentContext
		if !valid[got.CurrentContext] || !Equal(got, want) {
			t.Fatalf("round %d: after SIGKILL the file is none of the valid states (current %q)", round, got.CurrentContext)
		}
		// In place, every other byte is the original's.
		if cache != "" && !bytes.Equal(withoutCurrentLine(readFile(t, config)), withoutCurrentLine(orig)) {
			t.Fatalf("round %d: a rewrite in place changed more than the current-context line:\n%s", round, readFile(t, config))
		}
		// The next Use sweeps what the killed run left.
		if _, err := Use(context.Background(), "prod", EditOptions{Kubeconfig: config, Home: dir}); !errors.Is(err, ErrUnknownContext) {
			t.Fatal(err)
		}
		if _, err := Use(context.Background(), "staging-alice", EditOptions{Kubeconfig: config, Home: dir}); err != nil {
			t.Fatal(err)
		}
		for _, l := range leftovers(t, dir) {
			if l != ".config.kubeboot-previous-context" && l != "cache" {
				t.Errorf("round %d: left behind %s", round, l)
			}
		}
	}
}

func TestDeleteFullDisk(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("RLIMIT_FSIZE is a Unix limit")
	}
	orig := readFile(t, "testdata/corpus/multi.yaml")
	for _, tc := range []struct {
		name  string
		limit int
	}{
		{"backup fails", len(orig) / 2},
		{"write fails after the backup", len(orig) + 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			config := filepath.Join(dir, "config")
			os.WriteFile(config, orig, 0o600)
			// The result is smaller than the original: grow the original
			// so the new content exceeds the limit too.
			padded := append(append([]byte{}, orig...), []byte("\n# "+strings.Repeat("x", len(orig))+"\n")...)
			os.WriteFile(config, padded, 0o600)
			limit := tc.limit
			if tc.name == "write fails after the backup" {
				limit = len(padded) + 16
			}
			out, err := helperCmd(t, "delete-limited", "HELPER_KUBECONFIG="+config, "HELPER_LIMIT="+strconv.Itoa(limit)).Output()
			if err != nil {
				t.Fatalf("helper died: %v (%s)", err, out)
			}
			var res map[string]string
			if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
				t.Fatalf("helper output %q", out)
			}
			if res["setup"] != "" {
				t.Skip("cannot limit file sizes: " + res["setup"])
			}
			if tc.name == "backup fails" && !strings.Contains(res["error"], "file too large") {
				t.Errorf("error = %q, want a file-too-large failure", res["error"])
			}
			if res["error"] == "" {
				t.Skip("the new content fits under the limit")
			}
			if !bytes.Equal(readFile(t, config), padded) {
				t.Error("the original changed")
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
		})
	}
}

func TestRenameReadOnlyFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows ignores the read-only attribute on folders")
	}
	e := newOpsEnv(t, "multi.yaml")
	dir := filepath.Dir(e.files[0])
	before := readFile(t, e.files[0])
	testutil.MakeReadOnly(t, dir)
	if _, err := Rename(context.Background(), "prod-alice", "p", RenameOptions{Cluster: true}, e.opts()); err == nil {
		t.Fatal("rename in a read-only folder succeeded")
	}
	if !bytes.Equal(before, readFile(t, e.files[0])) {
		t.Error("original changed")
	}
}

func TestDeleteSeveral(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	r, err := Delete(context.Background(), []string{"prod-alice", "staging-ci"}, DeleteOptions{Cascade: true}, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, e.files[0])
	if fmt.Sprint(entryNames(c, KindContext)) != "[staging-alice]" || fmt.Sprint(r.Clusters, r.Users) != "[prod] [ci]" {
		t.Errorf("left contexts %v; removed clusters %v users %v", entryNames(c, KindContext), r.Clusters, r.Users)
	}
}

// TestSweepInFolderWithGlobCharacters: the temp files a killed writer left
// beside a kubeconfig in a folder whose name has '[' are removed by the
// next write, as in any other folder (the folder is listed, never globbed).
func TestSweepInFolderWithGlobCharacters(t *testing.T) {
	e := newOpsEnv(t, "multi.yaml")
	dir := filepath.Dir(e.files[0])
	left := []string{".config.kubeboot-123.tmp", ".config.lock.kubeboot-45.tmp", "..config.kubeboot-previous-context.kubeboot-6.tmp"}
	for _, n := range left {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keep := filepath.Join(dir, ".config.kubeboot-notes")
	os.WriteFile(keep, []byte("mine"), 0o600)
	if _, err := Use(context.Background(), "prod-alice", e.opts()); err != nil {
		t.Fatal(err)
	}
	for _, n := range left {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s was left in %s", n, dir)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file that is not a temp file was removed: %v", err)
	}
}
