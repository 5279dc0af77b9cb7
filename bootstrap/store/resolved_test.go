package store

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// With ResolveTTL, what a channel resolved to answers warm Ensures with no
// request; a day later the mirror is asked again; a channel the mirror
// does not publish is remembered briefly; a stale answer with a stalled
// mirror is answered from the store within StaleWait.
func TestResolveTTL(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c, err := bootstrap.New(bootstrap.Options{BaseURL: f.m.URL(), HTTPClient: f.m.Client(), NoDigestCache: true,
		Retries: 1, RetryBackoff: time.Millisecond, Signature: bootstrap.SignatureOptions{TrustedRoot: f.root}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Dir: f.dir, Client: c, Now: clock, ResolveTTL: 24 * time.Hour, StaleWait: 500 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ensure := func(spec, want string) *Entry {
		t.Helper()
		e, err := s.Ensure(ctx, spec)
		if err != nil || e.Version != want {
			t.Fatalf("Ensure(%q): %+v, %v; want %s", spec, e, err, want)
		}
		return e
	}
	ensure("1.37", "v1.37.2")
	before := len(f.m.AllRequests())
	advance(23 * time.Hour)
	if e := ensure("1.37", "v1.37.2"); e.Offline {
		t.Error("a remembered answer is not an offline one")
	}
	if n := len(f.m.AllRequests()) - before; n != 0 {
		t.Errorf("a warm Ensure of a channel made %d requests", n)
	}
	// A day on, the mirror's new answer counts.
	f.m.SetMarker("stable-1.37", "v1.37.1\n")
	advance(2 * time.Hour)
	ensure("1.37", "v1.37.1")

	// Not published: remembered ten minutes, then asked again.
	if _, err := s.Ensure(ctx, "1.39"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("1.39: %v", err)
	}
	before = len(f.m.AllRequests())
	if _, err := s.Ensure(ctx, "1.39"); !errors.Is(err, fs.ErrNotExist) || len(f.m.AllRequests()) != before {
		t.Errorf("1.39 again: %v, %d requests", err, len(f.m.AllRequests())-before)
	}
	f.m.SetMarker("stable-1.39", "v1.39.0\n")
	f.m.AddKubectl("v1.39.0", host.OS, host.Arch, []byte("kubectl v1.39.0"))
	advance(11 * time.Minute)
	ensure("1.39", "v1.39.0")

	// Stale, and the mirror stalls: the stored match, within StaleWait.
	advance(25 * time.Hour)
	f.m.QueueFaults("/release/stable-1.37.txt", mirror.Fault{Stall: 2 * time.Second}, mirror.Fault{Stall: 2 * time.Second})
	start := time.Now()
	e := ensure("1.37", "v1.37.2") // the newest stored 1.37
	if took := time.Since(start); !e.Offline || took > 1500*time.Millisecond {
		t.Errorf("stale and stalled: %v, offline %v", took, e.Offline)
	}
	// Without ResolveTTL, every Ensure of a channel asks.
	before = len(f.m.AllRequests())
	f.ensure("1.37")
	if len(f.m.AllRequests()) == before {
		t.Error("no ResolveTTL, no request")
	}
}

// BeforeWait is called before Ensure asks the mirror or installs, and
// never by a warm Ensure (an intact exact version, a channel answered
// within ResolveTTL): a command-line tool starts handling Ctrl-C there,
// which costs a warm run a third of its time over a bare exec.
func TestBeforeWait(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	c, err := bootstrap.New(bootstrap.Options{BaseURL: f.m.URL(), HTTPClient: f.m.Client(), NoDigestCache: true,
		Retries: 1, RetryBackoff: time.Millisecond, Signature: bootstrap.SignatureOptions{TrustedRoot: f.root}})
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	s, err := New(Options{Dir: f.dir, Client: c, Now: func() time.Time { return now }, ResolveTTL: 24 * time.Hour,
		BeforeWait: func() { calls++ }, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		spec    string
		advance time.Duration
		wait    bool
	}{
		{"v1.36.4", 0, true},           // installed
		{"v1.36.4", 0, false},          // stored
		{"1.37", 0, true},              // asked and installed
		{"1.37", time.Hour, false},     // remembered
		{"1.37", 25 * time.Hour, true}, // asked again
	} {
		now = now.Add(step.advance)
		calls = 0
		if _, err := s.Ensure(context.Background(), step.spec); err != nil {
			t.Fatalf("Ensure(%q): %v", step.spec, err)
		}
		if (calls > 0) != step.wait {
			t.Errorf("Ensure(%q) after %v: BeforeWait called %d times, want called: %v", step.spec, step.advance, calls, step.wait)
		}
	}
}
