// Package mirror serves a dl.k8s.io-shaped tree on loopback for tests, the
// demo and the benchmark: release markers, kubectl binaries with .sha256
// files, and, like the real site, a front host that redirects every request
// to a CDN host. Faults can be queued per path to imitate a bad network.
package mirror

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// Mirror is a running pair of loopback HTTPS servers.
type Mirror struct {
	front, cdn *httptest.Server

	mu       sync.Mutex
	ca       *sigtest.CA
	signer   func(sum []byte) (sig, cert []byte)
	files    map[string][]byte
	faults   map[string][]Fault
	requests []Request
}

// Request records one request the CDN host served (or, for the front
// host, redirected: Front is then true).
type Request struct {
	Path  string
	Range string
	// Authorization is the header the request carried: credentials in the
	// mirror URL reach the front host only.
	Authorization string
	Front         bool
}

// Options configure a Mirror.
type Options struct {
	// PlainHTTP serves http:// instead of https:// (for the loopback-http
	// rule); the default is TLS with httptest's loopback certificate.
	PlainHTTP bool
	// NoRedirect serves files from the front host directly.
	NoRedirect bool
	// Sign makes the mirror sign every kubectl AddKubectl publishes with a
	// test Sigstore CA of its own (kubectl.sig, kubectl.cert, as dl.k8s.io
	// does); TrustedRootJSON returns the root that trusts it.
	Sign bool
}

// Start starts a mirror. Close it when done.
func Start(opts Options) *Mirror {
	m := &Mirror{files: map[string][]byte{}, faults: map[string][]Fault{}}
	if opts.Sign {
		m.ca = sigtest.NewCA(panicTB{}, sigtest.Options{})
		m.signer = func(sum []byte) ([]byte, []byte) { return m.ca.SignDigest(panicTB{}, sum, sigtest.Leaf{}) }
	}
	newServer := httptest.NewTLSServer
	if opts.PlainHTTP {
		newServer = httptest.NewServer
	}
	m.cdn = newServer(http.HandlerFunc(m.serveFile))
	if opts.NoRedirect {
		m.front = m.cdn
	} else {
		m.front = newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.mu.Lock()
			m.requests = append(m.requests, Request{Path: r.URL.Path, Range: r.Header.Get("Range"), Authorization: r.Header.Get("Authorization"), Front: true})
			m.mu.Unlock()
			http.Redirect(w, r, m.cdn.URL+r.URL.Path, http.StatusFound)
		}))
	}
	return m
}

// Close stops both servers.
func (m *Mirror) Close() {
	m.front.Close()
	if m.cdn != m.front {
		m.cdn.Close()
	}
}

// URL is the base URL to give clients (the front host).
func (m *Mirror) URL() string { return m.front.URL }

// CDNURL is the base URL of the host the front redirects to.
func (m *Mirror) CDNURL() string { return m.cdn.URL }

// Client returns an HTTP client that trusts the mirror's certificate.
func (m *Mirror) Client() *http.Client { return m.cdn.Client() }

// CertPEM returns the mirror's certificate, for SSL_CERT_FILE.
func (m *Mirror) CertPEM() []byte {
	c := m.cdn.Certificate()
	if c == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Put serves body at path (e.g. "/release/stable.txt").
func (m *Mirror) Put(path string, body []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[path] = body
}

// File returns what the mirror serves at path, without making a request.
func (m *Mirror) File(path string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[path]
	return b, ok
}

// Delete stops serving path.
func (m *Mirror) Delete(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, path)
}

// SetMarker serves release/<name>.txt with body, as given.
func (m *Mirror) SetMarker(name, body string) {
	m.Put("/release/"+name+".txt", []byte(body))
}

// KubectlPath is the path of kubectl for version (vX.Y.Z) and os/arch.
func KubectlPath(version, goos, goarch string) string {
	exe := "kubectl"
	if goos == "windows" {
		exe += ".exe"
	}
	return fmt.Sprintf("/release/%s/bin/%s/%s/%s", version, goos, goarch, exe)
}

// TrustedRootJSON returns a Sigstore trusted_root.json that trusts the
// mirror's own signing CA (Options.Sign), or nil.
func (m *Mirror) TrustedRootJSON() []byte {
	if m.ca == nil {
		return nil
	}
	return m.ca.TrustedRootJSON()
}

// RekorHandler is a loopback Rekor that logged every signature of the
// mirror's own CA (Options.Sign), or nil without one.
func (m *Mirror) RekorHandler(o sigtest.LogOptions) http.Handler {
	if m.ca == nil {
		return nil
	}
	return m.ca.RekorHandler(panicTB{}, o)
}

// panicTB lets the test CA run outside a test (the demo's mirror).
type panicTB struct{}

