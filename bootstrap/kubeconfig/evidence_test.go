package kubeconfig

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestJudge(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	info := ContextInfo{Name: "lab", Cluster: "lab", Server: "https://lab:6443", User: "me"}
	unreach := Verdict{State: CheckUnreachable, Reason: "connection refused"}
	rejected := Verdict{State: CheckRejected, Reason: "401"}
	rec := func(state CheckState, first, last time.Time, n, days int) *Evidence {
		return &Evidence{State: state, Server: info.Server, Cluster: info.Cluster, User: info.User, FirstFailed: first, LastFailed: last, Failures: n, Days: days}
	}
	other := rec(CheckUnreachable, t0, t0.Add(6*day), 5, 4)
	other.Server = "https://old-lab:6443"
	for _, tc := range []struct {
		name       string
		in         judgeInput
		remove     bool
		record     *Evidence // nil: no record kept
		keepPrev   bool      // the record is Prev, untouched
		whyContain string
	}{
		{"a fresh failure is recorded, not removable", judgeInput{Verdict: unreach, Now: t0},
			false, rec(CheckUnreachable, t0, t0, 1, 1), false, "removable from 2026-12-08"},
		{"still within the span", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0.Add(3*day), 4, 3), Now: t0.Add(6 * day)},
			false, rec(CheckUnreachable, t0, t0.Add(6*day), 5, 4), false, "since 2026-12-01"},
		{"every check failed over the span", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0.Add(3*day), 4, 3), Now: t0.Add(7 * day)},
			true, rec(CheckUnreachable, t0, t0.Add(7*day), 5, 4), false, "unreachable on every check (5, on 4 days)"},
		{"one check long ago and one now prove nothing", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0, 1, 1), Now: t0.Add(30 * day)},
			false, rec(CheckUnreachable, t0, t0.Add(30*day), 2, 2), false, "at least 3 checks on 2 different days"},
		{"three checks, the last two a span after the first", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0.Add(7*day), 2, 2), Now: t0.Add(7*day + time.Hour)},
			true, rec(CheckUnreachable, t0, t0.Add(7*day+time.Hour), 3, 2), false, "(3, on 2 days)"},
		{"three checks over a short span on one day", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0.Add(time.Hour), 2, 1), Now: t0.Add(2 * time.Hour), Span: time.Hour},
			false, rec(CheckUnreachable, t0, t0.Add(2*time.Hour), 3, 1), false, "on 1 day(s)"},
		{"three checks over a short span across midnight", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0.Add(14*time.Hour), t0.Add(14*time.Hour+30*time.Minute), 2, 1), Now: t0.Add(15*time.Hour + 30*time.Minute), Span: time.Hour},
			true, rec(CheckUnreachable, t0.Add(14*time.Hour), t0.Add(15*time.Hour+30*time.Minute), 3, 2), false, "(3, on 2 days)"},
		{"a record of an older kubeboot (no days) counts the days it shows", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0.Add(6*day), 4, 0), Now: t0.Add(6*day + time.Hour)},
			false, rec(CheckUnreachable, t0, t0.Add(6*day+time.Hour), 5, 2), false, "on 2 day(s)"},
		{"an answer clears the record", judgeInput{Verdict: Verdict{State: CheckOK}, Prev: rec(CheckUnreachable, t0, t0.Add(6*day), 5, 4), Now: t0.Add(8 * day)},
			false, nil, false, "answered"},
		{"a check that cannot tell clears it", judgeInput{Verdict: Verdict{State: CheckUnknown}, Prev: rec(CheckUnreachable, t0, t0.Add(6*day), 5, 4), Now: t0.Add(8 * day)},
			false, nil, false, "could not tell"},
		{"network down records nothing", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0, t0.Add(6*day), 5, 4), Now: t0.Add(8 * day), NetworkDown: true},
			false, nil, true, "network"},
		{"network down with no record", judgeInput{Verdict: unreach, Now: t0, NetworkDown: true},
			false, nil, true, "nothing recorded"},
		{"a 401 is lasting evidence at once", judgeInput{Verdict: rejected, Now: t0},
			true, rec(CheckRejected, t0, t0, 1, 1), false, "401"},
		{"a record for another server does not count", judgeInput{Verdict: unreach, Prev: other, Now: t0.Add(8 * day)},
			false, rec(CheckUnreachable, t0.Add(8*day), t0.Add(8*day), 1, 1), false, "on 1 check(s)"},
		{"a 401 after unreachable starts a new record", judgeInput{Verdict: rejected, Prev: rec(CheckUnreachable, t0, t0.Add(6*day), 5, 4), Now: t0.Add(8 * day)},
			true, rec(CheckRejected, t0.Add(8*day), t0.Add(8*day), 1, 1), false, "401"},
		{"the clock went back: start again", judgeInput{Verdict: unreach, Prev: rec(CheckUnreachable, t0.Add(-day), t0.Add(9*day), 5, 4), Now: t0.Add(8 * day)},
			false, rec(CheckUnreachable, t0.Add(8*day), t0.Add(8*day), 1, 1), false, "on 1 check(s)"},
		{"no state folder: unreachable alone never removes", judgeInput{Verdict: unreach, Now: t0, NoMemory: true},
			false, nil, false, "no state folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Info = info
			if tc.in.Span == 0 {
				tc.in.Span = 7 * day
			}
			if tc.in.Verdict.State == CheckUnreachable || tc.in.Verdict.State == CheckRejected {
				for _, r := range []*Evidence{tc.record} {
					if r != nil {
						r.Reason = tc.in.Verdict.Reason
					}
				}
			}
			j := judge(tc.in)
			if j.Remove != tc.remove || !strings.Contains(j.Why, tc.whyContain) {
				t.Errorf("decision %+v, want remove=%v and a reason with %q", j.Decision, tc.remove, tc.whyContain)
			}
			switch {
			case tc.keepPrev:
				if j.Record != tc.in.Prev {
					t.Errorf("record %+v, want the previous one untouched", j.Record)
				}
			case tc.record == nil:
				if j.Record != nil {
					t.Errorf("record %+v, want none", j.Record)
				}
			case j.Record == nil || *j.Record != *tc.record:
				t.Errorf("record %+v, want %+v", j.Record, tc.record)
			}
		})
	}
}

