package bootstrap

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// A loopback Rekor: testCA's log, which holds every signature the test
// mirrors serve, counting the lookups it answers.
type loopRekor struct {
	*httptest.Server
	n atomic.Int32
}

func startRekor(t *testing.T, h http.Handler) *loopRekor {
	t.Helper()
	r := &loopRekor{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.n.Add(1)
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

// lines collects Logf lines that mention Rekor.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) logf(t *testing.T) func(string, ...any) {
	return func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		t.Log(s)
		l.mu.Lock()
		defer l.mu.Unlock()
		if strings.Contains(s, "Rekor") {
			l.all = append(l.all, s)
		}
	}
}

func (l *lines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// A verified entry is in the result (and its JSON), and remembered: a
// no-op rerun, by this client or a new one sharing its cache, asks Rekor
// nothing and still reports it.
func TestTransparencyVerifiedAndRemembered(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	rekor := startRekor(t, testCA.RekorHandler(t, sigtest.LogOptions{}))
	opts := Options{CacheDir: testutil.TempDir(t), Signature: SignatureOptions{RekorURL: rekor.URL}}
	c := newClient(t, m, opts)
	dir := testutil.TempDir(t)
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Signature.Transparency
	if tr == nil || !tr.Verified || tr.LogIndex != 4242 || tr.IntegratedTime.IsZero() || rekor.n.Load() != 1 {
		t.Fatalf("transparency = %+v after %d lookups", tr, rekor.n.Load())
	}
	b, _ := json.Marshal(res)
	if want := `"transparency":{"verified":true,"logIndex":4242,"integratedTime":"` + tr.IntegratedTime.Format(time.RFC3339); !strings.Contains(string(b), want) {
		t.Fatalf("JSON %s lacks %s", b, want)
	}
	for i, cl := range []*Client{c, newClient(t, m, opts)} {
		again, err := cl.Install(context.Background(), InstallRequest{Dir: dir})
		if err != nil || again.Changed {
			t.Fatalf("rerun %d: %+v, %v", i, again, err)
		}
		want := *tr
		want.Remembered = true // nothing asked now
		if got := again.Signature.Transparency; got == nil || *got != want {
			t.Fatalf("rerun %d: transparency = %+v, want %+v", i, got, tr)
		}
	}
	if n := rekor.n.Load(); n != 1 {
		t.Fatalf("no-op reruns asked Rekor: %d lookups in all", n)
	}
	// A rerun with the log off does not lose the entry for later runs.
	off := opts
	off.Signature.Transparency = TransparencyOff
	if _, err := newClient(t, m, off).Install(context.Background(), InstallRequest{Dir: dir, Force: true}); err != nil {
		t.Fatal(err)
	}
	req := opts
	req.Signature.Transparency = TransparencyRequire
	again, err := newClient(t, m, req).Install(context.Background(), InstallRequest{Dir: dir})
	if err != nil || again.Signature.Transparency == nil || !again.Signature.Transparency.Verified || rekor.n.Load() != 1 {
		t.Fatalf("require after a run with the log off: %+v, %v, %d lookups", again, err, rekor.n.Load())
	}
}

// A log whose entry contradicts the signature fails the install, in auto
// as in require: nothing is installed and no binary is downloaded.
func TestTransparencyLies(t *testing.T) {
	tamper := func(h http.Handler, edit func(string) string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			w.Write([]byte(edit(rec.Body.String())))
		})
	}
	cases := []struct {
		name string
		h    func(t *testing.T) http.Handler
		says string
	}{
		{"entry for another digest", func(t *testing.T) http.Handler {
			return testCA.RekorHandler(t, sigtest.LogOptions{Digest: make([]byte, 32)})
		}, "logs sha256 0000"},
		{"SET by another key", func(t *testing.T) http.Handler {
			return testCA.RekorHandler(t, sigtest.LogOptions{ForgeSET: true})
		}, "signed entry timestamp does not verify"},
		{"integrated time outside the certificate", func(t *testing.T) http.Handler {
			return testCA.RekorHandler(t, sigtest.LogOptions{IntegratedTime: time.Now().Add(2 * time.Hour)})
		}, "outside the certificate's validity"},
		{"tampered proof", func(t *testing.T) http.Handler {
			return tamper(testCA.RekorHandler(t, sigtest.LogOptions{}), func(s string) string {
				return strings.Replace(s, `"logIndex":1,"rootHash"`, `"logIndex":2,"rootHash"`, 1)
			})
		}, "inclusion proof does not lead"},
	}
	for _, c := range cases {
		for _, mode := range []TransparencyMode{TransparencyAuto, TransparencyRequire} {
			t.Run(c.name+" "+string(mode), func(t *testing.T) {
				m := newMirror(t, mirror.Options{})
				rekor := startRekor(t, c.h(t))
				cl := newClient(t, m, Options{Signature: SignatureOptions{RekorURL: rekor.URL, Transparency: mode}})
				dir := testutil.TempDir(t)
				_, err := cl.Install(context.Background(), InstallRequest{Dir: dir})
				var te *TransparencyError
				if !errors.As(err, &te) || !errors.Is(err, ErrTransparency) || !errors.Is(err, ErrVerification) ||
					!errors.Is(err, sigstore.ErrTransparencyLog) || !strings.Contains(err.Error(), c.says) {
					t.Fatalf("err = %v, want a transparency failure saying %q", err, c.says)
				}
				if n := kubectlRequests(m); n != 0 {
					t.Fatalf("%d downloads of the binary", n)
				}
				if files, _ := filepath.Glob(filepath.Join(dir, "kubectl*")); len(files) != 0 {
					t.Fatalf("installed %v", files)
				}
			})
		}
	}
}

