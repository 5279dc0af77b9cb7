package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// lyingServer answers like an API server that lets everyone list secrets,
// and pages them with page(n) for the n-th list request (from 1).
func lyingServer(t *testing.T, page func(n int) (items []string, cont string, delay time.Duration)) (kubeconfig string, lists *atomic.Int64) {
	lists = new(atomic.Int64)
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/version":
			fmt.Fprint(w, `{"gitVersion":"v1.37.2"}`)
		case strings.HasSuffix(r.URL.Path, "/selfsubjectreviews"):
			fmt.Fprint(w, `{"status":{"userInfo":{"username":"u","groups":["g"]}}}`)
		case strings.HasSuffix(r.URL.Path, "/selfsubjectaccessreviews"):
			fmt.Fprint(w, `{"status":{"allowed":true}}`)
		case strings.HasSuffix(r.URL.Path, "/secrets"):
			items, cont, delay := page(int(lists.Add(1)))
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			var list struct {
				Metadata struct {
					Continue string `json:"continue"`
				} `json:"metadata"`
				Items []map[string]map[string]string `json:"items"`
			}
			list.Metadata.Continue = cont
			list.Items = []map[string]map[string]string{}
			for _, n := range items {
				list.Items = append(list.Items, map[string]map[string]string{"metadata": {"name": n}})
			}
			json.NewEncoder(w).Encode(list)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %s}}]
users: [{name: u, user: {token: FAKE-TOKEN}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: ns}}]
current-context: c
`, s.URL, base64.StdEncoding.EncodeToString(ca))
	path := filepath.Join(testutil.TempDir(t), "config")
	os.WriteFile(path, []byte(doc), 0o600)
	return path, lists
}

func TestSecretsPagingIsBounded(t *testing.T) {
	tests := []struct {
		name     string
		page     func(n int) ([]string, string, time.Duration)
		maxLists int64
		count    int
	}{
		{"empty pages with a continue token", func(n int) ([]string, string, time.Duration) {
			return nil, fmt.Sprintf("c%d", n), 0
		}, 1, 0},
		{"the same continue token again", func(n int) ([]string, string, time.Duration) {
			return []string{fmt.Sprintf("s%d", n)}, "same", 0
		}, 2, 2},
		{"fresh tokens forever, one item each", func(n int) ([]string, string, time.Duration) {
			return []string{fmt.Sprintf("s%d", n)}, fmt.Sprintf("c%d", n), 0
		}, maxSecretPages, maxSecretPages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, lists := lyingServer(t, tt.page)
			r, err := Verify(context.Background(), Options{Kubeconfig: []string{path}})
			if err != nil {
				t.Fatal(err)
			}
			if n := lists.Load(); n > tt.maxLists {
				t.Errorf("%d list requests, want at most %d", n, tt.maxLists)
			}
			if !r.Secrets.Truncated || r.Secrets.Count != tt.count {
				t.Errorf("secrets = %+v, want %d and truncated", r.Secrets, tt.count)
			}
		})
	}
}

func TestVerifyHasOneDeadline(t *testing.T) {
	// Every page is slow but within the per-request timeout; together
	// they are not.
	path, lists := lyingServer(t, func(n int) ([]string, string, time.Duration) {
		return []string{fmt.Sprintf("s%d", n)}, fmt.Sprintf("c%d", n), 150 * time.Millisecond
	})
	start := time.Now()
	_, err := Verify(context.Background(), Options{Kubeconfig: []string{path}, TotalTimeout: 600 * time.Millisecond})
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || te.Timeout != 600*time.Millisecond {
		t.Fatalf("err = %v, want a *TimeoutError", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Verify took %v with a 600ms deadline", d)
	}
	if n := lists.Load(); n > 6 {
		t.Errorf("%d list requests within 600ms of 150ms pages", n)
	}
	if strings.Contains(err.Error(), "FAKE-TOKEN") {
		t.Error("the error holds the token")
	}
}
