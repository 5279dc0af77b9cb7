package kubeconfig

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// checkScan compares the scanner with Parse on data: when the scanner
// accepts, Parse must accept too and give the same summary, and the span
// must hold exactly current-context's value.
func checkScan(t *testing.T, data []byte) bool {
	t.Helper()
	got, ok := scanSummary(data, "d")
	if !ok {
		return false
	}
	c, err := Parse(data, "/scan/config")
	if err != nil {
		t.Fatalf("the scanner accepted what Parse refuses (%v):\n%s", err, data)
	}
	want := summarize(c, "d")
	if got.Current != want.Current || fmt.Sprint(got.Contexts) != fmt.Sprint(want.Contexts) ||
		fmt.Sprint(got.Clusters) != fmt.Sprint(want.Clusters) || fmt.Sprint(got.Users) != fmt.Sprint(want.Users) {
		t.Fatalf("scanner and Parse differ:\nscan  %+v\nparse %+v\n%s", got, want, data)
	}
	if got.SpanState == spanValid {
		probe := "kubeboot-probe-x"
		next, _, ok := got.withCurrent(data, probe)
		if !ok {
			t.Fatalf("the scanned span does not hold:\n%s", data)
		}
		pc, err := Parse(next.bytes(), "")
		if err != nil || pc.CurrentContext != probe || shapeOf(pc) != shapeOf(c) {
			t.Fatalf("rewriting the scanned span changed more than current-context (%v):\n%s", err, next.bytes())
		}
	}
	return true
}

// TestScanKubectlOutput: the layouts kubectl writes (and the benchmark's)
// are scanned, and read as Parse reads them.
func TestScanKubectlOutput(t *testing.T) {
	kubectlDoc := `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: QUJD
    server: https://k8s.example.com:6443
  name: prod
- cluster:
    insecure-skip-tls-verify: true
    server: http://alice:secret@127.0.0.1:8080
  name: lab
contexts:
- context:
    cluster: prod
    namespace: tenant-a
    user: alice
  name: prod-alice
- context:
    cluster: lab
    user: bot
  name: lab
current-context: prod-alice
kind: Config
preferences: {}
users:
- name: alice
  user:
    token: fake-token-0123
- name: bot
  user:
    client-certificate: /home/bot/cert.pem
    client-key: /home/bot/key.pem
    tokenFile: /run/secrets/token
`
	if !checkScan(t, []byte(kubectlDoc)) {
		t.Fatal("kubectl's layout was not scanned")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Config\ncurrent-context: ctx-0\nclusters:\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "- name: cluster-%d\n  cluster:\n    server: https://k8s-%d.example.com:6443\n    certificate-authority-data: QUJD\n", i, i)
	}
	b.WriteString("users:\n- name: user-0\n  user:\n    token: fake-token-0-xxxx\ncontexts:\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "- name: ctx-%d\n  context:\n    cluster: cluster-%d\n    user: user-0\n    namespace: ns-%d\n", i, i, i)
	}
	if !checkScan(t, b.Bytes()) {
		t.Fatal("the benchmark's layout was not scanned")
	}
	// The two-space sequence style, and quotes.
	indented := "apiVersion: v1\nclusters:\n  - name: \"c\"\n    cluster:\n      server: 'https://c:6443'\ncontexts:\n  - name: x\n    context: {}\ncurrent-context: \"x\"\n"
	if !checkScan(t, []byte(indented)) {
		t.Fatal("the indented layout was not scanned")
	}
}

