package bootstrap

import (
	"regexp"
	"testing"
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
