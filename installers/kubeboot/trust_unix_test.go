//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func chownTree(t *testing.T, path string) {
	t.Helper()
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 65534, 65534)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A kubectl store another user made (a shared cache folder they got to
// first) is not used: the error names the folder and how to choose
// another, and nothing is asked of the mirror or run.
func TestKubectlRefusesAnotherUsersStore(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown files to another user")
	}
	e := newEnv(t)
	e.vars = append(e.vars, "KUBEBOOT_KUBECTL_VERSION=v1.37.2")
	if r := e.run("kubectl", "version", "--client"); r.code != 0 {
		t.Fatal(r)
	}
	dir := filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl")
	chownTree(t, dir)
	before := len(e.m.Requests())
	r := e.run("kubectl", "version", "--client")
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, dir) || !strings.Contains(r.stderr, "belongs to owner 65534") || !strings.Contains(r.stderr, "XDG_CACHE_HOME") {
		t.Fatalf("another user's store: %+v", r)
	}
	if n := len(e.m.Requests()) - before; n != 0 {
		t.Errorf("%d requests to the mirror", n)
	}
}

// The cluster-version cache of another user is not read (nor replaced):
// the cluster is asked.
func TestKubectlIgnoresAnotherUsersClusterCache(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown files to another user")
	}
	e := newEnv(t)
	c := startFakeCluster(t, "v1.37.2")
	e.vars = append(e.vars, "KUBECONFIG="+c.kubeconfig(t, filepath.Join(t.TempDir(), "config")))
	if r := e.run("kubectl", "-v", "version", "--client"); r.code != 0 || !strings.Contains(r.stderr, "runs 1.37") {
		t.Fatal(r)
	}
	cache := filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl", clusterCacheName)
	b, err := os.ReadFile(cache)
	if err != nil || !strings.Contains(string(b), `"1.37"`) {
		t.Fatalf("%s: %s %v", cache, b, err)
	}
	planted := strings.ReplaceAll(string(b), `"1.37"`, `"1.36"`)
	os.WriteFile(cache, []byte(planted), 0o644)
	chownTree(t, cache)
	r := e.run("kubectl", "-v", "version", "--client")
	if r.code != 0 || strings.Contains(r.stderr, "1.36") || strings.Contains(r.stderr, "asked") || !strings.Contains(r.stderr, "runs 1.37") {
		t.Fatalf("another user's cluster cache: %+v", r)
	}
	if b, _ := os.ReadFile(cache); string(b) != planted {
		t.Error("another user's cache was replaced")
	}
}