// TestScanStepsOver: what kubectl writes beside the fields the scanner
// reads, users with exec plugins and auth providers, extensions, base64
// tokens that start with a digit or +, is stepped over and read as Parse
// reads it, not left to Parse.
func TestScanStepsOver(t *testing.T) {
	head := "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: 0QUJD+/=\n    extensions:\n    - extension:\n        last-update: Mon, 07 Dec 2026 10:00:00 UTC\n        provider: minikube.sigs.k8s.io\n        version: v1.34.0\n      name: cluster_info\n    server: https://c:6443\n  name: c\n"
	ctx := "contexts:\n- context:\n    cluster: c\n    extensions:\n    - extension:\n        provider: minikube.sigs.k8s.io\n      name: context_info\n    namespace: 9ns-with-digit\n    user: u\n  name: 1-prod\n- context:\n    cluster: c\n    user: eks\n  name: eks\ncurrent-context: 1-prod\nkind: Config\npreferences: {}\n"
	for name, users := range map[string]string{
		"digit token": "users:\n- name: u\n  user:\n    token: 3q2+7wAAAAB/kubeboot+token/w==\n",
		"plus token":  "users:\n- name: u\n  user:\n    token: +Zm9vYmFyYmF6cXV4/w==\n    client-key-data: 0S0tLS1CRUdJTg==\n",
		"slash token": "users:\n- name: u\n  user:\n    token: /sw9vYmFy\n",
		"exec": `users:
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - eu-west-1
      - eks
      - get-token
      - --cluster-name
      - prod
      command: aws
      env:
      - name: AWS_PROFILE
        value: prod
      - name: EMPTY
        value: ""
      interactiveMode: IfAvailable
      provideClusterInfo: false
- name: u
  user:
    token: 7Hk2+token
`,
		"exec indented seq": "users:\n- name: eks\n  user:\n    exec:\n      args:\n        - get-token\n      command: kubelogin\n      env: null\n- name: u\n  user: {}\n",
		"auth provider":     "users:\n- name: eks\n  user:\n    auth-provider:\n      config:\n        access-token: 9abc\n        cmd-args: config config-helper --format=json\n        expiry-key: '{.credential.token_expiry}'\n      name: gcp\n- name: u\n  user:\n    exec: {}\n",
	} {
		doc := head + ctx + users
		if !checkScan(t, []byte(doc)) {
			t.Errorf("%s: not scanned:\n%s", name, doc)
		}
	}
	// Nested blocks at the top and item levels.
	for _, doc := range []string{
		"apiVersion: v1\ncurrent-context: a\npreferences:\n  colors: true\nextensions:\n- name: e\n  extension:\n    a: b\ncontexts:\n- name: a\n  context: {}\n",
		"contexts:\n- name: a\n  extensions:\n  - x\n  context:\n    cluster: c\n",
	} {
		if !checkScan(t, []byte(doc)) {
			t.Errorf("not scanned:\n%s", doc)
		}
	}
}