// A Rekor that is down, stalls, fails or has no entry: auto keeps the
// offline verdict and says so in one line, within the bound; require
// fails with ErrTransparency.
func TestTransparencyUnavailable(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	cases := []struct {
		name  string
		url   func(t *testing.T) string
		says  string
		stall bool
	}{
		{"down", func(t *testing.T) string { return down.URL }, "did not answer", false},
		{"stalls", func(t *testing.T) string {
			return startRekor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // then the server notices the client leave
				<-r.Context().Done()
			})).URL
		}, "did not answer within", true},
		{"503", func(t *testing.T) string {
			return startRekor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })).URL
		}, "503", false},
		{"no entry", func(t *testing.T) string {
			return startRekor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) })).URL
		}, "no entry for this signature", false},
		{"a portal's page", func(t *testing.T) string {
			return startRekor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>log in</html>")) })).URL
		}, "did not answer like Rekor", false},
	}
	for _, c := range cases {
		for _, mode := range []TransparencyMode{TransparencyAuto, TransparencyRequire} {
			t.Run(c.name+" "+string(mode), func(t *testing.T) {
				m := newMirror(t, mirror.Options{})
				var log lines
				bound := 300 * time.Millisecond
				if c.stall && mode == TransparencyAuto {
					bound = 0 // the default bound, DefaultTransparencyTimeout
				}
				cl := newClient(t, m, Options{Logf: log.logf(t), Signature: SignatureOptions{
					RekorURL: c.url(t), Transparency: mode, TransparencyTimeout: bound}})
				start := time.Now()
				res, err := cl.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
				took := time.Since(start)
				if limit := max(bound, DefaultTransparencyTimeout) + time.Second; took > limit {
					t.Fatalf("took %s, more than %s", took, limit)
				}
				if mode == TransparencyRequire {
					var te *TransparencyError
					if !errors.As(err, &te) || !te.Required || !errors.Is(err, ErrVerification) || !strings.Contains(err.Error(), c.says) {
						t.Fatalf("err = %v, want a required entry missing, saying %q", err, c.says)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				tr := res.Signature.Transparency
				if !res.Signature.Verified || tr == nil || tr.Verified || !strings.Contains(tr.Reason, c.says) {
					t.Fatalf("signature %+v, transparency %+v", res.Signature, tr)
				}
				if l := log.get(); len(l) != 1 || !strings.Contains(l[0], c.says) {
					t.Fatalf("lines about Rekor: %q", l)
				}
			})
		}
	}
}

// Off never asks; a private trust root with no Rekor URL asks nothing in
// auto and is refused in require; require with signatures off is an
// invalid option.
func TestTransparencyNotAsked(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	rekor := startRekor(t, testCA.RekorHandler(t, sigtest.LogOptions{}))
	res, err := newClient(t, m, Options{Signature: SignatureOptions{RekorURL: rekor.URL, Transparency: TransparencyOff}}).
		Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if err != nil || res.Signature.Transparency != nil || rekor.n.Load() != 0 {
		t.Fatalf("off: %+v, %v, %d lookups", res, err, rekor.n.Load())
	}
	res, err = newClient(t, m, Options{}).Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if err != nil || res.Signature.Transparency != nil {
		t.Fatalf("private root, auto: %+v, %v", res, err)
	}
	_, err = newClient(t, m, Options{Signature: SignatureOptions{Transparency: TransparencyRequire}}).
		Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if !errors.Is(err, ErrTransparency) || !strings.Contains(err.Error(), "no Rekor URL was given") {
		t.Fatalf("private root, require: %v", err)
	}
	_, err = New(Options{Signature: SignatureOptions{Mode: SignatureOff, Transparency: TransparencyRequire}})
	if !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("require with signatures off: %v", err)
	}
	if _, err := New(Options{Signature: SignatureOptions{RekorURL: "http://rekor.example"}}); !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("plain http Rekor: %v", err)
	}
}

