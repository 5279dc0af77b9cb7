package bootstrap

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The regexps the hand-written spec matchers replace (version.go).
var (
	markerRE = regexp.MustCompile(`^(stable|latest)(?:-(\d+)(?:\.(\d+))?)?$`)
	minorRE  = regexp.MustCompile(`^v?(\d+)\.(\d+)$`)
	exactRE  = regexp.MustCompile(`^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$`)
)

var specShapes = []string{
	"", "stable", "latest", "stable-1", "stable-1.36", "latest-1.37", "stable-", "stable-1.", "stable-1.36.4",
	"stable1", "stablex", "latest-x", "latest-1.x", "Stable", " stable", "stable-01.036", "stable-1.36\n",
	"1.36", "v1.36", "vv1.36", "1.", ".36", "1.36.", "v", "1.x", "١.٣٦", "1.36 ",
	"1.36.4", "v1.36.4", "1.38.0-rc.1", "1.38.0-rc.1+build.5", "1.36.4+meta", "1.36.4-", "1.36.4+",
	"1.36.4-+a", "1.36.4-a-b", "1.36.4--", "1.36.4+a+b", "1.36.4+a-b.c", "1.36.4-a_b", "1.36.4-ä",
	"01.036.004", "1.36.4.5", "1.36.4 ", "v1.36.4\n", "99999999999999999999.1.1", "1.36.4-a.", "v1.2.3-",
}

// The matchers accept exactly what the regexps do, and split alike.
func TestSpecShapesAsRegexps(t *testing.T) {
	for _, s := range specShapes {
		checkSpecShapes(t, s)
	}
}

func FuzzSpecShapes(f *testing.F) {
	for _, s := range specShapes {
		f.Add(s)
	}
	f.Fuzz(checkSpecShapes)
}

func checkSpecShapes(t *testing.T, s string) {
	m := markerRE.FindStringSubmatch(s)
	channel, major, minor, ok := markerParts(s)
	if ok != (m != nil) || ok && (channel != m[1] || major != m[2] || minor != m[3]) {
		t.Errorf("markerParts(%q) = %q %q %q %v; the regexp: %q", s, channel, major, minor, ok, m)
	}
	m = minorRE.FindStringSubmatch(s)
	major, minor, ok = minorParts(s)
	if ok != (m != nil) || ok && (major != m[1] || minor != m[2]) {
		t.Errorf("minorParts(%q) = %q %q %v; the regexp: %q", s, major, minor, ok, m)
	}
	if got, want := exactShape(s), exactRE.MatchString(s); got != want {
		t.Errorf("exactShape(%q) = %v, the regexp %v", s, got, want)
	}
	// ExactTag answers only what ParseSpec makes an exact version of,
	// with the same tag.
	if tag, ok := ExactTag(s); ok {
		sp, err := ParseSpec(s)
		if err != nil || sp.Kind != SpecExact || Tag(sp.Exact) != tag {
			t.Errorf("ExactTag(%q) = %q; ParseSpec: %+v, %v", s, tag, sp, err)
		}
	}
}

// ExactTag answers plain versions, whatever their spelling, and leaves
// the rest to ParseSpec.
func TestExactTag(t *testing.T) {
	for in, want := range map[string]string{
		"1.37.2": "v1.37.2", "v1.37.2": "v1.37.2", " v1.37.2\n": "v1.37.2", "01.037.002": "v1.37.2",
		"123456789012345678.0.0": "v123456789012345678.0.0",
	} {
		if got, ok := ExactTag(in); !ok || got != want {
			t.Errorf("ExactTag(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "stable", "1.37", "v1.38.0-rc.1", "1.37.2+meta", "1.37.2.1", "1234567890123456789.0.0", ">=1.37.2", "vv1.37.2"} {
		if got, ok := ExactTag(in); ok {
			t.Errorf("ExactTag(%q) = %q, want not ok", in, got)
		}
	}
}

// Leading zeros are read as numbers in every form of spec: 01.36 asks for
// release/stable-1.36.txt, as 01.37.2 is v1.37.2 (issue 23: it asked for
// stable-01.36.txt and remembered the failure).
func TestParseSpecReadsLeadingZerosAsNumbers(t *testing.T) {
	for in, marker := range map[string]string{
		"01.36": "stable-1.36", "v1.036": "stable-1.36", "stable-01.036": "stable-1.36",
		"latest-001": "latest-1", "1.00": "stable-1.0", "stable-0.0": "stable-0.0",
	} {
		sp, err := ParseSpec(in)
		if err != nil || sp.Kind != SpecMarker || sp.Marker != marker {
			t.Errorf("ParseSpec(%q) = %+v, %v; want marker %s", in, sp, err, marker)
		}
	}
	if sp, err := ParseSpec("01.37.02"); err != nil || sp.Kind != SpecExact || Tag(sp.Exact) != "v1.37.2" {
		t.Errorf("ParseSpec(01.37.02) = %+v, %v; want v1.37.2", sp, err)
	}
}

// A spec longer than MaxSpecLen is refused before it reaches a URL or a
// folder name, and the error quotes only its start.
func TestParseSpecRefusesOverlongSpecs(t *testing.T) {
	long := "1.37.2-" + strings.Repeat("a", 300)
	_, err := ParseSpec(long)
	if !errors.Is(err, ErrInvalidVersionSpec) {
		t.Fatalf("ParseSpec of %d bytes: %v, want ErrInvalidVersionSpec", len(long), err)
	}
	if len(err.Error()) > 200 {
		t.Errorf("the error quotes the whole spec: %d bytes", len(err.Error()))
	}
	if sp, err := ParseSpec("1.37.2-" + strings.Repeat("a", MaxSpecLen-7)); err != nil || sp.Kind != SpecExact {
		t.Errorf("a spec of MaxSpecLen bytes: %+v, %v", sp, err)
	}
	if got := ShortSpec(strings.Repeat("é", 100)); len(got) > specShown || !utf8.ValidString(got) {
		t.Errorf("ShortSpec cuts inside a character or too late: %q", got)
	}
}

// No kubectl release has build metadata: 1.37.2+meta would reach the
// download URL and the store's folder name.
func TestParseSpecRefusesBuildMetadata(t *testing.T) {
	for _, in := range []string{"1.37.2+meta", "v1.38.0-rc.1+build.5"} {
		if sp, err := ParseSpec(in); !errors.Is(err, ErrInvalidVersionSpec) {
			t.Errorf("ParseSpec(%q) = %+v, %v; want ErrInvalidVersionSpec", in, sp, err)
		}
	}
}
