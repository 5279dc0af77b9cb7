package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// verify-blob on the real kubectl v1.26.0-rc.1 signature (the embedded
// public-good root), on generated chains (a test root), and on every kind
// of mistake: exit 0 when it holds, 3 when it does not, 2 for usage.
func TestVerifyBlob(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, "KUBEBOOT_SIGSTORE_TRUSTED_ROOT=") // the embedded root unless --trusted-root
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca := sigtest.NewCA(t, sigtest.Options{})
	root := write("root.json", ca.TrustedRootJSON())
	blob := write("kubeadm", []byte("a kubeadm binary"))
	s := sha256.Sum256([]byte("a kubeadm binary"))
	sig, cert := ca.SignDigest(t, s[:], sigtest.Leaf{})
	sigFile, certFile := write("kubeadm.sig", sig), write("kubeadm.cert", cert)
	other := write("other", []byte("another file"))
	bundle := write("b.json", ca.Bundle(t, s[:], sigtest.Leaf{URI: "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", Issuer: "https://token.actions.githubusercontent.com"}, sigtest.BundleOptions{}))

	gh := []string{"--certificate-identity", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"}
	v2 := write("v2.json", ca.Bundle(t, s[:], sigtest.Leaf{URI: gh[1], Issuer: gh[3]}, sigtest.BundleOptions{RekorV2: true}))
	v04 := write("v04.json", []byte(strings.Replace(string(ca.Bundle(t, s[:], sigtest.Leaf{URI: gh[1], Issuer: gh[3]}, sigtest.BundleOptions{})),
		"application/vnd.dev.sigstore.bundle.v0.3+json", "application/vnd.dev.sigstore.bundle.v0.4+json", 1)))
	key := write("key.pem", []byte("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExRRST79+PsrRBnGAI4cMu6Omz2Jh\nfwlMW+gIutNKVRaMyS4rQKvgngc5p8UbLj55pVHhIoAxi/SRgURZI0J3Xw==\n-----END PUBLIC KEY-----\n"))
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"good", []string{blob, "--signature", sigFile, "--certificate", certFile, "--trusted-root", root}, 0, "signed by krel-staging@"},
		{"good json by digest", []string{"--digest", "sha256:" + hex.EncodeToString(s[:]), "--signature", sigFile, "--certificate", certFile, "--trusted-root", root, "-o", "json"}, 0, `"verified": true`},
		{"another file", []string{other, "--signature", sigFile, "--certificate", certFile, "--trusted-root", root}, 3, "not the one that was signed"},
		{"embedded root refuses the test CA", []string{blob, "--signature", sigFile, "--certificate", certFile}, 3, "Sigstore's public-good CA"},
		{"another identity", []string{blob, "--signature", sigFile, "--certificate", certFile, "--trusted-root", root, "--certificate-identity", "someone@example.com"}, 3, "someone else signed it"},
		{"bundle", []string{blob, "--bundle", bundle, "--trusted-root", root, "--certificate-identity", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"}, 0, "verified:"},
		{"garbage signature", []string{blob, "--signature", write("bad.sig", sigtest.GarbageBase64), "--certificate", certFile, "--trusted-root", root}, 3, "damaged"},
		{"Rekor v2 bundle", append([]string{blob, "--bundle", v2, "--trusted-root", root, "-o", "json"}, gh...), 0, `"signedAt"`},
		{"bundle of a later version: unsupported, not damaged", append([]string{blob, "--bundle", v04, "--trusted-root", root}, gh...), 3, "does not verify this kind of bundle"},
		{"certificate bundle with --key", []string{blob, "--bundle", bundle, "--trusted-root", root, "--key", key}, 3, "not the managed key given"},
		{"--key without --bundle", []string{blob, "--signature", sigFile, "--certificate", certFile, "--key", key}, 2, "--key checks a --bundle"},
		{"--key with an identity", []string{blob, "--bundle", bundle, "--key", key, "--certificate-identity", "x"}, 2, "not both"},
		{"--key not a key", []string{blob, "--bundle", bundle, "--key", certFile}, 3, "no PEM PUBLIC KEY"},
		{"no signature flags", []string{blob}, 2, "--signature and --certificate"},
		{"file and digest", []string{blob, "--digest", "sha256:00", "--bundle", bundle}, 2, "not both"},
		{"bad digest", []string{"--digest", "sha256:zz", "--bundle", bundle}, 2, "64 hex digits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.run(append([]string{"verify-blob"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) ||
				strings.Contains(tc.name, "not damaged") && strings.Contains(r.stderr, "damaged") {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}

	// The real kubectl signature against the embedded root.
	fx := filepath.Join(sigtest.Fixtures(t), "kubectl-v1.26.0-rc.1-linux-amd64")
	digest, _ := os.ReadFile(filepath.Join(fx, "kubectl.sha256"))
	r := e.run("verify-blob", "--digest", string(digest), "--signature", filepath.Join(fx, "kubectl.sig"), "--certificate", filepath.Join(fx, "kubectl.cert"))
	if r.code != 0 || !strings.Contains(r.stdout, "krel-staging@k8s-releng-prod.iam.gserviceaccount.com") {
		t.Fatalf("real kubectl signature: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
