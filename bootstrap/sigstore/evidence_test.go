package sigstore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// The evidence a bundle carries of when and where it was logged:
// inclusion proofs, checkpoints, Rekor v2 entries and RFC 3161
// timestamps, made by the test CA and then tampered with.

func sha256Of(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// editBundle returns b with edit applied to its JSON.
func editBundle(t *testing.T, b []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func firstEntry(m map[string]any) map[string]any {
	return m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
}

func proofOf(m map[string]any) map[string]any {
	return firstEntry(m)["inclusionProof"].(map[string]any)
}

// flipB64 flips one bit of the base64 value s.
func flipB64(t *testing.T, s string, at int) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	b[at%len(b)] ^= 1
	return base64.StdEncoding.EncodeToString(b)
}

func TestRekorV2BundleVerifies(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	b := ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{RekorV2: true})
	res, err := sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, rootOf(t, ca))
	if err != nil {
		t.Fatal(err)
	}
	if !res.IntegratedTime.IsZero() || res.TimestampAuthority != "https://tsa.sigtest.invalid" ||
		!res.Timestamp.Equal(res.NotBefore.Add(time.Second)) || !res.SignedAt.Equal(res.Timestamp) || res.LogIndex != 1 {
		t.Errorf("result %+v", res)
	}
	// A Rekor v1 bundle with a timestamp too: both times are checked.
	b = ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{Timestamp: true})
	if res, err = sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, rootOf(t, ca)); err != nil || res.IntegratedTime.IsZero() || res.Timestamp.IsZero() {
		t.Fatalf("v1 with timestamp: %+v, %v", res, err)
	}
}

