// Package fetch is how kubeboot talks HTTP. Every download it makes goes
// through one Client: kubectl, its release markers and digests, kubeboot's
// own releases, and anything added later. The Client decides, once:
//
//   - the URL policy: https, or plain http only to a loopback host, and no
//     redirect from https to http anywhere in a chain;
//   - the HTTP client: connect, TLS and header timeouts, proxies from the
//     environment (HTTPS_PROXY, NO_PROXY), certificates from the system
//     pool (SSL_CERT_FILE);
//   - bounded reads: a small read (a marker, a digest, a checksum list)
//     returns at most its limit, a download at most MaxBytes, and a body
//     longer than its announced length is refused;
//   - resumable downloads: a broken body resumes with Range and If-Range,
//     and a server that ignores the range starts the file over;
//   - retries with backoff after connection errors, 5xx, 429 and stalls,
//     counted from the last progress;
//   - a stall timeout on every read, small or large: an attempt that
//     receives no bytes for that long is abandoned and retried;
//   - redaction: credentials in a URL (https://user:password@host/) are
//     sent as Basic auth to that host but never appear in an error or a log
//     line. Every URL this package names is passed through Redact.
package fetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxBytes caps a download whose size the server does not announce,
// and any announced size: kubectl binaries are under 100 MB.
const DefaultMaxBytes = 512 << 20

var (
	// ErrInsecureURL means a URL (given, or reached by a redirect) would
	// use plain http to a host other than loopback, or leaves https for
	// http.
	ErrInsecureURL = errors.New("insecure URL")

	// ErrStalled means a request received no bytes for longer than the
	// stall timeout, on every attempt.
	ErrStalled = errors.New("download stalled")

	// ErrTooLarge means a body is longer than its limit, or than the
	// length its server announced. Errors are a *TooLargeError.
	ErrTooLarge = errors.New("response too large")
)

// HTTPError reports an HTTP response with an unexpected status. A 404 or
// 410 matches fs.ErrNotExist, so callers can tell "no such file" apart.
// URL is redacted.
type HTTPError struct {
	URL        string
	StatusCode int
}

// Is makes a 404 or 410 match fs.ErrNotExist.
func (e *HTTPError) Is(target error) bool { return target == fs.ErrNotExist && e.NotFound() }

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s: server answered %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// NotFound reports a 404 or 410.
func (e *HTTPError) NotFound() bool {
	return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
}

// Temporary reports whether retrying may help (5xx, 429, 408).
func (e *HTTPError) Temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// TooLargeError reports a body longer than Limit bytes. Prefix holds the
// first bytes of a small read, for the caller's message.
type TooLargeError struct {
	URL    string
	Limit  int64
	Reason string
	Prefix []byte
}

func (e *TooLargeError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s: %s", e.URL, e.Reason)
	}
	return fmt.Sprintf("%s: larger than %d bytes", e.URL, e.Limit)
}

// Is makes errors.Is match ErrTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// SinkError marks a failure of the local writer (disk full, I/O error):
// the network is fine, so retrying cannot help.
type SinkError struct{ Err error }

func (e *SinkError) Error() string { return e.Err.Error() }
func (e *SinkError) Unwrap() error { return e.Err }

// Sink receives a download. Reset discards what was written so far, for
// when a server ignores a Range request and sends the whole body again.
type Sink interface {
	io.Writer
	Reset() error
}

// Options configure a Client. Zero values get the defaults.
type Options struct {
	// HTTPClient sends every request; it is copied, never changed, and its
	// redirect policy is wrapped by the URL policy. Default NewHTTPClient().
	HTTPClient *http.Client
	// Retries is how many failed attempts in a row, without progress, are
	// retried. Default 4; negative means never retry.
	Retries int
	// Backoff is the first delay between attempts; it doubles up to 30 s.
	// Default 500 ms.
	Backoff time.Duration
	// Stall abandons an attempt that receives no bytes for this long,
	// headers included. Default 30 s.
	Stall time.Duration
	// MaxBytes caps every download. Default DefaultMaxBytes.
	MaxBytes int64
	// UserAgent is sent with every request.
	UserAgent string
	// Logf receives a line per retry. Default: discard.
	Logf func(format string, args ...any)
	// Sleep waits between attempts; tests replace it. Default: a timer
	// that ctx cancels.
	Sleep func(ctx context.Context, d time.Duration) error
	// Header, if set, adds headers to requests for the URL it is asked
	// about (a token for one API host, say). It sees every hop's URL.
	Header func(u *url.URL) http.Header
}

// Client performs HTTP under the package's policy. It is safe for
// concurrent use.
type Client struct {
	opts Options
	hc   *http.Client
	once *http.Client // hc without following redirects, for Redirect
}

