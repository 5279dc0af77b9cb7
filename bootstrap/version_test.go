package bootstrap

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in     string
		kind   SpecKind
		marker string
		exact  string
	}{
		{"", SpecMarker, "stable", ""},
		{"stable", SpecMarker, "stable", ""},
		{" latest ", SpecMarker, "latest", ""},
		{"1.36", SpecMarker, "stable-1.36", ""},
		{"v1.36", SpecMarker, "stable-1.36", ""},
		{"stable-1.36", SpecMarker, "stable-1.36", ""},
		{"latest-1.37", SpecMarker, "latest-1.37", ""},
		{"stable-1", SpecMarker, "stable-1", ""},
		{"v1.36.4", SpecExact, "", "1.36.4"},
		{"1.36.4", SpecExact, "", "1.36.4"},
		{"v1.38.0-rc.1", SpecExact, "", "1.38.0-rc.1"},
		{">=1.35, <1.37", SpecConstraint, "", ""},
		{"~> 1.36", SpecConstraint, "", ""},
	}
	for _, tt := range tests {
		s, err := ParseSpec(tt.in)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tt.in, err)
			continue
		}
		if s.Kind != tt.kind || s.Marker != tt.marker {
			t.Errorf("ParseSpec(%q) = kind %d marker %q, want kind %d marker %q", tt.in, s.Kind, s.Marker, tt.kind, tt.marker)
		}
		if tt.exact != "" && (s.Exact == nil || s.Exact.String() != tt.exact) {
			t.Errorf("ParseSpec(%q).Exact = %v, want %s", tt.in, s.Exact, tt.exact)
		}
	}
	for _, bad := range []string{"newest", "1", "v1.x", ">=", "1.36.4 1.36.5", "stable-1.36.4", "~>"} {
		if _, err := ParseSpec(bad); !errors.Is(err, ErrInvalidVersionSpec) {
			t.Errorf("ParseSpec(%q) = %v, want ErrInvalidVersionSpec", bad, err)
		}
	}
}

func TestResolveAgainstMirror(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	m.SetMarker("stable-1.34", "v1.34.7\r\n") // CRLF, as some mirrors serve it
	c := newClient(t, m, Options{})
	tests := []struct{ spec, want string }{
		{"stable", "1.37.2"},
		{"latest", "1.38.0-alpha.1"},
		{"1.36", "1.36.4"},
		{"latest-1.37", "1.37.3-rc.0"},
		{"v1.30.1", "1.30.1"},
		{"1.34", "1.34.7"},
		{">=1.35, <1.37", "1.36.4"},
		{"~> 1.35.0", "1.35.9"},
		{"<1.36.3", "1.36.2"}, // an earlier patch of a minor whose newest is too new
		{">=1.34, <1.35", "1.34.7"},
	}
	for _, tt := range tests {
		v, err := c.Resolve(context.Background(), tt.spec)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.spec, err)
			continue
		}
		if v.String() != tt.want {
			t.Errorf("Resolve(%q) = %s, want %s", tt.spec, v, tt.want)
		}
	}
}

func TestResolveConstraintWithoutMatch(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{ConstraintMinors: 3})
	_, err := c.Resolve(context.Background(), ">=1.38")
	if !errors.Is(err, ErrNoMatchingVersion) {
		t.Fatalf("got %v, want ErrNoMatchingVersion", err)
	}
	if !strings.Contains(err.Error(), "1.37.2") {
		t.Errorf("error %q does not name the newest stable version", err)
	}
	// Bounded: the search read stable plus at most 3 minor markers.
	markers := 0
	for _, r := range m.Requests() {
		if strings.HasPrefix(r.Path, "/release/stable") {
			markers++
		}
	}
	if markers > 4 {
		t.Errorf("read %d markers, want at most 4", markers)
	}
}

func TestBadMarkers(t *testing.T) {
	tests := []struct {
		name, body, wantInError string
	}{
		{"empty", "  \n", "empty"},
		{"two versions", "v1.37.2\nv1.37.3\n", "not a single version"},
		{"html error page", "<html><body>Not here</body></html>", `"<html>`},
		{"terminal escape", "\x1b[2Jv1.37.2", `\x1b`},
		{"too long", "v1.37.2-" + strings.Repeat("a", 80), "longer than 64"},
		{"oversized", strings.Repeat("v1.37.2 ", 200), "larger than 1 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			m.SetMarker("stable", tt.body)
			c := newClient(t, m, Options{})
			_, err := c.Resolve(context.Background(), "stable")
			var me *MarkerError
			if !errors.As(err, &me) || !errors.Is(err, ErrVerification) {
				t.Fatalf("got %v, want a *MarkerError matching ErrVerification", err)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not contain %q", err, tt.wantInError)
			}
			if strings.ContainsRune(err.Error(), '\x1b') {
				t.Errorf("error carries a raw escape character: %q", err)
			}
		})
	}
}

func TestMarkerOutsideItsLineIsRefused(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	m.SetMarker("stable-1.36", "v1.35.1")
	c := newClient(t, m, Options{})
	_, err := c.Resolve(context.Background(), "1.36")
	if !errors.Is(err, ErrBadMarker) || !strings.Contains(err.Error(), "outside the 1.36 line") {
		t.Fatalf("got %v, want ErrBadMarker naming the line", err)
	}
}

// An endless marker body is cut after 1 KiB, not read to the end.
func TestEndlessMarkerIsRefusedQuickly(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	m.Put("/release/stable.txt", []byte(strings.Repeat("v", 64<<20)))
	c := newClient(t, m, Options{})
	start := time.Now()
	_, err := c.Resolve(context.Background(), "stable")
	if !errors.Is(err, ErrBadMarker) {
		t.Fatalf("got %v, want ErrBadMarker", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing a 64 MiB marker took %s", d)
	}
}

func TestMissingMarkerIsNotExist(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	_, err := c.Resolve(context.Background(), "1.20")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 404 || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an *HTTPError with status 404 matching fs.ErrNotExist", err)
	}
}

// Matches picks, without the network, the stored versions a spec allows.
func TestSpecMatches(t *testing.T) {
	tests := []struct {
		spec string
		yes  []string
		no   []string
	}{
		{"stable", []string{"1.37.2", "1.36.4", "2.0.0"}, []string{"1.38.0-rc.1"}},
		{"latest", []string{"1.38.0-rc.1", "1.37.2"}, nil},
		{"1.36", []string{"1.36.0", "1.36.4"}, []string{"1.37.2", "1.35.9", "1.36.5-alpha.0"}},
		{"stable-1.36", []string{"1.36.4"}, []string{"1.37.0"}},
		{"latest-1.36", []string{"1.36.5-alpha.0", "1.36.4"}, []string{"1.37.0"}},
		{"stable-1", []string{"1.30.1"}, []string{"2.0.0"}},
		{"v1.36.4", []string{"1.36.4"}, []string{"1.36.3"}},
		{">=1.35, <1.37", []string{"1.35.0", "1.36.4"}, []string{"1.37.0", "1.34.9", "1.36.5-rc.0"}},
	}
	for _, tt := range tests {
		s, err := ParseSpec(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range tt.yes {
			if !s.Matches(version.Must(version.NewVersion(v))) {
				t.Errorf("%q does not match %s", tt.spec, v)
			}
		}
		for _, v := range tt.no {
			if s.Matches(version.Must(version.NewVersion(v))) {
				t.Errorf("%q matches %s", tt.spec, v)
			}
		}
	}
	if s, _ := ParseSpec("stable"); s.Matches(nil) {
		t.Error("matches nil")
	}
}
