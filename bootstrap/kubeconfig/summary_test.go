package kubeconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	goyaml "go.yaml.in/yaml/v2"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

const spanDoc = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://c.example.com\nusers:\n- name: u\n  user:\n    token: FAKE-ALICE-1\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n- name: b\n  context:\n    cluster: c\n    user: u\n"

// inPlace checks data's span and rewrites current-context to name, and
// reports whether it could.
func inPlace(t testing.TB, data []byte, name string) ([]byte, *summary, bool) {
	t.Helper()
	c, err := Parse(data, "config")
	if err != nil {
		t.Fatalf("the input does not parse: %v", err)
	}
	s := summarize(c, digestOf(data))
	s.checkSpan(data)
	out, next, ok := s.withCurrent(data, name)
	return out.bytes(), next, ok
}

// assertOnlyCurrentChanged: out parses to data's content with
// current-context name, and so does the summary.
func assertOnlyCurrentChanged(t *testing.T, data, out []byte, next *summary, name string) {
	t.Helper()
	want, _ := Parse(data, "config")
	want.CurrentContext = name
	got, err := Parse(out, "config")
	if err != nil {
		t.Fatalf("the rewritten file does not parse: %v\n%s", err, out)
	}
	if !Equal(got, want) || got.CurrentContext != name {
		t.Fatalf("the rewrite changed more than current-context (now %q):\n%s", got.CurrentContext, out)
	}
	if next.Digest != digestOf(out) || next.Current != name || string(out[next.Span[0]:next.Span[1]]) == "" && name != "" {
		t.Fatalf("summary of the result: %+v", next)
	}
	// The new summary's span is itself rewritable: a second Use in place.
	p, _, ok := next.withCurrent(out, "b")
	again := p.bytes()
	if !ok {
		t.Fatal("the result cannot be rewritten again")
	}
	if c, err := Parse(again, "config"); err != nil || c.CurrentContext != "b" {
		t.Fatalf("second rewrite: %v %q\n%s", err, c.CurrentContext, again)
	}
}

// TestCurrentContextInPlace: the files whose current-context value can be
// rewritten byte for byte, and those where Use must encode the whole file
// (each unusable case would go wrong if rewritten naively).
func TestCurrentContextInPlace(t *testing.T) {
	valid := map[string]string{
		"kubectl's layout":   spanDoc + "current-context: a\n",
		"first":              "current-context: a\n" + spanDoc,
		"quoted":             spanDoc + "current-context: \"a\"\n",
		"single quoted":      spanDoc + "current-context: 'a'\n",
		"comment after":      spanDoc + "current-context: a # mine\n",
		"empty":              spanDoc + "current-context: \"\"\n",
		"null, no blank":     spanDoc + "current-context:\n",
		"tab after colon":    spanDoc + "current-context:\ta\n",
		"CRLF":               strings.ReplaceAll(spanDoc+"current-context: a\n", "\n", "\r\n"),
		"no final newline":   spanDoc + "current-context: a",
		"comments and blank": "# my clusters\n\n" + spanDoc + "\n# current:\ncurrent-context: a   \n# end\n",
		"flow context":       strings.Replace(spanDoc, "- name: b\n  context:\n    cluster: c\n    user: u\n", "- name: b\n  context: {cluster: c, user: u}\n", 1) + "current-context: a\n",
	}
	for name, doc := range valid {
		t.Run(name, func(t *testing.T) {
			for _, to := range []string{"b", "my: ctx #1", "yes", "~", "-", "ü 日本", "'quote", "a\"b", "null", "123", " lead", "trail "} {
				out, next, ok := inPlace(t, []byte(doc), to)
				if !ok {
					t.Fatalf("not rewritable in place to %q", to)
				}
				assertOnlyCurrentChanged(t, []byte(doc), out, next, to)
				if to == "b" && !bytes.Contains(out, []byte("kind: Config")) {
					t.Fatal("the rest of the file changed")
				}
			}
			// Everything but the value is as it was.
			out, _, _ := inPlace(t, []byte(doc), "b")
			if i := bytes.Index([]byte(doc), []byte("current-context:")); !bytes.Equal(out[:i], []byte(doc)[:i]) {
				t.Error("bytes before current-context changed")
			}
		})
	}
	unusable := map[string]string{
		"none":                 spanDoc,
		"JSON":                 `{"apiVersion":"v1","kind":"Config","current-context":"a","contexts":[{"name":"a","context":{}}]}`,
		"two lines":            spanDoc + "current-context: a\ncurrent-context: b\n",
		"multi-line plain":     spanDoc + "current-context: a\n  b\n",
		"multi-line quoted":    spanDoc + "current-context: \"a\n  b\"\n",
		"anchor used later":    "current-context: &cc a\n" + spanDoc + "preferences:\n  x: *cc\n",
		"inside another value": spanDoc + "preferences:\n  note: \"x\ncurrent-context: b\"\n",
		"alias":                "preferences: &p a\n" + spanDoc + "current-context: *p\n",
		"longer key":           spanDoc + "current-context:#x: y\n",
	}
	for name, doc := range unusable {
		t.Run(name, func(t *testing.T) {
			c, err := Parse([]byte(doc), "config")
			if err != nil {
				t.Skipf("does not parse, nothing to rewrite: %v", err)
			}
			s := summarize(c, digestOf([]byte(doc)))
			s.checkSpan([]byte(doc))
			if s.SpanState != spanUnusable {
				out, _, _ := s.withCurrent([]byte(doc), "b")
				t.Fatalf("judged rewritable in place (span %v), which would give:\n%s", s.Span, out.bytes())
			}
			if _, _, ok := s.withCurrent([]byte(doc), "b"); ok {
				t.Fatal("withCurrent rewrote an unusable file")
			}
		})
	}
	// A name with no one-line form goes the long way.
	if _, _, ok := inPlace(t, []byte(spanDoc+"current-context: a\n"), "a\nb"); ok {
		t.Error("a name with a newline was written in place")
	}
}

