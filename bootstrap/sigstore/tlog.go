package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strconv"
	"time"
)

// Rekor entry bodies this verifier reads. Rekor v1 entries carry their
// body, checked field by field against the bundle; a Rekor v2 entry's leaf
// is rebuilt from the bundle (hashedrekordV2Leaf), so its body is not read.

type hashedrekordJSON struct {
	Spec struct {
		Data struct {
			Hash struct {
				Algorithm string `json:"algorithm"`
				Value     string `json:"value"`
			} `json:"hash"`
		} `json:"data"`
		Signature struct {
			Content   []byte `json:"content"`
			PublicKey struct {
				Content []byte `json:"content"`
			} `json:"publicKey"`
		} `json:"signature"`
	} `json:"spec"`
}

type dsseEntryJSON struct {
	Spec struct {
		PayloadHash struct {
			Algorithm string `json:"algorithm"`
			Value     string `json:"value"`
		} `json:"payloadHash"`
		Signatures []struct {
			Signature []byte `json:"signature"`
			Verifier  []byte `json:"verifier"`
		} `json:"signatures"`
	} `json:"spec"`
}

type intotoEntryJSON struct {
	Spec struct {
		Content struct {
			Envelope struct {
				Signatures []struct {
					Sig       []byte `json:"sig"`
					PublicKey []byte `json:"publicKey"`
				} `json:"signatures"`
			} `json:"envelope"`
			PayloadHash struct {
				Algorithm string `json:"algorithm"`
				Value     string `json:"value"`
			} `json:"payloadHash"`
		} `json:"content"`
	} `json:"spec"`
}