// New returns a Client for opts.
func New(opts Options) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = NewHTTPClient()
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.Stall <= 0 {
		opts.Stall = 30 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = 4
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	hc := *opts.HTTPClient // a copy: never change the caller's client
	hc.CheckRedirect = secureRedirects(opts.HTTPClient.CheckRedirect)
	if h, check := opts.Header, hc.CheckRedirect; h != nil {
		// Go copies headers to a redirect to the same host name on any
		// port: what Header gave goes only where Header gives it again.
		hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			for k := range h(via[0].URL) {
				req.Header.Del(k)
			}
			for k, v := range h(req.URL) {
				req.Header[k] = v
			}
			return check(req, via)
		}
	}
	once := hc
	once.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{opts: opts, hc: &hc, once: &once}
}

// HTTPClient returns the client the Client sends with, URL policy
// included, for code that must hand one to another library (an API
// client). Its requests get no retries or stall timeout.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// NewHTTPClient returns the default client: every phase that can hang
// before the body is bounded; the body itself is bounded by the stall
// timeout, not by a total deadline, so a slow but moving download of a
// large file still completes.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          4,
	}}
}

// Small returns the body of rawURL, at most limit bytes. A longer body is a
// *TooLargeError holding the first bytes; no more than limit+1 bytes are
// read, so a hostile endless body costs nothing.
func (c *Client) Small(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	return c.small(ctx, http.MethodGet, rawURL, nil, nil, limit)
}

// small sends one request (retried under the same rules) and returns its
// 200 answer, at most limit bytes: Small and Post.
func (c *Client) small(ctx context.Context, method, rawURL string, hdr http.Header, reqBody []byte, limit int64) ([]byte, error) {
	if err := CheckRawURL(rawURL); err != nil {
		return nil, err
	}
	var body []byte
	err := c.retry(ctx, rawURL, func(ctx context.Context, w *watchdog) (bool, error) {
		resp, err := c.send(ctx, method, rawURL, hdr, reqBody)
		if err != nil {
			return false, w.explain(err)
		}
		defer resp.Body.Close()
		w.answeredBy(resp)
		if resp.StatusCode != http.StatusOK {
			return false, &HTTPError{URL: Redact(rawURL), StatusCode: resp.StatusCode}
		}
		body, err = io.ReadAll(io.LimitReader(w.reader(resp.Body), limit+1))
		if err != nil {
			return false, w.explain(err)
		}
		if int64(len(body)) > limit {
			return false, &TooLargeError{URL: Redact(rawURL), Limit: limit, Prefix: body}
		}
		return false, nil
	})
	return body, err
}

// ErrNoRedirect means a URL that should redirect (a "latest release"
// page) answered without one. Errors are a *RedirectError.
var ErrNoRedirect = errors.New("no redirect")

// RedirectError reports a response to Redirect that is not a redirect
// with a usable Location. URL is redacted.
type RedirectError struct {
	URL        string
	StatusCode int
	Reason     string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s answered %d %s instead of a redirect: %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode), e.Reason)
}

// Is makes errors.Is match ErrNoRedirect.
func (e *RedirectError) Is(target error) bool { return target == ErrNoRedirect }

// Redirect asks rawURL once, without following a redirect, and returns
// where it redirects to: the Location, made absolute against rawURL. The
// URL policy applies to both ends; what the Location names is the
// caller's to judge (the same host, the path it expects). Retries and the
// stall timeout are those of every request. A 404 or 410 is an
// *HTTPError matching fs.ErrNotExist; another answer without a Location
// is a *RedirectError.
func (c *Client) Redirect(ctx context.Context, rawURL string) (*url.URL, error) {
	if err := CheckRawURL(rawURL); err != nil {
		return nil, err
	}
	var loc *url.URL
	err := c.retry(ctx, rawURL, func(ctx context.Context, w *watchdog) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return false, fmt.Errorf("%s: %v", Redact(rawURL), err)
		}
		c.header(req)
		resp, err := c.once.Do(req)
		if err != nil {
			return false, w.explain(redactErr(err))
		}
		// The body of a redirect is a courtesy page: not read.
		resp.Body.Close()
		shown := Redact(rawURL)
		switch {
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone || resp.StatusCode >= 500 ||
			resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
			return false, &HTTPError{URL: shown, StatusCode: resp.StatusCode}
		case resp.StatusCode < 300 || resp.StatusCode > 399:
			return false, &RedirectError{URL: shown, StatusCode: resp.StatusCode, Reason: "no Location to read a version from"}
		}
		l, err := resp.Location()
		if err != nil {
			return false, &RedirectError{URL: shown, StatusCode: resp.StatusCode, Reason: "its Location is missing or not a URL"}
		}
		if err := CheckURL(l); err != nil {
			return false, fmt.Errorf("redirect from %s: %w", shown, err)
		}
		if strings.EqualFold(req.URL.Scheme, "https") && !strings.EqualFold(l.Scheme, "https") {
			return false, fmt.Errorf("%w: %s redirected to %s, from https down to http; refusing", ErrInsecureURL, shown, RedactURL(l))
		}
		loc = l
		return false, nil
	})
	return loc, err
}

