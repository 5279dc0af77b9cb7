package fetch

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/1", 0, 1, true},
		{"bytes 5-9/*", 5, -1, true},
		{"bytes 100-199/150", 0, 0, false},
		{"bytes 9-5/20", 0, 0, false},
		{"items 1-2/3", 0, 0, false},
		{"bytes */200", 0, 0, false},
	}
	for _, tt := range tests {
		s, tot, ok := parseContentRange(tt.in)
		if s != tt.start || tot != tt.total || ok != tt.ok {
			t.Errorf("parseContentRange(%q) = %d, %d, %v", tt.in, s, tot, ok)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://dl.k8s.io/release/stable.txt", "https://dl.k8s.io/release/stable.txt"},
		{"https://user:hunter2@mirror.example/k8s", "https://redacted@mirror.example/k8s"},
		{"https://ghp_TOKEN@mirror.example/k8s", "https://redacted@mirror.example/k8s"},
		{"https://u:p%zz@mirror.example/k8s", "https://redacted@mirror.example/k8s"}, // does not parse
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLPolicy(t *testing.T) {
	tests := []struct {
		raw string
		ok  bool
	}{
		{"https://dl.k8s.io", true},
		{"HTTPS://dl.k8s.io", true},
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://LocalHost:8080", true},
		{"http://localhost.evil.example", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://mirror.example", false},
		{"ftp://mirror.example", false},
		{"file:///etc/passwd", false},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.raw)
		err := CheckURL(u)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInsecureURL)) {
			t.Errorf("CheckURL(%s) = %v, want ok=%v", tt.raw, err, tt.ok)
		}
	}
	_, err := ParseURL("mirror URL", "http://user:hunter2@mirror.example/")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ParseURL of a plain-http URL with a password: %v", err)
	}
}

func TestRedirect(t *testing.T) {
	var calls, pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/o/r/releases/latest":
			w.Header().Set("Location", "/o/r/releases/tag/v1.2.3")
			w.WriteHeader(http.StatusFound)
		case "/flaky":
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.Header().Set("Location", "https://github.example/o/r/releases/tag/v2.0.0")
			w.WriteHeader(http.StatusFound)
		case "/plain":
			w.Header().Set("Location", "http://github.example/tag/v1")
			w.WriteHeader(http.StatusFound)
		case "/page":
			pages.Add(1)
			w.Write([]byte("a page, not a redirect"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := New(Options{Backoff: time.Millisecond})
	ctx := context.Background()

	loc, err := c.Redirect(ctx, srv.URL+"/o/r/releases/latest")
	if err != nil || loc.String() != srv.URL+"/o/r/releases/tag/v1.2.3" {
		t.Fatalf("relative Location: %v, %v", loc, err)
	}
	if loc, err = c.Redirect(ctx, srv.URL+"/flaky"); err != nil || loc.Host != "github.example" {
		t.Fatalf("a 502 is retried: %v, %v", loc, err)
	}
	if _, err = c.Redirect(ctx, srv.URL+"/plain"); !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("a Location to plain http elsewhere: %v", err)
	}
	if _, err = c.Redirect(ctx, srv.URL+"/page"); !errors.Is(err, ErrNoRedirect) || pages.Load() != 1 {
		t.Fatalf("a 200: %v, asked %d times (a page that does not redirect will not start to)", err, pages.Load())
	}
	if _, err = c.Redirect(ctx, srv.URL+"/gone"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a 404: %v", err)
	}
}
