package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
)

// Under --transparency auto, a Rekor that cannot be asked (here a
// certificate nobody trusts) leaves the offline verdict, said in exactly
// one line on stderr with or without --verbose; a token in the Rekor URL
// reaches no output: text, JSON, stderr, --verbose, nor require's exit 3.
func TestTransparencyAutoSaysOnceAndHidesRekorToken(t *testing.T) {
	e := newEnv(t)
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	defer untrusted.Close()
	e.vars = append(e.vars, "KUBEBOOT_REKOR_URL="+strings.Replace(untrusted.URL, "https://", "https://SECRETTOKEN:PASSWORD@", 1))
	var all []string
	for _, args := range [][]string{
		{"install", "kubectl", "--dir", t.TempDir()},
		{"install", "kubectl", "--dir", t.TempDir(), "--verbose"},
		{"install", "kubectl", "--dir", t.TempDir(), "-o", "json"},
	} {
		r := e.run(args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d; stderr:\n%s", args, r.code, r.stderr)
		}
		if n := strings.Count(r.stderr, "Rekor at"); n != 1 {
			t.Errorf("%v: said %d times that Rekor was not asked; stderr:\n%s", args, n, r.stderr)
		}
		all = append(all, r.stdout, r.stderr)
	}
	r := e.run("install", "kubectl", "--dir", t.TempDir(), "--transparency", "require", "--verbose")
	if r.code != 3 {
		t.Fatalf("require: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	all = append(all, r.stdout, r.stderr)
	out := strings.Join(all, "\n")
	if strings.Contains(out, "SECRETTOKEN") || strings.Contains(out, "PASSWORD") {
		t.Errorf("the Rekor URL's credentials are shown:\n%s", out)
	}
}

// The notices: a trust root not refreshed and a lookup that verified no
// entry, once each; nothing for what an earlier run found, nothing under
// --verbose (the log said it).
func TestSignatureNotices(t *testing.T) {
	r := &bootstrap.SignatureResult{Verified: true, TrustRoot: "the Sigstore trust root was not refreshed from X",
		Transparency: &bootstrap.TransparencyResult{Reason: "Rekor at Y did not answer within 2s"}}
	var b bytes.Buffer
	signatureNotices(&b, "v1.37.2", r, false)
	if got := b.String(); strings.Count(got, "\n") != 2 || !strings.Contains(got, "not refreshed from X") || !strings.Contains(got, "kubectl v1.37.2: Rekor at Y") {
		t.Fatalf("got %q", got)
	}
	b.Reset()
	signatureNotices(&b, "v1.37.2", r, true)
	r2 := &bootstrap.SignatureResult{Verified: true, Transparency: &bootstrap.TransparencyResult{Reason: "not asked again", Remembered: true}}
	signatureNotices(&b, "v1.37.2", r2, false)
	signatureNotices(&b, "v1.37.2", nil, false)
	if b.Len() != 0 {
		t.Fatalf("got %q", b.String())
	}
}