// Post sends body (of contentType) to rawURL and returns the answer, at
// most limit bytes, under the same URL policy, retries, stall timeout and
// redaction as Small; only a 200 answer is a success. For queries that do
// not change the server (a search), so a retry is harmless; bound the
// whole exchange with ctx.
func (c *Client) Post(ctx context.Context, rawURL, contentType string, body []byte, limit int64) ([]byte, error) {
	return c.small(ctx, http.MethodPost, rawURL, http.Header{"Content-Type": {contentType}}, body, limit)
}

// downloadState carries what survives between attempts of one download.
type downloadState struct {
	written   int64
	total     int64  // -1 until known
	validator string // strong ETag or Last-Modified, for If-Range
}

// Download streams rawURL into dst, resuming with a Range request after a
// broken connection, and returns the number of bytes written. progress, if
// set, is called with the bytes so far and the total (-1 when unknown).
// Failures of dst are a *SinkError.
func (c *Client) Download(ctx context.Context, rawURL string, dst Sink, progress func(done, total int64)) (int64, error) {
	if err := CheckRawURL(rawURL); err != nil {
		return 0, err
	}
	st := &downloadState{total: -1}
	err := c.retry(ctx, rawURL, func(ctx context.Context, w *watchdog) (bool, error) {
		before := st.written
		err := c.downloadOnce(ctx, w, rawURL, dst, st, progress)
		return st.written > before, err
	})
	return st.written, err
}

func (c *Client) downloadOnce(ctx context.Context, w *watchdog, rawURL string, dst Sink, st *downloadState, progress func(done, total int64)) error {
	shown := Redact(rawURL)
	hdr := http.Header{}
	if st.written > 0 {
		hdr.Set("Range", "bytes="+strconv.FormatInt(st.written, 10)+"-")
		if st.validator != "" {
			hdr.Set("If-Range", st.validator)
		}
	}
	resp, err := c.do(ctx, rawURL, hdr)
	if err != nil {
		return w.explain(err)
	}
	defer resp.Body.Close()
	w.answeredBy(resp)

	switch resp.StatusCode {
	case http.StatusOK:
		if st.written > 0 { // the server sent the whole file again
			if err := dst.Reset(); err != nil {
				return &SinkError{err}
			}
			st.written = 0
		}
		st.total = resp.ContentLength
		st.validator = validatorOf(resp.Header)
	case http.StatusPartialContent:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != st.written {
			// Not the range we asked for: start over from scratch.
			if err := dst.Reset(); err != nil {
				return &SinkError{err}
			}
			st.written, st.validator = 0, ""
			return fmt.Errorf("%s answered an unexpected range %q; restarting", shown, resp.Header.Get("Content-Range"))
		}
		st.total = total
	default:
		return &HTTPError{URL: shown, StatusCode: resp.StatusCode}
	}
	if st.total > c.opts.MaxBytes {
		return &TooLargeError{URL: shown, Limit: c.opts.MaxBytes,
			Reason: fmt.Sprintf("announces %d bytes, more than the %d this download accepts", st.total, c.opts.MaxBytes)}
	}

	body := w.reader(resp.Body)
	buf := make([]byte, 256<<10)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if st.written+int64(n) > c.opts.MaxBytes {
				return &TooLargeError{URL: shown, Limit: c.opts.MaxBytes,
					Reason: fmt.Sprintf("sent more than %d bytes without an end; stopped", c.opts.MaxBytes)}
			}
			if st.total >= 0 && st.written+int64(n) > st.total {
				return &TooLargeError{URL: shown, Limit: st.total,
					Reason: fmt.Sprintf("sent more than the %d bytes it announced", st.total)}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return &SinkError{werr}
			}
			st.written += int64(n)
			if progress != nil {
				progress(st.written, st.total)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return w.explain(rerr)
		}
	}
	if st.total >= 0 && st.written < st.total {
		return fmt.Errorf("%s: connection closed after %d of %d bytes: %w", shown, st.written, st.total, io.ErrUnexpectedEOF)
	}
	return nil
}

// do sends one GET. Accept-Encoding is identity so that byte counts and
// ranges refer to the file itself, not to a compressed form of it.
func (c *Client) do(ctx context.Context, rawURL string, hdr http.Header) (*http.Response, error) {
	return c.send(ctx, http.MethodGet, rawURL, hdr, nil)
}

