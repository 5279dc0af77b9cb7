package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// plantUnsigned makes e's mirror answer stable (and stable-1.25) with
// v1.25.16, served with its own binary and a matching .sha256 but no
// signature, as a hostile mirror would. The binary says "planted" when run.
func plantUnsigned(t *testing.T, e *env) {
	t.Helper()
	e.m.SetSigner(nil)
	e.m.AddKubectl("v1.25.16", runtime.GOOS, runtime.GOARCH, []byte("#!/bin/sh\necho planted\n"))
	e.m.SetMarker("stable", "v1.25.16\n")
	e.m.SetMarker("stable-1.25", "v1.25.16\n")
}

// install: a marker-chosen unsigned version is exit 3, names the marker
// and how to accept it, and leaves the installed kubectl byte-identical;
// named exactly, it installs on its checksum.
func TestInstallRefusesMarkerChosenUnsignedVersion(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "bin")
	if r := e.run("install", "kubectl", "--dir", dir); r.code != 0 {
		t.Fatal(r)
	}
	target := filepath.Join(dir, "kubectl")
	before, _ := os.ReadFile(target)
	plantUnsigned(t, e)
	// A channel does not move back from v1.37.2 at all: kept, exit 0.
	r := e.run("install", "kubectl", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "answered v1.25.16, older than v1.37.2") || !strings.Contains(r.stderr, "--allow-downgrade") {
		t.Fatalf("marker gone back: %+v", r)
	}
	if after, _ := os.ReadFile(target); !bytes.Equal(before, after) {
		t.Fatal("the installed kubectl changed")
	}
	// Even allowed to go back, the marker's unsigned choice is refused.
	for _, args := range [][]string{
		{"install", "kubectl", "--dir", dir, "--allow-downgrade"},
		{"install", "kubectl", "--dir", dir, "--allow-downgrade", "--version", ">=1.20"},
		{"install", "kubectl", "--dir", dir, "--allow-downgrade", "-o", "json"},
		{"install", "kubectl", "--dir", t.TempDir(), "--allow-downgrade"},
	} {
		r := e.run(args...)
		if r.code != 3 {
			t.Fatalf("%v: %+v, want exit 3", args, r)
		}
		chooser := "stable.txt"
		if strings.Contains(strings.Join(args, " "), ">=") {
			chooser = `searched for ">=1.20"`
		}
		for _, want := range []string{"v1.25.16", chooser, "--version v1.25.16", "--verify-signature off"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr %q lacks %q", args, r.stderr, want)
			}
		}
		if after, _ := os.ReadFile(target); !bytes.Equal(before, after) {
			t.Fatalf("%v: the installed kubectl changed", args)
		}
	}
	if r := e.run("install", "kubectl", "--dir", dir, "--version", "v1.25.16"); r.code != 0 {
		t.Fatalf("named exactly: %+v", r)
	}
}

// kubeboot kubectl never runs a marker-chosen unsigned kubectl, nor one a
// cluster's version chose; pinned exactly by the user, it runs.
func TestKubectlRefusesServerChosenUnsignedVersion(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the planted kubectl is a shell script")
	}
	e := newEnv(t)
	plantUnsigned(t, e)
	config := filepath.Join(t.TempDir(), "config")
	os.WriteFile(config, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n"), 0o600)
	e.vars = append(e.vars, "KUBECONFIG="+config)
	// The cluster does not answer: stable, which the mirror chose.
	r := e.run("kubectl", "version", "--client")
	if r.code != 3 || strings.Contains(r.stdout, "planted") || !strings.Contains(r.stderr, "stable.txt") {
		t.Fatalf("stable: %+v", r)
	}
	// A cluster that says it runs 1.25.
	c := startFakeCluster(t, "v1.25.3")
	c.kubeconfig(t, config)
	r = e.run("kubectl", "version", "--client")
	if r.code != 3 || strings.Contains(r.stdout, "planted") || !strings.Contains(r.stderr, "API server "+c.srv.URL) {
		t.Fatalf("cluster 1.25: %+v", r)
	}
	// The user's own exact pin is the user's choice.
	r = e.run("kubectl", "--version", "v1.25.16", "version")
	if r.code != 0 || r.stdout != "planted\n" {
		t.Fatalf("named exactly: %+v", r)
	}
	// Stored now, it still does not answer the cluster's choice.
	r = e.run("kubectl", "version", "--client")
	if r.code != 3 || strings.Contains(r.stdout, "planted") {
		t.Fatalf("cluster 1.25, v1.25.16 stored: %+v", r)
	}
}

