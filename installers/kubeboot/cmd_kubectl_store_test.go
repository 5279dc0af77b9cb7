package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// An exact version that is not stored, asked for offline, names the
// version and says it is not stored (not only that a host is out of
// reach); one the mirror does not publish costs one try and leaves no
// folder.
func TestKubectlExactVersionNotStored(t *testing.T) {
	e := newEnv(t)
	before := len(e.m.AllRequests())
	r := e.run("kubectl", "--version", "1.36.9", "--", "version")
	if r.code != 1 || !strings.Contains(r.stderr, "v1.36.9 is not published") {
		t.Fatalf("unpublished: %+v", r)
	}
	seen := map[string]int{}
	for _, q := range e.m.AllRequests()[before:] {
		if !q.Front {
			seen[q.Path]++
		}
	}
	for p, n := range seen {
		if n > 1 {
			t.Errorf("%s asked %d times", p, n)
		}
	}
	if _, err := os.Stat(filepath.Join(e.storeDir(), "v1.36.9")); !os.IsNotExist(err) {
		t.Errorf("a folder was left for the unpublished version: %v", err)
	}

	e.m.Close()
	r = e.run("kubectl", "--version", "1.36.4", "--", "version")
	if r.code != 1 || !strings.Contains(r.stderr, "kubectl v1.36.4") || !strings.Contains(r.stderr, "not in the store") || !strings.Contains(r.stderr, "offline use") {
		t.Errorf("offline, not stored: %+v", r)
	}
}

// A read-only store whose kubectl's change time moved (a chmod after it
// was filled) hashes the 60 MB once, not on every run.
func TestKubectlReadOnlyStoreHashedOnce(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, "KUBEBOOT_KUBECTL_VERSION=1.37.2")
	if r := e.run("kubectl", "version"); r.code != 0 {
		t.Fatal(r)
	}
	entry := filepath.Join(e.storeDir(), "v1.37.2", runtime.GOOS+"-"+runtime.GOARCH)
	os.Chmod(filepath.Join(entry, "kubectl"), 0o755)
	testutil.MakeReadOnly(t, entry)
	for run := range 3 {
		r := e.run("kubectl", "-v", "version")
		if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || strings.Contains(r.stderr, "hashed on each use") {
			t.Errorf("run %d: %+v", run, r)
		}
	}
}
