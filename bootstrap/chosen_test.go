package bootstrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// Who chose a version decides whether an unsigned-era kubectl may come
// without a signature: only a version the user named.
func TestSpecChosenBy(t *testing.T) {
	for _, tc := range []struct {
		spec, v string
		named   bool
	}{
		{"v1.25.16", "v1.25.16", true},
		{"1.25.16", "v1.25.16", true},
		{"1.24", "v1.24.17", true},
		{"v1.24", "v1.24.17", true},
		{"stable-1.24", "v1.24.17", true},
		{"latest-1.24", "v1.24.18-rc.0", true},
		{"1.24", "v1.25.16", false}, // a line's marker that left its line
		{"stable", "v1.25.16", false},
		{"", "v1.25.16", false},
		{"latest", "v1.25.16", false},
		{"stable-1", "v1.25.16", false},
		{"latest-1", "v1.25.16", false},
		{">=1.20", "v1.25.16", false},
		{"~> 1.25.0", "v1.25.16", false},
		{"stable", "v1.37.2", false},
	} {
		sp, err := ParseSpec(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		by := sp.ChosenBy(version.Must(version.NewVersion(tc.v)))
		if (by == "") != tc.named {
			t.Errorf("ParseSpec(%q).ChosenBy(%s) = %q, want named=%v", tc.spec, tc.v, by, tc.named)
		}
	}
}

func TestSignatureRequired(t *testing.T) {
	for _, tc := range []struct {
		mode          SignatureMode
		tag, chosenBy string
		want          bool
	}{
		{SignatureAuto, "v1.25.16", "", false},
		{"", "v1.25.16", "", false},
		{SignatureAuto, "v1.25.16", "the release marker stable.txt", true},
		{SignatureAuto, "v1.26.0", "", true},
		{SignatureAuto, "v1.26.0-rc.1", "", true},
		{SignatureAuto, "v1.37.2", "the release marker stable.txt", true},
		{SignatureRequire, "v1.20.0", "", true},
		{SignatureOff, "v1.37.2", "the release marker stable.txt", false},
		{SignatureAuto, "not-a-version", "", true},
	} {
		if got := SignatureRequired(tc.mode, tc.tag, tc.chosenBy); got != tc.want {
			t.Errorf("SignatureRequired(%q, %s, %q) = %v, want %v", tc.mode, tc.tag, tc.chosenBy, got, tc.want)
		}
	}
}

// lyingMirror answers every channel with v1.25.16, an unsigned-era version
// it serves with its own binary and a matching .sha256 but no signature.
func lyingMirror(t *testing.T) (*mirror.Mirror, []byte) {
	t.Helper()
	m := newMirror(t, mirror.Options{})
	planted := append([]byte("#!/bin/sh\necho planted\n"), bytes.Repeat([]byte{0}, 1024)...)
	p := HostPlatform()
	m.SetSigner(nil)
	m.AddKubectl("v1.25.16", p.OS, p.Arch, planted)
	for _, marker := range []string{"stable", "latest", "stable-1", "latest-1", "stable-1.25"} {
		m.SetMarker(marker, "v1.25.16\n")
	}
	// A constraint search reads stable, then the stable-1.N markers down.
	for _, minor := range []string{"1.37", "1.36", "1.35", "1.34", "1.33", "1.32", "1.31", "1.30", "1.29", "1.28", "1.27", "1.26"} {
		m.Delete("/release/stable-" + minor + ".txt")
	}
	return m, planted
}

// A mirror that answers a channel with a version that needs no signature
// cannot swap kubectl: a version a marker, a constraint or a server chose
// must be signed. The kubectl already installed stays byte-identical and
// no binary is downloaded.
func TestServerChosenVersionMustBeSigned(t *testing.T) {
	good := newMirror(t, mirror.Options{})
	m, _ := lyingMirror(t)
	for _, tc := range []struct{ spec, chosenBy string }{
		{"stable", ""}, {"", ""}, {"latest", ""}, {"stable-1", ""}, {"latest-1", ""},
		{">=1.20", ""}, {"~> 1.25.0", ""},
		{"1.25", "the API server https://cluster.example:6443"}, // --version cluster
		{"v1.25.16", "the API server https://cluster.example:6443"},
	} {
		t.Run(tc.spec+tc.chosenBy, func(t *testing.T) {
			dir := testutil.TempDir(t)
			if _, err := newClient(t, good, Options{}).Install(context.Background(), InstallRequest{Dir: dir, Version: "v1.37.2"}); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(dir, HostPlatform().Executable())
			before, _ := os.ReadFile(target)
			n := kubectlRequests(m)
			c := newClient(t, m, Options{})
			res, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: tc.spec, ChosenBy: tc.chosenBy})
			if !errors.Is(err, ErrSignatureMissing) || !errors.Is(err, ErrVerification) {
				t.Fatalf("Install(%q) = %+v, %v; want ErrSignatureMissing", tc.spec, res, err)
			}
			var sm *SignatureMissingError
			if !errors.As(err, &sm) || sm.ChosenBy == "" || sm.Version != "v1.25.16" {
				t.Fatalf("error %#v does not name what chose v1.25.16", err)
			}
			msg := err.Error()
			for _, want := range []string{"v1.25.16", "chosen by", "name that exact version", "turn signature verification off"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if tc.chosenBy == "" && !strings.Contains(msg, "release marker") {
				t.Errorf("message %q does not name the marker", msg)
			}
			if after, _ := os.ReadFile(target); !bytes.Equal(before, after) {
				t.Error("the installed kubectl changed")
			}
			if got := kubectlRequests(m) - n; got != 0 {
				t.Errorf("%d binary downloads, want 0", got)
			}
		})
	}
}