// A mirror's kubectl.rekor.json is used before Rekor: an air-gapped
// install gets the full check (require passes with Rekor down), and one
// that contradicts the signature fails the install.
func TestTransparencyFromMirror(t *testing.T) {
	p := kubectlPath("v1.37.2")
	dead := startRekor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	for _, c := range []struct {
		name string
		o    sigtest.LogOptions
		ok   bool
	}{{"entry verifies", sigtest.LogOptions{}, true}, {"SET by another key", sigtest.LogOptions{ForgeSET: true}, false}} {
		t.Run(c.name, func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			sig, _ := m.File(p + ".sig")
			cert, _ := m.File(p + ".cert")
			sum, _ := m.File(p + ".sha256")
			digest, _ := hexDigest(strings.TrimSpace(string(sum)))
			m.Put(p+RekorEntrySuffix, testCA.RekorAnswer(t, digest, sig, cert, c.o))
			before := dead.n.Load()
			cl := newClient(t, m, Options{Signature: SignatureOptions{RekorURL: dead.URL, Transparency: TransparencyRequire}})
			res, err := cl.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
			if !c.ok {
				if !errors.Is(err, ErrTransparency) || !strings.Contains(err.Error(), RekorEntrySuffix) {
					t.Fatalf("err = %v, want the mirror's entry refused", err)
				}
				return
			}
			if err != nil || !res.Signature.Transparency.Verified || dead.n.Load() != before {
				t.Fatalf("%+v, %v, %d Rekor requests", res, err, dead.n.Load()-before)
			}
		})
	}
}

// FetchKubectl keeps the answer that verified as kubectl.rekor.json, and
// VerifyKubectlFile checks it offline: require holds with Rekor gone, a
// tampered or missing entry does not.
func TestTransparencyKeptBesideFetchedKubectl(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	rekor := startRekor(t, testCA.RekorHandler(t, sigtest.LogOptions{}))
	dir := testutil.TempDir(t)
	cl := newClient(t, m, Options{Signature: SignatureOptions{RekorURL: rekor.URL}})
	pub, _, err := cl.FetchKubectl(context.Background(), "v1.37.2", "", HostPlatform(), dir)
	if err != nil || pub.Rekor == nil {
		t.Fatalf("%+v, %v", pub, err)
	}
	path := filepath.Join(dir, HostPlatform().Executable())
	kept, err := os.ReadFile(path + RekorEntrySuffix)
	if err != nil || string(kept) != string(pub.Rekor) {
		t.Fatalf("kept %q, %v", kept, err)
	}
	rekor.Close()
	offline := newClient(t, m, Options{Signature: SignatureOptions{RekorURL: rekor.URL, Transparency: TransparencyRequire}})
	got, err := offline.VerifyKubectlFile("v1.37.2", "", HostPlatform(), path)
	if err != nil || got.Signature.Transparency == nil || !got.Signature.Transparency.Verified {
		t.Fatalf("offline verify: %+v, %v", got, err)
	}
	os.WriteFile(path+RekorEntrySuffix, []byte(strings.Replace(string(kept), `"logIndex":1,"rootHash"`, `"logIndex":2,"rootHash"`, 1)), 0o644)
	if _, err := offline.VerifyKubectlFile("v1.37.2", "", HostPlatform(), path); !errors.Is(err, ErrTransparency) || !errors.Is(err, ErrVerification) {
		t.Fatalf("tampered entry: %v", err)
	}
	os.Remove(path + RekorEntrySuffix)
	if _, err := offline.VerifyKubectlFile("v1.37.2", "", HostPlatform(), path); !errors.Is(err, ErrTransparency) {
		t.Fatalf("missing entry under require: %v", err)
	}
	auto := newClient(t, m, Options{Signature: SignatureOptions{RekorURL: rekor.URL}})
	if got, err := auto.VerifyKubectlFile("v1.37.2", "", HostPlatform(), path); err != nil || got.Signature.Transparency != nil {
		t.Fatalf("missing entry under auto: %+v, %v", got, err)
	}
}

func hexDigest(s string) ([]byte, error) { return hex.DecodeString(s) }