func TestNetworkDown(t *testing.T) {
	v := func(s ...CheckState) []Verdict {
		out := make([]Verdict, len(s))
		for i, st := range s {
			out[i].State = st
		}
		return out
	}
	for _, tc := range []struct {
		verdicts []Verdict
		down     bool
	}{
		{v(), false},
		{v(CheckUnreachable), true},
		{v(CheckUnreachable, CheckUnknown, CheckUnreachable), true},
		{v(CheckUnreachable, CheckOK), false},
		{v(CheckUnreachable, CheckRejected), false},
	} {
		if got := networkDown(tc.verdicts); got != tc.down {
			t.Errorf("networkDown(%v) = %v", tc.verdicts, got)
		}
	}
}

func TestStateDirFor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		goos, home string
		getenv     func(string) string
		want       string
	}{
		{"linux", "/home/a", env(), "/home/a/.local/state/kubeboot"},
		{"linux", "/home/a", env("XDG_STATE_HOME", "/xdg"), "/xdg/kubeboot"},
		{"linux", "/home/a", env("XDG_STATE_HOME", "rel"), "/home/a/.local/state/kubeboot"}, // relative: ignored, as the XDG spec says
		{"darwin", "/Users/a", env("XDG_STATE_HOME", "/xdg"), "/Users/a/Library/Application Support/kubeboot"},
		{"windows", `C:\Users\a`, env("LocalAppData", `C:\Users\a\AppData\Local`), `C:\Users\a\AppData\Local\kubeboot\state`},
		{"windows", `C:\Users\a`, env(), ""},
		{"linux", "", env(), ""},
	} {
		got, err := StateDirFor(tc.goos, tc.getenv, tc.home)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("StateDirFor(%s, %s) = %q, %v; want %q", tc.goos, tc.home, got, err, tc.want)
		}
	}
}

