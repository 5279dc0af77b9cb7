package kubeconfig

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestPruneKeepsEntriesOfShadowedContexts: with a KUBECONFIG list, a
// cluster and user that only a later file's context uses (that context
// shadowed by a same-named one earlier in the list) are still in use: that
// file, read alone, needs them. Neither prune nor delete --cascade removes
// them.
func TestPruneKeepsEntriesOfShadowedContexts(t *testing.T) {
	dir := testutil.TempDir(t)
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	files := map[string]string{
		first: `apiVersion: v1
kind: Config
current-context: x
clusters:
- {name: a, cluster: {server: "https://a:6443"}}
- {name: c, cluster: {server: "https://c:6443"}}
- {name: old, cluster: {server: "https://old:6443"}}
users:
- {name: a, user: {token: FAKE-a}}
- {name: c, user: {token: FAKE-c}}
contexts:
- {name: x, context: {cluster: a, user: a}}
- {name: w, context: {cluster: c, user: c}}
`,
		second: `apiVersion: v1
kind: Config
clusters:
- {name: b, cluster: {server: "https://b:6443"}}
users:
- {name: b, user: {token: FAKE-b}}
contexts:
- {name: x, context: {cluster: b, user: b}}
- {name: w, context: {cluster: c, user: c}}
`,
	}
	for p, doc := range files {
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(k string) string {
		if k == "KUBECONFIG" {
			return first + string(os.PathListSeparator) + second
		}
		return ""
	}
	opts := EditOptions{Getenv: getenv, Home: dir, StateDir: filepath.Join(dir, "state"), Now: func() time.Time { return time.Unix(1e9, 0) }}
	s := &scripted{m: map[string]CheckState{"x": CheckOK, "w": CheckOK}, n: map[string]int{}}
	ctx := context.Background()
	plan, err := PlanPrune(ctx, opts, CheckOptions{}, s.check)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(append(plan.Clusters, plan.Users...), ","); got != "old" {
		t.Fatalf("plan removes %q, want only the unused cluster old", got)
	}
	if _, err := Prune(ctx, plan, opts, CheckOptions{}, s.check); err != nil {
		t.Fatal(err)
	}
	// w of the first file goes with cascade: its cluster and user c stay,
	// as the second file's w (shown now) uses them.
	res, err := Delete(ctx, []string{"w"}, DeleteOptions{Cascade: true}, opts)
	if err != nil || len(res.Clusters)+len(res.Users) != 0 {
		t.Fatalf("delete --cascade: %+v %v", res, err)
	}
	for p, want := range map[string]int{first: 2, second: 1} {
		c, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Clusters) != want || len(c.Users) != want {
			t.Errorf("%s lost entries a context uses: clusters %v users %v", p, c.Clusters, c.Users)
		}
	}
}

// TestPruneSparesWhatChangedDuringTheRecheck: a context condemned by the
// plan changes (another program points it at another cluster and user)
// while its final check runs, and an unused user planned for removal gets
// new credentials; prune removes neither and says so.
func TestPruneSparesWhatChangedDuringTheRecheck(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	doc := `apiVersion: v1
kind: Config
current-context: ok
clusters:
- {name: c-old, cluster: {server: "https://old:6443"}}
- {name: c-ok, cluster: {server: "https://ok:6443"}}
users:
- {name: u-old, user: {token: FAKE-old}}
- {name: u-good, user: {token: FAKE-good}}
- {name: u-spare, user: {token: FAKE-spare}}
contexts:
- {name: ok, context: {cluster: c-ok, user: u-good}}
- {name: prod, context: {cluster: c-old, user: u-old}}
- {name: stale, context: {cluster: c-ok, user: u-good}}
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := EditOptions{Kubeconfig: path, Home: dir, StateDir: filepath.Join(dir, "state"), Now: func() time.Time { return time.Unix(1e9, 0) }}
	s := &scripted{m: map[string]CheckState{"ok": CheckOK, "prod": CheckRejected, "stale": CheckRejected}, n: map[string]int{}}
	ctx := context.Background()
	plan, err := PlanPrune(ctx, opts, CheckOptions{}, s.check)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Contexts) != 2 || strings.Join(plan.Users, ",") != "u-old,u-spare" {
		t.Fatalf("plan: %+v", plan)
	}
	// u-spare gets a new token between the plan and the removal.
	rewrite := func(old, new string) {
		t.Helper()
		_, err := Edit(ctx, opts, func(files []*File) error {
			c := files[0].Config
			for _, k := range Kinds {
				for i, e := range c.Entries(k) {
					if b := strings.Replace(string(e.Body), old, new, 1); b != string(e.Body) {
						c.Entries(k)[i].Body = []byte(b)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rewrite("FAKE-spare", "FAKE-spare-2")
	// prod is pointed at c-ok/u-good while its last check runs, by kubectl
	// config set-context prod --cluster=c-ok --user=u-good when a real
	// kubectl is at hand, else by the same change made here.
	var once sync.Once
	slow := func(ctx context.Context, v *Config, c ContextInfo) Verdict {
		if c.Name == "prod" {
			once.Do(func() {
				if bin := os.Getenv("KUBEBOOT_TEST_KUBECTL"); bin != "" {
					out, err := exec.Command(bin, "config", "set-context", "prod", "--cluster=c-ok", "--user=u-good", "--kubeconfig", path).CombinedOutput()
					if err != nil {
						t.Errorf("kubectl: %v %s", err, out)
					}
					return
				}
				rewrite(`"cluster":"c-old","user":"u-old"`, `"cluster":"c-ok","user":"u-good"`)
			})
		}
		return s.check(ctx, v, c)
	}
	res, err := Prune(ctx, plan, opts, CheckOptions{Parallel: 1}, slow)
	if err != nil {
		t.Fatal(err)
	}
	after := mustLoad(t, path)
	if got := strings.Join(entryNames(after, KindContext), ","); got != "ok,prod" {
		t.Errorf("contexts after prune: %s, want ok,prod (prod changed during its check)", got)
	}
	if _, ok := after.Lookup(KindUser, "u-spare"); !ok {
		t.Error("prune removed a user whose credentials changed since the plan")
	}
	if strings.Join(res.Contexts, ",") != "stale" {
		t.Errorf("removed %v, want stale only", res.Contexts)
	}
	spared := ""
	for _, c := range res.Spared {
		if c.Name == "prod" && strings.Contains(c.Prune.Why, "changed") {
			spared = c.Name
		}
	}
	if spared == "" || strings.Join(res.SparedUsers, ",") != "u-spare" {
		t.Errorf("result does not say what was spared: %+v", res)
	}
}