// The user may accept an unsigned-era kubectl knowingly: by naming its
// exact version or its release line, or by turning signatures off.
func TestNamedUnsignedVersionIsAccepted(t *testing.T) {
	m, planted := lyingMirror(t)
	for _, tc := range []struct {
		spec string
		mode SignatureMode
	}{{"v1.25.16", SignatureAuto}, {"1.25", SignatureAuto}, {"stable-1.25", SignatureAuto}, {"stable", SignatureOff}} {
		dir := testutil.TempDir(t)
		res, err := newClient(t, m, Options{Signature: SignatureOptions{Mode: tc.mode}}).Install(context.Background(), InstallRequest{Dir: dir, Version: tc.spec})
		if err != nil {
			t.Fatalf("Install(%q, %s): %v", tc.spec, tc.mode, err)
		}
		if res.Version != "v1.25.16" || !res.Changed {
			t.Fatalf("Install(%q) = %+v", tc.spec, res)
		}
		if tc.mode == SignatureAuto && (res.Signature == nil || res.Signature.Verified || !strings.Contains(res.Signature.Reason, "checksum only")) {
			t.Errorf("Install(%q) signature = %+v, want a checksum-only note", tc.spec, res.Signature)
		}
		got, _ := os.ReadFile(res.Path)
		if !bytes.Equal(got, planted) {
			t.Errorf("Install(%q) installed other bytes", tc.spec)
		}
	}
}

// FetchKubectl holds a version its caller resolved from a marker to the
// same rule, and VerifyKubectlFile re-checks it the same way.
func TestFetchKubectlServerChosen(t *testing.T) {
	m, _ := lyingMirror(t)
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	p := HostPlatform()
	if _, _, err := c.FetchKubectl(context.Background(), "v1.25.16", "the release marker stable.txt", p, dir); !errors.Is(err, ErrSignatureMissing) {
		t.Fatalf("FetchKubectl of a marker-chosen unsigned version: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 1 {
		t.Errorf("files left: %v", entries)
	}
	if _, _, err := c.FetchKubectl(context.Background(), "v1.25.16", "", p, dir); err != nil {
		t.Fatalf("FetchKubectl of a named unsigned version: %v", err)
	}
	path := filepath.Join(dir, p.Executable())
	if _, err := c.VerifyKubectlFile("v1.25.16", "the release marker stable.txt", p, path); !errors.Is(err, ErrSignatureMissing) {
		t.Errorf("VerifyKubectlFile, chosen: %v", err)
	}
	if _, err := c.VerifyKubectlFile("v1.25.16", "", p, path); err != nil {
		t.Errorf("VerifyKubectlFile, named: %v", err)
	}
}

// A release whose published signature is known upstream not to verify
// still fails; when it fails the way reported (the expected signer's
// certificate, a signature that does not match the digest) the message
// says it is known. Any other failure of that release (a forged chain)
// keeps the plain message.
func TestKnownBadSignatureIsWordedNotAccepted(t *testing.T) {
	p := Platform{OS: "linux", Arch: "amd64"}
	if KnownBadSignature("v1.35.0", p) == "" || KnownBadSignature("v1.35.1", p) != "" || KnownBadSignature("v1.35.0", Platform{OS: "darwin", Arch: "arm64"}) != "" {
		t.Fatal("KnownBadSignature")
	}
	other := sigtest.NewCA(t, sigtest.Options{Name: "sigtest"})
	wrongDigest := func(sum []byte) ([]byte, []byte) {
		x := sha256.Sum256(append([]byte("not "), sum...))
		return testCA.SignDigest(t, x[:], sigtest.Leaf{})
	}
	forged := func(sum []byte) ([]byte, []byte) { return other.SignDigest(t, sum, sigtest.Leaf{}) }
	for _, tc := range []struct {
		v     string
		sign  func([]byte) ([]byte, []byte)
		known bool
	}{
		{"v1.35.0", wrongDigest, true},
		{"v1.35.0", forged, false},
		{"v1.35.1", wrongDigest, false},
	} {
		m := newMirror(t, mirror.Options{})
		m.SetSigner(tc.sign)
		m.AddKubectl(tc.v, p.OS, p.Arch, []byte("kubectl "+tc.v))
		_, err := newClient(t, m, Options{}).Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: tc.v, Platform: p})
		var se *SignatureError
		if !errors.As(err, &se) || !errors.Is(err, ErrVerification) {
			t.Fatalf("%s: %v", tc.v, err)
		}
		known := strings.Contains(err.Error(), "kubernetes/kubernetes#135858")
		if known != tc.known || (se.Known != "") != tc.known {
			t.Errorf("%s: known=%v, want %v: %v", tc.v, known, tc.known, err)
		}
	}
}
