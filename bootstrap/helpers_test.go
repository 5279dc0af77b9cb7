package bootstrap

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// newMirror starts a dl.k8s.io-shaped mirror with stable v1.37.2, the 1.36
// and 1.35 lines, and kubectl stand-ins for the host platform.
func newMirror(t *testing.T, opts mirror.Options) *mirror.Mirror {
	t.Helper()
	m := mirror.Start(opts)
	t.Cleanup(m.Close)
	m.SetSigner(func(sum []byte) ([]byte, []byte) { return testCA.SignDigest(t, sum, sigtest.Leaf{}) })
	m.SetMarker("stable", "v1.37.2\n")
	m.SetMarker("latest", "v1.38.0-alpha.1\n")
	m.SetMarker("stable-1", "v1.37.2\n")
	m.SetMarker("stable-1.37", "v1.37.2")
	m.SetMarker("latest-1.37", "v1.37.3-rc.0")
	m.SetMarker("stable-1.36", "v1.36.4\n")
	m.SetMarker("stable-1.35", "v1.35.9\n")
	p := HostPlatform()
	for v, b := range standins {
		m.AddKubectl(v, p.OS, p.Arch, b)
	}
	return m
}

// newClient returns a client of m with fast retries and a short stall
// timeout, so fault tests run in milliseconds.
func newClient(t *testing.T, m *mirror.Mirror, opts Options) *Client {
	t.Helper()
	if opts.BaseURL == "" {
		opts.BaseURL = m.URL()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = m.Client()
	}
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = time.Millisecond
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = 2 * time.Second
	}
	if opts.Signature.TrustedRoot == nil {
		opts.Signature.TrustedRoot = testRoot
	}
	if opts.CacheDir == "" {
		opts.CacheDir = testutil.TempDir(t) // never the user's real cache
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kubectlRequests counts requests for the kubectl binary itself.
func kubectlRequests(m *mirror.Mirror) (n int) {
	for _, r := range m.Requests() {
		if strings.HasSuffix(r.Path, "/kubectl") || strings.HasSuffix(r.Path, "/kubectl.exe") {
			n++
		}
	}
	return n
}

// assertOnlyFile fails unless dir holds exactly one entry, name, with content.
func assertOnlyFile(t *testing.T, dir, name string, content []byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != exeinstall.LockName && e.Name() != exeinstall.RecordName {
			names = append(names, e.Name())
		}
	}
	if len(names) != 1 || names[0] != name {
		t.Fatalf("%s holds %v, want only %s", dir, names, name)
	}
	// The install's record, when there is one, names the file's bytes.
	if recs, err := exeinstall.ReadRecords(dir); err != nil {
		t.Fatalf("%s's install record: %v", dir, err)
	} else if r, ok := recs[name]; ok && content != nil && r.SHA256 != fmt.Sprintf("%x", sha256.Sum256(content)) {
		t.Fatalf("%s's install record gives %s sha256 %s, not that of its bytes", dir, name, r.SHA256)
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(content) {
		t.Fatalf("%s/%s changed: %d bytes, want the original %d bytes", dir, name, len(got), len(content))
	}
}