// mirror sync --versions stable publishes nothing a marker chose unsigned.
func TestMirrorSyncRefusesMarkerChosenUnsignedVersion(t *testing.T) {
	e := newEnv(t)
	plantUnsigned(t, e)
	dir := t.TempDir()
	plat := runtime.GOOS + "/" + runtime.GOARCH
	r := e.run("mirror", "sync", "--dir", dir, "--versions", "stable", "--platforms", plat)
	if r.code != 3 || !strings.Contains(r.stderr, "v1.25.16") {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "release", "v1.25.16", "bin", runtime.GOOS, runtime.GOARCH, "kubectl")); err == nil {
		t.Fatal("the unsigned kubectl was synced")
	}
}

// setup following the cluster's version holds it to the signature, also
// when a channel memory raised the version the marker answered.
func TestSetupRefusesClusterChosenUnsignedVersion(t *testing.T) {
	e := newEnv(t)
	c := startFakeCluster(t, "v1.24.5")
	e.m.SetSigner(nil)
	for _, v := range []string{"v1.24.16", "v1.24.17"} {
		e.m.AddKubectl(v, runtime.GOOS, runtime.GOARCH, []byte("#!/bin/sh\necho "+v+"\n"))
	}
	e.m.SetMarker("stable-1.24", "v1.24.17\n")
	// The user once named the line: remembered for this mirror.
	if r := e.run("install", "kubectl", "--version", "1.24", "--dir", t.TempDir()); r.code != 0 {
		t.Fatal(r)
	}
	for _, marker := range []string{"v1.24.17\n", "v1.24.16\n"} { // as is, and held back
		e.m.SetMarker("stable-1.24", marker)
		kc := c.kubeconfig(t, filepath.Join(t.TempDir(), "cw-kubeconfig"))
		bin := filepath.Join(t.TempDir(), "bin")
		r := e.run("setup", kc, "--dir", bin, "--yes", "--no-verify")
		if r.code != 3 || !strings.Contains(r.stderr, "API server") {
			t.Fatalf("marker %q: %+v", marker, r)
		}
		if _, err := os.Stat(filepath.Join(bin, "kubectl")); err == nil {
			t.Fatalf("marker %q: an unsigned kubectl the cluster chose was installed", marker)
		}
	}
}

// A cluster whose minor has no release line at the mirror (a partial
// mirror: stable-1.24.txt is 404) does not run the stored kubectl of that
// minor when it was stored unsigned (the user once named it): the API
// server's choice needs a signature, whichever path picks it.
func TestKubectlUnreleasedMinorRefusesUnsignedStored(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the planted kubectl is a shell script")
	}
	e := newEnv(t)
	e.m.SetSigner(nil)
	e.m.AddKubectl("v1.24.17", runtime.GOOS, runtime.GOARCH, []byte("#!/bin/sh\necho planted\n"))
	if r := e.run("kubectl", "--version", "v1.24.17", "--", "version"); r.code != 0 || r.stdout != "planted\n" {
		t.Fatalf("named exactly: %+v", r)
	}
	c := startFakeCluster(t, "v1.24.17")
	e.vars = append(e.vars, "KUBECONFIG="+c.kubeconfig(t, filepath.Join(t.TempDir(), "config")))
	r := e.run("kubectl", "-v", "--", "version", "--client")
	if strings.Contains(r.stdout, "planted") {
		t.Fatalf("the unsigned stored kubectl ran for the API server's choice: %+v", r)
	}
	if r.code != 0 || !strings.Contains(r.stderr, "no verified signature") || !strings.Contains(r.stderr, "kubectl v1.37.2 (stable") {
		t.Fatalf("want stable, saying why v1.24.17 was passed over: %+v", r)
	}
}