// send sends one request with body (nil for none).
func (c *Client) send(ctx context.Context, method, rawURL string, hdr http.Header, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", Redact(rawURL), err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	c.header(req)
	resp, err := c.hc.Do(req)
	return resp, redactErr(err)
}

// redactErr redacts the URL of the *url.Error that net/http returns: it
// masks a password but keeps the user name, where tokens often go, and
// the query. Every request of this package passes its error through here.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = Redact(ue.URL)
	}
	return err
}

// header adds the headers every request carries: Options.Header's for its
// URL, identity encoding and the User-Agent.
func (c *Client) header(req *http.Request) {
	if c.opts.Header != nil {
		for k, v := range c.opts.Header(req.URL) {
			req.Header[k] = v
		}
	}
	req.Header.Set("Accept-Encoding", "identity")
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
}

// watchdog cancels an attempt that receives nothing for the stall timeout,
// from the request until the body's end.
type watchdog struct {
	timer *time.Timer
	stall time.Duration
	host  atomic.Value // string
	fired atomic.Bool
}

// reader returns r with every read that returns bytes resetting the timer.
func (w *watchdog) reader(r io.Reader) io.Reader { return &kickReader{r, w} }

type kickReader struct {
	r io.Reader
	w *watchdog
}

func (k *kickReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if n > 0 {
		k.w.timer.Reset(k.w.stall)
	}
	return n, err
}

// answeredBy notes the host that answered (the last hop of a redirect), so
// that a stall names the host that went silent.
func (w *watchdog) answeredBy(resp *http.Response) {
	if resp.Request != nil && resp.Request.URL != nil {
		w.host.Store(resp.Request.URL.Host)
	}
}

// explain turns the cancellation the watchdog caused into ErrStalled.
func (w *watchdog) explain(err error) error {
	if w.fired.Load() {
		return fmt.Errorf("%w: no data from %s for %s", ErrStalled, w.host.Load(), w.stall)
	}
	return err
}

// retry runs attempt until it succeeds, fails permanently, or has failed
// Retries+1 times in a row without making progress. Each attempt has its
// own watchdog.
func (c *Client) retry(ctx context.Context, rawURL string, attempt func(context.Context, *watchdog) (progressed bool, err error)) error {
	shown := Redact(rawURL)
	host := shown
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Host
	}
	failures := 0
	delay := c.opts.Backoff
	for {
		actx, cancel := context.WithCancel(ctx)
		w := &watchdog{stall: c.opts.Stall}
		w.host.Store(host)
		w.timer = time.AfterFunc(c.opts.Stall, func() { w.fired.Store(true); cancel() })
		progressed, err := attempt(actx, w)
		w.timer.Stop()
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", shown, ctx.Err())
		}
		if !Retryable(err) {
			return err
		}
		if progressed {
			failures, delay = 0, c.opts.Backoff
		}
		failures++
		if failures > c.opts.Retries {
			return err
		}
		c.opts.Logf("retrying in %s after: %v", delay, err)
		if err := c.opts.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s: %w", shown, err)
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// Retryable reports whether err is a transient network or server failure.
func Retryable(err error) bool {
	var (
		he      *HTTPError
		se      *SinkError
		unknCA  x509.UnknownAuthorityError
		badCert x509.CertificateInvalidError
		badHost x509.HostnameError
		tlsRec  tls.RecordHeaderError
		verify  *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &he):
		return he.Temporary()
	case errors.As(err, &se), errors.Is(err, ErrTooLarge), errors.Is(err, ErrInsecureURL), errors.Is(err, ErrNoRedirect),
		errors.As(err, &unknCA), errors.As(err, &badCert), errors.As(err, &badHost),
		errors.As(err, &tlsRec), errors.As(err, &verify):
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "stopped after") {
		return false // redirect loop
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// validatorOf returns the value for If-Range: a strong ETag, else
// Last-Modified, else "" (then a resumed body cannot be proven to be the
// same file, and the server's 200 makes us start over).
func validatorOf(h http.Header) string {
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return et
	}
	return h.Get("Last-Modified")
}

// parseContentRange parses "bytes START-END/TOTAL" (TOTAL may be "*").
func parseContentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	s, e, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(s, 10, 64)
	end, err2 := strconv.ParseInt(e, 10, 64)
	if err1 != nil || err2 != nil || end < start {
		return 0, 0, false
	}
	if tot == "*" {
		return start, -1, true
	}
	total, err := strconv.ParseInt(tot, 10, 64)
	if err != nil || total <= end {
		return 0, 0, false
	}
	return start, total, true
}
