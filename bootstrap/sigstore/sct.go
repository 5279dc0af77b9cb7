package sigstore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// verifySCT checks that the leaf embeds a signed certificate timestamp
// (RFC 6962 section 3.3) from one of r's CT logs that verifies over the
// precertificate: the leaf's TBSCertificate without the SCT list, and the
// hash of the issuer's key. It returns the hex log ID.
func (r *TrustedRoot) verifySCT(leaf, issuer *x509.Certificate) (string, error) {
	var list []byte
	for _, e := range leaf.Extensions {
		if e.Id.Equal(oidSCTList) {
			rest, err := asn1.Unmarshal(e.Value, &list)
			if err != nil || len(rest) > 0 {
				return "", fail(ErrSCT, "certificate's SCT list extension is not an OCTET STRING")
			}
		}
	}
	if list == nil {
		return "", fail(ErrSCT, "certificate carries no signed certificate timestamp")
	}
	tbs, err := tbsWithout(leaf.RawTBSCertificate, oidSCTList)
	if err != nil {
		return "", err
	}
	keyHash := sha256.Sum256(issuer.RawSubjectPublicKeyInfo)
	scts, ok := readVec(list, 2)
	if !ok || len(scts) == 0 {
		return "", fail(ErrSCT, "certificate's SCT list does not parse")
	}
	why := "no SCT in the list"
	for len(scts) > 0 {
		var sct []byte
		if sct, scts, ok = cutVec(scts, 2); !ok {
			return "", fail(ErrSCT, "certificate's SCT list does not parse")
		}
		// version(1) log_id(32) timestamp(8) extensions<2> hash(1) sig(1) signature<2>
		if len(sct) < 1+32+8+2 || sct[0] != 0 {
			why = "an SCT is not version 1"
			continue
		}
		logID, ts := sct[1:33], sct[33:41]
		ext, rest, ok := cutVec(sct[41:], 2)
		if !ok || len(rest) < 2 {
			return "", fail(ErrSCT, "certificate's SCT list does not parse")
		}
		hashAlg, sigAlg := rest[0], rest[1]
		sig, rest, ok := cutVec(rest[2:], 2)
		if !ok || len(rest) != 0 {
			return "", fail(ErrSCT, "certificate's SCT list does not parse")
		}
		log, known := r.ctlogs[string(logID)]
		if !known {
			why = "SCT from CT log " + hex.EncodeToString(logID) + ", which the trusted root does not list"
			continue
		}
		when := time.UnixMilli(int64(binary.BigEndian.Uint64(ts)))
		if !within(when, log.start, log.end) {
			why = "SCT from CT log " + log.String() + " is dated " + when.UTC().Format(time.RFC3339) + ", outside the log key's validity"
			continue
		}
		if hashAlg != 4 { // sha256
			why = "SCT from CT log " + log.String() + " uses a hash other than sha256"
			continue
		}
		// The signed structure: version, signature_type certificate_timestamp,
		// timestamp, entry_type precert_entry, issuer_key_hash, tbs<3>, extensions<2>.
		msg := make([]byte, 0, 2+8+2+32+3+len(tbs)+2+len(ext))
		msg = append(msg, 0, 0)
		msg = append(msg, ts...)
		msg = append(msg, 0, 1)
		msg = append(msg, keyHash[:]...)
		msg = append(msg, byte(len(tbs)>>16), byte(len(tbs)>>8), byte(len(tbs)))
		msg = append(msg, tbs...)
		msg = append(msg, byte(len(ext)>>8), byte(len(ext)))
		msg = append(msg, ext...)
		if sigAlg != 1 && sigAlg != 3 || !verifyWithKey(log.key, msg, sig) {
			why = "SCT signature from CT log " + log.String() + " does not verify over the certificate"
			continue
		}
		return hex.EncodeToString(logID), nil
	}
	return "", fail(ErrSCT, "certificate has no valid signed certificate timestamp: %s", why)
}

// verifyWithKey checks sig over msg with SHA-256 for ECDSA and RSA
// (PKCS #1 v1.5) keys, and over msg itself for Ed25519 keys.
func verifyWithKey(key crypto.PublicKey, msg, sig []byte) bool {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		h := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(k, h[:], sig)
	case *rsa.PublicKey:
		h := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	}
	return false
}

// cutVec splits a TLS vector with an n-byte length prefix off b.
func cutVec(b []byte, n int) (vec, rest []byte, ok bool) {
	if len(b) < n {
		return nil, nil, false
	}
	l := 0
	for _, c := range b[:n] {
		l = l<<8 | int(c)
	}
	if len(b)-n < l {
		return nil, nil, false
	}
	return b[n : n+l], b[n+l:], true
}

// readVec reads b as exactly one TLS vector.
func readVec(b []byte, n int) ([]byte, bool) {
	v, rest, ok := cutVec(b, n)
	return v, ok && len(rest) == 0
}

// tbsWithout re-encodes a DER TBSCertificate without the extension oid:
// the precertificate a CT log signed.
func tbsWithout(raw []byte, oid asn1.ObjectIdentifier) ([]byte, error) {
	bad := fail(ErrSCT, "certificate's TBSCertificate does not parse")
	var tbs asn1.RawValue
	if rest, err := asn1.Unmarshal(raw, &tbs); err != nil || len(rest) > 0 || !tbs.IsCompound {
		return nil, bad
	}
	var out []byte
	for rest := tbs.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			return nil, bad
		}
		if f.Class != asn1.ClassContextSpecific || f.Tag != 3 {
			out = append(out, f.FullBytes...)
			continue
		}
		var exts asn1.RawValue
		if r, err := asn1.Unmarshal(f.Bytes, &exts); err != nil || len(r) > 0 {
			return nil, bad
		}
		var kept []byte
		for er := exts.Bytes; len(er) > 0; {
			var e struct {
				ID       asn1.ObjectIdentifier
				Critical bool `asn1:"optional"`
				Value    []byte
			}
			var ext asn1.RawValue
			if er, err = asn1.Unmarshal(er, &ext); err != nil {
				return nil, bad
			}
			if _, err := asn1.Unmarshal(ext.FullBytes, &e); err != nil {
				return nil, bad
			}
			if !e.ID.Equal(oid) {
				kept = append(kept, ext.FullBytes...)
			}
		}
		out = append(out, derWrap(0xa3, derWrap(0x30, kept))...)
	}
	return derWrap(0x30, out), nil
}

// derWrap prefixes content with a DER tag and length.
func derWrap(tag byte, content []byte) []byte {
	n := len(content)
	var l []byte
	switch {
	case n < 0x80:
		l = []byte{byte(n)}
	case n < 0x100:
		l = []byte{0x81, byte(n)}
	case n < 0x10000:
		l = []byte{0x82, byte(n >> 8), byte(n)}
	default:
		l = []byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(append([]byte{tag}, l...), content...)
}
