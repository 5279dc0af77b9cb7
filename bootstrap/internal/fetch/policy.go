package fetch

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ParseURL parses an absolute URL and applies the URL policy (CheckURL).
// what names the URL in messages ("mirror URL", "GitHub API URL").
func ParseURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Scheme == "" {
		return nil, fmt.Errorf("%s %q is not an absolute URL such as https://dl.k8s.io", what, Redact(raw))
	}
	if err := CheckURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// ParseRoot parses raw as the root of an API (a GitHub API URL): ParseURL,
// no query or fragment, and a path ending in "/" so that relative
// references resolve under it.
func ParseRoot(what, raw string) (*url.URL, error) {
	u, err := ParseURL(what, raw)
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q must not have a query or fragment", what, RedactURL(u))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// CheckRawURL parses raw and applies CheckURL.
func CheckRawURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", Redact(raw))
	}
	return CheckURL(u)
}

// CheckURL refuses plain http except to loopback hosts, where a local
// mirror cannot be intercepted on the wire, and every other scheme.
func CheckURL(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %s uses plain http to a non-loopback host, so anyone on the network could swap the download; use https (plain http is accepted only for 127.0.0.1, ::1 and localhost)", ErrInsecureURL, RedactURL(u))
	default:
		return fmt.Errorf("%w: %s: the scheme must be https (or http to a loopback host)", ErrInsecureURL, RedactURL(u))
	}
}

// IsLoopback reports whether host (without a port) is localhost or a
// loopback address, case-insensitively.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secureRedirects wraps a client's redirect policy: at most 10 hops, never
// from https down to http (not even to loopback), and never to a URL
// CheckURL refuses.
func secureRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		from := via[len(via)-1].URL
		for _, v := range via {
			if strings.EqualFold(v.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
				return fmt.Errorf("%w: %s redirected to %s, from https down to http; refusing", ErrInsecureURL, RedactURL(from), RedactURL(req.URL))
			}
		}
		if err := CheckURL(req.URL); err != nil {
			return fmt.Errorf("redirect from %s: %w", RedactURL(from), err)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// Redact returns raw with anything that may be a credential replaced:
// the user and password alike, since a token is often passed as the user
// name (https://TOKEN@host/), and the values of a query and the fragment
// (?access_token=...). A string that does not parse as a URL, or has no
// scheme, has everything before the last "@" that precedes any "?" or "#"
// replaced (a password holding a raw "/" or "?" does not parse), and its
// query and fragment too.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err == nil && u.Scheme != "" && u.Host != "" {
		return RedactURL(u)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	tail := ""
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest, tail = rest[:i], rest[i:i+1]+"redacted"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "redacted@" + rest[at+1:]
	}
	if ok {
		return scheme + "://" + rest + tail
	}
	return rest + tail
}

// RedactURL is Redact for a parsed URL; u is not changed.
func RedactURL(u *url.URL) string {
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" && u.RawFragment == "" {
		return u.String()
	}
	c := *u
	if c.User != nil {
		c.User = url.User("redacted")
	}
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = "redacted"
		} else {
			for k := range q {
				q[k] = []string{"redacted"}
			}
			c.RawQuery = q.Encode()
		}
	}
	if c.Fragment != "" || c.RawFragment != "" {
		c.Fragment, c.RawFragment = "redacted", ""
	}
	return c.String()
}
