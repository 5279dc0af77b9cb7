package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Size caps: larger inputs are refused with ErrMalformed before decoding.
const (
	// MaxSignatureSize caps a .sig body (a P-256 signature is about 96
	// base64 characters).
	MaxSignatureSize = 1 << 10
	// MaxCertificateSize caps a .cert body (a Fulcio leaf is about 1.5 to
	// 4 KiB base64 of PEM).
	MaxCertificateSize = 16 << 10
	// MaxBundleSize caps a bundle (a public-good one is about 6 KiB).
	MaxBundleSize = 256 << 10
)

// Policy names the signer a verification expects. Both fields are compared
// exactly, byte for byte; an empty field fails every verification.
type Policy struct {
	// Identity is the certificate's subject alternative name: an email
	// address (service accounts) or a URI (CI workflows).
	Identity string
	// Issuer is the OIDC issuer that vouched for Identity, as Fulcio
	// records it in the certificate.
	Issuer string
	// AllowP384 also accepts leaf keys on ECDSA P-384. The public-good
	// Fulcio issues P-256 keys only (what cosign makes); set this only for
	// other deployments, such as Sigstore staging.
	AllowP384 bool
	// Key, when set, is the managed key (ECDSA, RSA or Ed25519; see
	// ParsePublicKey) a bundle must be signed with instead of a
	// certificate; Identity and Issuer must then be empty. VerifyDigest
	// does not take it.
	Key crypto.PublicKey
}

// KubernetesRelease is the signer of Kubernetes release artifacts on
// dl.k8s.io since v1.26.0.
var KubernetesRelease = Policy{
	Identity: "krel-staging@k8s-releng-prod.iam.gserviceaccount.com",
	Issuer:   "https://accounts.google.com",
}

// GitHubRelease is the signer of a release made by the workflow
// .github/workflows/release.yml of GitHub repository repo ("owner/name")
// on tag tag, with GitHub Actions' keyless OIDC token.
func GitHubRelease(repo, tag string) Policy {
	return Policy{
		Identity: "https://github.com/" + repo + "/.github/workflows/release.yml@refs/tags/" + tag,
		Issuer:   "https://token.actions.githubusercontent.com",
	}
}

// Result describes a signature that verified.
type Result struct {
	// Identity and Issuer are the certificate's (equal to the policy's).
	Identity, Issuer string
	// NotBefore and NotAfter bound the certificate's validity (ten minutes
	// for Fulcio); the chain was checked at NotBefore.
	NotBefore, NotAfter time.Time
	// CA is the URI of the trusted root's certificate authority that
	// issued the certificate, such as https://fulcio.sigstore.dev.
	CA string
	// CTLogID is the hex ID of the CT log whose SCT verified, empty when
	// the trusted root lists no CT log.
	CTLogID string
	// IntegratedTime is when Rekor logged the signature, as its signed
	// entry timestamp says (VerifyBundle with a Rekor v1 entry; zero
	// otherwise).
	IntegratedTime time.Time
	// Timestamp is the time of the first RFC 3161 timestamp that verified,
	// and TimestampAuthority that authority's URI (VerifyBundle only).
	Timestamp          time.Time
	TimestampAuthority string
	// SignedAt is the earliest verified time of the signature: an
	// integrated time or an RFC 3161 time (VerifyBundle only).
	SignedAt time.Time
	// RekorLogID and LogIndex identify the Rekor entry (VerifyBundle only).
	RekorLogID string
	LogIndex   int64
}

// ParsePublicKey reads a PEM "PUBLIC KEY" (PKIX) block: an ECDSA, RSA or
// Ed25519 key for Policy.Key. Errors match ErrMalformed.
func ParsePublicKey(b []byte) (crypto.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fail(ErrMalformed, "public key holds no PEM PUBLIC KEY block (starts with %s)", snippet(b))
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fail(ErrMalformed, "public key does not parse: %v", err)
	}
	switch k.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
		return k, nil
	}
	return nil, fail(ErrUnsupported, "public key is a %s key, want ECDSA, RSA or Ed25519", keyName(k))
}

// VerifyDigest checks a detached keyless signature the way dl.k8s.io
// serves one beside each release file: sigFile is the body of FILE.sig
// (base64 of a DER ECDSA signature) and certFile the body of FILE.cert
// (base64 of a PEM certificate; plain PEM is accepted too), over digest,
// the SHA-256 of the file. A nil root means PublicGood(). It checks, in
// this order: the chain to a certificate authority of root at the
// certificate's NotBefore, the key type (ECDSA P-256), the code-signing
// usage, the identity, the issuer, the embedded SCT (when root lists CT
// logs) and the signature. Without a transparency log entry it cannot tell
// when the signature was made (see the package documentation). Every error
// is an *Error.
func VerifyDigest(digest, sigFile, certFile []byte, p Policy, root *TrustedRoot) (*Result, error) {
	if p.Key != nil {
		return nil, fail(ErrCertificate, "a .sig and .cert pair is signed by a certificate, not a managed key")
	}
	root, err := checkArgs(digest, p, root)
	if err != nil {
		return nil, err
	}
	sig, err := decodeSignatureFile(sigFile)
	if err != nil {
		return nil, err
	}
	leaf, err := decodeCertificateFile(certFile)
	if err != nil {
		return nil, err
	}
	res, err := verifyCertificate(leaf, p, root)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(leaf, digest, sig); err != nil {
		return nil, err
	}
	return res, nil
}

