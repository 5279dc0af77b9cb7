package kubeconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
