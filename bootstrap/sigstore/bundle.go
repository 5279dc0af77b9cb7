package sigstore

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// maxTlogEntries bounds the signature checks one bundle can cost (cosign
// writes one entry).
const maxTlogEntries = 8

var bundleMediaTypes = map[string]bool{
	"application/vnd.dev.sigstore.bundle+json;version=0.1": true,
	"application/vnd.dev.sigstore.bundle+json;version=0.2": true,
	"application/vnd.dev.sigstore.bundle+json;version=0.3": true,
	"application/vnd.dev.sigstore.bundle.v0.3+json":        true,
}

// pbInt64 is a protobuf-JSON int64: a decimal string, or a number.
type pbInt64 int64

func (n *pbInt64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*n = pbInt64(v)
	return err
}

type tlogEntryJSON struct {
	LogIndex pbInt64 `json:"logIndex"`
	LogID    struct {
		KeyID []byte `json:"keyId"`
	} `json:"logId"`
	KindVersion struct {
		Kind    string `json:"kind"`
		Version string `json:"version"`
	} `json:"kindVersion"`
	IntegratedTime   pbInt64 `json:"integratedTime"`
	InclusionPromise *struct {
		SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
	} `json:"inclusionPromise"`
	CanonicalizedBody []byte `json:"canonicalizedBody"`
}

type bundleJSON struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		Certificate          *rawCert `json:"certificate"`
		X509CertificateChain *struct {
			Certificates []rawCert `json:"certificates"`
		} `json:"x509CertificateChain"`
		TlogEntries []tlogEntryJSON `json:"tlogEntries"`
	} `json:"verificationMaterial"`
	MessageSignature *struct {
		MessageDigest *struct {
			Algorithm string `json:"algorithm"`
			Digest    []byte `json:"digest"`
		} `json:"messageDigest"`
		Signature []byte `json:"signature"`
	} `json:"messageSignature"`
	DSSEEnvelope json.RawMessage `json:"dsseEnvelope"`
}