func TestEvidenceAttacks(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	other := sigtest.NewCA(t, sigtest.Options{}) // same names, other keys
	root := rootOf(t, ca)
	krel := sigstore.KubernetesRelease
	now := time.Now()
	v2 := sigtest.BundleOptions{RekorV2: true}
	cases := []struct {
		name string
		opts sigtest.BundleOptions
		edit func(t *testing.T, m map[string]any)
		kind error
		says string
	}{
		{"v1: audit path hash flipped", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			p := proofOf(m)
			p["hashes"].([]any)[1] = flipB64(t, p["hashes"].([]any)[1].(string), 7)
		}, sigstore.ErrTransparencyLog, "inclusion proof does not lead"},
		{"v1: audit path shortened", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			p := proofOf(m)
			p["hashes"] = p["hashes"].([]any)[:1]
		}, sigstore.ErrTransparencyLog, "inclusion proof does not lead"},
		{"v1: proof for another index", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			proofOf(m)["logIndex"] = "2"
		}, sigstore.ErrTransparencyLog, "inclusion proof does not lead"},
		{"v1: checkpoint signature flipped", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			cp := proofOf(m)["checkpoint"].(map[string]any)
			env := cp["envelope"].(string)
			i := strings.LastIndex(env, " ")
			cp["envelope"] = env[:i+1] + flipB64(t, strings.TrimSuffix(env[i+1:], "\n"), 20) + "\n"
		}, sigstore.ErrTransparencyLog, "does not verify with the log's key"},
		{"v1: checkpoint of another root hash", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			// A self-consistent proof and checkpoint for another entry.
			var o map[string]any
			json.Unmarshal(ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{}), &o)
			proofOf(m)["checkpoint"] = proofOf(o)["checkpoint"]
		}, sigstore.ErrTransparencyLog, "checkpoint is for tree size 3, root hash"},
		{"v1: no checkpoint", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			delete(proofOf(m), "checkpoint")
		}, sigstore.ErrTransparencyLog, "no checkpoint"},
		{"v2: checkpoint signed by another log key", v2, func(t *testing.T, m map[string]any) {
			var o map[string]any
			json.Unmarshal(other.Bundle(t, sum[:], sigtest.Leaf{}, v2), &o)
			proofOf(m)["checkpoint"] = proofOf(o)["checkpoint"]
		}, sigstore.ErrTransparencyLog, "checkpoint carries no signature of log rekor.sigtest.invalid"},
		{"v2: checkpoint text changed", v2, func(t *testing.T, m map[string]any) {
			cp := proofOf(m)["checkpoint"].(map[string]any)
			cp["envelope"] = strings.Replace(cp["envelope"].(string), "\n3\n", "\n4\n", 1)
		}, sigstore.ErrTransparencyLog, "does not verify with the log's key"},
		{"v2: audit path of another entry", v2, func(t *testing.T, m map[string]any) {
			var o map[string]any
			json.Unmarshal(ca.Bundle(t, sum[:], sigtest.Leaf{}, v2), &o)
			firstEntry(m)["inclusionProof"] = proofOf(o)
		}, sigstore.ErrTransparencyLog, "does not lead from this signature's entry"},
		{"v2: no inclusion proof", sigtest.BundleOptions{RekorV2: true, NoInclusionProof: true}, nil,
			sigstore.ErrTransparencyLog, "neither a signed entry timestamp nor an inclusion proof"},
		{"v2: no timestamp", v2, func(t *testing.T, m map[string]any) {
			delete(m["verificationMaterial"].(map[string]any), "timestampVerificationData")
		}, sigstore.ErrTimestamp, "does not prove when it was signed"},
		{"v2: timestamp of another signature", v2, func(t *testing.T, m map[string]any) {
			m["verificationMaterial"].(map[string]any)["timestampVerificationData"] = map[string]any{"rfc3161Timestamps": []any{
				map[string]any{"signedTimestamp": ca.Timestamp(t, []byte("another signature"), now)}}}
		}, sigstore.ErrTimestamp, "stamps another message"},
		{"v2: timestamp by another authority", v2, func(t *testing.T, m map[string]any) {
			sig := m["messageSignature"].(map[string]any)["signature"].(string)
			raw, _ := base64.StdEncoding.DecodeString(sig)
			m["verificationMaterial"].(map[string]any)["timestampVerificationData"] = map[string]any{"rfc3161Timestamps": []any{
				map[string]any{"signedTimestamp": other.Timestamp(t, raw, now)}}}
		}, sigstore.ErrTimestamp, "the embedded signer certificate is not the authority's"},
		{"v2: timestamp after the certificate expired", sigtest.BundleOptions{RekorV2: true, TimestampTime: now.Add(time.Hour)}, nil,
			sigstore.ErrTimestamp, "outside the certificate's validity"},
		{"v2: timestamp byte flipped", v2, func(t *testing.T, m map[string]any) {
			ts := m["verificationMaterial"].(map[string]any)["timestampVerificationData"].(map[string]any)["rfc3161Timestamps"].([]any)[0].(map[string]any)
			ts["signedTimestamp"] = flipB64(t, ts["signedTimestamp"].(string), -1+len(ts["signedTimestamp"].(string))*3/4-2)
		}, sigstore.ErrTimestamp, ""},
		{"v2: entry claims a SET", v2, func(t *testing.T, m map[string]any) {
			firstEntry(m)["inclusionPromise"] = map[string]any{"signedEntryTimestamp": "MAYCAQECAQE="}
		}, sigstore.ErrTransparencyLog, "Rekor v2 does not make"},
		{"v2: digest of another file", v2, func(t *testing.T, m map[string]any) {
			delete(m["messageSignature"].(map[string]any), "messageDigest")
		}, nil, ""}, // control: the digest is a hint; the signature still holds
		{"bundle v0.4", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			m["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.4+json"
		}, sigstore.ErrUnsupported, "v0.1 to v0.3"},
		{"Rekor entry of kind rekord", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			firstEntry(m)["kindVersion"] = map[string]any{"kind": "rekord", "version": "0.0.1"}
		}, sigstore.ErrUnsupported, `"rekord" "0.0.1"`},
		{"same entry twice", sigtest.BundleOptions{}, func(t *testing.T, m map[string]any) {
			vm := m["verificationMaterial"].(map[string]any)
			vm["tlogEntries"] = append(vm["tlogEntries"].([]any), vm["tlogEntries"].([]any)[0])
		}, sigstore.ErrTransparencyLog, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := ca.Bundle(t, sum[:], sigtest.Leaf{}, c.opts)
			if c.edit != nil {
				b = editBundle(t, b, func(m map[string]any) { c.edit(t, m) })
			}
			_, err := sigstore.VerifyBundle(sum[:], b, krel, root)
			if c.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if c.says == "" {
				wantErr(t, err, c.kind)
			} else {
				wantErr(t, err, c.kind, c.says)
			}
		})
	}
}

