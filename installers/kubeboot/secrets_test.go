package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

// A mirror password given on the command line or in KUBEBOOT_MIRROR never
// reaches stdout or stderr, in JSON or text, verbose or not, whatever
// fails.
func TestMirrorPasswordNeverPrinted(t *testing.T) {
	const secret = "PASSWORD-hunter2-s3cr3t"
	e := newEnv(t)
	withCreds := strings.Replace(e.m.URL(), "https://", "https://alice:"+secret+"@", 1)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "https://alice:" + secret + "@" + ln.Addr().String()
	ln.Close()
	for range 12 {
		e.m.QueueFaults("/release/stable-1.36.txt", mirror.Fault{Stall: 10 * time.Second})
	}
	runs := [][]string{
		{"install", "kubectl", "--mirror", withCreds},                         // works
		{"install", "kubectl", "--mirror", withCreds, "--version", "v1.99.0"}, // 404
		{"install", "kubectl", "--mirror", withCreds, "--version", "1.36"},    // stalls
		{"install", "kubectl", "--mirror", dead},                              // refused
		{"install", "kubectl", "--mirror", "http://alice:" + secret + "@mirror.example/"},
		{"install", "kubectl", "--mirror", withCreds + "?x=1"},
	}
	for _, args := range runs {
		for _, extra := range [][]string{nil, {"--json"}, {"--verbose"}} {
			dir := t.TempDir()
			r := e.run(append(append(append([]string{}, args...), "--dir", dir), extra...)...)
			for name, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				if strings.Contains(out, secret) {
					t.Errorf("kubeboot %s: %s holds the password:\n%s", strings.Join(args[2:], " "), name, out)
				}
			}
		}
	}
	// KUBEBOOT_MIRROR with credentials, failing verification.
	e.vars = append(e.vars, "KUBEBOOT_MIRROR="+withCreds)
	r := e.run("install", "kubectl", "--dir", t.TempDir(), "--version", "v1.99.0", "--verbose")
	if r.code == 0 || strings.Contains(r.stdout+r.stderr, secret) {
		t.Errorf("exit %d; output:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// The compromised mirror: it serves another kubectl with a .sha256 that
// matches it. The signature gives it away: exit 3, the old kubectl stays.
func TestSwappedKubectlWithMatchingChecksumIsRefused(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	r := e.run("install", "kubectl", "--dir", dir, "--json")
	var res struct {
		Signature struct {
			Verified bool   `json:"verified"`
			Identity string `json:"identity"`
		} `json:"signature"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); r.code != 0 || err != nil || !res.Signature.Verified || res.Signature.Identity != "krel-staging@k8s-releng-prod.iam.gserviceaccount.com" {
		t.Fatalf("exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "kubectl"))
	evil := []byte("#!/bin/sh\necho pwned\n")
	p := mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH)
	e.m.Put(p, evil)
	e.m.Put(p+".sha256", []byte(sum(evil)))
	r = e.run("install", "kubectl", "--dir", dir, "--force")
	if r.code != 3 || !strings.Contains(r.stderr, "signature") || !strings.Contains(r.stderr, "tampered") {
		t.Fatalf("exit %d, want 3 naming the signature; stderr:\n%s", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "kubectl")); !bytes.Equal(before, after) {
		t.Fatal("the installed kubectl changed")
	}
	// Without the signature files, v1.26+ is refused too, and the opt-out named.
	e.m.Delete(p + ".sig")
	r = e.run("install", "kubectl", "--dir", dir, "--force")
	if r.code != 3 || !strings.Contains(r.stderr, "kubectl.sig") || !strings.Contains(r.stderr, "--verify-signature off") {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
}

// Credentials in a kubeconfig's server URL (https://alice:PASSWORD@host)
// and its token never reach stdout or stderr, whatever fails: a server
// that refuses connections, one that does not speak TLS, plain http, an
// address that does not parse; in text, JSON and verbose output.
func TestServerURLCredentialsNeverPrinted(t *testing.T) {
	const secret, token = "PASSWORD-hunter2-s3cr3t", "TOKEN-never-shown-0123456789"
	e := newEnv(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	plain, _ := net.Listen("tcp", "127.0.0.1:0") // accepts, answers nothing TLS
	defer plain.Close()
	go func() {
		for {
			c, err := plain.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	for _, server := range []string{
		"https://alice:" + secret + "@" + dead,
		"https://alice:" + secret + "@" + plain.Addr().String(),
		"http://alice:" + secret + "@" + dead,
		"https://" + secret + "@" + dead,
		"https://alice:" + secret + "@" + dead + "/a b%zz",
	} {
		config := filepath.Join(t.TempDir(), "config")
		doc := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server +
			"\nusers:\n- name: u\n  user:\n    token: " + token + "\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n"
		if err := os.WriteFile(config, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		e.vars = append(e.vars, "KUBECONFIG="+config)
		for _, args := range [][]string{
			{"kubectl", "-v", "--", "version", "--client"},
			{"kubectl", "--version", "cluster", "--", "version", "--client"},
			{"kubectl", "list"},
			{"verify"}, {"verify", "-o", "json"},
			{"doctor"}, {"doctor", "-o", "json"},
			{"kubeconfig", "list"}, {"kubeconfig", "list", "-o", "json"}, {"kubeconfig", "list", "--check"},
		} {
			r := e.run(args...)
			for name, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				if strings.Contains(out, secret) || strings.Contains(out, token) {
					t.Errorf("server %s, kubeboot %s: %s holds a secret:\n%s", server, strings.Join(args, " "), name, out)
				}
			}
		}
	}
}
