package kubeconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestUseDistrustsAWrongSpan: a summary whose span is wrong (a corrupted
// or foreign cache entry) never makes Use overwrite other bytes: before
// the rewrite in place, the span is checked against the bytes just read
// (the current-context line, at the start of a line, holding the old
// value); otherwise the file is parsed and written in full.
func TestUseDistrustsAWrongSpan(t *testing.T) {
	const doc = `apiVersion: v1
kind: Config
current-context: live
clusters:
- cluster:
    server: https://live:6443
  name: live
- cluster:
    server: https://lab:6443
  name: lab
contexts:
- context:
    cluster: live
    user: me
  name: live
- context:
    cluster: lab
    user: me
  name: lab
users:
- name: me
  user:
    token: FAKE-TOKEN-abcdefghij
`
	tokenAt := bytes.Index([]byte(doc), []byte("FAKE-TOKEN"))
	currentAt := bytes.Index([]byte(doc), []byte("live\n"))
	for _, tc := range []struct {
		name string
		span [2]int
	}{
		{"span on the token", [2]int{tokenAt, tokenAt + 10}},
		{"span shifted by one", [2]int{currentAt + 1, currentAt + 5}},
		{"span cut short", [2]int{currentAt, currentAt + 2}},
		{"span past the end", [2]int{len(doc) - 3, len(doc) + 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			path := filepath.Join(dir, "config")
			os.WriteFile(path, []byte(doc), 0o600)
			cache := filepath.Join(dir, "cache")
			opts := EditOptions{Kubeconfig: path, Home: dir, CacheDir: cache}
			// A summary of this very content, valid but for its span.
			s := summarize(mustLoad(t, path), digestOf([]byte(doc)))
			s.checkSpan([]byte(doc))
			if s.SpanState != spanValid {
				t.Fatal("the span of the file is not rewritable to begin with")
			}
			s.Span = tc.span
			summaryCache(cache).put(s)
			if got := summaryCache(cache).get(s.Digest); got == nil || got.Span != tc.span {
				t.Fatal("the tampered summary was not stored")
			}
			res, err := Use(context.Background(), "lab", opts)
			if err != nil {
				t.Fatal(err)
			}
			c := mustLoad(t, path)
			data, _ := os.ReadFile(path)
			body, _ := json.Marshal(c.Users)
			if res.Context != "lab" || c.CurrentContext != "lab" || !bytes.Contains(body, []byte("FAKE-TOKEN-abcdefghij")) || len(c.Contexts) != 2 {
				t.Errorf("after use with a wrong span:\n%s", data)
			}
		})
	}
}