// scripted is a CheckFunc answering from a table of verdicts by context
// name, changeable between runs.
type scripted struct {
	mu sync.Mutex
	m  map[string]CheckState
	n  map[string]int
}

func (s *scripted) set(kv ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i+1 < len(kv); i += 2 {
		s.m[kv[i].(string)] = kv[i+1].(CheckState)
	}
}

func (s *scripted) check(_ context.Context, _ *Config, c ContextInfo) Verdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[c.Name]++
	return Verdict{State: s.m[c.Name], Reason: "scripted"}
}

const pruneDoc = `apiVersion: v1
kind: Config
current-context: live
clusters:
- {name: live, cluster: {server: "https://live:6443"}}
- {name: lab, cluster: {server: "https://lab:6443"}}
- {name: tunnel, cluster: {server: "https://127.0.0.1:16443"}}
users:
- {name: me, user: {token: FAKE-TOKEN-me}}
- {name: lab, user: {token: FAKE-TOKEN-lab}}
- {name: tunnel, user: {token: FAKE-TOKEN-tunnel}}
contexts:
- {name: live, context: {cluster: live, user: me}}
- {name: lab, context: {cluster: lab, user: lab}}
- {name: tunnel, context: {cluster: tunnel, user: tunnel}}
`

func contextNames(t *testing.T, path string) []string {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range c.Contexts {
		out = append(out, e.Name)
	}
	return out
}