// hashedrekordJSON is a Rekor hashedrekord v0.0.1 entry body.
type hashedrekordJSON struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Spec       struct {
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

// VerifyBundle checks a Sigstore bundle (JSON, media types
// application/vnd.dev.sigstore.bundle+json;version=0.1 to 0.3 and
// application/vnd.dev.sigstore.bundle.v0.3+json) holding a message
// signature over digest, the SHA-256 of the file: what `cosign sign-blob
// --bundle` writes. A nil root means PublicGood(). Beyond VerifyDigest's
// checks of the certificate and signature it requires a Rekor entry
// (hashedrekord) from a log of root, with a signed entry timestamp that
// verifies with that log's key, whose body names exactly this digest,
// signature and certificate, and whose integrated time lies inside the
// certificate's validity and the log key's. Inclusion proofs and
// checkpoints are not checked: the signed entry timestamp is the log's
// signed promise of inclusion, made with the same key, and checking a
// proof offline adds nothing without a trusted tree head. Bundles with a
// DSSE envelope or a bare public key are refused. Every error is an
// *Error.
func VerifyBundle(digest []byte, bundle []byte, p Policy, root *TrustedRoot) (*Result, error) {
	root, err := checkArgs(digest, p, root)
	if err != nil {
		return nil, err
	}
	if len(bundle) > MaxBundleSize {
		return nil, fail(ErrMalformed, "bundle is %d bytes, more than the %d this verifier reads", len(bundle), MaxBundleSize)
	}
	var b bundleJSON
	if err := json.Unmarshal(bundle, &b); err != nil {
		return nil, fail(ErrMalformed, "bundle is not Sigstore bundle JSON: %v", err)
	}
	if !bundleMediaTypes[b.MediaType] {
		return nil, fail(ErrMalformed, "bundle has media type %q, want a Sigstore bundle v0.1 to v0.3", b.MediaType)
	}
	ms := b.MessageSignature
	if ms == nil {
		if b.DSSEEnvelope != nil {
			return nil, fail(ErrMalformed, "bundle holds a DSSE envelope (an attestation), not a signature over a file's digest")
		}
		return nil, fail(ErrSignature, "bundle holds no message signature")
	}
	if md := ms.MessageDigest; md != nil && (md.Algorithm != "SHA2_256" || !bytes.Equal(md.Digest, digest)) {
		return nil, fail(ErrSignature, "bundle signs %s %x, the file's sha256 is %x", md.Algorithm, md.Digest, digest)
	}
	if !checkDERSignature(ms.Signature) {
		return nil, fail(ErrMalformed, "bundle's signature is not a DER ECDSA signature")
	}
	vm := b.VerificationMaterial
	var der []byte
	switch {
	case vm.Certificate != nil:
		der = vm.Certificate.RawBytes
	case vm.X509CertificateChain != nil && len(vm.X509CertificateChain.Certificates) > 0:
		der = vm.X509CertificateChain.Certificates[0].RawBytes
	default:
		return nil, fail(ErrCertificate, "bundle holds no certificate (keyless signatures only)")
	}
	leaf, err := parseCertificate(der, "bundle's certificate")
	if err != nil {
		return nil, err
	}
	res, err := verifyCertificate(leaf, p, root)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(leaf, digest, ms.Signature); err != nil {
		return nil, err
	}
	if len(vm.TlogEntries) == 0 {
		return nil, fail(ErrTransparencyLog, "bundle holds no Rekor entry")
	}
	if len(vm.TlogEntries) > maxTlogEntries {
		return nil, fail(ErrMalformed, "bundle holds %d Rekor entries, more than the %d this verifier reads", len(vm.TlogEntries), maxTlogEntries)
	}
	for _, e := range vm.TlogEntries {
		if err = root.verifyEntry(&e, leaf, digest, ms.Signature, res); err == nil {
			return res, nil
		}
	}
	return nil, err
}

// verifyEntry checks one Rekor entry and fills res's log fields.
func (r *TrustedRoot) verifyEntry(e *tlogEntryJSON, leaf *x509.Certificate, digest, sig []byte, res *Result) error {
	log, ok := r.tlogs[string(e.LogID.KeyID)]
	if !ok {
		return fail(ErrTransparencyLog, "bundle's Rekor entry is from log %x, which the trusted root does not list", e.LogID.KeyID)
	}
	if e.InclusionPromise == nil || len(e.InclusionPromise.SignedEntryTimestamp) == 0 {
		return fail(ErrTransparencyLog, "bundle's Rekor entry has no signed entry timestamp")
	}
	if e.IntegratedTime <= 0 || e.LogIndex < 0 {
		return fail(ErrTransparencyLog, "bundle's Rekor entry has no integrated time or log index")
	}
	// The SET signs the entry's canonical JSON: sorted keys, no spaces.
	// Base64 and hex need no JSON escaping.
	set := `{"body":"` + base64.StdEncoding.EncodeToString(e.CanonicalizedBody) +
		`","integratedTime":` + strconv.FormatInt(int64(e.IntegratedTime), 10) +
		`,"logID":"` + hex.EncodeToString(log.id) +
		`","logIndex":` + strconv.FormatInt(int64(e.LogIndex), 10) + `}`
	if !verifyWithKey(log.key, []byte(set), e.InclusionPromise.SignedEntryTimestamp) {
		return fail(ErrTransparencyLog, "bundle's signed entry timestamp does not verify with the key of Rekor log %s", log)
	}
	var body hashedrekordJSON
	if err := json.Unmarshal(e.CanonicalizedBody, &body); err != nil || e.KindVersion.Kind != "hashedrekord" ||
		body.Kind != "hashedrekord" || body.APIVersion != "0.0.1" {
		return fail(ErrTransparencyLog, "bundle's Rekor entry is not a hashedrekord v0.0.1 entry (kind %q)", e.KindVersion.Kind)
	}
	h := body.Spec.Data.Hash
	if h.Algorithm != "sha256" || h.Value != hex.EncodeToString(digest) {
		return fail(ErrTransparencyLog, "bundle's Rekor entry logs %s %s, the file's sha256 is %x", h.Algorithm, h.Value, digest)
	}
	if !bytes.Equal(body.Spec.Signature.Content, sig) {
		return fail(ErrTransparencyLog, "bundle's Rekor entry logs another signature than the bundle's")
	}
	if logged, err := parsePEMCertificate(body.Spec.Signature.PublicKey.Content, "Rekor entry's certificate"); err != nil || !logged.Equal(leaf) {
		return fail(ErrTransparencyLog, "bundle's Rekor entry logs another certificate than the bundle's")
	}
	at := time.Unix(int64(e.IntegratedTime), 0)
	if at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		return fail(ErrTransparencyLog, "Rekor logged the signature at %s, outside the certificate's validity (%s to %s)",
			at.UTC().Format(time.RFC3339), leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if !within(at, log.start, log.end) {
		return fail(ErrTransparencyLog, "Rekor logged the signature at %s, outside the validity of log %s's key", at.UTC().Format(time.RFC3339), log)
	}
	res.IntegratedTime = at.UTC()
	res.RekorLogID = hex.EncodeToString(log.id)
	res.LogIndex = int64(e.LogIndex)
	return nil
}
