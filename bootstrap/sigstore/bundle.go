package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// maxTlogEntries bounds the signature checks one bundle can cost (cosign
// writes one entry).
const maxTlogEntries = 8

// bundleVersions maps the bundle media types this verifier reads to their
// minor version (0.1 to 0.3).
var bundleVersions = map[string]int{
	"application/vnd.dev.sigstore.bundle+json;version=0.1": 1,
	"application/vnd.dev.sigstore.bundle+json;version=0.2": 2,
	"application/vnd.dev.sigstore.bundle+json;version=0.3": 3,
	"application/vnd.dev.sigstore.bundle.v0.3+json":        3,
}

const bundleMediaTypePrefix = "application/vnd.dev.sigstore.bundle"

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

type inclusionProofJSON struct {
	LogIndex   pbInt64  `json:"logIndex"`
	RootHash   []byte   `json:"rootHash"`
	TreeSize   pbInt64  `json:"treeSize"`
	Hashes     [][]byte `json:"hashes"`
	Checkpoint struct {
		Envelope string `json:"envelope"`
	} `json:"checkpoint"`
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
	InclusionProof    *inclusionProofJSON `json:"inclusionProof"`
	CanonicalizedBody []byte              `json:"canonicalizedBody"`
}

type bundleJSON struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		Certificate          *rawCert `json:"certificate"`
		X509CertificateChain *struct {
			Certificates []rawCert `json:"certificates"`
		} `json:"x509CertificateChain"`
		PublicKey *struct {
			Hint string `json:"hint"`
		} `json:"publicKey"`
		TlogEntries               []tlogEntryJSON `json:"tlogEntries"`
		TimestampVerificationData *struct {
			RFC3161Timestamps []struct {
				SignedTimestamp []byte `json:"signedTimestamp"`
			} `json:"rfc3161Timestamps"`
		} `json:"timestampVerificationData"`
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

// signed is what a bundle signs and with what: the facts its Rekor
// entries and timestamps must agree with.
type signed struct {
	digest []byte            // the file's SHA-256
	sig    []byte            // the signature: the message's, or the envelope's one
	env    *envelope         // the DSSE envelope; nil for a message signature
	leaf   *x509.Certificate // the signing certificate; nil for a managed key
	key    crypto.PublicKey  // the signing key: the leaf's, or the policy's
}

