package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
)

// maxMarkerBytes bounds how much of a release marker is read at all;
// maxVersionLen bounds the version string inside it.
const (
	maxMarkerBytes = 1 << 10
	maxVersionLen  = 64
)

// MaxSpecLen bounds a version spec: longer ones are refused by ParseSpec
// before they reach a URL or a folder name (a file name has at most 255
// bytes), and errors quote at most specShown bytes of them.
const (
	MaxSpecLen = 128
	specShown  = 40
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

// The shapes of specs, matched by hand rather than by regexps, whose
// compilation would cost every `kubeboot kubectl` run a fifth of a
// millisecond (issue 23; TestSpecShapesAsRegexps pins them to the
// regexps they replace):
//
//	marker  ^(stable|latest)(?:-(\d+)(?:\.(\d+))?)?$
//	minor   ^v?(\d+)\.(\d+)$
//	exact   ^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$

// markerParts splits a release marker's name: stable or latest, then
// optionally -MAJOR and .MINOR ("" when absent).
func markerParts(s string) (channel, major, minor string, ok bool) {
	switch {
	case strings.HasPrefix(s, "stable"):
		channel = "stable"
	case strings.HasPrefix(s, "latest"):
		channel = "latest"
	default:
		return "", "", "", false
	}
	rest := s[len(channel):]
	if rest == "" {
		return channel, "", "", true
	}
	if rest[0] != '-' {
		return "", "", "", false
	}
	major, rest = digits(rest[1:])
	if major == "" {
		return "", "", "", false
	}
	if rest == "" {
		return channel, major, "", true
	}
	if rest[0] != '.' {
		return "", "", "", false
	}
	minor, rest = digits(rest[1:])
	if minor == "" || rest != "" {
		return "", "", "", false
	}
	return channel, major, minor, true
}

// minorParts splits v?MAJOR.MINOR.
func minorParts(s string) (major, minor string, ok bool) {
	major, rest := digits(strings.TrimPrefix(s, "v"))
	if major == "" || rest == "" || rest[0] != '.' {
		return "", "", false
	}
	minor, rest = digits(rest[1:])
	return major, minor, minor != "" && rest == ""
}

// exactShape reports whether s looks like an exact version:
// v?MAJOR.MINOR.PATCH, then optionally -PRERELEASE and +METADATA of
// ASCII letters, digits, dots and dashes.
func exactShape(s string) bool {
	rest := strings.TrimPrefix(s, "v")
	for i := range 3 {
		var n string
		if n, rest = digits(rest); n == "" {
			return false
		}
		if i < 2 {
			if rest == "" || rest[0] != '.' {
				return false
			}
			rest = rest[1:]
		}
	}
	for _, sep := range []byte{'-', '+'} {
		if rest == "" || rest[0] != sep {
			continue
		}
		n := 1
		for n < len(rest) && (isDigit(rest[n]) || 'a' <= rest[n] && rest[n] <= 'z' || 'A' <= rest[n] && rest[n] <= 'Z' || rest[n] == '.' || rest[n] == '-') {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	return rest == ""
}

// number is the ASCII digits n without leading zeros ("0" for zeros).
func number(n string) string {
	if t := strings.TrimLeft(n, "0"); t != "" || n == "" {
		return t
	}
	return "0"
}

// ShortSpec is spec as errors quote it: at most its first 40 bytes, cut
// at a character boundary.
func ShortSpec(spec string) string {
	if len(spec) <= specShown {
		return spec
	}
	n := specShown
	for n > 0 && !utf8.RuneStart(spec[n]) {
		n--
	}
	return spec[:n]
}

// digits splits s after its leading ASCII digits.
func digits(s string) (number, rest string) {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return s[:n], s[n:]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// ExactTag returns the tag ("v1.37.2") of spec when it is a plain exact
// version, v?MAJOR.MINOR.PATCH of at most 18 digits each, without building
// a Version (go-version compiles a regexp on its first use): a warm run
// of a pinned kubectl parses nothing else. For such a spec, ParseSpec
// returns SpecExact and Tag(Exact) is this tag; for any other spec
// (pre-releases included), ok is false and ParseSpec decides.
func ExactTag(spec string) (tag string, ok bool) {
	rest := strings.TrimPrefix(strings.TrimSpace(spec), "v")
	b := make([]byte, 0, len(rest)+1)
	b = append(b, 'v')
	for i := range 3 {
		var n string
		if n, rest = digits(rest); n == "" || len(n) > 18 {
			return "", false
		}
		v, _ := strconv.ParseInt(n, 10, 64) // 18 digits fit
		b = strconv.AppendInt(b, v, 10)
		if i < 2 {
			if rest == "" || rest[0] != '.' {
				return "", false
			}
			rest = rest[1:]
			b = append(b, '.')
		}
	}
	if rest != "" {
		return "", false
	}
	return string(b), true
}

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
// Numbers with leading zeros are read as numbers, in every form: 01.36
// is 1.36 (release/stable-1.36.txt), as 01.37.2 is v1.37.2. A spec longer
// than MaxSpecLen, and an exact version with build metadata (+meta, which
// no kubectl release has), are refused.
//
// Errors match ErrInvalidVersionSpec.
func ParseSpec(spec string) (Spec, error) {
	if len(spec) > MaxSpecLen {
		return Spec{}, fmt.Errorf("%w %q... (%d bytes): a kubectl version spec has at most %d", ErrInvalidVersionSpec, ShortSpec(spec), len(spec), MaxSpecLen)
	}
	s := strings.TrimSpace(spec)
	if s == "" {
		s = "stable"
	}
	if channel, major, minor, ok := markerParts(s); ok {
		marker := channel
		if major != "" {
			marker += "-" + number(major)
		}
		if minor != "" {
			marker += "." + number(minor)
		}
		return Spec{Kind: SpecMarker, Marker: marker, raw: s}, nil
	}
	if major, minor, ok := minorParts(s); ok {
		return Spec{Kind: SpecMarker, Marker: "stable-" + number(major) + "." + number(minor), raw: s}, nil
	}
	if exactShape(s) {
		v, err := version.NewSemver(s)
		if err == nil && v.Metadata() != "" {
			core, _, _ := strings.Cut(s, "+")
			return Spec{}, fmt.Errorf("%w %q: kubectl releases have no build metadata (+%s): use %s", ErrInvalidVersionSpec, spec, v.Metadata(), core)
		}
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
	case !exactShape(s):
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
	_, major, minor, ok := markerParts(name)
	if !ok || major == "" {
		return ""
	}
	seg := v.Segments()
	if strconv.Itoa(seg[0]) != major || (minor != "" && strconv.Itoa(seg[1]) != minor) {
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
		if _, major, minor, ok := markerParts(s.Marker); ok && minor != "" && v != nil {
			seg := v.Segments()
			if strconv.Itoa(seg[0]) == major && strconv.Itoa(seg[1]) == minor {
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
		channel, major, minor, ok := markerParts(s.Marker)
		if !ok {
			return false
		}
		if channel == "stable" && v.Prerelease() != "" {
			return false
		}
		seg := v.Segments()
		if major != "" && strconv.Itoa(seg[0]) != major {
			return false
		}
		return minor == "" || strconv.Itoa(seg[1]) == minor
	}
	return false
}

// Fallbacks lists, newest first, the versions to try instead of v, which
// the spec resolved to, when the mirror does not publish v's binary or
// digest yet (a release marker ahead of the CDN): the earlier patches of
// v's minor that the spec allows, at most MaxFallbackPatches, and none for
// an exact version. Install uses the same list.
func (s Spec) Fallbacks(v *version.Version) []*version.Version { return fallbacks(s, v) }