func (panicTB) Helper()           {}
func (panicTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// SetSigner makes AddKubectl publish kubectl.sig and kubectl.cert too, as
// dl.k8s.io does since v1.26: sign returns their bodies for a SHA-256
// (sigtest.CA.SignDigest makes them).
func (m *Mirror) SetSigner(sign func(sum []byte) (sig, cert []byte)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.signer = sign
}

// AddKubectl serves binary as kubectl version for os/arch, with its .sha256
// holding the bare hex digest as dl.k8s.io does, and with a signer its .sig
// and .cert. It returns the digest.
func (m *Mirror) AddKubectl(version, goos, goarch string, binary []byte) string {
	sum := sha256.Sum256(binary)
	digest := hex.EncodeToString(sum[:])
	p := KubectlPath(version, goos, goarch)
	m.Put(p, binary)
	m.Put(p+".sha256", []byte(digest))
	m.mu.Lock()
	sign := m.signer
	m.mu.Unlock()
	if sign != nil {
		sig, cert := sign(sum[:])
		m.Put(p+".sig", sig)
		m.Put(p+".cert", cert)
	}
	return digest
}

// Requests returns what the CDN host served so far, in order.
func (m *Mirror) Requests() []Request {
	var out []Request
	for _, r := range m.AllRequests() {
		if !r.Front {
			out = append(out, r)
		}
	}
	return out
}

// AllRequests returns every request of both hosts so far, in order.
func (m *Mirror) AllRequests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Request(nil), m.requests...)
}

// Fault changes how one request for a path is answered.
type Fault struct {
	Status      int           // answer with this status and no body
	CutAfter    int           // send this many body bytes, then close the connection
	Reset       bool          // with CutAfter: close with a TCP reset (bytes in flight may be lost)
	StallAfter  int           // with Stall: send this many bytes, then go silent
	Stall       time.Duration // how long to stay silent
	IgnoreRange bool          // answer 200 with the whole body even to a Range request
	Body        []byte        // serve these bytes instead of the file
	Endless     bool          // send the file, then zeros, forever, with no Content-Length
}

// QueueFaults makes the next len(faults) requests for path misbehave, one
// fault each, in order; later requests are served normally.
func (m *Mirror) QueueFaults(path string, faults ...Fault) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults[path] = append(m.faults[path], faults...)
}

func (m *Mirror) serveFile(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, Request{Path: r.URL.Path, Range: r.Header.Get("Range"), Authorization: r.Header.Get("Authorization")})
	body, ok := m.files[r.URL.Path]
	var f *Fault
	if q := m.faults[r.URL.Path]; len(q) > 0 {
		f = &q[0]
		m.faults[r.URL.Path] = q[1:]
	}
	m.mu.Unlock()

	if f != nil && f.Endless {
		serveEndless(w, r, body)
		return
	}
	if f != nil && f.Status != 0 {
		http.Error(w, http.StatusText(f.Status), f.Status)
		return
	}
	if f != nil && f.Body != nil {
		body, ok = f.Body, true
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	if strings.HasSuffix(r.URL.Path, ".txt") || strings.HasSuffix(r.URL.Path, ".sha256") {
		w.Header().Set("Content-Type", "text/plain")
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	if f == nil {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
		return
	}
	if f.IgnoreRange {
		r.Header.Del("Range")
	}
	switch {
	case f.CutAfter > 0:
		serveThenCut(w, r, body, f.CutAfter, f.Reset)
	case f.Stall > 0:
		serveThenStall(w, r, body, f.StallAfter, f.Stall)
	default:
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}
}

// serveThenCut announces the full length, sends n bytes, then closes the
// connection: a truncated body, or with reset a connection reset mid-body
// (the peer may then lose bytes that were in flight).
func serveThenCut(w http.ResponseWriter, r *http.Request, body []byte, n int, reset bool) {
	start := rangeStart(r, len(body))
	rest := body[start:]
	writeHeader(w, start, len(body))
	w.Write(rest[:min(n, len(rest))])
	w.(http.Flusher).Flush()
	hijackAndClose(w, reset)
}

func serveThenStall(w http.ResponseWriter, r *http.Request, body []byte, n int, d time.Duration) {
	start := rangeStart(r, len(body))
	rest := body[start:]
	writeHeader(w, start, len(body))
	w.Write(rest[:min(n, len(rest))])
	w.(http.Flusher).Flush()
	select {
	case <-time.After(d):
	case <-r.Context().Done():
	}
	hijackAndClose(w, false)
}

// serveEndless sends body and then zeros until the client goes away, with
// no Content-Length: a server that sends forever.
func serveEndless(w http.ResponseWriter, r *http.Request, body []byte) {
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	zeros := make([]byte, 64<<10)
	for r.Context().Err() == nil {
		if _, err := w.Write(zeros); err != nil {
			return
		}
	}
}

func writeHeader(w http.ResponseWriter, start, size int) {
	w.Header().Set("Content-Length", fmt.Sprint(size-start))
	if start > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, size-1, size))
		w.WriteHeader(http.StatusPartialContent)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// rangeStart honours only the "bytes=N-" form clients send to resume.
func rangeStart(r *http.Request, size int) int {
	var n int
	if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &n); err == nil && n < size {
		return n
	}
	return 0
}

func hijackAndClose(w http.ResponseWriter, reset bool) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*tls.Conn); ok {
				conn = tc.NetConn()
			}
			if tcp, ok := conn.(*net.TCPConn); ok && reset {
				tcp.SetLinger(0) // RST, not FIN
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