// TestTimestampAuthorityWindow: the authority's validFor window in the
// trusted root bounds the times it vouches for, both ends inclusive.
func TestTimestampAuthorityWindow(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	b := ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{RekorV2: true})
	res, err := sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, rootOf(t, ca))
	if err != nil {
		t.Fatal(err)
	}
	withEnd := func(end time.Time) *sigstore.TrustedRoot {
		var m map[string]any
		json.Unmarshal(ca.TrustedRootJSON(), &m)
		m["timestampAuthorities"].([]any)[0].(map[string]any)["validFor"].(map[string]any)["end"] = end.UTC().Format(time.RFC3339Nano)
		j, _ := json.Marshal(m)
		r, err := sigstore.ParseTrustedRoot(j)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if _, err := sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, withEnd(res.Timestamp)); err != nil {
		t.Errorf("window ending at the stamped time: %v", err)
	}
	_, err = sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, withEnd(res.Timestamp.Add(-time.Second)))
	wantErr(t, err, sigstore.ErrTimestamp, "outside https://tsa.sigtest.invalid's validity")
}

// TestTrustedRootNeverWeaker: a key that does not parse, or lacks
// validFor.start, fails the whole root instead of being left out (which
// would turn off the SCT or Rekor requirement it stands for).
func TestTrustedRootNeverWeaker(t *testing.T) {
	good := sigtest.NewCA(t, sigtest.Options{}).TrustedRootJSON()
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	log := func(m map[string]any, list string) map[string]any {
		return m[list].([]any)[0].(map[string]any)
	}
	for name, c := range map[string]struct {
		b    []byte
		says string
	}{
		"CT log key garbage": {edit(func(m map[string]any) {
			log(m, "ctlogs")["publicKey"].(map[string]any)["rawBytes"] = "AAAA"
		}), "CT log 0 (https://ctfe.sigtest.invalid): public key"},
		"Rekor key garbage": {edit(func(m map[string]any) {
			log(m, "tlogs")["publicKey"].(map[string]any)["rawBytes"] = "AAAA"
		}), "Rekor log 0 (https://rekor.sigtest.invalid): public key"},
		"Rekor key without validFor.start": {edit(func(m map[string]any) {
			delete(log(m, "tlogs")["publicKey"].(map[string]any)["validFor"].(map[string]any), "start")
		}), "no validFor.start"},
		"CT key without validFor": {edit(func(m map[string]any) {
			delete(log(m, "ctlogs")["publicKey"].(map[string]any), "validFor")
		}), "no validFor.start"},
		"Rekor log without log ID": {edit(func(m map[string]any) {
			delete(log(m, "tlogs"), "logId")
		}), "no log ID"},
		"Rekor log of another tree hash": {edit(func(m map[string]any) {
			log(m, "tlogs")["hashAlgorithm"] = "SHA2_384"
		}), "SHA2_384"},
		"TSA certificate garbage": {edit(func(m map[string]any) {
			m["timestampAuthorities"].([]any)[0].(map[string]any)["certChain"] = map[string]any{"certificates": []any{map[string]any{"rawBytes": "AAAA"}}}
		}), "timestamp authority 0"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sigstore.ParseTrustedRoot(c.b)
			wantErr(t, err, sigstore.ErrMalformed, c.says)
		})
	}
}

