package sigstore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// Chains made by internal/sigtest, loaded through ParseTrustedRoot.

func rootOf(t *testing.T, ca *sigtest.CA) *sigstore.TrustedRoot {
	t.Helper()
	r, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var sum = sha256.Sum256([]byte("kubectl"))

func TestGeneratedSignatureVerifies(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	root := rootOf(t, ca)
	for name, leaf := range map[string]sigtest.Leaf{
		"krel email, issuer .1.1 only":          {},
		"issuer .1.1 and .1.8 agree":            {IssuerV2: "https://accounts.google.com"},
		"issuer .1.8 only":                      {Issuer: "-", IssuerV2: "https://accounts.google.com"},
		"leaf expired 23 hours ago":             {NotBefore: time.Now().Add(-23 * time.Hour)},
		"leaf issued as the intermediate began": {NotBefore: time.Now().Add(-24*time.Hour + time.Minute)},
	} {
		t.Run(name, func(t *testing.T) {
			sig, cert := ca.SignDigest(t, sum[:], leaf)
			res, err := sigstore.VerifyDigest(sum[:], sig, cert, sigstore.KubernetesRelease, root)
			if err != nil {
				t.Fatal(err)
			}
			if res.Identity != sigstore.KubernetesRelease.Identity || res.Issuer != sigstore.KubernetesRelease.Issuer ||
				res.NotAfter.Sub(res.NotBefore) != 10*time.Minute || res.CTLogID == "" || res.CA != "https://fulcio.sigtest.invalid" {
				t.Errorf("result %+v", res)
			}
		})
	}
	t.Run("URI identity, GitHub release policy", func(t *testing.T) {
		p := sigstore.GitHubRelease("kubeboot/kubeboot", "v1.2.3")
		if p.Identity != "https://github.com/kubeboot/kubeboot/.github/workflows/release.yml@refs/tags/v1.2.3" ||
			p.Issuer != "https://token.actions.githubusercontent.com" {
			t.Fatalf("GitHubRelease = %+v", p)
		}
		b := ca.Bundle(t, sum[:], sigtest.Leaf{URI: p.Identity, Issuer: p.Issuer, IssuerV2: p.Issuer}, sigtest.BundleOptions{})
		res, err := sigstore.VerifyBundle(sum[:], b, p, root)
		if err != nil {
			t.Fatal(err)
		}
		if res.Identity != p.Identity || res.LogIndex != 4242 || !res.IntegratedTime.Equal(res.NotBefore.Add(time.Second)) {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("plain PEM certificate, newline after signature", func(t *testing.T) {
		sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
		pemCert, err := base64.StdEncoding.DecodeString(string(cert))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sigstore.VerifyDigest(sum[:], append(sig, '\n'), pemCert, sigstore.KubernetesRelease, root); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no CT log in the root, no SCT: refused", func(t *testing.T) {
		// A root that lists no CT log does not turn the SCT off, as in
		// cosign and sigstore-go without --insecure-ignore-sct.
		ca := sigtest.NewCA(t, sigtest.Options{NoCTLog: true})
		sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
		res, err := sigstore.VerifyDigest(sum[:], sig, cert, sigstore.KubernetesRelease, rootOf(t, ca))
		if !errors.Is(err, sigstore.ErrSCT) {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("bundle v0.1", func(t *testing.T) {
		b := ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{V01: true})
		if _, err := sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, root); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGeneratedAttacks is every attack of the issue (and more) against a
// detached signature or a bundle made by the test CA.
func TestGeneratedAttacks(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	root := rootOf(t, ca)
	krel := sigstore.KubernetesRelease
	other := sha256.Sum256([]byte("swapped kubectl"))
	now := time.Now()
	detached := func(leaf sigtest.Leaf) func(t *testing.T) error {
		return func(t *testing.T) error {
			sig, cert := ca.SignDigest(t, sum[:], leaf)
			_, err := sigstore.VerifyDigest(sum[:], sig, cert, krel, root)
			return err
		}
	}
	bundle := func(leaf sigtest.Leaf, o sigtest.BundleOptions, edit func(map[string]any)) func(t *testing.T) error {
		return func(t *testing.T) error {
			b := ca.Bundle(t, sum[:], leaf, o)
			if edit != nil {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				edit(m)
				var err error
				if b, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			_, err := sigstore.VerifyBundle(sum[:], b, krel, root)
			return err
		}
	}
	entry := func(m map[string]any) map[string]any {
		return m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
	}
	cases := []struct {
		name string
		run  func(t *testing.T) error
		kind error
		says []string
	}{
		{"wrong identity", detached(sigtest.Leaf{Email: "mallory@example.com"}), sigstore.ErrIdentity,
			[]string{`certificate identity is "mallory@example.com", want "krel-staging@k8s-releng-prod.iam.gserviceaccount.com"`}},
		{"identity as URI", detached(sigtest.Leaf{URI: "https://github.com/mallory/x/.github/workflows/release.yml@refs/tags/v1"}), sigstore.ErrIdentity, nil},
		{"two identities", detached(sigtest.Leaf{Email: krel.Identity, URI: "https://example.com/x"}), sigstore.ErrIdentity, []string{"want exactly one"}},
		{"wrong issuer", detached(sigtest.Leaf{Issuer: "https://github.com/login/oauth"}), sigstore.ErrIssuer,
			[]string{`certificate OIDC issuer is "https://github.com/login/oauth", want "https://accounts.google.com"`}},
		{"issuer extensions disagree", detached(sigtest.Leaf{IssuerV2: "https://evil.example"}), sigstore.ErrIssuer, []string{"disagree"}},
		{"no issuer", detached(sigtest.Leaf{Issuer: "-"}), sigstore.ErrIssuer, []string{"names no OIDC issuer"}},
		{"P-384 leaf key", detached(sigtest.Leaf{P384: true}), sigstore.ErrCertificate, []string{"ECDSA P-384, want ECDSA P-256"}},
		{"no SCT while the root lists CT logs", detached(sigtest.Leaf{NoSCT: true}), sigstore.ErrSCT, []string{"no signed certificate timestamp"}},
		{"SCT signed by another key under the log's ID", func(t *testing.T) error {
			var a, b map[string]any
			json.Unmarshal(ca.TrustedRootJSON(), &a)
			json.Unmarshal(sigtest.NewCA(t, sigtest.Options{}).TrustedRootJSON(), &b)
			a["ctlogs"].([]any)[0].(map[string]any)["publicKey"] = b["ctlogs"].([]any)[0].(map[string]any)["publicKey"]
			j, _ := json.Marshal(a)
			r, err := sigstore.ParseTrustedRoot(j)
			if err != nil {
				t.Fatal(err)
			}
			sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err = sigstore.VerifyDigest(sum[:], sig, cert, krel, r)
			return err
		}, sigstore.ErrSCT, []string{"SCT signature from CT log https://ctfe.sigtest.invalid does not verify"}},
		{"leaf issued before the CA existed", detached(sigtest.Leaf{NotBefore: now.Add(-2 * 365 * 24 * time.Hour)}), sigstore.ErrCertificate,
			[]string{"no CA of the trusted root was valid at the certificate's issuance"}},
		{"another CA", func(t *testing.T) error {
			sig, cert := sigtest.NewCA(t, sigtest.Options{}).SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sig, cert, krel, root)
			return err
		}, sigstore.ErrCertificate, []string{"certificate chain does not lead to a trusted Fulcio CA", "https://fulcio.sigtest.invalid"}},
		{"expired-at-issuance chain", func(t *testing.T) error {
			ca := sigtest.NewCA(t, sigtest.Options{IntermediateNotBefore: now.Add(-48 * time.Hour), IntermediateNotAfter: now.Add(-24 * time.Hour)})
			sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sig, cert, krel, rootOf(t, ca))
			return err
		}, sigstore.ErrCertificate, []string{"expired or is not yet valid"}},
		{"swapped file, matching sha256", func(t *testing.T) error {
			sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(other[:], sig, cert, krel, root)
			return err
		}, sigstore.ErrSignature, []string{"signature does not match the sha256"}},
		{"garbage base64 signature", func(t *testing.T) error {
			_, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sigtest.GarbageBase64, cert, krel, root)
			return err
		}, sigstore.ErrMalformed, []string{"signature file is not base64 of a DER ECDSA signature", `"this is *not* base64 {}`}},
		{"garbage base64 certificate", func(t *testing.T) error {
			sig, _ := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sig, sigtest.GarbageBase64, krel, root)
			return err
		}, sigstore.ErrMalformed, []string{"certificate file is neither PEM nor base64 of PEM"}},
		{"empty signature (missing .sig served as 200)", func(t *testing.T) error {
			_, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], nil, cert, krel, root)
			return err
		}, sigstore.ErrSignature, []string{"signature file is empty"}},
		{"signature of another leaf", func(t *testing.T) error {
			sig, _ := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sig, cert, krel, root)
			return err
		}, sigstore.ErrSignature, nil},
		{"oversized signature", func(t *testing.T) error {
			_, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], bytes.Repeat([]byte("A"), sigstore.MaxSignatureSize+1), cert, krel, root)
			return err
		}, sigstore.ErrMalformed, []string{"more than the 1024"}},
		{"short digest", func(t *testing.T) error {
			sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:20], sig, cert, krel, root)
			return err
		}, sigstore.ErrMalformed, []string{"want a 32-byte sha256"}},
		{"empty policy", func(t *testing.T) error {
			sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sig, cert, sigstore.Policy{}, root)
			return err
		}, sigstore.ErrIdentity, []string{"no expected signer identity"}},
		{"empty trusted root", func(t *testing.T) error {
			sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
			_, err := sigstore.VerifyDigest(sum[:], sig, cert, krel, &sigstore.TrustedRoot{})
			return err
		}, sigstore.ErrMalformed, []string{"trusted root is empty"}},

		{"bundle: integrated time after the leaf expired", bundle(sigtest.Leaf{}, sigtest.BundleOptions{IntegratedTime: now.Add(time.Hour)}, nil),
			sigstore.ErrTransparencyLog, []string{"outside the certificate's validity"}},
		{"bundle: integrated time before issuance", bundle(sigtest.Leaf{}, sigtest.BundleOptions{IntegratedTime: now.Add(-time.Hour)}, nil),
			sigstore.ErrTransparencyLog, []string{"outside the certificate's validity"}},
		// Without a SET nor a timestamp, nothing says when it was signed.
		{"bundle: no SET", bundle(sigtest.Leaf{}, sigtest.BundleOptions{NoSET: true}, nil), sigstore.ErrTimestamp, []string{"does not prove when it was signed"}},
		{"bundle: no SET, no inclusion proof", bundle(sigtest.Leaf{}, sigtest.BundleOptions{NoSET: true, NoInclusionProof: true}, nil),
			sigstore.ErrTransparencyLog, []string{"neither a signed entry timestamp nor an inclusion proof"}},
		{"bundle v0.1: no SET", bundle(sigtest.Leaf{}, sigtest.BundleOptions{NoSET: true, V01: true}, nil),
			sigstore.ErrTransparencyLog, []string{"no signed entry timestamp, which Rekor v1 gives every entry"}},
		{"bundle v0.3: no inclusion proof", bundle(sigtest.Leaf{}, sigtest.BundleOptions{NoInclusionProof: true}, nil),
			sigstore.ErrTransparencyLog, []string{"no inclusion proof, which a v0.2 or later bundle must carry"}},
		{"bundle: no Rekor entry", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			m["verificationMaterial"].(map[string]any)["tlogEntries"] = []any{}
		}), sigstore.ErrTransparencyLog, []string{"no Rekor entry"}},
		{"bundle: integrated time moved into the window", bundle(sigtest.Leaf{}, sigtest.BundleOptions{IntegratedTime: now.Add(time.Hour)}, func(m map[string]any) {
			entry(m)["integratedTime"] = "1"
		}), sigstore.ErrTransparencyLog, []string{"signed entry timestamp does not verify"}},
		{"bundle: log index changed", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			entry(m)["logIndex"] = "4243"
		}), sigstore.ErrTransparencyLog, []string{"signed entry timestamp does not verify"}},
		{"bundle: too many Rekor entries", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			vm := m["verificationMaterial"].(map[string]any)
			e := vm["tlogEntries"].([]any)[0]
			vm["tlogEntries"] = []any{e, e, e, e, e, e, e, e, e}
		}), sigstore.ErrMalformed, []string{"9 Rekor entries"}},
		{"bundle: second entry is the good one", func(t *testing.T) error {
			var a map[string]any
			json.Unmarshal(ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{}), &a)
			vm := a["verificationMaterial"].(map[string]any)
			good := vm["tlogEntries"].([]any)[0]
			vm["tlogEntries"] = []any{map[string]any{"logId": map[string]any{"keyId": "AAAA"}}, good}
			j, _ := json.Marshal(a)
			if _, err := sigstore.VerifyBundle(sum[:], j, krel, root); err != nil {
				t.Fatalf("a bad entry before a good one: %v", err)
			}
			// A failing entry of a listed log fails the bundle, even before
			// an entry of an unknown log.
			vm["tlogEntries"] = []any{good, map[string]any{"logId": map[string]any{"keyId": "AAAA"}}}
			m := good.(map[string]any)
			m["logIndex"] = "1"
			j, _ = json.Marshal(a)
			_, err := sigstore.VerifyBundle(sum[:], j, krel, root)
			return err
		}, sigstore.ErrTransparencyLog, []string{"signed entry timestamp does not verify"}},
		{"bundle: Rekor log unknown", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			entry(m)["logId"] = map[string]any{"keyId": base64.StdEncoding.EncodeToString(make([]byte, 32))}
		}), sigstore.ErrTransparencyLog, []string{"which the trusted root does not list"}},
		{"bundle: entry of another signature", func(t *testing.T) error {
			// A genuine entry for one signature, presented with another
			// signature over the same digest by another leaf.
			var a, b map[string]any
			json.Unmarshal(ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{}), &a)
			json.Unmarshal(ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{}), &b)
			a["verificationMaterial"].(map[string]any)["tlogEntries"] = b["verificationMaterial"].(map[string]any)["tlogEntries"]
			j, _ := json.Marshal(a)
			_, err := sigstore.VerifyBundle(sum[:], j, krel, root)
			return err
		}, sigstore.ErrTransparencyLog, []string{"logs another signature"}},
		{"bundle: message digest of another file", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			m["messageSignature"].(map[string]any)["messageDigest"].(map[string]any)["digest"] = base64.StdEncoding.EncodeToString(other[:])
		}), sigstore.ErrSignature, []string{"bundle signs SHA2_256"}},
		{"bundle: DSSE", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			delete(m, "messageSignature")
			m["dsseEnvelope"] = map[string]any{"payload": ""}
		}), sigstore.ErrSignature, []string{"DSSE envelope has 0 signatures"}},
		{"bundle: public key instead of certificate", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			vm := m["verificationMaterial"].(map[string]any)
			delete(vm, "certificate")
			vm["publicKey"] = map[string]any{"hint": "x"}
		}), sigstore.ErrIdentity, []string{"signed with a managed key", "verify it with that public key"}},
		{"bundle: unknown media type", bundle(sigtest.Leaf{}, sigtest.BundleOptions{}, func(m map[string]any) {
			m["mediaType"] = "application/json"
		}), sigstore.ErrMalformed, []string{"media type"}},
		{"bundle: wrong identity", bundle(sigtest.Leaf{Email: "mallory@example.com"}, sigtest.BundleOptions{}, nil), sigstore.ErrIdentity, nil},
		{"bundle: garbage", func(t *testing.T) error {
			_, err := sigstore.VerifyBundle(sum[:], sigtest.GarbageBase64, krel, root)
			return err
		}, sigstore.ErrMalformed, []string{"not Sigstore bundle JSON"}},
		{"bundle: oversized", func(t *testing.T) error {
			_, err := sigstore.VerifyBundle(sum[:], make([]byte, sigstore.MaxBundleSize+1), krel, root)
			return err
		}, sigstore.ErrMalformed, []string{"more than the"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run(t)
			wantErr(t, err, c.kind, c.says...)
			if strings.Contains(err.Error(), "%!") {
				t.Errorf("bad format in %q", err)
			}
		})
	}
}

