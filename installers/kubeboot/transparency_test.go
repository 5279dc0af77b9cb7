package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// --transparency and --rekor-url (and their variables): the entry is in
// -o json and the result line, a no-op rerun asks Rekor nothing, require
// without an answer is exit 3 with what to do, a bad mode is a usage error.
func TestTransparencyFlags(t *testing.T) {
	e := newEnv(t)
	var n atomic.Int32
	h := e.m.RekorHandler(sigtest.LogOptions{})
	rekor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); h.ServeHTTP(w, r) }))
	defer rekor.Close()
	e.vars = append(e.vars, "KUBEBOOT_REKOR_URL="+rekor.URL)
	dir := t.TempDir()
	r := e.run("install", "kubectl", "--dir", dir, "-o", "json")
	var res struct {
		Signature struct {
			Transparency struct {
				Verified       bool   `json:"verified"`
				LogIndex       int64  `json:"logIndex"`
				IntegratedTime string `json:"integratedTime"`
			} `json:"transparency"`
		} `json:"signature"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); r.code != 0 || err != nil || !res.Signature.Transparency.Verified ||
		res.Signature.Transparency.LogIndex != 4242 || res.Signature.Transparency.IntegratedTime == "" || n.Load() != 1 {
		t.Fatalf("exit %d, %d lookups, stdout %s, stderr %s", r.code, n.Load(), r.stdout, r.stderr)
	}
	r = e.run("install", "kubectl", "--dir", t.TempDir())
	if r.code != 0 || !strings.Contains(r.stdout, "logged in Rekor at "+res.Signature.Transparency.IntegratedTime) || n.Load() != 2 {
		t.Fatalf("another folder: exit %d, %d lookups, stdout %s, stderr %s", r.code, n.Load(), r.stdout, r.stderr)
	}
	r = e.run("install", "kubectl", "--dir", dir, "--transparency", "require")
	if r.code != 0 || !strings.Contains(r.stdout, "up to date") || n.Load() != 2 {
		t.Fatalf("no-op rerun: exit %d, %d lookups, stdout %s, stderr %s", r.code, n.Load(), r.stdout, r.stderr)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	r = e.run("install", "kubectl", "--dir", t.TempDir(), "--transparency", "require", "--rekor-url", down.URL)
	if r.code != 3 || !strings.Contains(r.stderr, "transparency log entry is required") || !strings.Contains(r.stderr, "--transparency auto") {
		t.Fatalf("require, Rekor down: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	e.vars = append(e.vars, "KUBEBOOT_TRANSPARENCY=off")
	if r = e.run("install", "kubectl", "--dir", t.TempDir(), "--transparency", "sometimes"); r.code != exitUsage || !strings.Contains(r.stderr, "auto, require or off") {
		t.Fatalf("bad mode: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	before := n.Load()
	if r = e.run("install", "kubectl", "--dir", t.TempDir()); r.code != 0 || n.Load() != before {
		t.Fatalf("KUBEBOOT_TRANSPARENCY=off: exit %d, %d lookups; stderr:\n%s", r.code, n.Load()-before, r.stderr)
	}
}

// Under --transparency require, a kubectl kept without a verified Rekor
// entry (a stored one, a remembered release on a no-op rerun) is looked up
// and the entry recorded, or refused with exit 3 saying what to do; never
// used as it is. Once recorded, nothing asks Rekor again.
func TestTransparencyRequireKept(t *testing.T) {
	e := newEnv(t)
	e.m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, standin)
	var up atomic.Bool
	var n atomic.Int32
	h := e.m.RekorHandler(sigtest.LogOptions{})
	rekor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if !up.Load() {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer rekor.Close()
	e.vars = append(e.vars, "KUBEBOOT_REKOR_URL="+rekor.URL)
	dir := t.TempDir()
	// Rekor down, auto: kept with the offline verdict.
	for _, args := range [][]string{{"kubectl", "--version", "1.37.2", "--", "version"}, {"kubectl", "--version", "1.36.4", "--", "version"}, {"install", "kubectl", "--dir", dir}} {
		if r := e.run(args...); r.code != 0 || (args[0] == "install" && strings.Count(r.stderr, "the signature was verified without it") != 1) {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	receipt := filepath.Join(e.storeDir(), "v1.37.2", runtime.GOOS+"-"+runtime.GOARCH, "receipt.json")
	if b, err := os.ReadFile(receipt); err != nil || strings.Contains(string(b), `"verified": true`) {
		t.Fatalf("receipt before: %s %v", b, err)
	}

	e.vars = append(e.vars, "KUBEBOOT_TRANSPARENCY=require")
	for _, args := range [][]string{{"kubectl", "--version", "1.37.2", "--", "version"}, {"install", "kubectl", "--dir", dir}} {
		before := n.Load()
		r := e.run(args...)
		if r.code != 3 || strings.Contains(r.stdout, "Client Version") || !strings.Contains(r.stderr, "transparency log entry is required") ||
			!strings.Contains(r.stderr, "--transparency auto") || n.Load() == before {
			t.Fatalf("require, Rekor down, %v: exit %d, %d lookups; stdout %s; stderr:\n%s", args, r.code, n.Load()-before, r.stdout, r.stderr)
		}
	}

	up.Store(true)
	for i, args := range [][]string{{"kubectl", "--version", "1.37.2", "--", "version"}, {"install", "kubectl", "--dir", dir}} {
		before := n.Load()
		r := e.run(args...)
		if r.code != 0 || (i == 0 && (r.stdout != "Client Version: v1.37.2\n" || n.Load() != before+1)) {
			t.Fatalf("require, Rekor up, %v: exit %d, %d lookups; stdout %s; stderr:\n%s", args, r.code, n.Load()-before, r.stdout, r.stderr)
		}
	}
	if b, err := os.ReadFile(receipt); err != nil || !strings.Contains(string(b), `"verified": true`) || !strings.Contains(string(b), `"logIndex": 4242`) {
		t.Fatalf("the receipt does not record the entry: %s %v", b, err)
	}
	before := n.Load()
	for _, args := range [][]string{{"kubectl", "--version", "1.37.2", "--", "version"}, {"install", "kubectl", "--dir", dir}} {
		if r := e.run(args...); r.code != 0 || n.Load() != before {
			t.Fatalf("recorded, %v: exit %d, %d lookups; stderr:\n%s", args, r.code, n.Load()-before, r.stderr)
		}
	}

	// Offline, a stored kubectl without an entry is refused, not run.
	e.m.Close()
	r := e.run("kubectl", "--version", "1.36.4", "--", "version")
	if r.code != 3 || strings.Contains(r.stdout, "Client Version") || !strings.Contains(r.stderr, "without a verified entry") {
		t.Fatalf("require, offline, stored without entry: exit %d; stdout %s; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := e.run("kubectl", "--version", "1.37.2", "--", "version"); r.code != 0 {
		t.Fatalf("require, offline, stored with its entry: %+v", r)
	}
}

// Under --transparency require, a newer kubectl kept in the folder when the
// marker went back (held back) is not kept silently without a verified
// Rekor entry on record: it is looked up, or the run is exit 3.
func TestTransparencyRequireHeldBack(t *testing.T) {
	e := newEnv(t)
	e.m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, standin)
	var up atomic.Bool
	var n atomic.Int32
	h := e.m.RekorHandler(sigtest.LogOptions{})
	rekor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if !up.Load() {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer rekor.Close()
	e.vars = append(e.vars, "KUBEBOOT_REKOR_URL="+rekor.URL)
	dir := t.TempDir()
	if r := e.run("install", "kubectl", "--dir", dir); r.code != 0 {
		t.Fatal(r)
	}
	e.m.SetMarker("stable", "v1.36.4\n")
	e.vars = append(e.vars, "KUBEBOOT_TRANSPARENCY=require")
	r := e.run("install", "kubectl", "--dir", dir)
	if r.code != 3 || !strings.Contains(r.stderr, "transparency log entry is required") {
		t.Fatalf("held back, Rekor down: exit %d; stdout %s; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	up.Store(true)
	before := n.Load()
	if r := e.run("install", "kubectl", "--dir", dir, "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"heldBack"`) || !strings.Contains(r.stdout, `"logIndex": 4242`) || n.Load() != before+1 {
		t.Fatalf("held back, Rekor up: exit %d, %d lookups; stdout %s; stderr:\n%s", r.code, n.Load()-before, r.stdout, r.stderr)
	}
	if r := e.run("install", "kubectl", "--dir", dir); r.code != 0 || n.Load() != before+1 {
		t.Fatalf("held back, recorded: exit %d, %d lookups; stderr:\n%s", r.code, n.Load()-before-1, r.stderr)
	}
}
