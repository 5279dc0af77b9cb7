package kubeconfig

// Differential tests against a real kubectl. Build one with
// scripts/k8s-tools.sh and point KUBEBOOT_TEST_KUBECTL at it:
//
//	KUBEBOOT_TEST_KUBECTL=$(scripts/k8s-tools.sh)/kubectl go test ./bootstrap/kubeconfig/ -run Kubectl
//
// The kubectl on PATH is never used: it may be any version, or not kubectl.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
	"sigs.k8s.io/yaml"
)

func kubectlBinary(t *testing.T) string {
	t.Helper()
	p := os.Getenv("KUBEBOOT_TEST_KUBECTL")
	if p == "" {
		t.Skip("KUBEBOOT_TEST_KUBECTL is not set: set it to the absolute path of a kubectl built by scripts/k8s-tools.sh to run the differential tests")
	}
	if !filepath.IsAbs(p) {
		t.Fatalf("KUBEBOOT_TEST_KUBECTL=%q must be an absolute path", p)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("KUBEBOOT_TEST_KUBECTL: %v", err)
	}
	return p
}

// kubectl runs the real kubectl with a clean environment: HOME in a temp
// folder and KUBECONFIG set to files.
func kubectl(t *testing.T, bin, home string, files []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + home, "KUBECONFIG=" + strings.Join(files, string(os.PathListSeparator))}
	cmd.Dir = home
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("kubectl %v with KUBECONFIG=%v: %v\n%s", args, files, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

// view returns kubectl's merged view of files, file references embedded,
// with the paths kubectl keeps as written (tokenFile, exec command) made
// absolute from the folder of the file each entry comes from.
func view(t *testing.T, bin, home string, files []string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(kubectl(t, bin, home, files, "config", "view", "--raw", "--flatten", "-o", "json"), &v); err != nil {
		t.Fatal(err)
	}
	users, _ := v["users"].([]any)
	for _, u := range users {
		um := u.(map[string]any)
		body, _ := um["user"].(map[string]any)
		if body == nil {
			continue
		}
		dir := originDir(t, files, KindUser, um["name"].(string))
		if tf, ok := body["tokenFile"].(string); ok && tf != "" && !filepath.IsAbs(tf) {
			body["tokenFile"] = filepath.Join(dir, tf)
		}
		if ex, ok := body["exec"].(map[string]any); ok {
			if c, ok := ex["command"].(string); ok && strings.Contains(c, "/") && !filepath.IsAbs(c) {
				ex["command"] = filepath.Join(dir, c)
			}
		}
	}
	return v
}

// originDir is the folder of the first file of the list defining the entry.
func originDir(t *testing.T, files []string, k Kind, name string) string {
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			continue
		}
		if c.has(k, name) {
			return filepath.Dir(f)
		}
	}
	t.Fatalf("no file of %v defines %s %q", files, k, name)
	return ""
}

// applyRenames writes a copy of the YAML file src with the renames of ch
// applied, independently of the package's own merge code.
func applyRenames(t *testing.T, src, dst string, ch *Changes) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(readFile(t, src), &doc); err != nil {
		t.Fatal(err)
	}
	rename := func(k Kind, name string) string { return ch.NewName(k, name) }
	for _, k := range Kinds {
		list, _ := doc[k.listKey()].([]any)
		for _, item := range list {
			m := item.(map[string]any)
			m["name"] = rename(k, m["name"].(string))
			if k == KindContext {
				if body, ok := m["context"].(map[string]any); ok {
					if c, ok := body["cluster"].(string); ok {
						body["cluster"] = rename(KindCluster, c)
					}
					if u, ok := body["user"].(string); ok {
						body["user"] = rename(KindUser, u)
					}
				}
			}
		}
	}
	if cc, ok := doc["current-context"].(string); ok {
		doc["current-context"] = rename(KindContext, cc)
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.WriteFile(dst, readFile(t, src), 0o600); err != nil {
		t.Fatal(err)
	}
}