func checkArgs(digest []byte, p Policy, root *TrustedRoot) (*TrustedRoot, error) {
	if root == nil {
		root = PublicGood()
	}
	if root.err != nil {
		return nil, root.err
	}
	if len(root.cas) == 0 {
		return nil, fail(ErrMalformed, "the trusted root is empty: load one with ParseTrustedRoot")
	}
	if len(digest) != 32 {
		return nil, fail(ErrMalformed, "digest is %d bytes, want a 32-byte sha256", len(digest))
	}
	if p.Identity == "" {
		return nil, fail(ErrIdentity, "no expected signer identity given")
	}
	if p.Issuer == "" {
		return nil, fail(ErrIssuer, "no expected OIDC issuer given")
	}
	return root, nil
}

// ecdsaSig is the DER form of an ECDSA signature.
type ecdsaSig struct{ R, S *big.Int }

func checkDERSignature(sig []byte) bool {
	var s ecdsaSig
	rest, err := asn1.Unmarshal(sig, &s)
	return err == nil && len(rest) == 0 && s.R.Sign() > 0 && s.S.Sign() > 0
}

func decodeSignatureFile(b []byte) ([]byte, error) {
	if len(b) > MaxSignatureSize {
		return nil, fail(ErrMalformed, "signature file is %d bytes, more than the %d a signature takes", len(b), MaxSignatureSize)
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, fail(ErrSignature, "signature file is empty")
	}
	sig := make([]byte, base64.StdEncoding.DecodedLen(len(t)))
	n, err := base64.StdEncoding.Decode(sig, t)
	if err != nil || !checkDERSignature(sig[:n]) {
		return nil, fail(ErrMalformed, "signature file is not base64 of a DER ECDSA signature (starts with %s)", snippet(t))
	}
	return sig[:n], nil
}

func decodeCertificateFile(b []byte) (*x509.Certificate, error) {
	if len(b) > MaxCertificateSize {
		return nil, fail(ErrMalformed, "certificate file is %d bytes, more than the %d a certificate takes", len(b), MaxCertificateSize)
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, fail(ErrCertificate, "certificate file is empty")
	}
	if !bytes.HasPrefix(t, []byte("-----BEGIN")) {
		d := make([]byte, base64.StdEncoding.DecodedLen(len(t)))
		n, err := base64.StdEncoding.Decode(d, t)
		if err != nil {
			return nil, fail(ErrMalformed, "certificate file is neither PEM nor base64 of PEM (starts with %s)", snippet(t))
		}
		t = bytes.TrimSpace(d[:n])
	}
	return parsePEMCertificate(t, "certificate file")
}

// parsePEMCertificate reads the first PEM block of b as the leaf; further
// blocks (a chain some tools append) are ignored: trust comes from the
// trusted root only.
func parsePEMCertificate(b []byte, what string) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fail(ErrMalformed, "%s holds no PEM certificate (starts with %s)", what, snippet(b))
	}
	return parseCertificate(blk.Bytes, what)
}

func parseCertificate(der []byte, what string) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fail(ErrMalformed, "%s does not parse as an X.509 certificate: %v", what, err)
	}
	return c, nil
}

// snippet quotes the first bytes of b with anything unprintable escaped.
func snippet(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			s.WriteByte(c)
		} else {
			s.WriteString(`\x` + hex.EncodeToString([]byte{c}))
		}
	}
	s.WriteByte('"')
	return s.String()
}

var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	oidSAN      = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidSCTList  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
)

// verifyCertificate checks everything about the leaf but the signature.
func verifyCertificate(leaf *x509.Certificate, p Policy, root *TrustedRoot) (*Result, error) {
	issuer, ca, err := root.chain(leaf)
	if err != nil {
		return nil, err
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !(pub.Curve == elliptic.P256() || p.AllowP384 && pub.Curve == elliptic.P384()) {
		return nil, fail(ErrCertificate, "certificate key is %s, want ECDSA P-256", keyName(leaf.PublicKey))
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fail(ErrCertificate, "certificate is not for digital signatures (key usage)")
	}
	id, err := identity(leaf)
	if err != nil {
		return nil, err
	}
	if id != p.Identity {
		return nil, fail(ErrIdentity, "certificate identity is %q, want %q", id, p.Identity)
	}
	iss, err := oidcIssuer(leaf)
	if err != nil {
		return nil, err
	}
	if iss != p.Issuer {
		return nil, fail(ErrIssuer, "certificate OIDC issuer is %q, want %q", iss, p.Issuer)
	}
	res := &Result{Identity: id, Issuer: iss, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter, CA: ca}
	// An SCT of a CT log the root lists, always: a root that lists no CT
	// log does not turn the requirement off.
	if res.CTLogID, err = root.verifySCT(leaf, issuer); err != nil {
		return nil, err
	}
	return res, nil
}

func keyName(k any) string {
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case nil:
		return "unknown"
	default:
		return strings.TrimPrefix(strings.TrimSuffix(fmt.Sprintf("%T", k), ".PublicKey"), "*")
	}
}

