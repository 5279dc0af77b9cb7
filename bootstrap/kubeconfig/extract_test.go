package kubeconfig

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

const extractSecret = "FAKE-EXTRACT-TOKEN-5d1c"

// extractList writes a two-file kubeconfig list in two folders and parses
// it: the first file wins for names both define.
func extractList(t *testing.T) (files []*Config, dirA, dirB string) {
	t.Helper()
	root := testutil.TempDir(t)
	dirA, dirB = filepath.Join(root, "a dir [1]"), filepath.Join(root, "b-ü")
	first := `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: {server: "https://a.example:6443", certificate-authority: certs/ca.pem}
- name: shared
  cluster: {server: "https://first.example"}
users:
- name: ua
  user: {tokenFile: tokens/a, client-certificate: /abs/cert.pem}
- name: anon-never
  user: {token: ` + extractSecret + `}
contexts:
- name: a
  context: {cluster: ca, user: ua, namespace: team-a}
- name: s
  context: {cluster: shared, user: ub}
- name: nocluster
  context: {user: ua}
- name: ghostuser
  context: {cluster: ca, user: ghost}
- name: ghostcluster
  context: {cluster: ghost, user: ua}
- name: anon
  context: {cluster: ca}
`
	second := `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: cb
  cluster: {server: "https://b.example", certificate-authority-data: Zm9v, proxy-url: "http://proxy:3128"}
- name: shared
  cluster: {server: "https://second.example", certificate-authority: ca.pem}
users:
- name: ub
  user:
    client-key: keys/b.key
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/cw-auth
      args: ["--token", "` + extractSecret + `"]
      env: [{name: SECRET, value: "` + extractSecret + `"}]
- name: upath
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: kubelogin}
- name: ua
  user: {token: shadowed}
contexts:
- name: b
  context: {cluster: cb, user: ub}
- name: p
  context: {cluster: cb, user: upath, extensions: [{name: x, extension: {k: v}}]}
- name: a
  context: {cluster: cb, user: ub}
`
	for _, f := range []struct{ dir, body string }{{dirA, first}, {dirB, second}} {
		if err := os.MkdirAll(f.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(f.dir, "config")
		if err := os.WriteFile(p, []byte(f.body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := LoadList([]string{filepath.Join(dirA, "config"), filepath.Join(root, "missing"), filepath.Join(dirB, "config")})
	if err != nil {
		t.Fatal(err)
	}
	if files[1] != nil {
		t.Fatal("a missing file of the list is not nil")
	}
	return files, dirA, dirB
}

// field returns a string field of an entry body, "." separating levels.
func field(t *testing.T, body json.RawMessage, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func TestExtract(t *testing.T) {
	files, dirA, dirB := extractList(t)
	tests := []struct {
		name, context, namespace string
		// want: entry kind + "/" + field path -> value.
		want              map[string]string
		cluster, user, ns string
		server            string
		noUser            bool
		errIs             error
		errHas            []string
	}{
		{name: "relative paths from the first file", context: "a",
			want: map[string]string{
				"cluster/certificate-authority": filepath.Join(dirA, "certs", "ca.pem"),
				"user/tokenFile":                filepath.Join(dirA, "tokens", "a"),
				"user/client-certificate":       absOnThisOS(dirA, "/abs/cert.pem"),
				"context/namespace":             "team-a",
			},
			cluster: "ca", user: "ua", ns: "team-a", server: "https://a.example:6443"},
		{name: "namespace replaces the context's", context: "a", namespace: "other",
			want:    map[string]string{"context/namespace": "other"},
			cluster: "ca", user: "ua", ns: "other", server: "https://a.example:6443"},
		{name: "exec plugin with a relative path, from the second file", context: "b",
			want: map[string]string{
				"user/exec.command":                  execOnThisOS(dirB, "./bin/cw-auth"),
				"user/client-key":                    filepath.Join(dirB, "keys", "b.key"),
				"user/exec.apiVersion":               "client.authentication.k8s.io/v1",
				"cluster/certificate-authority-data": "Zm9v",
				"cluster/proxy-url":                  "http://proxy:3128",
			},
			cluster: "cb", user: "ub", server: "https://b.example"},
		{name: "exec plugin on PATH is left alone; extensions kept", context: "p",
			want:    map[string]string{"user/exec.command": "kubelogin"},
			cluster: "cb", user: "upath", server: "https://b.example"},
		{name: "each entry from the first file defining it", context: "s",
			want: map[string]string{
				"cluster/server":    "https://first.example",
				"user/exec.command": execOnThisOS(dirB, "./bin/cw-auth"),
				"context/namespace": "",
			},
			cluster: "shared", user: "ub", server: "https://first.example"},
		{name: "anonymous context", context: "anon", cluster: "ca", noUser: true, server: "https://a.example:6443",
			want: map[string]string{"cluster/certificate-authority": filepath.Join(dirA, "certs", "ca.pem")}},
		{name: "unknown context, with a suggestion", context: "bb", errIs: ErrUnknownContext,
			errHas: []string{`context "bb" is not defined`, `did you mean "b"`}},
		{name: "context without a cluster", context: "nocluster", errIs: ErrIncompleteContext,
			errHas: []string{`context "nocluster" names no cluster`}},
		{name: "context naming an undefined cluster", context: "ghostcluster", errIs: ErrIncompleteContext,
			errHas: []string{`names cluster "ghost"`}},
		{name: "context naming an undefined user", context: "ghostuser", errIs: ErrIncompleteContext,
			errHas: []string{`names user "ghost"`}},
		{name: "invalid namespace", context: "a", namespace: "Not Valid", errIs: ErrInvalidName,
			errHas: []string{"namespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := make([][]byte, len(files))
			for i, f := range files {
				if f != nil {
					before[i], _ = f.Marshal()
				}
			}
			x, err := Extract(files, tt.context, tt.namespace)
			for i, f := range files {
				if f != nil {
					if after, _ := f.Marshal(); string(after) != string(before[i]) {
						t.Errorf("file %d was modified", i)
					}
				}
			}
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("error %v, want %v", err, tt.errIs)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				assertNoSecret(t, "error", err.Error())
				if strings.Contains(err.Error(), extractSecret) {
					t.Errorf("error holds the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := x.Config
			if c.Path != "" || c.CurrentContext != tt.context || len(c.Contexts) != 1 || len(c.Clusters) != 1 {
				t.Fatalf("path %q, current %q, %d contexts, %d clusters", c.Path, c.CurrentContext, len(c.Contexts), len(c.Clusters))
			}
			if x.Context != tt.context || x.Cluster != tt.cluster || x.User != tt.user || x.Namespace != tt.ns || x.Server != tt.server {
				t.Errorf("got %+v", x)
			}
			if tt.noUser != (len(c.Users) == 0) || (!tt.noUser && len(c.Users) != 1) {
				t.Fatalf("%d users", len(c.Users))
			}
			if c.Clusters[0].Name != tt.cluster || (!tt.noUser && c.Users[0].Name != tt.user) {
				t.Errorf("entries %s, %v", c.Clusters[0].Name, names(c.Users))
			}
			bodies := map[string]json.RawMessage{"cluster": c.Clusters[0].Body, "context": c.Contexts[0].Body}
			if !tt.noUser {
				bodies["user"] = c.Users[0].Body
			}
			for k, want := range tt.want {
				kind, path, _ := strings.Cut(k, "/")
				if got := field(t, bodies[kind], path); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			// The result parses back as a valid kubeconfig of that one context.
			data, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(data, "")
			if err != nil || back.Validate() != nil {
				t.Fatalf("the result does not parse back: %v %v\n%s", err, back.Validate(), data)
			}
		})
	}
}

// Exec arguments and environment are kept byte for byte, secrets included:
// the private file must authenticate as the shared one does.
func TestExtractKeepsExecSettings(t *testing.T) {
	files, _, _ := extractList(t)
	x, err := Extract(files, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	var u struct {
		Exec struct {
			Args []string
			Env  []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(x.Config.Users[0].Body, &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Exec.Args) != 2 || u.Exec.Args[1] != extractSecret || len(u.Exec.Env) != 1 || u.Exec.Env[0].Value != extractSecret {
		t.Errorf("exec settings changed: %+v", u.Exec)
	}
}

// absOnThisOS is what kubectl makes of path in a file of folder dir here:
// "/abs/cert.pem" is absolute on Unix, relative to the drive's folder on
// Windows (client-go's filepath.IsAbs).
func absOnThisOS(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// execOnThisOS is what kubectl makes of an exec command in a file of
// folder dir here: resolved only when it holds this OS's path separator,
// as client-go does ("./bin/x" stays as it is on Windows).
func execOnThisOS(dir, cmd string) string {
	if strings.ContainsRune(cmd, filepath.Separator) {
		return filepath.Join(dir, cmd)
	}
	return cmd
}