// differentialSetup makes root/kube and root/dl, each with its own pki
// files of different content, so that a path resolved against the wrong
// folder embeds different data.
func differentialSetup(t *testing.T) (root, kube, dl string) {
	root = testutil.TempDir(t)
	kube, dl = filepath.Join(root, "kube"), filepath.Join(root, "dl")
	for _, d := range []string{kube, dl} {
		os.MkdirAll(filepath.Join(d, "pki"), 0o700)
		for _, f := range []string{"ca.crt", "admin.crt", "admin.key"} {
			os.WriteFile(filepath.Join(d, "pki", f), []byte("FAKE "+f+" in "+filepath.Base(d)), 0o600)
		}
	}
	return root, kube, dl
}

func compareViews(t *testing.T, want, got map[string]any) {
	t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if string(w) != string(g) {
		t.Errorf("kubectl sees a different config\nkubectl's own merge: %s\nkubeboot's result:   %s", w, g)
	}
}

func TestKubectlDifferentialMerge(t *testing.T) {
	bin := kubectlBinary(t)
	corpus := corpusFiles(t)
	targets := append([]string{""}, corpus...)
	if testing.Short() {
		targets = []string{"", "testdata/corpus/coreweave.yaml", "testdata/corpus/relative-paths.yaml"}
	}
	for _, policy := range []ConflictPolicy{ConflictFail, ConflictRename, ConflictReplace} {
		for _, target := range targets {
			for _, incoming := range corpus {
				name := policy.String() + "/" + strings.TrimSuffix(filepath.Base(target), ".yaml") + "+" + filepath.Base(incoming)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					differentialCase(t, bin, target, incoming, policy)
				})
			}
		}
	}
}