// chain finds a certificate authority of r, valid at the leaf's NotBefore,
// whose chain verifies the leaf at that time for code signing; it returns
// the leaf's issuer and the authority's URI. Candidate issuers are found by
// name but accepted only if their key verifies the signature, so a
// look-alike CA (Sigstore staging's has the same names) does not pass.
func (r *TrustedRoot) chain(leaf *x509.Certificate) (*x509.Certificate, string, error) {
	at := leaf.NotBefore
	var why []string
	for _, a := range r.cas {
		if !within(at, a.start, a.end) {
			continue
		}
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		roots.AddCert(a.chain[len(a.chain)-1])
		for _, c := range a.chain[:len(a.chain)-1] {
			inter.AddCert(c)
		}
		chains, err := leaf.Verify(x509.VerifyOptions{
			Roots: roots, Intermediates: inter, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		})
		if err == nil && len(chains) > 0 && len(chains[0]) > 1 {
			return chains[0][1], a.uri, nil
		}
		why = append(why, a.uri+": "+strings.TrimPrefix(errString(err), "x509: "))
	}
	if len(why) == 0 {
		return nil, "", fail(ErrCertificate, "certificate chain does not lead to a trusted Fulcio CA (no CA of the trusted root was valid at the certificate's issuance, %s; issuer %q)", at.UTC().Format(time.RFC3339), leaf.Issuer.String())
	}
	return nil, "", fail(ErrCertificate, "certificate chain does not lead to a trusted Fulcio CA (issuer %q at %s; %s)", leaf.Issuer.String(), at.UTC().Format(time.RFC3339), strings.Join(why, "; "))
}

func errString(err error) string {
	if err == nil {
		return "no chain"
	}
	return err.Error()
}

// identity returns the leaf's one email or URI subject alternative name,
// read from the extension itself so that a URI is compared exactly as
// Fulcio wrote it.
func identity(leaf *x509.Certificate) (string, error) {
	var ids []string
	for _, e := range leaf.Extensions {
		if !e.Id.Equal(oidSAN) {
			continue
		}
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Value, &seq); err != nil || len(rest) > 0 || !seq.IsCompound {
			return "", fail(ErrMalformed, "certificate subject alternative names do not parse")
		}
		for rest := seq.Bytes; len(rest) > 0; {
			var gn asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
				return "", fail(ErrMalformed, "certificate subject alternative names do not parse")
			}
			if gn.Class == asn1.ClassContextSpecific && (gn.Tag == 1 || gn.Tag == 6) { // rfc822Name, uniformResourceIdentifier
				ids = append(ids, string(gn.Bytes))
			}
		}
	}
	switch len(ids) {
	case 0:
		return "", fail(ErrIdentity, "certificate names no email or URI identity")
	case 1:
		return ids[0], nil
	}
	return "", fail(ErrIdentity, "certificate names %d identities (%q), want exactly one", len(ids), ids)
}

// oidcIssuer reads Fulcio's issuer extensions: 1.3.6.1.4.1.57264.1.1 holds
// the raw string, 1.3.6.1.4.1.57264.1.8 a DER UTF8String; when both are
// present they must agree.
func oidcIssuer(leaf *x509.Certificate) (string, error) {
	var v1, v2 string
	var has1, has2 bool
	for _, e := range leaf.Extensions {
		switch {
		case e.Id.Equal(oidIssuerV1):
			v1, has1 = string(e.Value), true
		case e.Id.Equal(oidIssuerV2):
			rest, err := asn1.UnmarshalWithParams(e.Value, &v2, "utf8")
			if err != nil || len(rest) > 0 {
				return "", fail(ErrIssuer, "certificate's OIDC issuer extension 1.3.6.1.4.1.57264.1.8 is not a UTF8String")
			}
			has2 = true
		}
	}
	switch {
	case has1 && has2 && v1 != v2:
		return "", fail(ErrIssuer, "certificate's OIDC issuer extensions disagree (%q and %q)", v1, v2)
	case has2:
		return v2, nil
	case has1:
		return v1, nil
	}
	return "", fail(ErrIssuer, "certificate names no OIDC issuer")
}

func verifySignature(leaf *x509.Certificate, digest, sig []byte) error {
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !ecdsa.VerifyASN1(pub, digest, sig) {
		return fail(ErrSignature, "signature does not match the sha256 %x with the certificate's key: the file is not the one that was signed", digest)
	}
	return nil
}