// TestScanGivesUp: layouts the scanner does not understand are left to
// Parse, which reads them right (or refuses them).
func TestScanGivesUp(t *testing.T) {
	base := "apiVersion: v1\ncurrent-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n"
	for _, doc := range []string{
		`{"apiVersion": "v1", "current-context": "a"}`,
		base + "- name: a\n  context: {}\n",                    // duplicate
		base + "current-context: b\n",                          // duplicate key
		strings.Replace(base, "name: a", "name: yes", 1),       // a bool
		strings.Replace(base, "name: a", "name: 123", 1),       // a number
		strings.Replace(base, "cluster: c", "cluster: [c]", 1), // flow
		strings.Replace(base, "cluster: c", "cluster: &x c", 1),
		strings.Replace(base, "cluster: c", "cluster: |\n      c", 1),
		strings.Replace(base, "cluster: c", "cluster: c # note", 1),
		strings.Replace(base, "cluster: c", "cluster: c\n      more", 1), // a continued plain scalar
		strings.Replace(base, "\n", "\r\n", -1),
		strings.Replace(base, "    cluster", "\tcluster", 1),
		strings.Replace(base, "current-context: a", "current-context: \"a\\u0041\"", 1),
		"apiVersion: v1\ncontexts:\n- context:\n    cluster: c\n", // no name
		base + "users:\n- name: u\n  user:\n    token: 12345\n",   // a token that is a number
		base + "users:\n- name: u\n  user:\n    token: 1e5\n",     // a float
		base + "users:\n- name: u\n  user:\n    token: +0x1F\n",   // signed hex
		base + "users:\n- name: u\n  user:\n    token: 1_000\n",   // YAML 1.1 digits
		base + "users:\n- name: u\n  user:\n    token: -.inf\n",   // infinity
		base + "users:\n- name: u\n  user:\n    exec:\n      command: 123\n",
		base + "users:\n- name: u\n  user:\n    exec:\n      command:\n        x: y\n",
		base + "users:\n- name: u\n  user:\n    exec:\n    - aws\n",                       // a sequence
		base + "users:\n- name: u\n  user:\n    exec:\n      - aws\n",                     // a sequence
		base + "users:\n- name: u\n  user:\n    exec: aws\n",                              // a scalar
		base + "users:\n- name: u\n  user:\n    exec:\n      a: b\n      a: c\n",          // duplicate nested key
		base + "users:\n- name: u\n  user:\n    exec:\n        a: b\n      c: d\n",        // bad dedent
		base + "users:\n- name: u\n  user:\n    exec:\n      a: b\n        more\n",        // continued scalar
		base + "users:\n- name: u\n  user:\n    exec:\n      args:\n      - a\n      b\n", // a bare value
		base + "users:\n- name: u\n  user:\n    exec:\n      yes: b\n",                    // a bool key
		base + "users:\n- name: u\n  user:\n    exec:\n      a: [b\n",                     // flow
		base + "users:\n- name: u\n  user:\n    exec:\n      - a: b\n     c: d\n",
		base + "users:\n- name: u\n  user:\n    auth-provider:\n      config:\n        x: &a b\n",
		base + "preferences:\n  colors: true\n   x: y\n",
	} {
		if _, ok := scanSummary([]byte(doc), "d"); ok {
			t.Errorf("scanned:\n%s", doc)
		}
	}
}

// TestScanCorpus: every corpus file the scanner accepts reads as Parse
// reads it.
func TestScanCorpus(t *testing.T) {
	n := 0
	for _, p := range corpusFiles(t) {
		data, _ := os.ReadFile(p)
		if checkScan(t, data) {
			n++
		}
		t.Logf("%s", filepath.Base(p))
	}
	if n == 0 {
		t.Error("no corpus file was scanned")
	}
}

