package main

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeCluster is the part of a Kubernetes API server that verify asks:
// /version, who am I, may I list secrets, and the list. It answers one
// bearer token. Tests that need the real kube-apiserver use k8stest.
type fakeCluster struct {
	srv     *httptest.Server
	version string
	token   string
}

const fakeClusterToken = "FAKE-CLUSTER-TOKEN-0123456789abcdef"

func startFakeCluster(t *testing.T, gitVersion string) *fakeCluster {
	c := &fakeCluster{version: gitVersion, token: fakeClusterToken}
	c.srv = httptest.NewTLSServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *fakeCluster) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+c.token {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "message": "Unauthorized", "code": 401})
		return
	}
	var out any
	switch {
	case r.URL.Path == "/version":
		out = map[string]string{"gitVersion": c.version}
	case strings.HasSuffix(r.URL.Path, "/selfsubjectreviews"):
		out = map[string]any{"status": map[string]any{"userInfo": map[string]any{"username": "alice@example.com", "groups": []string{"system:authenticated"}}}}
	case strings.HasSuffix(r.URL.Path, "/selfsubjectaccessreviews"):
		out = map[string]any{"status": map[string]any{"allowed": true}}
	case strings.HasSuffix(r.URL.Path, "/secrets"):
		out = map[string]any{"metadata": map[string]any{}, "items": []any{map[string]any{"metadata": map[string]string{"name": "db"}}}}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// kubeconfig writes a cw-kubeconfig-like file for the cluster, context
// coreweave, to path.
func (c *fakeCluster) kubeconfig(t *testing.T, path string) string {
	t.Helper()
	return writeKubeconfig(t, path, c.srv.URL, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.srv.Certificate().Raw}), c.token)
}

func writeKubeconfig(t *testing.T, path, server string, caPEM []byte, token string) string {
	t.Helper()
	cfg := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "coreweave",
		"clusters": []any{map[string]any{"name": "coreweave", "cluster": map[string]any{
			"server": server, "certificate-authority-data": caPEM}}},
		"users":    []any{map[string]any{"name": "coreweave", "user": map[string]any{"token": token}}},
		"contexts": []any{map[string]any{"name": "coreweave", "context": map[string]any{"cluster": "coreweave", "user": "coreweave", "namespace": "tenant-a"}}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
