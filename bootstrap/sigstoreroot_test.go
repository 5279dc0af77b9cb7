package bootstrap

import (
	"context"
	"encoding/json"
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

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// tufClient is a client whose trust root comes from the TUF repository
// at url, starting from root1, with its cache in cache.
func tufClient(t *testing.T, m *mirror.Mirror, url string, root1 []byte, cache string, log *[]string) *Client {
	t.Helper()
	c, err := New(Options{BaseURL: m.URL(), HTTPClient: m.Client(), RetryBackoff: time.Millisecond, CacheDir: cache,
		Logf: func(f string, a ...any) { s := fmt.Sprintf(f, a...); t.Log(s); *log = append(*log, s) }, Signature: SignatureOptions{TUFURL: url, TUFRoot: root1, TUFTimeout: 500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The trust root is taken from the TUF repository (here it trusts the
// test CA, which the embedded root does not), kept in the cache and not
// asked again within a day; a repository that then lies (a rollback)
// leaves the last verified copy in use, said once; with none kept and the
// repository down, the embedded root is used, said once.
func TestSigstoreRootFromTUF(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	repo, _ := tuftest.New(t, testCA.TrustedRootJSON())
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); repo.Handler().ServeHTTP(w, r) }))
	defer srv.Close()
	cache := testutil.TempDir(t)
	var log []string
	res, err := tufClient(t, m, srv.URL, repo.Root1, cache, &log).Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if err != nil || !res.Signature.Verified || n.Load() == 0 {
		t.Fatalf("%+v, %v, %d repository requests", res, err, n.Load())
	}
	asked := n.Load()
	if _, err := tufClient(t, m, srv.URL, repo.Root1, cache, &log).Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)}); err != nil || n.Load() != asked {
		t.Fatalf("second run: %v, %d more repository requests", err, n.Load()-asked)
	}

	// A day later, the repository rolls the timestamp back.
	dirs, _ := filepath.Glob(filepath.Join(cache, "sigstore-tuf", "*", "state.json"))
	if len(dirs) != 1 {
		t.Fatalf("cache holds %v", dirs)
	}
	var st tufState
	b, _ := os.ReadFile(dirs[0])
	json.Unmarshal(b, &st)
	st.Checked = st.Checked.Add(-25 * time.Hour)
	b, _ = json.Marshal(st)
	os.WriteFile(dirs[0], b, 0o644)
	repo.Publish(t, 9, 5, 3)
	var log2 []string
	res, err = tufClient(t, m, srv.URL, repo.Root1, cache, &log2).Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if err != nil || !res.Signature.Verified || !strings.Contains(res.Signature.TrustRoot, "not refreshed") {
		t.Fatalf("after a rollback: %+v, %v", res, err)
	}
	if said := countLines(log2, "not refreshed"); said != 1 || !strings.Contains(strings.Join(log2, "\n"), "rollback") {
		t.Fatalf("said %d times: %q", said, log2)
	}

	// Nothing kept, the public-good repository down: the embedded root,
	// which does not trust the test CA. (A private start root never
	// falls back to it: TestPrivateTUFRootNeverFallsBackToPublicGood.)
	srv.Close()
	var msgs []string
	_, err = tufClient(t, m, srv.URL, nil, testutil.TempDir(t), &msgs).Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if !errors.Is(err, sigstore.ErrCertificate) {
		t.Fatalf("embedded root: %v", err)
	}
	// One line for the failure, none per retry.
	if said := countLines(msgs, "using the one built in"); said != 1 || countLines(msgs, "retrying") != 0 {
		t.Fatalf("said %d times: %q", said, msgs)
	}
}

func countLines(lines []string, sub string) (n int) {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}
