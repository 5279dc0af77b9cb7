package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// storeDir is the kubectl store of e's runs.
func (e *env) storeDir() string {
	return filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl")
}

// ageResolved makes every remembered channel answer in e's store d old.
func (e *env) ageResolved(t *testing.T, d time.Duration) {
	t.Helper()
	path := filepath.Join(e.storeDir(), store.ResolvedName)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Logf("nothing remembered in %s", path)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, a := range m {
		a["asked"] = time.Now().Add(-d).UTC().Format(time.RFC3339Nano)
	}
	b, _ = json.Marshal(m)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A channel (stable, the cluster's 1.37) is remembered for a day: warm
// runs make no request at all (the mirror's request log).
func TestKubectlWarmChannelNoRequest(t *testing.T) {
	e := newEnv(t)
	for _, spec := range []string{"stable", "1.37"} {
		if r := e.run("kubectl", "--version", spec, "--", "version", "--client"); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
			t.Fatalf("%s, cold: %+v", spec, r)
		}
		before := len(e.m.AllRequests())
		for range 3 {
			if r := e.run("kubectl", "--version", spec, "--", "version", "--client"); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || r.stderr != "" {
				t.Fatalf("%s, warm: %+v", spec, r)
			}
		}
		if got := e.m.AllRequests()[before:]; len(got) != 0 {
			t.Errorf("%s: warm runs made %d requests: %+v", spec, len(got), got)
		}
	}
	// A day later the mirror is asked again, and its new answer counts
	// (a newer one: an older one would be held back). The stand-in
	// published as v1.38.1 reports v1.35.6, to tell it from v1.37.2.
	e.m.SetMarker("stable", "v1.38.1\n")
	e.m.AddKubectl("v1.38.1", runtime.GOOS, runtime.GOARCH, standin135)
	e.ageResolved(t, 25*time.Hour)
	before := len(e.m.AllRequests())
	if r := e.run("kubectl", "--version", "stable", "--", "version", "--client"); r.code != 0 || r.stdout != "Client Version: v1.35.6\n" {
		t.Fatalf("a day later: %+v", r)
	}
	if len(e.m.AllRequests()) == before {
		t.Error("a day-old answer was used without asking")
	}
}

// A stale answer and a mirror that stalls, never answers, presents an
// untrusted certificate or a portal's page: the stored kubectl runs within
// about a second, and later runs do not wait again.
func TestKubectlStaleChannelBadMirror(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		var held []net.Conn
		for {
			c, err := silent.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	cases := []struct {
		name  string
		setup func(e *env)
	}{
		{"stalled marker", func(e *env) {
			e.m.QueueFaults("/release/stable.txt", mirror.Fault{Stall: 3 * time.Second}, mirror.Fault{Stall: 3 * time.Second})
		}},
		{"silent mirror", func(e *env) { e.vars = append(e.vars, "KUBEBOOT_MIRROR=https://"+silent.Addr().String()) }},
		{"untrusted certificate", func(e *env) { e.untrusted = true }},
		{"captive portal", func(e *env) {
			e.m.QueueFaults("/release/stable.txt", mirror.Fault{Body: []byte("<html>Sign in to the hotel Wi-Fi</html>")})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if r := e.run("kubectl", "--version", "stable", "--", "version", "--client"); r.code != 0 {
				t.Fatalf("cold: %+v", r)
			}
			e.ageResolved(t, 25*time.Hour)
			c.setup(e)
			start := time.Now()
			r := e.run("kubectl", "-v", "--version", "stable", "--", "version", "--client")
			took := time.Since(start)
			if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || took > 2500*time.Millisecond || !strings.Contains(r.stderr, "using kubectl v1.37.2 from the store") {
				t.Fatalf("stale, %s: %v %+v", c.name, took, r)
			}
			before := len(e.m.AllRequests())
			start = time.Now()
			r = e.run("kubectl", "--version", "stable", "--", "version", "--client")
			if took := time.Since(start); r.code != 0 || took > 500*time.Millisecond || len(e.m.AllRequests()) != before {
				t.Errorf("next run: %v, %d requests, %+v", took, len(e.m.AllRequests())-before, r)
			}
		})
	}
}

// A pre-release API server (v1.38.0-alpha.1): no stable-1.38.txt exists,
// so stable runs, -v says why, and the next run asks neither the mirror
// nor the cluster.
func TestKubectlPreReleaseCluster(t *testing.T) {
	e := newEnv(t)
	srv := startVersionServer(t, map[string]string{"": "v1.38.0-alpha.1"})
	config := filepath.Join(t.TempDir(), "config")
	kubeconfigDoc(t, config, "alpha", map[string]map[string]any{"alpha": {"server": srv.srv.URL, "certificate-authority-data": []byte(srv.caPEM())}}, nil)
	e.vars = append(e.vars, "KUBECONFIG="+config)
	r := e.run("kubectl", "-v", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || !strings.Contains(r.stderr, "no release of 1.38 is published") {
		t.Fatalf("pre-release cluster: %+v", r)
	}
	before, asked := len(e.m.AllRequests()), srv.asked.Load()
	for range 2 {
		if r := e.run("kubectl", "version", "--client"); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || r.stderr != "" {
			t.Fatalf("again: %+v", r)
		}
	}
	if n := len(e.m.AllRequests()) - before; n != 0 || srv.asked.Load() != asked {
		t.Errorf("warm runs asked the mirror %d times, the cluster %d times", n, srv.asked.Load()-asked)
	}
	// Once 1.38 is released (and the short memory of its absence is
	// over), it runs.
	e.m.SetMarker("stable-1.38", "v1.38.0\n")
	e.m.AddKubectl("v1.38.0", runtime.GOOS, runtime.GOARCH, standin)
	e.ageResolved(t, 11*time.Minute)
	if r := e.run("kubectl", "-v", "version", "--client"); r.code != 0 || !strings.Contains(r.stderr, "kubectl v1.38.0 (cluster:") {
		t.Errorf("after the release: %+v", r)
	}
}