// FuzzScan: whatever the scanner accepts, Parse reads the same.
func FuzzScan(f *testing.F) {
	addCorpusSeeds(f, false)
	f.Add([]byte("apiVersion: v1\ncurrent-context: a\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\nclusters:\n- name: c\n  cluster:\n    server: https://c\n"))
	f.Add([]byte("current-context: 1a\ncontexts:\n- name: 1a\n  context:\n    user: u\nusers:\n- name: u\n  user:\n    token: +9Zm/w==\n    exec:\n      args:\n      - a\n      command: c\n      env:\n      - name: n\n        value: v\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkScan(t, data) })
}

// blockDoc is pruneDoc as kubectl writes it.
const blockDoc = `apiVersion: v1
clusters:
- cluster:
    server: https://lab:6443
  name: lab
- cluster:
    server: https://live:6443
  name: live
- cluster:
    server: https://127.0.0.1:16443
  name: tunnel
contexts:
- context:
    cluster: lab
    user: lab
  name: lab
- context:
    cluster: live
    user: me
  name: live
- context:
    cluster: tunnel
    user: tunnel
  name: tunnel
current-context: live
kind: Config
preferences: {}
users:
- name: lab
  user:
    token: FAKE-TOKEN-lab
- name: me
  user:
    token: FAKE-TOKEN-me
- name: tunnel
  user:
    token: FAKE-TOKEN-tunnel
`

// TestColdListAndUseScan: right after another program wrote a file in
// kubectl's layout, List and Use read it with the scanner, not the YAML
// parser (their summaries are the scanner's: no Shape, which only a parse
// gives), and Use rewrites current-context in place.
func TestColdListAndUseScan(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte(blockDoc), 0o600)
	cache := summaryCache(filepath.Join(dir, "cache"))
	opts := EditOptions{Kubeconfig: path, Home: dir, CacheDir: string(cache)}
	if infos, err := List(opts); err != nil || len(infos) != 3 {
		t.Fatalf("list: %v %v", infos, err)
	}
	s := cache.get(digestOf([]byte(blockDoc)))
	if s == nil || s.Shape != "" || s.SpanState != spanValid {
		t.Fatalf("the cold list's summary: %+v", s)
	}
	// Another program writes the file: Use scans it and rewrites in place.
	next := strings.Replace(blockDoc, "current-context: live", "current-context: tunnel", 1)
	os.WriteFile(path, []byte(next), 0o600)
	res, err := Use(context.Background(), "lab", opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := cache.get(digestOf([]byte(next))); s == nil || s.Shape != "" {
		t.Errorf("the cold use's summary: %+v", s)
	}
	data, _ := os.ReadFile(path)
	if string(data) != strings.Replace(blockDoc, "current-context: live", "current-context: lab", 1) || res.Previous != "tunnel" {
		t.Errorf("after use:\n%s", data)
	}
}

// TestScanNestedRandom attacks the skipper with random nested blocks under
// an exec plugin, an item key and a top-level key: lines of every form the
// scanner knows, at random indentations, with keys and values YAML may
// read as numbers, bools or null. Whatever the scanner accepts, Parse must
// read the same (checkScan); a good share must be accepted.
func TestScanNestedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 2))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	keys := []string{"command", "args", "env", "name", "value", "a", "yes", "1", "token", "exec"}
	values := []string{"aws", "123", "-x", "--y", "+Zm9/w==", "9sky", "1e5", "{}", "[]", "null", "~", "'q'", "true"}
	block := func(base int) string {
		var b strings.Builder
		ind := base + 2
		for n := rng.IntN(5); n >= 0; n-- {
			switch rng.IntN(5) {
			case 0:
				ind = base + 2 + 2*rng.IntN(3)
			case 1:
				ind += rng.IntN(3) - 1
			}
			if ind < base {
				ind = base
			}
			pad := strings.Repeat(" ", ind)
			switch rng.IntN(5) {
			case 0:
				fmt.Fprintf(&b, "%s%s: %s\n", pad, pick(keys), pick(values))
			case 1:
				fmt.Fprintf(&b, "%s%s:\n", pad, pick(keys))
			case 2:
				fmt.Fprintf(&b, "%s- %s\n", pad, pick(values))
			case 3:
				fmt.Fprintf(&b, "%s- %s: %s\n", pad, pick(keys), pick(values))
			default:
				fmt.Fprintf(&b, "%s- %s:\n", pad, pick(keys))
			}
		}
		return b.String()
	}
	accepted := 0
	const docs = 4000
	for range docs {
		nested := [3]string{"  extensions: []\n", "    exec: {}\n", "preferences: {}\n"}
		switch i := rng.IntN(3); i {
		case 0:
			nested[i] = "  extensions:\n" + block(2)
		case 1:
			nested[i] = "    exec:\n" + block(4)
		default:
			nested[i] = "preferences:\n" + block(0)
		}
		doc := "current-context: c\ncontexts:\n- name: c\n  context:\n    user: u\n" + nested[0] +
			"users:\n- name: u\n  user:\n" + nested[1] + "    token: " + pick(values) + "\n" +
			"- name: v\n  user: {}\n" + nested[2] + "kind: Config\n"
		if checkScan(t, []byte(doc)) {
			accepted++
		}
	}
	t.Logf("%d of %d accepted", accepted, docs)
	if accepted < docs/10 {
		t.Errorf("only %d of %d random documents scanned", accepted, docs)
	}
}