// VerifyBundle checks a Sigstore bundle (JSON, media types
// application/vnd.dev.sigstore.bundle+json;version=0.1 to 0.3 and
// application/vnd.dev.sigstore.bundle.v0.3+json) for the file whose
// SHA-256 is digest: a message signature over it (`cosign sign-blob
// --bundle`), or a DSSE envelope whose in-toto statement names it as a
// subject (`cosign attest-blob`, GitHub attestations). A nil root means
// PublicGood(). It follows sigstore-go's rules, and passes the
// sigstore-conformance bundle-verify suite:
//
//   - the signer: a certificate checked as VerifyDigest checks it (chain,
//     key usage, identity, issuer, SCT when the root lists CT logs), or,
//     for a bundle signed with a managed key, Policy.Key;
//   - every Rekor entry from a log of root must hold (entries of other
//     logs are skipped; at least one must hold when root lists Rekor
//     logs): its signed entry timestamp verifies with the log's key valid
//     at its integrated time; its inclusion proof (an RFC 6962 audit
//     path) leads to the root hash of a checkpoint signed by the log; a
//     v0.1 bundle's entries carry a signed entry timestamp, a later
//     bundle's an inclusion proof. A Rekor v1 entry (hashedrekord 0.0.1,
//     dsse 0.0.1, intoto 0.0.2) logs exactly this digest or envelope,
//     signature and signer; a Rekor v2 entry (hashedrekord 0.0.2) has no
//     signed entry timestamp, and its leaf is rebuilt from the bundle;
//   - when root lists timestamp authorities and the bundle carries RFC
//     3161 timestamps, at least one verifies (see TrustedRoot);
//   - the bundle proves when it was signed (a signed entry timestamp's
//     integrated time, or a verified RFC 3161 time), and every such time
//     lies inside the certificate's ten minutes.
//
// Every error is an *Error; a bundle of a kind this verifier does not read
// matches ErrUnsupported.
func VerifyBundle(digest []byte, bundle []byte, p Policy, root *TrustedRoot) (*Result, error) {
	root, err := checkBundleArgs(digest, p, root)
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
	version, ok := bundleVersions[b.MediaType]
	if !ok {
		if strings.HasPrefix(b.MediaType, bundleMediaTypePrefix) {
			return nil, fail(ErrUnsupported, "bundle has media type %q: this verifier reads Sigstore bundles v0.1 to v0.3", b.MediaType)
		}
		return nil, fail(ErrMalformed, "bundle has media type %q, want a Sigstore bundle v0.1 to v0.3", b.MediaType)
	}
	s := &signed{digest: digest}
	res, err := b.signer(s, version, p, root)
	if err != nil {
		return nil, err
	}
	if err := b.checkSignature(s); err != nil {
		return nil, err
	}

	// When was it signed: the signed entry timestamps' integrated times
	// and the timestamp authorities' times, each inside the certificate.
	vm := b.VerificationMaterial
	var times []time.Time
	if len(vm.TlogEntries) > maxTlogEntries {
		return nil, fail(ErrMalformed, "bundle holds %d Rekor entries, more than the %d this verifier reads", len(vm.TlogEntries), maxTlogEntries)
	}
	verified, promised := 0, false
	for i, e := range vm.TlogEntries {
		for _, o := range vm.TlogEntries[:i] {
			if bytes.Equal(o.LogID.KeyID, e.LogID.KeyID) && o.LogIndex == e.LogIndex {
				return nil, fail(ErrTransparencyLog, "bundle holds the Rekor entry %d twice", e.LogIndex)
			}
		}
		promised = promised || e.InclusionPromise != nil && len(e.InclusionPromise.SignedEntryTimestamp) > 0
		at, skipped, err := root.verifyEntry(&vm.TlogEntries[i], s, version, res)
		if err != nil {
			return nil, err
		}
		if skipped {
			continue
		}
		verified++
		if !at.IsZero() {
			times = append(times, at)
		}
	}
	// At least one entry of a log the root lists, always (cosign's and
	// sigstore-go's default): a root that lists no Rekor log does not
	// turn the requirement off.
	if verified == 0 {
		if len(vm.TlogEntries) == 0 {
			return nil, fail(ErrTransparencyLog, "bundle holds no Rekor entry")
		}
		return nil, fail(ErrTransparencyLog, "bundle's Rekor entries are from log %x, which the trusted root does not list", vm.TlogEntries[0].LogID.KeyID)
	}
	if promised && len(times) == 0 {
		return nil, fail(ErrTransparencyLog, "bundle's signed entry timestamps are all from logs the trusted root does not list")
	}
	if tv := vm.TimestampVerificationData; tv != nil && len(tv.RFC3161Timestamps) > 0 && len(root.tsas) > 0 {
		if len(tv.RFC3161Timestamps) > maxTimestamps {
			return nil, fail(ErrMalformed, "bundle holds %d RFC 3161 timestamps, more than the %d this verifier reads", len(tv.RFC3161Timestamps), maxTimestamps)
		}
		var last error
		seen := map[string]bool{}
		for _, ts := range tv.RFC3161Timestamps {
			at, uri, err := root.verifyTimestamp(ts.SignedTimestamp, s.sig)
			if err != nil {
				last = err
				continue
			}
			if seen[uri] {
				continue
			}
			seen[uri] = true
			times = append(times, at)
			if res.Timestamp.IsZero() {
				res.Timestamp, res.TimestampAuthority = at.UTC(), uri
			}
		}
		if len(seen) == 0 {
			return nil, last
		}
	}
	if len(times) == 0 {
		return nil, fail(ErrTimestamp, "bundle does not prove when it was signed: no signed entry timestamp, and no RFC 3161 timestamp of an authority of the trusted root")
	}
	for _, at := range times {
		if s.leaf != nil && (at.Before(s.leaf.NotBefore) || at.After(s.leaf.NotAfter)) {
			return nil, fail(ErrTimestamp, "bundle's signature was made at %s, outside the certificate's validity (%s to %s)",
				at.UTC().Format(time.RFC3339), s.leaf.NotBefore.UTC().Format(time.RFC3339), s.leaf.NotAfter.UTC().Format(time.RFC3339))
		}
		if res.SignedAt.IsZero() || at.Before(res.SignedAt) {
			res.SignedAt = at.UTC()
		}
	}
	return res, nil
}

func checkBundleArgs(digest []byte, p Policy, root *TrustedRoot) (*TrustedRoot, error) {
	if p.Key == nil {
		return checkArgs(digest, p, root)
	}
	if p.Identity != "" || p.Issuer != "" {
		return nil, fail(ErrIdentity, "the policy names both a key and a signer identity: give one")
	}
	q := p
	q.Identity, q.Issuer = "-", "-"
	return checkArgs(digest, q, root)
}

