package sigstore_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// Rekor's answer for a detached .sig/.cert pair, made by the test CA's
// log and then lied about.

// editAnswer returns a with edit applied to its one entry.
func editAnswer(t *testing.T, a []byte, edit func(e map[string]any)) []byte {
	t.Helper()
	var list []map[string]map[string]any
	if err := json.Unmarshal(a, &list); err != nil {
		t.Fatal(err)
	}
	for _, e := range list[0] {
		edit(e)
	}
	out, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flipHex(t *testing.T, s string, at int) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	b[at%len(b)] ^= 1
	return hex.EncodeToString(b)
}

func TestVerifyRekorAnswer(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	other := sigtest.NewCA(t, sigtest.Options{}) // same names, other keys
	root := rootOf(t, ca)
	sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
	sig2, cert2 := ca.SignDigest(t, sum[:], sigtest.Leaf{})
	otherSum := sha256Of([]byte("another file"))
	proof := func(e map[string]any) map[string]any {
		return e["verification"].(map[string]any)["inclusionProof"].(map[string]any)
	}
	cases := []struct {
		name   string
		answer func(t *testing.T) []byte
		kind   error
		says   string
	}{
		{"the entry", func(t *testing.T) []byte { return ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}) }, nil, ""},
		{"no inclusion proof", func(t *testing.T) []byte {
			return ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{NoInclusionProof: true})
		}, nil, ""},
		{"entry for another digest", func(t *testing.T) []byte {
			return ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{Digest: otherSum})
		}, sigstore.ErrTransparencyLog, "logs sha256 " + hex.EncodeToString(otherSum)},
		{"entry for another signature and certificate", func(t *testing.T) []byte {
			return ca.RekorAnswer(t, sum[:], sig2, cert2, sigtest.LogOptions{})
		}, sigstore.ErrTransparencyLog, "another signature"},
		{"SET by another key", func(t *testing.T) []byte {
			return ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{ForgeSET: true})
		}, sigstore.ErrTransparencyLog, "signed entry timestamp does not verify"},
		{"no SET", func(t *testing.T) []byte {
			return editAnswer(t, ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), func(e map[string]any) {
				delete(e["verification"].(map[string]any), "signedEntryTimestamp")
			})
		}, sigstore.ErrTransparencyLog, "no signed entry timestamp"},
		{"integrated time after the certificate expired", func(t *testing.T) []byte {
			return ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{IntegratedTime: time.Now().Add(time.Hour)})
		}, sigstore.ErrTransparencyLog, "outside the certificate's validity"},
		{"integrated time before the certificate", func(t *testing.T) []byte {
			return ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{IntegratedTime: time.Now().Add(-time.Hour)})
		}, sigstore.ErrTransparencyLog, "outside the certificate's validity"},
		{"integrated time changed after signing", func(t *testing.T) []byte {
			return editAnswer(t, ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), func(e map[string]any) {
				e["integratedTime"] = e["integratedTime"].(float64) + 1
			})
		}, sigstore.ErrTransparencyLog, "signed entry timestamp does not verify"},
		{"tampered proof: audit path hash flipped", func(t *testing.T) []byte {
			return editAnswer(t, ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), func(e map[string]any) {
				h := proof(e)["hashes"].([]any)
				h[0] = flipHex(t, h[0].(string), 3)
			})
		}, sigstore.ErrTransparencyLog, "inclusion proof does not lead"},
		{"tampered proof: root hash and checkpoint disagree", func(t *testing.T) []byte {
			return editAnswer(t, ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), func(e map[string]any) {
				p := proof(e)
				p["checkpoint"] = strings.Replace(p["checkpoint"].(string), "\n3\n", "\n4\n", 1)
			})
		}, sigstore.ErrTransparencyLog, "does not verify with the log's key"},
		{"tampered proof: no checkpoint", func(t *testing.T) []byte {
			return editAnswer(t, ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), func(e map[string]any) {
				delete(proof(e), "checkpoint")
			})
		}, sigstore.ErrTransparencyLog, "no checkpoint"},
		{"entry of a log the root does not list", func(t *testing.T) []byte {
			return other.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{})
		}, sigstore.ErrNoLogEntry, "does not list"},
		{"no entry", func(t *testing.T) []byte { return []byte("[]") }, sigstore.ErrNoLogEntry, "Rekor v2"},
		{"not a rekor answer", func(t *testing.T) []byte { return []byte("<html>captive portal</html>") }, sigstore.ErrMalformed, "not a list of log entries"},
		{"log ID not hex", func(t *testing.T) []byte {
			return editAnswer(t, ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), func(e map[string]any) { e["logID"] = "zz" })
		}, sigstore.ErrMalformed, "hex ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := sigstore.VerifyRekorAnswer(sum[:], sig, cert, c.answer(t), root)
			if c.kind != nil {
				wantErr(t, err, c.kind, c.says)
				if strings.Contains(err.Error(), "bundle") {
					t.Fatalf("a Rekor answer's error speaks of a bundle: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.LogIndex != 4242 || e.LogID == "" || e.IntegratedTime.IsZero() {
				t.Fatalf("entry %+v", e)
			}
			if e.InclusionProof != !strings.Contains(c.name, "no inclusion proof") {
				t.Fatalf("InclusionProof = %v", e.InclusionProof)
			}
		})
	}
}

// TestRekorQueryIsTheLoggedEntry: the proposed entry RekorQuery sends is,
// byte for byte, the canonical body Rekor logs for the pair, so Rekor
// finds it by its hash.
func TestRekorQueryIsTheLoggedEntry(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	sig, cert := ca.SignDigest(t, sum[:], sigtest.Leaf{})
	q, err := sigstore.RekorQuery(sum[:], sig, cert)
	if err != nil {
		t.Fatal(err)
	}
	var query struct{ Entries []json.RawMessage }
	if err := json.Unmarshal(q, &query); err != nil || len(query.Entries) != 1 {
		t.Fatalf("query %s: %v", q, err)
	}
	var list []map[string]struct{ Body []byte }
	if err := json.Unmarshal(ca.RekorAnswer(t, sum[:], sig, cert, sigtest.LogOptions{}), &list); err != nil {
		t.Fatal(err)
	}
	for _, e := range list[0] {
		if !bytes.Equal(query.Entries[0], e.Body) {
			t.Fatalf("proposed entry\n%s\nlogged body\n%s", query.Entries[0], e.Body)
		}
	}
	if _, err := sigstore.RekorQuery(sum[:], sigtest.GarbageBase64, cert); err == nil {
		t.Fatal("a garbage signature made a query")
	}
}