// verifyEntry checks one Rekor entry against s. skipped reports an entry
// of a log root does not list (sigstore-go skips those too); at is the
// integrated time its signed entry timestamp vouches for, zero without one.
func (r *TrustedRoot) verifyEntry(e *tlogEntryJSON, s *signed, version int, res *Result) (at time.Time, skipped bool, err error) {
	log, ok := r.tlogs[string(e.LogID.KeyID)]
	if !ok {
		return time.Time{}, true, nil
	}
	kind := e.KindVersion.Kind + " " + e.KindVersion.Version
	v2 := kind == "hashedrekord 0.0.2"
	switch kind {
	case "hashedrekord 0.0.1", "dsse 0.0.1", "intoto 0.0.2", "hashedrekord 0.0.2":
	default:
		return time.Time{}, false, fail(ErrUnsupported, "the Rekor entry is a %q %q entry; this verifier reads hashedrekord 0.0.1 and 0.0.2, dsse 0.0.1 and intoto 0.0.2", e.KindVersion.Kind, e.KindVersion.Version)
	}
	if e.LogIndex < 0 || len(e.CanonicalizedBody) == 0 {
		return time.Time{}, false, fail(ErrTransparencyLog, "the Rekor entry has no body or a negative log index")
	}
	hasSET := e.InclusionPromise != nil && len(e.InclusionPromise.SignedEntryTimestamp) > 0
	proof := e.InclusionProof
	switch {
	case !hasSET && proof == nil:
		return time.Time{}, false, fail(ErrTransparencyLog, "the Rekor entry has neither a signed entry timestamp nor an inclusion proof")
	case version == 1 && !hasSET:
		return time.Time{}, false, fail(ErrTransparencyLog, "the Rekor entry has no signed entry timestamp, which Rekor v1 gives every entry")
	case version >= 2 && proof == nil:
		return time.Time{}, false, fail(ErrTransparencyLog, "the Rekor entry has no inclusion proof, which a v0.2 or later bundle must carry")
	case v2 && hasSET:
		return time.Time{}, false, fail(ErrTransparencyLog, "the Rekor v2 entry carries a signed entry timestamp, which Rekor v2 does not make")
	}
	if hasSET {
		if e.IntegratedTime <= 0 {
			return time.Time{}, false, fail(ErrTransparencyLog, "the Rekor entry has no integrated time")
		}
		// The SET signs the entry's canonical JSON: sorted keys, no
		// spaces. Base64 and hex need no JSON escaping.
		set := `{"body":"` + base64.StdEncoding.EncodeToString(e.CanonicalizedBody) +
			`","integratedTime":` + strconv.FormatInt(int64(e.IntegratedTime), 10) +
			`,"logID":"` + hex.EncodeToString(log.id) +
			`","logIndex":` + strconv.FormatInt(int64(e.LogIndex), 10) + `}`
		if !verifyWithKey(log.key, []byte(set), e.InclusionPromise.SignedEntryTimestamp) {
			return time.Time{}, false, fail(ErrTransparencyLog, "the signed entry timestamp does not verify with the key of Rekor log %s", log)
		}
		at = time.Unix(int64(e.IntegratedTime), 0)
		if !within(at, log.start, log.end) {
			return time.Time{}, false, fail(ErrTransparencyLog, "Rekor logged the signature at %s, outside the validity of log %s's key", at.UTC().Format(time.RFC3339), log)
		}
	}
	if proof != nil {
		if err := verifyProof(e, proof, log, s, v2); err != nil {
			return time.Time{}, false, err
		}
	}
	if !v2 {
		if err := checkV1Body(e, s); err != nil {
			return time.Time{}, false, err
		}
	}
	if e.IntegratedTime > 0 && s.leaf != nil {
		t := time.Unix(int64(e.IntegratedTime), 0)
		if t.Before(s.leaf.NotBefore) || t.After(s.leaf.NotAfter) {
			return time.Time{}, false, fail(ErrTransparencyLog, "Rekor logged the signature at %s, outside the certificate's validity (%s to %s)",
				t.UTC().Format(time.RFC3339), s.leaf.NotBefore.UTC().Format(time.RFC3339), s.leaf.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	if res.RekorLogID == "" {
		res.RekorLogID, res.LogIndex = hex.EncodeToString(log.id), int64(e.LogIndex)
		if !at.IsZero() {
			res.IntegratedTime = at.UTC()
		}
	}
	return at, false, nil
}

// verifyProof checks the entry's inclusion proof and its checkpoint.
func verifyProof(e *tlogEntryJSON, p *inclusionProofJSON, log logKey, s *signed, v2 bool) error {
	if p.Checkpoint.Envelope == "" {
		return fail(ErrTransparencyLog, "the inclusion proof has no checkpoint")
	}
	if !v2 {
		if p.LogIndex < 0 || p.TreeSize < 0 {
			return fail(ErrTransparencyLog, "the inclusion proof has a negative index or size")
		}
		if !verifyInclusion(uint64(p.LogIndex), uint64(p.TreeSize), leafHash(e.CanonicalizedBody), p.Hashes, p.RootHash) {
			return fail(ErrTransparencyLog, "the inclusion proof does not lead from the entry to root hash %x of tree size %d", p.RootHash, p.TreeSize)
		}
		cp, err := verifyCheckpointV1(p.Checkpoint.Envelope, log.key)
		if err != nil {
			return err
		}
		if !bytes.Equal(cp.root, p.RootHash) || cp.size != uint64(p.TreeSize) {
			return fail(ErrTransparencyLog, "the checkpoint is for tree size %d, root hash %x; the inclusion proof's is %d, %x", cp.size, cp.root, p.TreeSize, p.RootHash)
		}
		return nil
	}
	u, err := url.Parse(log.url)
	if err != nil || u.Hostname() == "" {
		return fail(ErrTransparencyLog, "the trusted root gives Rekor log %x no base URL, which names its checkpoints", log.id)
	}
	cp, err := verifyCheckpoint(p.Checkpoint.Envelope, u.Hostname(), log.key)
	if err != nil {
		return err
	}
	leaf, err := hashedrekordV2Leaf(s)
	if err != nil {
		return err
	}
	if !verifyInclusion(uint64(e.LogIndex), cp.size, leaf, p.Hashes, cp.root) {
		return fail(ErrTransparencyLog, "the inclusion proof does not lead from this signature's entry to the checkpoint's root hash (tree size %d)", cp.size)
	}
	return nil
}

// hashedrekordV2Leaf rebuilds the leaf hash of the Rekor v2 hashedrekord
// 0.0.2 entry of s: the canonical (RFC 8785) JSON of the entry naming the
// digest (of the file, or of the envelope's PAE), the signature and the
// signer, as rekor-tiles writes it.
func hashedrekordV2Leaf(s *signed) ([]byte, error) {
	var details string
	switch k := s.key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			details = "PKIX_ECDSA_P256_SHA_256"
		}
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048, 3072, 4096:
			details = "PKIX_RSA_PKCS1V15_" + strconv.Itoa(k.N.BitLen()) + "_SHA256"
		}
	}
	if details == "" {
		return nil, fail(ErrUnsupported, "Rekor v2 entries for %s keys use a digest other than SHA-256, which this verifier does not compute", keyName(s.key))
	}
	digest := s.digest
	if s.env != nil {
		d := sha256.Sum256(pae(s.env.payloadType, s.env.payload))
		digest = d[:]
	}
	b64 := base64.StdEncoding.EncodeToString
	verifier := `{"keyDetails":"` + details + `",`
	if s.leaf != nil {
		verifier += `"x509Certificate":{"rawBytes":"` + b64(s.leaf.Raw) + `"}}`
	} else {
		der, err := x509.MarshalPKIXPublicKey(s.key)
		if err != nil {
			return nil, fail(ErrUnsupported, "the managed key does not encode as PKIX: %v", err)
		}
		verifier += `"publicKey":{"rawBytes":"` + b64(der) + `"}}`
	}
	body := `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"` +
		b64(digest) + `"},"signature":{"content":"` + b64(s.sig) + `","verifier":` + verifier + `}}}}`
	return leafHash([]byte(body)), nil
}