// signer finds the signing key (s.leaf, s.key) and checks the certificate
// or that the bundle is signed with the policy's key.
func (b *bundleJSON) signer(s *signed, version int, p Policy, root *TrustedRoot) (*Result, error) {
	vm := b.VerificationMaterial
	var der []byte
	switch {
	case vm.Certificate != nil:
		der = vm.Certificate.RawBytes
	case vm.X509CertificateChain != nil:
		if version >= 3 {
			return nil, fail(ErrMalformed, "a v0.3 bundle holds a certificate, not a certificate chain")
		}
		chain := vm.X509CertificateChain.Certificates
		if len(chain) == 0 {
			return nil, fail(ErrCertificate, "bundle's certificate chain is empty")
		}
		// Trust comes from the trusted root only; a bundle that brings its
		// own root is refused, as the Sigstore clients refuse it.
		for i, c := range chain[1:] {
			if cert, err := x509.ParseCertificate(c.RawBytes); err != nil || bytes.Equal(cert.RawSubject, cert.RawIssuer) {
				return nil, fail(ErrCertificate, "bundle's certificate chain holds a root (or unreadable) certificate at position %d: trust comes from the trusted root only", i+1)
			}
		}
		der = chain[0].RawBytes
	case vm.PublicKey != nil:
		if p.Key == nil {
			return nil, fail(ErrIdentity, "bundle is signed with a managed key (hint %q), not a certificate: verify it with that public key", vm.PublicKey.Hint)
		}
		s.key = p.Key
		return &Result{}, nil
	default:
		return nil, fail(ErrCertificate, "bundle holds neither a certificate nor a public key hint")
	}
	if p.Key != nil {
		return nil, fail(ErrIdentity, "bundle is signed with a certificate, not the managed key given")
	}
	leaf, err := parseCertificate(der, "bundle's certificate")
	if err != nil {
		return nil, err
	}
	res, err := verifyCertificate(leaf, p, root)
	if err != nil {
		return nil, err
	}
	s.leaf, s.key = leaf, leaf.PublicKey
	return res, nil
}

// checkSignature checks the message signature over the digest, or the
// DSSE envelope's signature and that its statement names the digest.
func (b *bundleJSON) checkSignature(s *signed) error {
	ms := b.MessageSignature
	switch {
	case ms != nil && b.DSSEEnvelope != nil:
		return fail(ErrMalformed, "bundle holds both a message signature and a DSSE envelope")
	case ms != nil:
		if md := ms.MessageDigest; md != nil && (md.Algorithm != "SHA2_256" || !bytes.Equal(md.Digest, s.digest)) {
			return fail(ErrSignature, "bundle signs %s %x, the file's sha256 is %x", md.Algorithm, md.Digest, s.digest)
		}
		if _, ok := s.key.(*ecdsa.PublicKey); ok && !checkDERSignature(ms.Signature) {
			return fail(ErrMalformed, "bundle's signature is not a DER ECDSA signature")
		}
		if _, ok := s.key.(ed25519.PublicKey); ok {
			return fail(ErrUnsupported, "bundle is signed with an Ed25519 key, which signs the file itself, not its sha256")
		}
		s.sig = ms.Signature
		if !verifyDigestSig(s.key, s.digest, s.sig) {
			if s.leaf != nil {
				return verifySignature(s.leaf, s.digest, s.sig)
			}
			return fail(ErrSignature, "signature does not match the sha256 %x with the given key: the file is not the one that was signed", s.digest)
		}
		return nil
	case b.DSSEEnvelope != nil:
		env, err := parseEnvelope(b.DSSEEnvelope)
		if err != nil {
			return err
		}
		s.env, s.sig = env, env.sig
		if !verifyMessageSig(s.key, pae(env.payloadType, env.payload), env.sig) {
			return fail(ErrSignature, "bundle's DSSE envelope signature does not verify with the signer's key")
		}
		return env.checkSubject(s.digest)
	}
	return fail(ErrSignature, "bundle holds no message signature and no DSSE envelope")
}

// verifyDigestSig checks sig over a SHA-256 digest.
func verifyDigestSig(key crypto.PublicKey, digest, sig []byte) bool {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, sig)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) == nil
	}
	return false
}

// verifyMessageSig checks sig over msg the way Sigstore signs with key:
// ECDSA with the curve's hash, or SHA-256 (which older clients used for
// every curve, and verifyWithKey uses), RSA PKCS #1 v1.5 with SHA-256,
// Ed25519 over msg itself.
func verifyMessageSig(key crypto.PublicKey, msg, sig []byte) bool {
	if k, ok := key.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P384():
			h := sha512.Sum384(msg)
			if ecdsa.VerifyASN1(k, h[:], sig) {
				return true
			}
		case elliptic.P521():
			h := sha512.Sum512(msg)
			if ecdsa.VerifyASN1(k, h[:], sig) {
				return true
			}
		}
	}
	return verifyWithKey(key, msg, sig)
}
