package verify

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestPruneRealServer checks a kubeconfig holding a good context, one with
// a revoked token and one whose server is gone against the real API
// server, plus one whose server accepts connections and never answers:
// only the revoked and the (for over a week) unreachable ones are planned for removal, with
// the entries they alone used, and Prune removes exactly those.
func TestPruneRealServer(t *testing.T) {
	s := server(t)
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	goneURL := "https://" + gone.Addr().String()
	gone.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	ca := base64.StdEncoding.EncodeToString(s.CAPEM)
	revoked := "revoked-token-0123456789abcdef"
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: good
clusters:
- name: live
  cluster: {server: %q, certificate-authority-data: %s}
- name: gone
  cluster: {server: %q, certificate-authority-data: %s}
- name: silent
  cluster: {server: "https://%s", certificate-authority-data: %s}
- name: orphan
  cluster: {server: "https://orphan.invalid"}
users:
- name: admin
  user: {token: %q}
- name: revoked
  user: {token: %q}
- name: gone-user
  user: {token: %q}
contexts:
- name: good
  context: {cluster: live, user: admin}
- name: revoked
  context: {cluster: live, user: revoked}
- name: unreachable
  context: {cluster: gone, user: gone-user}
- name: slow
  context: {cluster: silent, user: admin}
`, s.URL, ca, goneURL, ca, silent.Addr(), ca, s.Admin.Token, revoked, s.Admin.Token)
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	// The unreachable context has failed on every check since a week ago
	// (lasting evidence: at least three checks on at least two days).
	clock := time.Now().Add(-8 * 24 * time.Hour)
	opts := kubeconfig.EditOptions{Kubeconfig: path, Home: dir, StateDir: filepath.Join(dir, "state"), Now: func() time.Time { return clock }}
	check := ContextCheck(Options{})
	co := kubeconfig.CheckOptions{Timeout: 3 * time.Second, Parallel: 4}
	for _, ago := range []time.Duration{8 * 24 * time.Hour, 4 * 24 * time.Hour} {
		clock = time.Now().Add(-ago)
		if _, err := kubeconfig.PlanPrune(context.Background(), opts, co, check); err != nil {
			t.Fatal(err)
		}
	}
	clock = time.Now()
	start := time.Now()
	plan, err := kubeconfig.PlanPrune(context.Background(), opts, co, check)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the checks took %v: not bounded by the 3 s timeout in parallel", d)
	}
	states := map[string]kubeconfig.CheckState{}
	for _, c := range append(append([]kubeconfig.CheckedContext{}, plan.Contexts...), plan.Kept...) {
		states[c.Name] = c.Check.State
		for _, sec := range []string{s.Admin.Token, revoked} {
			if strings.Contains(c.Check.Reason, sec) {
				t.Errorf("%s: the reason holds a token", c.Name)
			}
		}
	}
	want := map[string]kubeconfig.CheckState{"good": kubeconfig.CheckOK, "revoked": kubeconfig.CheckRejected,
		"unreachable": kubeconfig.CheckUnreachable, "slow": kubeconfig.CheckUnknown}
	if fmt.Sprint(states) != fmt.Sprint(want) {
		t.Errorf("verdicts %v, want %v", states, want)
	}
	var planned []string
	for _, c := range plan.Contexts {
		planned = append(planned, c.Name)
	}
	if got := fmt.Sprint(planned, plan.Clusters, plan.Users); got != "[revoked unreachable] [gone orphan] [revoked gone-user]" {
		t.Errorf("plan = %s", got)
	}
	before, _ := os.ReadFile(path)
	dry := opts
	dry.DryRun = true
	if _, err := kubeconfig.Prune(context.Background(), plan, dry, co, check); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a dry-run prune changed the file")
	}
	res, err := kubeconfig.Prune(context.Background(), plan, opts, co, check)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kubeconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range c.Contexts {
		left = append(left, e.Name)
	}
	if fmt.Sprint(left) != "[good slow]" || len(res.Edit.Written) != 1 || res.Edit.Written[0].Backup == "" {
		t.Errorf("after prune: contexts %v, result %+v", left, res)
	}
}