// checkV1Body checks that a Rekor v1 entry logs exactly s: the digest (or
// the envelope's payload), the signature and the signer.
func checkV1Body(e *tlogEntryJSON, s *signed) error {
	var head struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(e.CanonicalizedBody, &head); err != nil || head.Kind != e.KindVersion.Kind || head.APIVersion != e.KindVersion.Version {
		return fail(ErrTransparencyLog, "the Rekor entry body is not the %s %s entry its kind says", e.KindVersion.Kind, e.KindVersion.Version)
	}
	var sig, signer []byte
	var payloadHash string
	switch head.Kind {
	case "hashedrekord":
		if s.env != nil {
			return fail(ErrTransparencyLog, "the Rekor entry is a hashedrekord entry, for a message signature, not a DSSE envelope")
		}
		var body hashedrekordJSON
		if err := json.Unmarshal(e.CanonicalizedBody, &body); err != nil {
			return fail(ErrTransparencyLog, "the Rekor entry body does not parse: %v", err)
		}
		h := body.Spec.Data.Hash
		if h.Algorithm != "sha256" || h.Value != hex.EncodeToString(s.digest) {
			return fail(ErrTransparencyLog, "the Rekor entry logs %s %s, the file's sha256 is %x", h.Algorithm, h.Value, s.digest)
		}
		sig, signer = body.Spec.Signature.Content, body.Spec.Signature.PublicKey.Content
	case "dsse":
		var body dsseEntryJSON
		if err := json.Unmarshal(e.CanonicalizedBody, &body); err != nil || len(body.Spec.Signatures) == 0 {
			return fail(ErrTransparencyLog, "the Rekor dsse entry body does not parse")
		}
		sig, signer = body.Spec.Signatures[0].Signature, body.Spec.Signatures[0].Verifier
		if body.Spec.PayloadHash.Algorithm != "sha256" {
			return fail(ErrTransparencyLog, "the Rekor dsse entry hashes the payload with %q, want sha256", body.Spec.PayloadHash.Algorithm)
		}
		payloadHash = body.Spec.PayloadHash.Value
	case "intoto":
		var body intotoEntryJSON
		if err := json.Unmarshal(e.CanonicalizedBody, &body); err != nil || len(body.Spec.Content.Envelope.Signatures) == 0 {
			return fail(ErrTransparencyLog, "the Rekor intoto entry body does not parse")
		}
		s0 := body.Spec.Content.Envelope.Signatures[0]
		// intoto 0.0.2 encodes the signature in base64 twice.
		d, err := base64.StdEncoding.DecodeString(string(s0.Sig))
		if err != nil {
			return fail(ErrTransparencyLog, "the Rekor intoto entry's signature is not base64")
		}
		sig, signer = d, s0.PublicKey
		if body.Spec.Content.PayloadHash.Algorithm != "sha256" {
			return fail(ErrTransparencyLog, "the Rekor intoto entry hashes the payload with %q, want sha256", body.Spec.Content.PayloadHash.Algorithm)
		}
		payloadHash = body.Spec.Content.PayloadHash.Value
	}
	if head.Kind != "hashedrekord" {
		if s.env == nil {
			return fail(ErrTransparencyLog, "the Rekor entry is a %s entry, for a DSSE envelope, not a message signature", head.Kind)
		}
		if sum := sha256.Sum256(s.env.payload); payloadHash != hex.EncodeToString(sum[:]) {
			return fail(ErrTransparencyLog, "the Rekor entry logs another DSSE payload (sha256 %s) than the envelope's (%x)", payloadHash, sum)
		}
	}
	if !bytes.Equal(sig, s.sig) {
		return fail(ErrTransparencyLog, "the Rekor entry logs another signature than the one verified")
	}
	if !sameSigner(signer, s) {
		return fail(ErrTransparencyLog, "the Rekor entry logs another certificate or key than the one verified")
	}
	return nil
}

// sameSigner reports whether logged, a PEM certificate or public key, is
// s's signer.
func sameSigner(logged []byte, s *signed) bool {
	blk, _ := pem.Decode(logged)
	if blk == nil {
		return false
	}
	if s.leaf != nil {
		c, err := x509.ParseCertificate(blk.Bytes)
		return err == nil && blk.Type == "CERTIFICATE" && c.Equal(s.leaf)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return false
	}
	eq, ok := k.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(s.key)
}
