package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
)

// maxMarkerBytes bounds how much of a release marker is read at all;
// maxVersionLen bounds the version string inside it.
const (
	maxMarkerBytes = 1 << 10
	maxVersionLen  = 64
)

// DefaultConstraintMinors is how many minor versions, counting down from the
// current stable one, a constraint search reads before giving up.
const DefaultConstraintMinors = 12

// SpecKind says how a version spec is resolved.
type SpecKind int

const (
	// SpecMarker is read from a release marker file (stable.txt, ...).
	SpecMarker SpecKind = iota + 1
	// SpecExact names one version.
	SpecExact
	// SpecConstraint selects the newest stable version satisfying it.
	SpecConstraint
)

// Spec is a parsed version spec. Build one with ParseSpec.
type Spec struct {
	Kind       SpecKind
	Marker     string              // SpecMarker: "stable", "latest-1.36", ...
	Exact      *version.Version    // SpecExact
	Constraint version.Constraints // SpecConstraint
	raw        string
}

func (s Spec) String() string { return s.raw }

var (
	markerSpec = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(stable|latest)(?:-(\d+)(?:\.(\d+))?)?$`) })
	minorSpec  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^v?(\d+)\.(\d+)$`) })
	exactSpec  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$`)
	})
)

// ParseSpec parses a version spec:
//
//	stable (also "")        release/stable.txt
//	latest                  release/latest.txt
//	1.36, stable-1.36       release/stable-1.36.txt
//	latest-1.36             release/latest-1.36.txt
//	v1.36.4, 1.37.0-rc.1    that exact version
//	">=1.35, <1.37", "~> 1.36"
//	                        the newest stable version satisfying the constraint
//
// Errors match ErrInvalidVersionSpec.
func ParseSpec(spec string) (Spec, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		s = "stable"
	}
	if m := markerSpec().FindStringSubmatch(s); m != nil {
		return Spec{Kind: SpecMarker, Marker: s, raw: s}, nil
	}
	if m := minorSpec().FindStringSubmatch(s); m != nil {
		return Spec{Kind: SpecMarker, Marker: "stable-" + m[1] + "." + m[2], raw: s}, nil
	}
	if exactSpec().MatchString(s) {
		v, err := version.NewSemver(s)
		if err == nil {
			return Spec{Kind: SpecExact, Exact: v, raw: s}, nil
		}
	}
	if strings.ContainsAny(s, "<>=~!") {
		c, err := version.NewConstraint(s)
		if err == nil {
			return Spec{Kind: SpecConstraint, Constraint: c, raw: s}, nil
		}
		return Spec{}, fmt.Errorf("%w %q: %v", ErrInvalidVersionSpec, spec, err)
	}
	return Spec{}, fmt.Errorf("%w %q: use stable, latest, 1.N, stable-1.N, latest-1.N, an exact version such as v1.36.4, or a constraint such as \">=1.35, <1.37\"", ErrInvalidVersionSpec, spec)
}

// Resolve returns the exact kubectl version a spec names, reading release
// markers from the mirror as needed.
func (c *Client) Resolve(ctx context.Context, spec string) (*version.Version, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	return c.resolve(ctx, s)
}

func (c *Client) resolve(ctx context.Context, s Spec) (*version.Version, error) {
	switch s.Kind {
	case SpecExact:
		return s.Exact, nil
	case SpecMarker:
		return c.readMarker(ctx, s.Marker)
	default:
		return c.resolveConstraint(ctx, s)
	}
}

// resolveConstraint walks the stable-1.N markers from the current stable
// minor downwards. Within a minor whose newest patch is too new, earlier
// patches are tried too: Kubernetes publishes every patch from .0 up.
func (c *Client) resolveConstraint(ctx context.Context, s Spec) (*version.Version, error) {
	stable, err := c.readMarker(ctx, "stable")
	if err != nil {
		return nil, err
	}
	seg := stable.Segments()
	major, minor := seg[0], seg[1]
	for i := 0; i < c.opts.ConstraintMinors && minor-i >= 0; i++ {
		m := minor - i
		newest, err := c.readMarker(ctx, fmt.Sprintf("stable-%d.%d", major, m))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for p := newest.Segments()[2]; p >= 0; p-- {
			v, _ := version.NewVersion(fmt.Sprintf("%d.%d.%d", major, m, p))
			if s.Constraint.Check(v) {
				return v, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: nothing from v%d.%d down to v%d.%d satisfies %q (the newest stable is v%s); widen the constraint",
		ErrNoMatchingVersion, major, minor, major, max(0, minor-c.opts.ConstraintMinors+1), s.raw, stable)
}

// MaxFallbackPatches bounds how many earlier patches Install tries when the
// version a marker or constraint resolved to is not published yet.
const MaxFallbackPatches = 3

// fallbacks lists, newest first, the versions Install may use instead of v
// when v's binary or digest is not on the mirror: for a marker or a
// constraint, the earlier patches of v's minor (those the constraint
// allows), at most MaxFallbackPatches; for an exact version, none.
func fallbacks(s Spec, v *version.Version) []*version.Version {
	if s.Kind == SpecExact {
		return nil
	}
	seg := v.Segments()
	var out []*version.Version
	for p := seg[2] - 1; p >= 0 && len(out) < MaxFallbackPatches; p-- {
		prev, err := version.NewVersion(fmt.Sprintf("%d.%d.%d", seg[0], seg[1], p))
		if err != nil {
			break
		}
		if s.Kind == SpecConstraint && !s.Constraint.Check(prev) {
			continue
		}
		out = append(out, prev)
	}
	return out
}

// readMarker fetches release/<name>.txt and parses the single version in it.
func (c *Client) readMarker(ctx context.Context, name string) (*version.Version, error) {
	u := c.baseURL + "/release/" + name + ".txt"
	shown := c.shown + "/release/" + name + ".txt"
	body, err := c.fetch.Small(ctx, u, maxMarkerBytes)
	var tooLarge *fetch.TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, &MarkerError{URL: shown, Snippet: snippet(tooLarge.Prefix), Reason: "larger than 1 KiB"}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the mirror has no release marker %s.txt, so no such release line exists: %w", name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read release marker %s: %w", name, err)
	}
	v, reason := parseMarker(body)
	if reason == "" {
		reason = checkMarkerLine(name, v)
	}
	if reason != "" {
		return nil, &MarkerError{URL: shown, Snippet: snippet(body), Reason: reason}
	}
	return v, nil
}

// parseMarker returns the version in a marker body, or why there is none.
func parseMarker(body []byte) (*version.Version, string) {
	s := strings.TrimSpace(string(body))
	switch {
	case s == "":
		return nil, "empty"
	case len(s) > maxVersionLen:
		return nil, "longer than " + strconv.Itoa(maxVersionLen) + " characters"
	case !exactSpec().MatchString(s):
		return nil, "not a single version string"
	}
	v, err := version.NewSemver(s)
	if err != nil {
		return nil, "not a version: " + err.Error()
	}
	return v, ""
}

// checkMarkerLine rejects a stable-1.N or latest-1.N marker naming a version
// outside 1.N: a mirror serving that is broken or lying.
func checkMarkerLine(name string, v *version.Version) string {
	m := markerSpec().FindStringSubmatch(name)
	if m == nil || m[2] == "" {
		return ""
	}
	seg := v.Segments()
	if strconv.Itoa(seg[0]) != m[2] || (m[3] != "" && strconv.Itoa(seg[1]) != m[3]) {
		return fmt.Sprintf("names v%s, outside the %s line", v, strings.TrimPrefix(strings.TrimPrefix(name, "stable-"), "latest-"))
	}
	return ""
}

// snippet quotes the first bytes of a body for an error message, escaping
// anything unprintable so a hostile server cannot write to the terminal.
func snippet(body []byte) string {
	const max = 40
	s := body
	more := ""
	if len(s) > max {
		s, more = s[:max], "…"
	}
	return strconv.QuoteToASCII(string(s)) + more
}

// ChosenBy says what chose v when spec resolved to it, for the signature
// rule (SignatureRequired): "" when the user named v, that is for an exact
// version, or for a release line with its minor (1.24, stable-1.24,
// latest-1.24) that holds v; otherwise what chose it, for messages: the
// release marker (stable, latest, stable-1), or the constraint whose
// search over the markers found v. A line's marker names only the patch,
// and a marker that leaves its line is refused when it is read.
func (s Spec) ChosenBy(v *version.Version) string {
	switch s.Kind {
	case SpecExact:
		return ""
	case SpecMarker:
		if m := markerSpec().FindStringSubmatch(s.Marker); m != nil && m[3] != "" && v != nil {
			seg := v.Segments()
			if strconv.Itoa(seg[0]) == m[2] && strconv.Itoa(seg[1]) == m[3] {
				return ""
			}
		}
		return s.source()
	case SpecConstraint:
		return s.source()
	}
	return "an unknown source"
}

// source names what answers a marker or constraint spec, for messages.
func (s Spec) source() string {
	switch s.Kind {
	case SpecMarker:
		return "the release marker " + s.Marker + ".txt"
	case SpecConstraint:
		return "the release markers searched for " + strconv.Quote(s.raw)
	}
	return "version " + s.raw
}

// Tag formats v as Kubernetes tags it: "v1.37.2".
func Tag(v *version.Version) string { return "v" + v.String() }

// Matches reports whether v is a version the spec could resolve to, without
// asking the mirror: the exact version itself; for stable markers (stable,
// 1.N, stable-1.N, stable-1) a release of that line, never a pre-release;
// for latest markers any version of that line; for a constraint a stable
// version satisfying it. It lets a caller with no network pick among
// versions it already has.
func (s Spec) Matches(v *version.Version) bool {
	if v == nil {
		return false
	}
	switch s.Kind {
	case SpecExact:
		return v.Equal(s.Exact)
	case SpecConstraint:
		return v.Prerelease() == "" && s.Constraint.Check(v)
	case SpecMarker:
		m := markerSpec().FindStringSubmatch(s.Marker)
		if m == nil {
			return false
		}
		if m[1] == "stable" && v.Prerelease() != "" {
			return false
		}
		seg := v.Segments()
		if m[2] != "" && strconv.Itoa(seg[0]) != m[2] {
			return false
		}
		return m[3] == "" || strconv.Itoa(seg[1]) == m[3]
	}
	return false
}

// Fallbacks lists, newest first, the versions to try instead of v, which
// the spec resolved to, when the mirror does not publish v's binary or
// digest yet (a release marker ahead of the CDN): the earlier patches of
// v's minor that the spec allows, at most MaxFallbackPatches, and none for
// an exact version. Install uses the same list.
func (s Spec) Fallbacks(v *version.Version) []*version.Version { return fallbacks(s, v) }