// TestInTotoSubject: a genuine in-toto attestation of the conformance
// suite verifies only for the file it names.
func TestInTotoSubject(t *testing.T) {
	d := filepath.Join(sigtest.ConformanceDir(t), "happy-path-intoto-in-dsse-v3")
	b := read(t, d, "bundle.sigstore.json")
	art := read(t, filepath.Dir(d), "a.txt")
	good := sha256Of(art)
	if _, err := sigstore.VerifyBundle(good, b, beaconPolicy, nil); err != nil {
		t.Fatal(err)
	}
	_, err := sigstore.VerifyBundle(sha256Of(append(art, '!')), b, beaconPolicy, nil)
	wantErr(t, err, sigstore.ErrSignature, "does not name sha256")
	// Another payload type is not read as a statement.
	b2 := editBundle(t, b, func(m map[string]any) {
		m["dsseEnvelope"].(map[string]any)["payloadType"] = "text/plain"
	})
	_, err = sigstore.VerifyBundle(good, b2, beaconPolicy, nil)
	wantErr(t, err, sigstore.ErrUnsupported, "text/plain")
}

// TestManagedKey: a bundle signed with a managed key verifies with that
// key only, and a certificate policy refuses it as such.
func TestManagedKey(t *testing.T) {
	d := filepath.Join(sigtest.ConformanceDir(t), "managed-key-happy-path")
	b := read(t, d, "bundle.sigstore.json")
	good := sha256Of(read(t, filepath.Dir(d), "a.txt"))
	key, err := sigstore.ParsePublicKey(read(t, d, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sigstore.VerifyBundle(good, b, sigstore.Policy{Key: key}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = sigstore.VerifyBundle(good, b, beaconPolicy, nil)
	wantErr(t, err, sigstore.ErrIdentity, "signed with a managed key")
	_, err = sigstore.VerifyBundle(good, b, sigstore.Policy{Key: key, Identity: beacon}, nil)
	wantErr(t, err, sigstore.ErrIdentity, "both a key and a signer identity")
	// A certificate bundle with a key policy.
	hp := filepath.Join(sigtest.ConformanceDir(t), "happy-path-v0.3")
	_, err = sigstore.VerifyBundle(good, read(t, hp, "bundle.sigstore.json"), sigstore.Policy{Key: key}, nil)
	wantErr(t, err, sigstore.ErrIdentity, "not the managed key given")
	// A .sig/.cert pair is never checked against a managed key.
	_, err = sigstore.VerifyDigest(good, []byte("MAYCAQECAQE="), []byte("x"), sigstore.Policy{Key: key}, nil)
	wantErr(t, err, sigstore.ErrCertificate, "not a managed key")
	_, err = sigstore.ParsePublicKey([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	wantErr(t, err, sigstore.ErrMalformed, "no PEM PUBLIC KEY")
}

// TestChainWithRoot: a v0.1 bundle's certificate chain may carry
// intermediates, but a root it brings itself is refused: trust comes from
// the trusted root only.
func TestChainWithRoot(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	b := ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{V01: true})
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sigtest"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	root, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	withRoot := editBundle(t, b, func(m map[string]any) {
		ch := m["verificationMaterial"].(map[string]any)["x509CertificateChain"].(map[string]any)
		ch["certificates"] = append(ch["certificates"].([]any), map[string]any{"rawBytes": root})
	})
	if _, err := sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, rootOf(t, ca)); err != nil {
		t.Fatal(err)
	}
	_, err = sigstore.VerifyBundle(sum[:], withRoot, sigstore.KubernetesRelease, rootOf(t, ca))
	wantErr(t, err, sigstore.ErrCertificate, "holds a root")
}
