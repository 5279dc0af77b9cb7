package bootstrap

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultBaseURL is where Kubernetes publishes kubectl and its markers.
const DefaultBaseURL = "https://dl.k8s.io"

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// BaseURL is the mirror: a tree shaped like dl.k8s.io, with release/
	// markers and release/vX.Y.Z/bin/OS/ARCH/kubectl. Plain http is accepted
	// only for loopback hosts. Default DefaultBaseURL.
	BaseURL string

	// HTTPClient sends every request. Its redirect policy is wrapped so that
	// no redirect leads from https to http. Default: a client that honours
	// HTTPS_PROXY/NO_PROXY and has connect, TLS and header timeouts.
	HTTPClient *http.Client

	// Retries is how many times a request is retried after a connection
	// error, a stall or a 5xx answer, counted from the last progress.
	// Default 4; negative means never retry.
	Retries int

	// RetryBackoff is the first delay between attempts; it doubles each
	// time. Default 500ms.
	RetryBackoff time.Duration

	// StallTimeout aborts an attempt that receives no bytes for this long.
	// Default 30s.
	StallTimeout time.Duration

	// ConstraintMinors bounds how many minor versions a constraint search
	// reads. Default DefaultConstraintMinors.
	ConstraintMinors int

	// UserAgent is sent with every request. Default "kubeboot".
	UserAgent string

	// Logf receives notes on retries and decisions. Default: discard.
	Logf func(format string, args ...any)

	// CacheDir is where the client remembers the digests of the files it
	// installed, with their size and timestamps, so that an up-to-date
	// rerun need not rehash kubectl. Default: the user cache folder's
	// kubeboot subfolder. NoDigestCache turns it off.
	CacheDir      string
	NoDigestCache bool
}

// Client resolves, downloads and installs kubectl. It is safe for
// concurrent use.
type Client struct {
	opts    Options
	baseURL string
	fetch   *fetcher
	digests *digestCache
}

// New validates opts, fills in defaults and returns a Client.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	base, err := ParseMirror(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = 4
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 500 * time.Millisecond
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = 30 * time.Second
	}
	if opts.ConstraintMinors <= 0 {
		opts.ConstraintMinors = DefaultConstraintMinors
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "kubeboot"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
	secured := *hc // a copy: never change the caller's client
	secured.CheckRedirect = secureRedirects(hc.CheckRedirect)
	digests := &digestCache{}
	if !opts.NoDigestCache {
		if opts.CacheDir == "" {
			if dir, err := os.UserCacheDir(); err == nil {
				opts.CacheDir = filepath.Join(dir, "kubeboot")
			}
		}
		if opts.CacheDir != "" {
			digests.path = filepath.Join(opts.CacheDir, "installed-digests.json")
		}
	}
	return &Client{
		opts:    opts,
		baseURL: base,
		digests: digests,
		fetch: &fetcher{
			client:    &secured,
			retries:   opts.Retries,
			backoff:   opts.RetryBackoff,
			stall:     opts.StallTimeout,
			userAgent: opts.UserAgent,
			logf:      opts.Logf,
			sleep:     sleepCtx,
		},
	}, nil
}

// BaseURL returns the mirror the client reads, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// ParseMirror checks a mirror URL and returns it without a trailing slash.
// Errors match ErrInsecureURL for plain http to a non-loopback host.
func ParseMirror(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("mirror URL %q is not an absolute URL such as https://dl.k8s.io", raw)
	}
	if err := checkURL(u); err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("mirror URL %q must not have a query or fragment", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// defaultHTTPClient bounds every phase that can hang before the body; the
// body itself is bounded by the stall timeout, not by a total deadline, so
// a slow but moving download of a large file still completes.
func defaultHTTPClient() *http.Client {
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
