package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"
)

// RFC 3161 timestamps: a timestamp authority (TSA) signs, in a CMS
// SignedData (RFC 5652), a TSTInfo naming the time and the hash of what it
// stamped. Sigstore bundles carry the DER TimeStampResp of a TSA over the
// signature bytes; the TSA must be one of the trusted root's.

// maxTimestamps bounds the timestamps one bundle can make us check.
const maxTimestamps = 8

// MaxTimestampSize caps one RFC 3161 timestamp (a Sigstore TSA's is about
// 1 to 3 KiB with its certificates).
const MaxTimestampSize = 32 << 10

var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     []byte `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContent     encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	Serial  *big.Int
	GenTime time.Time `asn1:"generalized"`
	// Accuracy, ordering, nonce, tsa and extensions follow; they do not
	// change what is proven here.
}

// timestampToken is a parsed, not yet verified, RFC 3161 timestamp.
type timestampToken struct {
	genTime time.Time
	hash    crypto.Hash
	imprint []byte
	certs   []*x509.Certificate
	sid     asn1.RawValue
	signed  []byte // what the signature covers: the DER signed attributes, or the TSTInfo
	digest  crypto.Hash
	sigAlg  asn1.ObjectIdentifier
	sig     []byte
	tstInfo []byte
}

func hashOf(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256
	case oid.Equal(oidSHA384):
		return crypto.SHA384
	case oid.Equal(oidSHA512):
		return crypto.SHA512
	}
	return 0
}

// parseTimestamp decodes a DER TimeStampResp (or a bare TimeStampToken)
// into its TSTInfo and the signature over it. It checks the structure
// only: the CMS message digest attribute against the TSTInfo is checked
// here too, since it binds the two.
func parseTimestamp(der []byte) (*timestampToken, error) {
	bad := func(why string) error { return fail(ErrTimestamp, "RFC 3161 timestamp does not parse: %s", why) }
	if len(der) > MaxTimestampSize {
		return nil, fail(ErrMalformed, "RFC 3161 timestamp is %d bytes, more than the %d this verifier reads", len(der), MaxTimestampSize)
	}
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &outer); err != nil || len(rest) > 0 || !outer.IsCompound {
		return nil, bad("not a DER SEQUENCE")
	}
	tokenDER := der
	// A TimeStampResp starts with a PKIStatusInfo SEQUENCE; a ContentInfo
	// with an OID.
	var first asn1.RawValue
	rest, err := asn1.Unmarshal(outer.Bytes, &first)
	if err != nil {
		return nil, bad("empty")
	}
	if first.Tag == asn1.TagSequence {
		var status int
		if _, err := asn1.Unmarshal(first.Bytes, &status); err != nil {
			return nil, bad("no status")
		}
		if status != 0 && status != 1 {
			return nil, fail(ErrTimestamp, "RFC 3161 timestamp response has status %d: the authority did not grant it", status)
		}
		var tok asn1.RawValue
		if r, err := asn1.Unmarshal(rest, &tok); err != nil || len(r) > 0 {
			return nil, bad("the response holds no token")
		}
		tokenDER = tok.FullBytes
	}
	var ci contentInfo
	if r, err := asn1.Unmarshal(tokenDER, &ci); err != nil || len(r) > 0 || !ci.ContentType.Equal(oidSignedData) {
		return nil, bad("the token is not CMS SignedData")
	}
	var sd signedData
	if r, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(r) > 0 {
		return nil, bad("the SignedData does not parse")
	}
	if !sd.EncapContent.EContentType.Equal(oidTSTInfo) || len(sd.EncapContent.EContent) == 0 {
		return nil, bad("the SignedData does not hold a TSTInfo")
	}
	if len(sd.SignerInfos) != 1 {
		return nil, bad("the SignedData has no single signer")
	}
	t := &timestampToken{tstInfo: sd.EncapContent.EContent}
	if len(sd.Certificates.Bytes) > 0 {
		if t.certs, err = x509.ParseCertificates(sd.Certificates.Bytes); err != nil {
			return nil, bad("an embedded certificate does not parse")
		}
	}
	var info tstInfo
	if r, err := asn1.Unmarshal(t.tstInfo, &info); err != nil || len(r) > 0 {
		return nil, bad("the TSTInfo does not parse")
	}
	if info.Version != 1 {
		return nil, bad("TSTInfo version is not 1")
	}
	t.genTime = info.GenTime
	if t.hash = hashOf(info.MessageImprint.HashAlgorithm.Algorithm); t.hash == 0 {
		return nil, fail(ErrTimestamp, "RFC 3161 timestamp's message imprint uses hash %s, want SHA-256, SHA-384 or SHA-512", info.MessageImprint.HashAlgorithm.Algorithm)
	}
	t.imprint = info.MessageImprint.HashedMessage

	si := sd.SignerInfos[0]
	t.sid, t.sig, t.sigAlg = si.SID, si.Signature, si.SignatureAlgorithm.Algorithm
	if t.digest = hashOf(si.DigestAlgorithm.Algorithm); t.digest == 0 {
		return nil, fail(ErrTimestamp, "RFC 3161 timestamp is signed with digest %s, want SHA-256, SHA-384 or SHA-512", si.DigestAlgorithm.Algorithm)
	}
	t.signed = t.tstInfo
	if len(si.SignedAttrs.FullBytes) > 0 {
		// The signature covers the attributes re-tagged as a SET OF.
		t.signed = append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
		var ctype asn1.ObjectIdentifier
		var md []byte
		for r := si.SignedAttrs.Bytes; len(r) > 0; {
			var a attribute
			if r, err = asn1.Unmarshal(r, &a); err != nil {
				return nil, bad("a signed attribute does not parse")
			}
			switch {
			case a.Type.Equal(oidContentType):
				if _, err := asn1.Unmarshal(a.Values.Bytes, &ctype); err != nil {
					return nil, bad("the content-type attribute does not parse")
				}
			case a.Type.Equal(oidMessageDigest):
				if _, err := asn1.Unmarshal(a.Values.Bytes, &md); err != nil {
					return nil, bad("the message-digest attribute does not parse")
				}
			}
		}
		if !ctype.Equal(oidTSTInfo) {
			return nil, bad("the signed content-type attribute is not TSTInfo")
		}
		h := t.digest.New()
		h.Write(t.tstInfo)
		if md == nil || !bytes.Equal(md, h.Sum(nil)) {
			return nil, fail(ErrTimestamp, "RFC 3161 timestamp's signed message digest is not the TSTInfo's")
		}
	}
	return t, nil
}

// signerIn returns the certificate of certs the SignerInfo names.
func (t *timestampToken) signerIn(certs []*x509.Certificate) *x509.Certificate {
	var ias issuerAndSerial
	if r, err := asn1.Unmarshal(t.sid.FullBytes, &ias); err == nil && len(r) == 0 && ias.Serial != nil {
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
				return c
			}
		}
		return nil
	}
	if t.sid.Class == asn1.ClassContextSpecific && t.sid.Tag == 0 {
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, t.sid.Bytes) {
				return c
			}
		}
	}
	return nil
}

// checkSignature verifies the SignerInfo's signature with cert's key.
func (t *timestampToken) checkSignature(cert *x509.Certificate) bool {
	if t.sigAlg.Equal(oidRSAPSS) {
		return false
	}
	h := t.digest.New()
	h.Write(t.signed)
	sum := h.Sum(nil)
	switch k := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, sum, t.sig)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, t.digest, sum, t.sig) == nil
	case ed25519.PublicKey:
		return ed25519.Verify(k, t.signed, t.sig)
	}
	return false
}

// verifyTimestamp checks that der is an RFC 3161 timestamp over sig
// (its message imprint is the hash of sig) signed by one of r's timestamp
// authorities: the signer certificate (embedded, or the authority's own
// leaf) chains to the authority's root at the stamped time, is an end
// entity with the critical, single time-stamping usage, and the time lies
// inside the authority's validFor window (both ends inclusive). It returns
// the time and the authority's URI.
func (r *TrustedRoot) verifyTimestamp(der, sig []byte) (time.Time, string, error) {
	t, err := parseTimestamp(der)
	if err != nil {
		return time.Time{}, "", err
	}
	h := t.hash.New()
	h.Write(sig)
	if !bytes.Equal(h.Sum(nil), t.imprint) {
		return time.Time{}, "", fail(ErrTimestamp, "RFC 3161 timestamp stamps another message than the bundle's signature")
	}
	if len(r.tsas) == 0 {
		return time.Time{}, "", fail(ErrTimestamp, "the trusted root lists no timestamp authority")
	}
	why := ""
	for _, a := range r.tsas {
		err := a.verifyToken(t)
		if err == nil {
			return t.genTime, a.uri, nil
		}
		why = err.Error()
	}
	if len(r.tsas) > 1 {
		why = "no timestamp authority of the trusted root signed it (last: " + why + ")"
	}
	return time.Time{}, "", fail(ErrTimestamp, "RFC 3161 timestamp of %s does not verify: %s", t.genTime.UTC().Format(time.RFC3339), why)
}

// verifyToken checks t against one timestamp authority.
func (a *authority) verifyToken(t *timestampToken) error {
	name := a.uri
	if name == "" {
		name = "the timestamp authority"
	}
	var leaf *x509.Certificate
	if len(a.chain) > 1 && !a.chain[0].IsCA {
		leaf = a.chain[0]
	}
	var signer *x509.Certificate
	switch {
	case len(t.certs) > 0:
		signer = t.signerIn(t.certs)
		if signer != nil && leaf != nil && !signer.Equal(leaf) {
			return fail(ErrTimestamp, "%s: the embedded signer certificate is not the authority's", name)
		}
	case leaf != nil:
		signer = t.signerIn([]*x509.Certificate{leaf})
	}
	if signer == nil {
		return fail(ErrTimestamp, "%s: no certificate of the signer", name)
	}
	if !t.checkSignature(signer) {
		return fail(ErrTimestamp, "%s: the signature does not verify with the signer's key", name)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(a.chain[len(a.chain)-1])
	for _, c := range a.chain[:len(a.chain)-1] {
		inter.AddCert(c)
	}
	for _, c := range t.certs {
		inter.AddCert(c)
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t.genTime,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		return fail(ErrTimestamp, "%s: the signer's chain does not verify at %s (%v)", name, t.genTime.UTC().Format(time.RFC3339), err)
	}
	critical := false
	for _, e := range signer.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			critical = e.Critical
		}
	}
	if signer.IsCA || !critical || len(signer.ExtKeyUsage)+len(signer.UnknownExtKeyUsage) != 1 || len(signer.ExtKeyUsage) != 1 ||
		signer.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		return fail(ErrTimestamp, "%s: the signer certificate is not an end entity for time stamping only (critical extended key usage)", name)
	}
	if !within(t.genTime, a.start, a.end) {
		return fail(ErrTimestamp, "the time %s lies outside %s's validity in the trusted root", t.genTime.UTC().Format(time.RFC3339Nano), name)
	}
	return nil
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