func differentialCase(t *testing.T, bin, target, incoming string, policy ConflictPolicy) {
	root, kube, dl := differentialSetup(t)
	config, orig := filepath.Join(kube, "config"), filepath.Join(kube, "orig")
	if target != "" {
		copyFile(t, target, config)
		copyFile(t, target, orig)
	}
	in := filepath.Join(dl, "in")
	copyFile(t, incoming, in)

	res, err := Import(context.Background(), ImportOptions{
		Source: in, Kubeconfig: config, Policy: policy, Now: fixedNow,
		Getenv: func(string) string { return "" }, Home: root,
	})
	var ce *ConflictError
	if policy == ConflictFail && errors.As(err, &ce) {
		if string(readFile(t, config)) != string(readFile(t, orig)) {
			t.Fatal("a conflict changed the target")
		}
		// kubectl must see each conflicting pair as different too.
		a, b := view(t, bin, root, []string{orig}), view(t, bin, root, []string{in})
		for _, r := range ce.Conflicts {
			ea, eb := findEntry(a, r), findEntry(b, r)
			if ea == eb {
				t.Errorf("%v reported as a conflict, but kubectl sees identical entries %s", r, ea)
			}
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(dl, "in.renamed")
	applyRenames(t, in, renamed, res.Changes)
	expected := []string{renamed}
	if target != "" {
		first := orig
		if policy == ConflictReplace {
			first = filepath.Join(kube, "stripped")
			copyFile(t, orig, first)
			for _, k := range Kinds {
				for _, n := range res.Changes.Of(k).Replaced {
					kubectl(t, bin, root, []string{first}, "config", "delete-"+string(k), n)
				}
			}
		}
		expected = []string{first, renamed}
	}
	if res.Context != "" {
		kubectl(t, bin, root, expected, "config", "use-context", res.Context)
	}
	want := view(t, bin, root, expected)
	got := view(t, bin, root, []string{config})
	compareViews(t, want, got)
	if got["current-context"] != res.Context {
		t.Errorf("kubectl's current-context %v, Import selected %q", got["current-context"], res.Context)
	}
	if cur := strings.TrimSpace(string(kubectl(t, bin, root, []string{config}, "config", "current-context"))); res.Context != "" && cur != res.Context {
		t.Errorf("kubectl config current-context = %q, want %q", cur, res.Context)
	}
}

func findEntry(view map[string]any, r Ref) string {
	list, _ := view[r.Kind.listKey()].([]any)
	for _, item := range list {
		if m := item.(map[string]any); m["name"] == r.Name {
			b, _ := json.Marshal(m)
			return string(b)
		}
	}
	return ""
}

func TestKubectlDifferentialKubeconfigList(t *testing.T) {
	bin := kubectlBinary(t)
	cases := []struct {
		name     string
		existing map[string]string // file under root → corpus file
		list     []string          // KUBECONFIG, relative to root
		incoming string
		target   string
	}{
		{"first of two existing", map[string]string{"kube/config": "multi.yaml", "other/b": "coreweave.yaml"},
			[]string{"kube/config", "other/b"}, "coreweave-other-org.yaml", "kube/config"},
		{"first missing, second existing", map[string]string{"other/b": "multi.yaml"},
			[]string{"kube/missing", "other/b"}, "coreweave.yaml", "other/b"},
		{"three files, middle existing", map[string]string{"other/b": "eks.yaml", "third/c": "coreweave.yaml"},
			[]string{"kube/a", "other/b", "third/c"}, "coreweave-other-org.yaml", "other/b"},
		{"none existing", nil, []string{"kube/a", "kube/b"}, "coreweave.yaml", "kube/b"},
		{"identical entry in a later file", map[string]string{"kube/config": "eks.yaml", "other/b": "coreweave.yaml"},
			[]string{"kube/config", "other/b"}, "coreweave.yaml", "kube/config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, _, dl := differentialSetup(t)
			abs := func(rel []string) []string {
				out := make([]string, len(rel))
				for i, r := range rel {
					out[i] = filepath.Join(root, r)
				}
				return out
			}
			// Pristine copies beside each existing file, for kubectl's merge.
			var expected []string
			for _, f := range tc.list {
				if c, ok := tc.existing[f]; ok {
					p := filepath.Join(root, f)
					os.MkdirAll(filepath.Dir(p), 0o700)
					copyFile(t, filepath.Join("testdata", "corpus", c), p)
					copyFile(t, p, p+".orig")
					expected = append(expected, p+".orig")
				}
			}
			in := filepath.Join(dl, "in")
			copyFile(t, filepath.Join("testdata", "corpus", tc.incoming), in)
			list := strings.Join(abs(tc.list), string(os.PathListSeparator))
			res, err := Import(context.Background(), ImportOptions{
				Source: in, Policy: ConflictRename, Now: fixedNow, Home: root,
				Getenv: func(k string) string {
					if k == "KUBECONFIG" {
						return list
					}
					return ""
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Target != filepath.Join(root, tc.target) {
				t.Errorf("target = %s, want %s", res.Target, tc.target)
			}
			renamed := filepath.Join(dl, "in.renamed")
			applyRenames(t, in, renamed, res.Changes)
			expected = append(expected, renamed)
			if res.Context != "" {
				kubectl(t, bin, root, expected, "config", "use-context", res.Context)
			}
			want := view(t, bin, root, expected)
			got := view(t, bin, root, abs(tc.list))
			compareViews(t, want, got)
			if got["current-context"] != res.Context {
				t.Errorf("kubectl's current-context %v, Import selected %q", got["current-context"], res.Context)
			}
			// kubectl's own rule for where new entries go agrees with Target:
			// set a cluster through kubectl and see which file got it.
			kubectl(t, bin, root, abs(tc.list), "config", "set-cluster", "probe-from-kubectl", "--server=https://probe")
			if !mustLoad(t, res.Target).has(KindCluster, "probe-from-kubectl") {
				t.Errorf("kubectl wrote its new entry elsewhere than %s", res.Target)
			}
		})
	}
}