// TestPruneNeedsLastingEvidence: a context whose server is unreachable is
// proposed only once every check over the span saw it so; an answer in
// between starts again; a run where nothing answers records nothing; the
// evidence lives in the state folder, never in the kubeconfig; and the
// re-check right before the deletion spares a context that answers again.
func TestPruneNeedsLastingEvidence(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(pruneDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	opts := EditOptions{Kubeconfig: path, Home: dir, StateDir: state, Now: func() time.Time { return clock }}
	co := CheckOptions{Timeout: 5 * time.Second}
	s := &scripted{m: map[string]CheckState{}, n: map[string]int{}}
	s.set("live", CheckOK, "lab", CheckUnreachable, "tunnel", CheckUnreachable)
	ctx := context.Background()
	plan := func() *PrunePlan {
		t.Helper()
		p, err := PlanPrune(ctx, opts, co, s.check)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	evidence := func(p *PrunePlan, name string) *Evidence {
		for _, c := range append(append([]CheckedContext{}, p.Contexts...), p.Kept...) {
			if c.Name == name {
				return c.Evidence
			}
		}
		return nil
	}

	// Day 0: one failure of each proves nothing; Prune removes nothing.
	p := plan()
	if len(p.Contexts) != 0 {
		t.Fatalf("day 0: planned %v after one failed check", p.Contexts)
	}
	if e := evidence(p, "lab"); e == nil || !e.FirstFailed.Equal(clock) || e.Failures != 1 {
		t.Fatalf("day 0: evidence %+v", e)
	}
	if res, err := Prune(ctx, p, opts, co, s.check); err != nil || len(res.Contexts) != 0 {
		t.Fatalf("day 0 prune: %+v %v", res, err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != pruneDoc {
		t.Fatal("the kubeconfig changed")
	}
	matches, _ := filepath.Glob(filepath.Join(state, "kubeconfig", "config-*", "prune-evidence.json"))
	if len(matches) != 1 {
		t.Fatalf("evidence files %v", matches)
	}
	if fi, err := os.Stat(matches[0]); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("evidence file mode: %v %v", fi, err)
	}
	if ev, _ := os.ReadFile(matches[0]); strings.Contains(string(ev), "FAKE-TOKEN") {
		t.Error("the evidence holds a token")
	}

	// Day 3: the network is down (nothing answers): nothing recorded.
	clock = clock.Add(3 * 24 * time.Hour)
	s.set("live", CheckUnreachable)
	before, _ := os.ReadFile(matches[0])
	if p = plan(); len(p.Contexts) != 0 {
		t.Fatalf("day 3: planned %v with the network down", p.Contexts)
	}
	if after, _ := os.ReadFile(matches[0]); string(after) != string(before) {
		t.Errorf("a run with the network down changed the evidence:\n%s\n%s", before, after)
	}

	// Day 4: the tunnel is open again: its record is cleared.
	clock = clock.Add(24 * time.Hour)
	s.set("live", CheckOK, "tunnel", CheckOK)
	if p = plan(); evidence(p, "tunnel") != nil || evidence(p, "lab").Failures != 2 {
		t.Fatalf("day 4: tunnel %+v lab %+v", evidence(p, "tunnel"), evidence(p, "lab"))
	}

	// Day 5: the tunnel is closed again: a new streak starts.
	clock = clock.Add(24 * time.Hour)
	s.set("tunnel", CheckUnreachable)
	plan()

	// Day 7: lab has failed every check for 7 days; the tunnel only 2.
	clock = clock.Add(2 * 24 * time.Hour)
	p = plan()
	if len(p.Contexts) != 1 || p.Contexts[0].Name != "lab" || !strings.Contains(p.Contexts[0].Prune.Why, "2026-12-01") {
		t.Fatalf("day 7: plan %+v", p.Contexts)
	}
	if fmt := strings.Join(append(p.Clusters, p.Users...), ","); fmt != "lab,lab" {
		t.Errorf("day 7: entries %s", fmt)
	}

	// The re-check right before the deletion: lab answers now, so it is
	// spared and nothing is removed.
	s.set("lab", CheckOK)
	res, err := Prune(ctx, p, opts, co, s.check)
	if err != nil || len(res.Contexts) != 0 || len(res.Spared) != 1 || len(res.Clusters) != 0 {
		t.Fatalf("prune with lab back: %+v %v", res, err)
	}
	if got := strings.Join(contextNames(t, path), ","); got != "live,lab,tunnel" {
		t.Fatalf("contexts %s", got)
	}

	// Lab fails on every check again for a span: removed, with its
	// entries; the tunnel, open again, stays.
	s.set("lab", CheckUnreachable, "tunnel", CheckOK)
	plan()
	clock = clock.Add(4 * 24 * time.Hour)
	plan()
	clock = clock.Add(4 * 24 * time.Hour)
	p = plan()
	n := s.n["lab"]
	res, err = Prune(ctx, p, opts, co, s.check)
	if err != nil || strings.Join(res.Contexts, ",") != "lab" || strings.Join(res.Clusters, ",") != "lab" || s.n["lab"] != n+1 {
		t.Fatalf("final prune: %+v %v (lab checked %d times, %d before)", res, err, s.n["lab"], n)
	}
	if got := strings.Join(contextNames(t, path), ","); got != "live,tunnel" {
		t.Errorf("contexts %s", got)
	}
}

// TestPruneRecheckNetworkDown: when nothing answers at the re-check (the
// network went down after the plan), nothing is removed.
func TestPruneRecheckNetworkDown(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(pruneDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	opts := EditOptions{Kubeconfig: path, Home: dir, StateDir: filepath.Join(dir, "state"), Now: func() time.Time { return clock }}
	co := CheckOptions{Timeout: 5 * time.Second}
	s := &scripted{m: map[string]CheckState{}, n: map[string]int{}}
	s.set("live", CheckOK, "lab", CheckUnreachable, "tunnel", CheckOK)
	ctx := context.Background()
	for range 2 {
		if _, err := PlanPrune(ctx, opts, co, s.check); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(4 * 24 * time.Hour)
	}
	p, err := PlanPrune(ctx, opts, co, s.check)
	if err != nil || len(p.Contexts) != 1 {
		t.Fatalf("plan %+v %v", p, err)
	}
	s.set("live", CheckUnreachable, "tunnel", CheckUnreachable)
	res, err := Prune(ctx, p, opts, co, s.check)
	if err != nil || len(res.Contexts) != 0 || len(res.Spared) != 1 || s.n["live"] != 4 {
		t.Fatalf("prune with the network down: %+v %v (live checked %d times)", res, err, s.n["live"])
	}
	if got := strings.Join(contextNames(t, path), ","); got != "live,lab,tunnel" {
		t.Errorf("contexts %s", got)
	}
}