// FuzzCurrentContextInPlace: whenever a file is judged rewritable in place,
// the rewrite parses to the same content with only current-context
// changed.
func FuzzCurrentContextInPlace(f *testing.F) {
	addCorpusSeeds(f, false)
	f.Add([]byte(spanDoc + "current-context: a\n"))
	f.Add([]byte(spanDoc + "current-context: \"a\n  b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "config")
		if err != nil || convertsToDuplicateKeys(data) {
			return
		}
		s := summarize(c, digestOf(data))
		s.checkSpan(data)
		for _, name := range []string{"b", "x: y", "", "ü"} {
			p, next, ok := s.withCurrent(data, name)
			out := p.bytes()
			if !ok {
				continue
			}
			want := c.Clone()
			want.CurrentContext = name
			got, err := Parse(out, "config")
			if err != nil || !Equal(got, want) || got.CurrentContext != name {
				t.Fatalf("rewrite to %q broke the file (%v):\n%q\n->\n%q", name, err, data, out)
			}
			if next.Digest != digestOf(out) {
				t.Fatal("summary digest")
			}
		}
	})
}

// convertsToDuplicateKeys reports YAML whose JSON form has an object with
// a key twice (8 and 08 are the int 8 and the float 8, both "8" in JSON;
// found on the YAML, as the conversion keeps only one): which one
// a parse keeps is random, in kubeboot as in kubectl, so two parses of the
// same bytes can differ and nothing can be compared.
func convertsToDuplicateKeys(data []byte) bool {
	var v any
	if goyaml.Unmarshal(data, &v) != nil {
		return false
	}
	var collide func(v any) bool
	collide = func(v any) bool {
		switch x := v.(type) {
		case map[any]any:
			seen := map[string]bool{}
			for k, e := range x {
				s := fmt.Sprint(k)
				if seen[s] {
					return true
				}
				seen[s] = true
				if collide(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if collide(e) {
					return true
				}
			}
		}
		return false
	}
	return collide(v)
}

// TestConvertsToDuplicateKeys: the fuzz's filter finds the collisions, at
// any depth, and only them.
func TestConvertsToDuplicateKeys(t *testing.T) {
	for doc, want := range map[string]bool{
		"8: a\n08: b\n":                      true,
		"x:\n- y: {1: a, 1.0: b}\n":          true,
		"a: {b: 1}\nc: {b: 2}\n":             false,
		"'8': a\n8: b\n":                     true,
		"a: [1, {b: 1}]\nb: 2\n":             false,
		"current-context: a\nclusters: []\n": false,
	} {
		if got := convertsToDuplicateKeys([]byte(doc)); got != want {
			t.Errorf("%q: %v, want %v", doc, got, want)
		}
	}
}

// cachedEnv is a kubeconfig in a folder with glob characters and
// non-ASCII, and a summary folder.
func cachedEnv(t *testing.T, corpus string) (EditOptions, string) {
	root := filepath.Join(testutil.TempDir(t), "home [x] ü")
	config := copyInto(t, filepath.Join("testdata", "corpus", corpus), filepath.Join(root, ".kube"), "config")
	return EditOptions{Kubeconfig: config, Home: root, Now: fixedNow, CacheDir: filepath.Join(root, ".cache", "kubeboot", "kubeconfig")}, config
}

func summaryFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestSummariesFollowTheContent: List and Use with CacheDir answer as
// without it, keep one summary per content with no secret in it, and never
// answer from the summary of other content: a file changed behind
// kubeboot's back (even to the same size), or a summary torn or altered,
// is read again.
func TestSummariesFollowTheContent(t *testing.T) {
	opts, config := cachedEnv(t, "multi.yaml")
	plain := opts
	plain.CacheDir = ""
	want, err := List(plain)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ { // a miss, then a hit
		got, err := List(opts)
		if err != nil || len(got) != len(want) {
			t.Fatalf("List = %v, %v", got, err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("round %d: %+v, want %+v", round, got[i], want[i])
			}
		}
	}
	files := summaryFiles(t, opts.CacheDir)
	if len(files) != 1 {
		t.Fatalf("summaries: %v", files)
	}
	sum := readFile(t, filepath.Join(opts.CacheDir, files[0]))
	assertNoSecret(t, "a summary", string(sum))
	if bytes.Contains(sum, []byte("RkFLRSBQUk9EIENB")) {
		t.Error("a summary holds certificate data")
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(filepath.Join(opts.CacheDir, files[0]))
		di, _ := os.Stat(opts.CacheDir)
		if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
			t.Errorf("summary mode %v, folder %v", fi.Mode().Perm(), di.Mode().Perm())
		}
	}

	// Another writer renames a namespace, keeping the size.
	data := readFile(t, config)
	changed := bytes.Replace(data, []byte("namespace: web"), []byte("namespace: wex"), 1)
	if bytes.Equal(changed, data) {
		t.Fatal("test input lacks namespace web")
	}
	if err := os.WriteFile(config, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := List(opts)
	if ns := find(got, "prod-alice").Namespace; ns != "wex" {
		t.Fatalf("after another writer changed the file, List says namespace %q", ns)
	}

	// A summary torn by a crash, or edited to lie, is not believed.
	for _, f := range summaryFiles(t, opts.CacheDir) {
		p := filepath.Join(opts.CacheDir, f)
		b := readFile(t, p)
		os.WriteFile(p, b[:len(b)/2], 0o600)
	}
	if got, err := List(opts); err != nil || find(got, "prod-alice").Namespace != "wex" {
		t.Fatalf("with torn summaries: %+v, %v", got, err)
	}
	for _, f := range summaryFiles(t, opts.CacheDir) {
		p := filepath.Join(opts.CacheDir, f)
		b := bytes.ReplaceAll(readFile(t, p), []byte(`"wex"`), []byte(`"lie"`))
		b = bytes.Replace(b, []byte(`"digest":"`), []byte(`"digest":"0`), 1)
		os.WriteFile(p, b, 0o600)
	}
	if got, err := List(opts); err != nil || find(got, "prod-alice").Namespace != "wex" {
		t.Fatalf("with a summary of another digest: %+v, %v", got, err)
	}

	// Use through the summaries gives what Use without them gives.
	twin := copyInto(t, config, filepath.Join(filepath.Dir(config), "twin"), "config")
	plain.Kubeconfig = twin
	for _, name := range []string{"prod-alice", "staging-ci", "-", "-", "staging-alice"} {
		r1, err1 := Use(context.Background(), name, opts)
		r2, err2 := Use(context.Background(), name, plain)
		if err1 != nil || err2 != nil || r1.Context != r2.Context || r1.Previous != r2.Previous {
			t.Fatalf("Use(%q): %+v %v / %+v %v", name, r1, err1, r2, err2)
		}
		if !Equal(mustLoad(t, config), mustLoad(t, twin)) {
			t.Fatalf("Use(%q): the files differ", name)
		}
	}
	_, err = Use(context.Background(), "prod-alcie", opts)
	var ue *UndefinedError
	if !errors.As(err, &ue) || len(ue.Suggestions) == 0 || ue.Suggestions[0] != "prod-alice" {
		t.Fatalf("misspelt name through summaries: %v", err)
	}
}

func find(infos []ContextInfo, name string) ContextInfo {
	for _, c := range infos {
		if c.Name == name {
			return c
		}
	}
	return ContextInfo{}
}

// TestUseInPlaceKeepsTheFile: Use rewrites only the current-context value,
// so the user's comments and layout stay; its backup is the previous file
// itself (a hard link: no copy of a large file), unless another name
// shares that file, when the backup is a copy and the other name keeps
// its content.
func TestUseInPlaceKeepsTheFile(t *testing.T) {
	opts, config := cachedEnv(t, "multi.yaml")
	orig := append([]byte("# my clusters, do not reorder\n"), readFile(t, config)...)
	os.WriteFile(config, orig, 0o600)
	before, _ := os.Stat(config)
	r, err := Use(context.Background(), "prod-alice", opts)
	if err != nil {
		t.Fatal(err)
	}
	after := readFile(t, config)
	if want := bytes.Replace(orig, []byte("current-context: staging-alice"), []byte("current-context: prod-alice"), 1); !bytes.Equal(after, want) {
		t.Fatalf("Use changed more than the value:\n%s", after)
	}
	backup := r.Edit.Written[0].Backup
	if got := readFile(t, backup); !bytes.Equal(got, orig) {
		t.Fatal("the backup is not the previous content")
	}
	bi, _ := os.Stat(backup)
	if runtime.GOOS != "windows" && !os.SameFile(before, bi) {
		t.Error("the backup is a copy, not the previous file")
	}

	// Another name for the same file (a dotfiles folder linking it).
	if runtime.GOOS == "windows" {
		return
	}
	other := filepath.Join(filepath.Dir(config), "dotfiles-kubeconfig")
	if err := os.Link(config, other); err != nil {
		t.Skip(err)
	}
	was := readFile(t, config)
	r, err = Use(context.Background(), "staging-ci", opts)
	if err != nil {
		t.Fatal(err)
	}
	oi, _ := os.Stat(other)
	bi, _ = os.Stat(r.Edit.Written[0].Backup)
	if os.SameFile(oi, bi) {
		t.Error("the backup shares its file with another name, which could change it")
	}
	if !bytes.Equal(readFile(t, other), was) || !bytes.Equal(readFile(t, r.Edit.Written[0].Backup), was) {
		t.Error("the other name or the backup does not hold the previous content")
	}
}

// TestSummariesArePruned: the summary folder keeps the newest
// keepSummaries.
func TestSummariesArePruned(t *testing.T) {
	opts, _ := cachedEnv(t, "multi.yaml")
	for i := 0; i < keepSummaries+6; i++ {
		name := []string{"prod-alice", "staging-ci"}[i%2]
		if _, err := Use(context.Background(), name, opts); err != nil {
			t.Fatal(err)
		}
		// Distinct content each time: a namespace changes too.
		if _, err := SetNamespace(context.Background(), "ns-"+strings.Repeat("x", i+1), "", opts); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(summaryFiles(t, opts.CacheDir)); n > keepSummaries || n == 0 {
		t.Fatalf("%d summaries kept", n)
	}
}

// TestParts: content held in pieces compares, digests and joins as the
// bytes it stands for, however it is split.
func TestParts(t *testing.T) {
	whole := []byte("current-context: a\nusers: []\n")
	for _, p := range []parts{
		{whole},
		{whole[:17], whole[17:18], whole[18:]},
		{nil, whole[:5], nil, whole[5:]},
	} {
		if !p.equal(whole) || p.digest() != digestOf(whole) || string(p.bytes()) != string(whole) {
			t.Errorf("%q is not %q", p, whole)
		}
		for _, other := range [][]byte{whole[1:], append([]byte("x"), whole[1:]...), append(append([]byte{}, whole...), '\n'), nil} {
			if p.equal(other) {
				t.Errorf("%q equals %q", p, other)
			}
		}
	}
}

// TestListLargeFileFromSummary: a kubeconfig's summary is found by hashing
// the file as it is read, and only for exactly that content.
func TestListLargeFileFromSummary(t *testing.T) {
	root := filepath.Join(testutil.TempDir(t), "home [x] ü")
	config := filepath.Join(root, ".kube", "config")
	if err := os.MkdirAll(filepath.Dir(config), 0o700); err != nil {
		t.Fatal(err)
	}
	data := bigKubeconfig(100)
	if err := os.WriteFile(config, data, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := EditOptions{Kubeconfig: config, Home: root, Now: fixedNow, CacheDir: filepath.Join(root, ".cache")}
	first, err := List(opts)
	if err != nil || len(first) != 100 {
		t.Fatalf("%d contexts, %v", len(first), err)
	}
	// Mark the stored summary: a List that answers with the mark read it.
	sumFile := summaryCache(opts.CacheDir).file(digestOf(data))
	s, err := os.ReadFile(sumFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sumFile, bytes.Replace(s, []byte(`"ns-7"`), []byte(`"marked"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	ns7 := func(infos []ContextInfo) string {
		for _, c := range infos {
			if c.Name == "ctx-7" {
				return c.Namespace
			}
		}
		return "(no ctx-7)"
	}
	got, err := List(opts)
	if err != nil || ns7(got) != "marked" {
		t.Fatalf("the summary was not used: %q, %v", ns7(got), err)
	}
	// One byte more and the file is read and parsed again.
	if err := os.WriteFile(config, append(data, "# edited\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = List(opts)
	if err != nil || ns7(got) != "ns-7" {
		t.Fatalf("a changed file was answered from an old summary: %q, %v", ns7(got), err)
	}
}
