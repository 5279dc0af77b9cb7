package bootstrap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// fetcher performs the package's HTTP: small bounded reads (markers,
// digests) and resumable streaming downloads, both retried with backoff.
type fetcher struct {
	client    *http.Client
	retries   int           // attempts after the first, per request
	backoff   time.Duration // first retry delay; doubles each time
	stall     time.Duration // abort an attempt after this long without bytes
	userAgent string
	logf      func(string, ...any)
	sleep     func(context.Context, time.Duration) error
}

// sink receives a download. Reset discards what was written so far, for
// when a server ignores a Range request and sends the whole body again.
type sink interface {
	io.Writer
	Reset() error
}

// writeError marks a failure of the local sink (disk full, I/O error): the
// network is fine, so retrying cannot help.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// errTooLarge is returned by getSmall when a body exceeds its limit.
type errTooLarge struct{ limit int64 }

func (e *errTooLarge) Error() string { return fmt.Sprintf("larger than %d bytes", e.limit) }

// getSmall returns the body of url, at most limit bytes; a longer body is an
// *errTooLarge (read no further than limit+1 bytes, so a hostile endless
// body costs nothing). The returned prefix holds what was read.
func (f *fetcher) getSmall(ctx context.Context, rawURL string, limit int64) (body []byte, err error) {
	err = f.retry(ctx, rawURL, func(ctx context.Context) (progressed bool, err error) {
		resp, err := f.do(ctx, rawURL, nil)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, &HTTPError{URL: rawURL, StatusCode: resp.StatusCode}
		}
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
		if err != nil {
			return false, err
		}
		if int64(len(body)) > limit {
			return false, &errTooLarge{limit}
		}
		return false, nil
	})
	return body, err
}

// downloadState carries what survives between attempts of one download.
type downloadState struct {
	written   int64
	total     int64  // -1 until known
	validator string // strong ETag or Last-Modified, for If-Range
}

// download streams url into dst, resuming with a Range request after a
// broken connection, and returns the number of bytes written. progress, if
// set, is called with bytes so far and the total (-1 when unknown).
func (f *fetcher) download(ctx context.Context, rawURL string, dst sink, progress func(done, total int64)) (int64, error) {
	st := &downloadState{total: -1}
	err := f.retry(ctx, rawURL, func(ctx context.Context) (bool, error) {
		before := st.written
		err := f.downloadOnce(ctx, rawURL, dst, st, progress)
		return st.written > before, err
	})
	return st.written, err
}

func (f *fetcher) downloadOnce(ctx context.Context, rawURL string, dst sink, st *downloadState, progress func(done, total int64)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stalled atomic.Bool
	timer := time.AfterFunc(f.stall, func() { stalled.Store(true); cancel() })
	defer timer.Stop()
	wrapStall := func(err error) error {
		if stalled.Load() {
			return fmt.Errorf("%w: no data for %s from %s", ErrStalled, f.stall, rawURL)
		}
		return err
	}

	hdr := http.Header{}
	if st.written > 0 {
		hdr.Set("Range", "bytes="+strconv.FormatInt(st.written, 10)+"-")
		if st.validator != "" {
			hdr.Set("If-Range", st.validator)
		}
	}
	resp, err := f.do(ctx, rawURL, hdr)
	if err != nil {
		return wrapStall(err)
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusOK:
		if st.written > 0 { // the server sent the whole file again
			if err := dst.Reset(); err != nil {
				return &writeError{err}
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
				return &writeError{err}
			}
			st.written, st.validator = 0, ""
			return fmt.Errorf("%s answered an unexpected range %q; restarting", rawURL, resp.Header.Get("Content-Range"))
		}
		st.total = total
	default:
		return &HTTPError{URL: rawURL, StatusCode: resp.StatusCode}
	}

	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			timer.Reset(f.stall)
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return &writeError{werr}
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
			return wrapStall(rerr)
		}
	}
	// net/http never reads past Content-Length, so only a short body is
	// possible here; the next attempt resumes it.
	if st.total >= 0 && st.written < st.total {
		return fmt.Errorf("%s: connection closed after %d of %d bytes: %w", rawURL, st.written, st.total, io.ErrUnexpectedEOF)
	}
	return nil
}

// do sends one GET. Accept-Encoding is identity so byte counts and ranges
// refer to the file itself, not to a compressed form of it.
func (f *fetcher) do(ctx context.Context, rawURL string, hdr http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Accept-Encoding", "identity")
	if f.userAgent != "" {
		req.Header.Set("User-Agent", f.userAgent)
	}
	return f.client.Do(req)
}

// retry runs attempt until it succeeds, fails permanently, or has failed
// f.retries+1 times in a row without making progress.
func (f *fetcher) retry(ctx context.Context, rawURL string, attempt func(context.Context) (progressed bool, err error)) error {
	failures := 0
	delay := f.backoff
	for {
		progressed, err := attempt(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", rawURL, ctx.Err())
		}
		if !retryable(err) {
			return err
		}
		if progressed {
			failures, delay = 0, f.backoff
		}
		failures++
		if failures > f.retries {
			return err
		}
		f.logf("retrying in %s after: %v", delay, err)
		if err := f.sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s: %w", rawURL, err)
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// retryable reports whether err is a transient network or server failure.
func retryable(err error) bool {
	var (
		he       *HTTPError
		we       *writeError
		tooLarge *errTooLarge
		unknCA   x509.UnknownAuthorityError
		badCert  x509.CertificateInvalidError
		badHost  x509.HostnameError
		tlsRec   tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &he):
		return he.Temporary()
	case errors.As(err, &we), errors.As(err, &tooLarge),
		errors.Is(err, ErrInsecureURL),
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

// checkURL refuses plain http except to loopback hosts, where a local mirror
// cannot be intercepted on the wire.
func checkURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %s uses plain http to a non-loopback host, so anyone on the network could swap the download; use https (plain http is accepted only for 127.0.0.1, ::1 and localhost)", ErrInsecureURL, u.Redacted())
	default:
		return fmt.Errorf("%w: %s: the scheme must be https (or http to a loopback host)", ErrInsecureURL, u.Redacted())
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secureRedirects wraps a client's redirect policy: at most 10 hops, never
// from https down to http, and never to a URL checkURL refuses.
func secureRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		from := via[len(via)-1].URL
		if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: %s redirected to %s, from https down to http; refusing", ErrInsecureURL, from.Redacted(), req.URL.Redacted())
		}
		if err := checkURL(req.URL); err != nil {
			return fmt.Errorf("redirect from %s: %w", from.Redacted(), err)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}
