package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// signedMirror serves kubectl v1.37.2 for linux/amd64 signed by ca, and
// hands every other path to extra (404 when nil).
func signedMirror(t *testing.T, ca *sigtest.CA, extra http.HandlerFunc) *httptest.Server {
	t.Helper()
	bin := []byte("#!/bin/sh\necho kubectl\n")
	s := sha256.Sum256(bin)
	sig, cert := ca.SignDigest(t, s[:], sigtest.Leaf{})
	base := "/release/v1.37.2/bin/linux/amd64/kubectl"
	files := map[string][]byte{base: bin, base + ".sha256": []byte(hex.EncodeToString(s[:])), base + ".sig": sig, base + ".cert": cert}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := files[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		if extra != nil {
			extra(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// logLines collects Logf's logLines.
type logLines struct {
	mu  sync.Mutex
	all []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

var linuxAMD64 = Platform{OS: "linux", Arch: "amd64"}

// publishedBy reports whether kubectl v1.37.2 on a mirror signed by ca
// verifies under the client's trust root.
func publishedBy(t *testing.T, opts Options, ca *sigtest.CA) (*PublishedKubectl, error) {
	t.Helper()
	opts.BaseURL = signedMirror(t, ca, nil).URL
	opts.Signature.Transparency = TransparencyOff
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c.Published(context.Background(), "v1.37.2", linuxAMD64)
}

// A kept trusted root is used only as far as it verifies from the start
// root: someone who can write the cache and plants another CA's
// trusted_root.json, with a state.json of a repository of their own
// (self-signed root, targets naming that file), is not trusted; the
// repository is asked again and its root used.
func TestKeptTrustRootMustVerifyFromStartRoot(t *testing.T) {
	good, evil := sigtest.NewCA(t, sigtest.Options{}), sigtest.NewCA(t, sigtest.Options{})
	repo, _ := tuftest.New(t, good.TrustedRootJSON())
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Add(1); repo.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	opts := Options{CacheDir: testutil.TempDir(t), Signature: SignatureOptions{TUFURL: srv.URL, TUFRoot: repo.Root1}}
	if pub, err := publishedBy(t, opts, good); err != nil || !pub.Signature.Verified {
		t.Fatalf("the repository's own CA: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(opts.CacheDir, "sigstore-tuf", "*"))
	if len(dirs) != 1 {
		t.Fatalf("cache holds %v", dirs)
	}
	// The attacker's repository, consistent in itself.
	own, _ := tuftest.New(t, evil.TrustedRootJSON())
	res, err := tuf.Update(tuf.State{Root: own.Root1}, time.Now(), own.Fetch, "trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"state": res.State, "targetsMeta": res.TargetsMeta, "checked": time.Now().UTC()})
	os.WriteFile(filepath.Join(dirs[0], "state.json"), b, 0o600)
	os.WriteFile(filepath.Join(dirs[0], "trusted_root.json"), evil.TrustedRootJSON(), 0o600)
	asked.Store(0)
	if pub, err := publishedBy(t, opts, evil); err == nil && pub.Signature != nil && pub.Signature.Verified {
		t.Fatalf("a kubectl signed by the planted CA verified")
	}
	if asked.Load() == 0 {
		t.Fatalf("the planted copy was refused, but the repository was not asked again")
	}
	if pub, err := publishedBy(t, opts, good); err != nil || !pub.Signature.Verified {
		t.Fatalf("after the refresh, the repository's CA: %v", err)
	}
}

// The TUF repository's URL may carry a token (as its user name): it
// reaches no log line, no file of the cache (state.json's failure, the
// verified releases' trust root name), and the cache is private: folders
// 0700 (the cache folder itself included, when the trust root's writer
// makes it), files 0600. A URL with a query is refused, as Rekor's is.
func TestTUFCacheKeepsNoSecretsAndIsPrivate(t *testing.T) {
	if _, err := New(Options{Signature: SignatureOptions{TUFURL: "https://tuf.example/?sig=QUERYSECRET"}}); !errors.Is(err, ErrInvalidOption) || strings.Contains(err.Error(), "QUERYSECRET") {
		t.Fatalf("a TUF URL with a query: %v", err)
	}
	ca := sigtest.NewCA(t, sigtest.Options{})
	repo, _ := tuftest.New(t, ca.TrustedRootJSON())
	srv := httptest.NewServer(repo.Handler())
	t.Cleanup(srv.Close)
	untrusted := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate nobody trusts
	t.Cleanup(untrusted.Close)
	cache := filepath.Join(testutil.TempDir(t), "cache", "kubeboot")
	var log logLines
	for _, u := range []string{untrusted.URL, srv.URL} {
		opts := Options{CacheDir: cache, Logf: log.logf, Signature: SignatureOptions{
			TUFURL: strings.Replace(u, "://", "://SECRETTOKEN@", 1), TUFRoot: repo.Root1}}
		if _, err := publishedBy(t, opts, ca); err != nil {
			log.logf("error: %v", err)
		}
	}
	if !strings.Contains(log.String(), "gave none") {
		t.Fatalf("the failed refresh was not said: %q", log.String())
	}
	if strings.Contains(log.String(), "SECRETTOKEN") {
		t.Errorf("log carries the TUF URL's token: %s", log.String())
	}
	var files int
	filepath.WalkDir(filepath.Dir(cache), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != want { // Windows makes modes up
			t.Errorf("%s has mode %v", p, fi.Mode().Perm())
		}
		if !d.IsDir() {
			files++
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "SECRETTOKEN") {
				t.Errorf("%s holds the TUF URL's token: %s", p, b)
			}
		}
		return nil
	})
	if files < 3 { // state.json and trusted_root.json of each, verified-releases.json
		t.Fatalf("the cache holds %d files", files)
	}
}

// Times kept in the future (the clock was ahead when they were written)
// do not put the refresh off: the repository is asked.
func TestTUFRefreshDueWhenKeptTimesAreInTheFuture(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	repo, _ := tuftest.New(t, ca.TrustedRootJSON())
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Add(1); repo.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	opts := Options{CacheDir: testutil.TempDir(t), Signature: SignatureOptions{TUFURL: srv.URL, TUFRoot: repo.Root1}}
	if _, err := publishedBy(t, opts, ca); err != nil {
		t.Fatal(err)
	}
	p, _ := filepath.Glob(filepath.Join(opts.CacheDir, "sigstore-tuf", "*", "state.json"))
	if len(p) != 1 {
		t.Fatalf("cache holds %v", p)
	}
	for name, edit := range map[string]func(*tufState){
		"failedAt": func(st *tufState) {
			st.Checked = time.Now().AddDate(0, -6, 0)
			st.FailedAt, st.Failure = time.Now().AddDate(5, 0, 0), "written while the clock was five years ahead"
		},
		"checked": func(st *tufState) { st.Checked = time.Now().AddDate(5, 0, 0) },
	} {
		var st tufState
		b, _ := os.ReadFile(p[0])
		json.Unmarshal(b, &st)
		edit(&st)
		b, _ = json.Marshal(st)
		os.WriteFile(p[0], b, 0o600)
		asked.Store(0)
		if _, err := publishedBy(t, opts, ca); err != nil {
			t.Fatal(err)
		}
		if asked.Load() == 0 {
			t.Errorf("%s in the future: the repository was not asked", name)
		}
	}
}

// A chain that starts from the caller's own root.json (a private
// deployment) never falls back to the built-in public-good root: with its
// repository down and nothing kept, online or offline, the error says so.
func TestPrivateTUFRootNeverFallsBackToPublicGood(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	repo, _ := tuftest.New(t, ca.TrustedRootJSON())
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))
	t.Cleanup(down.Close)
	var log logLines
	opts := Options{CacheDir: testutil.TempDir(t), Logf: log.logf, RetryBackoff: time.Millisecond,
		Signature: SignatureOptions{TUFURL: down.URL, TUFRoot: repo.Root1}}
	_, err := publishedBy(t, opts, ca)
	if !errors.Is(err, ErrTrustRoot) || !strings.Contains(err.Error(), "public-good root is not used") {
		t.Fatalf("online, the repository down: %v (%s)", err, log.String())
	}
	c, _ := New(opts)
	if _, err := c.sigstoreRoot(nil); !errors.Is(err, ErrTrustRoot) {
		t.Fatalf("offline, nothing kept: %v", err)
	}
	// Once a copy is kept, it is used while the repository is down.
	up := httptest.NewServer(repo.Handler())
	t.Cleanup(up.Close)
	opts.Signature.TUFURL = up.URL
	if pub, err := publishedBy(t, opts, ca); err != nil || !pub.Signature.Verified {
		t.Fatalf("repository up: %v", err)
	}
}

// An object store that forbids listing answers 403 for the next root,
// which is not published yet: that is no root, and the refresh goes on.
func TestTUF403ForAbsentNextRootMeansNone(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	repo, _ := tuftest.New(t, ca.TrustedRootJSON())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := repo.Fetch(strings.TrimPrefix(r.URL.Path, "/"), 0); err != nil {
			http.Error(w, "AccessDenied", http.StatusForbidden)
			return
		}
		repo.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var log logLines
	opts := Options{CacheDir: testutil.TempDir(t), Logf: log.logf, Signature: SignatureOptions{TUFURL: srv.URL, TUFRoot: repo.Root1}}
	if pub, err := publishedBy(t, opts, ca); err != nil || !pub.Signature.Verified || strings.Contains(log.String(), "not refreshed") {
		t.Fatalf("a 403 for the next root: %v; %s", err, log.String())
	}
}