func TestParseTrustedRootRefusals(t *testing.T) {
	good := sigtest.NewCA(t, sigtest.Options{}).TrustedRootJSON()
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, b := range map[string][]byte{
		"not JSON":         []byte("<html>"),
		"oversized":        make([]byte, sigstore.MaxTrustedRootSize+1),
		"other media type": edit(func(m map[string]any) { m["mediaType"] = "application/vnd.dev.sigstore.trustedroot+json;version=9" }),
		"no CA":            edit(func(m map[string]any) { m["certificateAuthorities"] = []any{} }),
		"CA without chain": edit(func(m map[string]any) {
			m["certificateAuthorities"].([]any)[0].(map[string]any)["certChain"] = map[string]any{}
		}),
		"CA cert is garbage": edit(func(m map[string]any) {
			m["certificateAuthorities"].([]any)[0].(map[string]any)["certChain"] = map[string]any{"certificates": []any{map[string]any{"rawBytes": "AAAA"}}}
		}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sigstore.ParseTrustedRoot(b)
			wantErr(t, err, sigstore.ErrMalformed)
		})
	}
	for _, mt := range []string{"application/vnd.dev.sigstore.trustedroot+json;version=0.2", "application/vnd.dev.sigstore.trustedroot.v0.2+json"} {
		if _, err := sigstore.ParseTrustedRoot(edit(func(m map[string]any) { m["mediaType"] = mt })); err != nil {
			t.Errorf("%s: %v", mt, err)
		}
	}
}

// TestCAValidityWindow: a CA whose validFor window closed before the
// leaf's issuance is not used, even though its certificates still are.
func TestCAValidityWindow(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	var m map[string]any
	if err := json.Unmarshal(ca.TrustedRootJSON(), &m); err != nil {
		t.Fatal(err)
	}
	m["certificateAuthorities"].([]any)[0].(map[string]any)["validFor"].(map[string]any)["end"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	b, _ := json.Marshal(m)
	root, err := sigstore.ParseTrustedRoot(b)
	if err != nil {
		t.Fatal(err)
	}
	sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
	_, err = sigstore.VerifyDigest(sum[:], sig, cert, sigstore.KubernetesRelease, root)
	wantErr(t, err, sigstore.ErrCertificate, "no CA of the trusted root was valid")
}
