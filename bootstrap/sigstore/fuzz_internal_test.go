package sigstore

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// Fuzz targets for the parsers of bundle evidence: checkpoints (signed
// notes), RFC 3161 timestamps and DSSE envelopes. No panic, and every
// failure is an *Error matching ErrVerification. Seeds come from the test
// CA and, when present, the conformance suite's bundles (read at run
// time, never stored in testdata).

// conformanceBundles returns the suite's decoded bundles, or none.
func conformanceBundles() []bundleJSON {
	fx, _ := sigtest.FixturesDir()
	dir := filepath.Join(filepath.Dir(fx), "sigstore-conformance", "bundle-verify")
	entries, _ := os.ReadDir(dir)
	var out []bundleJSON
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "bundle.sigstore.json"))
		var j bundleJSON
		if err == nil && json.Unmarshal(b, &j) == nil {
			out = append(out, j)
		}
	}
	return out
}

func checkInternalErr(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if err != nil && (!errors.As(err, &e) || !errors.Is(err, verifyerr.ErrVerification)) {
		t.Fatalf("error %q (%T) is not an *Error matching ErrVerification", err, err)
	}
}

func testRoot(f *testing.F, ca *sigtest.CA) *TrustedRoot {
	r, err := ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		f.Fatal(err)
	}
	return r
}

func FuzzParseCheckpoint(f *testing.F) {
	ca := sigtest.NewCA(f, sigtest.Options{})
	root := testRoot(f, ca)
	var log logKey
	for _, l := range root.tlogs {
		log = l
	}
	sum := sha256.Sum256([]byte("x"))
	for _, o := range []sigtest.BundleOptions{{}, {RekorV2: true}} {
		var j bundleJSON
		if err := json.Unmarshal(ca.Bundle(f, sum[:], sigtest.Leaf{}, o), &j); err != nil {
			f.Fatal(err)
		}
		f.Add(j.VerificationMaterial.TlogEntries[0].InclusionProof.Checkpoint.Envelope)
	}
	for _, j := range conformanceBundles() {
		for _, e := range j.VerificationMaterial.TlogEntries {
			if e.InclusionProof != nil {
				f.Add(e.InclusionProof.Checkpoint.Envelope)
			}
		}
	}
	f.Add("origin\n1\nAAAA\n\n\u2014 origin AAAAAAA=\n")
	f.Fuzz(func(t *testing.T, env string) {
		if n, err := parseNote(env); err == nil {
			if n.text == "" || n.text[len(n.text)-1] != '\n' || len(n.sigs) == 0 || len(n.sigs) > maxNoteSignatures {
				t.Fatalf("parseNote accepted %q as %+v", env, n)
			}
			cp, err := parseCheckpointText(n.text)
			checkInternalErr(t, err)
			if err == nil && (cp.origin == "" || len(cp.root) != sha256.Size) {
				t.Fatalf("checkpoint %+v", cp)
			}
		} else {
			checkInternalErr(t, err)
		}
		_, err := verifyCheckpoint(env, "rekor.sigtest.invalid", log.key)
		checkInternalErr(t, err)
		_, err = verifyCheckpointV1(env, log.key)
		checkInternalErr(t, err)
		verifyInclusion(1, 3, sum[:], [][]byte{[]byte(env)}, sum[:])
	})
}

func FuzzParseTimestamp(f *testing.F) {
	ca := sigtest.NewCA(f, sigtest.Options{})
	root := testRoot(f, ca)
	msg := []byte("a signature")
	f.Add(ca.Timestamp(f, msg, time.Now()))
	for _, j := range conformanceBundles() {
		if tv := j.VerificationMaterial.TimestampVerificationData; tv != nil {
			for _, ts := range tv.RFC3161Timestamps {
				f.Add(ts.SignedTimestamp)
			}
		}
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		tok, err := parseTimestamp(der)
		checkInternalErr(t, err)
		if err == nil && (tok.hash == 0 || tok.digest == 0 || tok.signed == nil) {
			t.Fatalf("token %+v", tok)
		}
		at, uri, err := root.verifyTimestamp(der, msg)
		checkInternalErr(t, err)
		if err == nil && (at.IsZero() || uri == "") {
			t.Fatalf("verified without a time or authority")
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	for _, j := range conformanceBundles() {
		if j.DSSEEnvelope != nil {
			f.Add([]byte(j.DSSEEnvelope))
		}
	}
	f.Add([]byte(`{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}`))
	f.Add([]byte(`{"payload":"eyJzdWJqZWN0IjpbeyJkaWdlc3QiOnsic2hhMjU2IjoiMDAifX1dfQ==","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}`))
	sum := sha256.Sum256([]byte("x"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := parseEnvelope(raw)
		checkInternalErr(t, err)
		if err != nil {
			return
		}
		if len(e.sig) == 0 || len(e.payload) == 0 || e.payloadType != InTotoPayloadType {
			t.Fatalf("envelope %+v", e)
		}
		checkInternalErr(t, e.checkSubject(sum[:]))
		if p := pae(e.payloadType, e.payload); len(p) < len(e.payload)+len(e.payloadType)+len("DSSEv1    ") {
			t.Fatalf("PAE %q too short", p)
		}
	})
}
