package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
