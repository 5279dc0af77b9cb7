// Package sigtest is a Fulcio-shaped certificate authority for tests: a
// root, an intermediate and ten-minute ECDSA P-256 leaves with the
// code-signing usage, an email or URI identity and Fulcio's issuer
// extensions, optionally an SCT from a test CT log and a Rekor-style bundle
// whose signed entry timestamp a test Rekor key makes. It writes what
// production code reads: the .sig and .cert bodies exactly as dl.k8s.io
// serves them, a Sigstore bundle JSON, and a trusted_root.json for the CA,
// so tests load it through sigstore.ParseTrustedRoot like a real root.
//
//	ca := sigtest.NewCA(t, sigtest.Options{})
//	sig, cert := ca.SignDigest(t, sum, sigtest.Leaf{}) // krel identity by default
//	root, _ := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
//
// The attacks tests need are options: another identity or issuer (Leaf),
// another CA (a second NewCA), an intermediate not valid at the leaf's
// issuance (Options.IntermediateNotAfter), a bundle whose integrated time
// lies outside the leaf's validity (BundleOptions.IntegratedTime), a
// Rekor v2 entry with an RFC 3161 timestamp of the CA's timestamp
// authority (BundleOptions.RekorV2), and GarbageBase64. Every bundle's
// entry carries an inclusion proof in a three-leaf tree and a checkpoint
// the Rekor key signs. Keys are fresh for every CA and every leaf; nothing
// is written to disk.
package sigtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// GarbageBase64 is a .sig or .cert body that is not base64.
var GarbageBase64 = []byte("this is *not* base64 {}\n")

// Options shape a CA.
type Options struct {
	// Name is the common name of the root; the intermediate's is Name +
	// "-intermediate". Two CAs with the same Name still have different keys
	// (a look-alike CA). Default "sigtest".
	Name string
	// IntermediateNotBefore and IntermediateNotAfter bound the
	// intermediate's validity; defaults: a day before and after now. A
	// window that ends before a leaf's NotBefore makes an
	// expired-at-issuance chain.
	IntermediateNotBefore, IntermediateNotAfter time.Time
	// NoCTLog leaves CT logs out of the trusted root and SCTs out of leaves.
	NoCTLog bool
}

// CA is a test certificate authority with its CT log and Rekor keys and
// its timestamp authority.
type CA struct {
	opts                Options
	root, inter         *x509.Certificate
	interKey            *ecdsa.PrivateKey
	ctKey, rekorKey     *ecdsa.PrivateKey
	ctLogID, rekorLogID []byte
	tsaRoot, tsaLeaf    *x509.Certificate
	tsaKey              *ecdsa.PrivateKey
	rootJSON            []byte
	mu                  sync.Mutex
	logged              []logged // what SignDigest signed, for RekorHandler
}

// Leaf describes the certificate one signature is made with.
type Leaf struct {
	// Email or URI is the identity (subject alternative name); with both
	// empty, Email is the Kubernetes release signer's. Setting both makes a
	// certificate with two identities.
	Email, URI string
	// Issuer is the OIDC issuer in extension 1.3.6.1.4.1.57264.1.1 (raw);
	// default https://accounts.google.com. "-" leaves the extension out.
	Issuer string
	// IssuerV2, when set, adds extension 1.3.6.1.4.1.57264.1.8 (DER
	// UTF8String) with this value.
	IssuerV2 string
	// NotBefore is the issuance time (default a minute ago); the leaf is
	// valid for ten minutes from it.
	NotBefore time.Time
	// NoSCT leaves the SCT out even when the CA has a CT log.
	NoSCT bool
	// P384 makes the leaf key ECDSA P-384 instead of P-256.
	P384 bool
}

// BundleOptions shape a bundle's Rekor entry.
type BundleOptions struct {
	// IntegratedTime is when the test Rekor "logged" the entry; default a
	// second after the leaf's NotBefore.
	IntegratedTime time.Time
	// V01 writes a v0.1 bundle (x509CertificateChain) instead of v0.3.
	V01 bool
	// NoSET leaves the signed entry timestamp out.
	NoSET bool
	// NoInclusionProof leaves the inclusion proof (and its checkpoint) out.
	NoInclusionProof bool
	// RekorV2 writes what a Rekor v2 log returns: a hashedrekord 0.0.2
	// entry with no signed entry timestamp and no integrated time, whose
	// checkpoint names the log by its host, and an RFC 3161 timestamp of
	// the CA's timestamp authority over the signature.
	RekorV2 bool
	// Timestamp adds an RFC 3161 timestamp to any bundle; TimestampTime is
	// its time (default a second after the leaf's NotBefore).
	Timestamp     bool
	TimestampTime time.Time
}

// TB is what the CA needs of a test: testing.TB satisfies it, and so can a
// program that is not a test (the demo's mirror, the benchmark), whose
// Fatal ends it.
type TB interface {
	Helper()
	Fatal(args ...any)
}

func newKey(t TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func create(t TB, tmpl, parent *x509.Certificate, pub any, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func logID(t TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(spki)
	return h[:]
}

// NewCA makes a root (P-384, valid a year either side of now), an
// intermediate it signs (P-384, code-signing usage like Fulcio's), a CT log
// key and a Rekor key (P-256).
func NewCA(t TB, opts Options) *CA {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "sigtest"
	}
	now := time.Now().Truncate(time.Second)
	if opts.IntermediateNotBefore.IsZero() {
		opts.IntermediateNotBefore = now.Add(-24 * time.Hour)
	}
	if opts.IntermediateNotAfter.IsZero() {
		opts.IntermediateNotAfter = now.Add(24 * time.Hour)
	}
	rootKey := newKey(t, elliptic.P384())
	rootTmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{Organization: []string{opts.Name + ".invalid"}, CommonName: opts.Name},
		NotBefore:    now.Add(-365 * 24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 1,
	}
	root := create(t, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	interKey := newKey(t, elliptic.P384())
	inter := create(t, &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{Organization: []string{opts.Name + ".invalid"}, CommonName: opts.Name + "-intermediate"},
		NotBefore:    opts.IntermediateNotBefore, NotAfter: opts.IntermediateNotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
	}, root, &interKey.PublicKey, rootKey)
	ca := &CA{opts: opts, root: root, inter: inter, interKey: interKey,
		ctKey: newKey(t, elliptic.P256()), rekorKey: newKey(t, elliptic.P256())}
	ca.ctLogID, ca.rekorLogID = logID(t, ca.ctKey), logID(t, ca.rekorKey)
	ca.newTSA(t, now)
	ca.rootJSON = ca.makeRootJSON(t)
	return ca
}

// newTSA makes the timestamp authority: a root and a leaf whose only,
// critical, extended key usage is time stamping.
func (ca *CA) newTSA(t TB, now time.Time) {
	t.Helper()
	rootKey := newKey(t, elliptic.P256())
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{Organization: []string{ca.opts.Name + ".invalid"}, CommonName: ca.opts.Name + "-tsa-root"},
		NotBefore:    now.Add(-365 * 24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	ca.tsaRoot = create(t, tmpl, tmpl, &rootKey.PublicKey, rootKey)
	ca.tsaKey = newKey(t, elliptic.P256())
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	ca.tsaLeaf = create(t, &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{Organization: []string{ca.opts.Name + ".invalid"}, CommonName: ca.opts.Name + "-tsa"},
		NotBefore:    now.Add(-365 * 24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}, ca.tsaRoot, &ca.tsaKey.PublicKey, rootKey)
}

var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	oidSCTList  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
)

// issue makes the leaf certificate and its key.
func (ca *CA) issue(t TB, l Leaf) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	if l.Email == "" && l.URI == "" {
		l.Email = "krel-staging@k8s-releng-prod.iam.gserviceaccount.com"
	}
	if l.Issuer == "" {
		l.Issuer = "https://accounts.google.com"
	}
	if l.NotBefore.IsZero() {
		l.NotBefore = time.Now().Add(-time.Minute)
	}
	l.NotBefore = l.NotBefore.Truncate(time.Second)
	curve := elliptic.P256()
	if l.P384 {
		curve = elliptic.P384()
	}
	key := newKey(t, curve)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		NotBefore:    l.NotBefore, NotAfter: l.NotBefore.Add(10 * time.Minute),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	if l.Email != "" {
		tmpl.EmailAddresses = []string{l.Email}
	}
	if l.URI != "" {
		u, err := url.Parse(l.URI)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = []*url.URL{u}
	}
	if l.Issuer != "-" {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidIssuerV1, Value: []byte(l.Issuer)})
	}
	if l.IssuerV2 != "" {
		v, err := asn1.MarshalWithParams(l.IssuerV2, "utf8")
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidIssuerV2, Value: v})
	}
	if ca.opts.NoCTLog || l.NoSCT {
		return create(t, tmpl, ca.inter, &key.PublicKey, ca.interKey), key
	}
	// The CT log signs the precertificate: this TBSCertificate without the
	// SCT list, which goes last so that removing it gives the same bytes.
	pre := create(t, tmpl, ca.inter, &key.PublicKey, ca.interKey)
	ts := make([]byte, 8)
	binary.BigEndian.PutUint64(ts, uint64(l.NotBefore.UnixMilli()))
	keyHash := sha256.Sum256(ca.inter.RawSubjectPublicKeyInfo)
	tbs := pre.RawTBSCertificate
	msg := append([]byte{0, 0}, ts...)
	msg = append(msg, 0, 1)
	msg = append(msg, keyHash[:]...)
	msg = append(msg, byte(len(tbs)>>16), byte(len(tbs)>>8), byte(len(tbs)))
	msg = append(msg, tbs...)
	msg = append(msg, 0, 0)
	h := sha256.Sum256(msg)
	sctSig, err := ecdsa.SignASN1(rand.Reader, ca.ctKey, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sct := append([]byte{0}, ca.ctLogID...)
	sct = append(sct, ts...)
	sct = append(sct, 0, 0, 4, 3, byte(len(sctSig)>>8), byte(len(sctSig)))
	sct = append(sct, sctSig...)
	list := []byte{byte((len(sct) + 2) >> 8), byte(len(sct) + 2), byte(len(sct) >> 8), byte(len(sct))}
	list = append(list, sct...)
	v, err := asn1.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = pre.SerialNumber
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidSCTList, Value: v})
	return create(t, tmpl, ca.inter, &key.PublicKey, ca.interKey), key
}

func sign(t TB, key *ecdsa.PrivateKey, sum []byte) []byte {
	t.Helper()
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// SignDigest signs sum (a SHA-256) with a new leaf and returns the .sig
// body (base64 of the DER signature) and the .cert body (base64 of the PEM
// leaf), with no newline, as dl.k8s.io serves kubectl.sig and kubectl.cert.
func (ca *CA) SignDigest(t TB, sum []byte, l Leaf) (sig, cert []byte) {
	t.Helper()
	leaf, key := ca.issue(t, l)
	sig = []byte(base64.StdEncoding.EncodeToString(sign(t, key, sum)))
	cert = []byte(base64.StdEncoding.EncodeToString(pemOf(leaf)))
	ca.mu.Lock()
	ca.logged = append(ca.logged, logged{bytes.Clone(sum), sig, cert})
	ca.mu.Unlock()
	return sig, cert
}

// Bundle signs sum with a new leaf and returns a Sigstore bundle (v0.3, or
// v0.1 with BundleOptions.V01) with a hashedrekord Rekor entry whose signed
// entry timestamp the CA's Rekor key makes and whose inclusion proof leads
// to a checkpoint that key signs, like `cosign sign-blob --bundle` writes;
// BundleOptions.RekorV2 makes it a Rekor v2 bundle with an RFC 3161
// timestamp.
func (ca *CA) Bundle(t TB, sum []byte, l Leaf, o BundleOptions) []byte {
	t.Helper()
	leaf, key := ca.issue(t, l)
	sig := sign(t, key, sum)
	if o.IntegratedTime.IsZero() {
		o.IntegratedTime = leaf.NotBefore.Add(time.Second)
	}
	if o.TimestampTime.IsZero() {
		o.TimestampTime = leaf.NotBefore.Add(time.Second)
	}
	var body []byte
	var err error
	kind, version := "hashedrekord", "0.0.1"
	if o.RekorV2 {
		version = "0.0.2"
		// The canonical (RFC 8785) JSON rekor-tiles logs.
		b64 := base64.StdEncoding.EncodeToString
		body = []byte(`{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"` +
			b64(sum) + `"},"signature":{"content":"` + b64(sig) + `","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","x509Certificate":{"rawBytes":"` +
			b64(leaf.Raw) + `"}}}}}}`)
	} else {
		body, err = json.Marshal(map[string]any{
			"apiVersion": "0.0.1", "kind": "hashedrekord",
			"spec": map[string]any{
				"data":      map[string]any{"hash": map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(sum)}},
				"signature": map[string]any{"content": sig, "publicKey": map[string]any{"content": pemOf(leaf)}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	integrated, index := o.IntegratedTime.Unix(), int64(4242)
	entry := map[string]any{
		"logIndex":          strconv.FormatInt(index, 10),
		"logId":             map[string]any{"keyId": ca.rekorLogID},
		"kindVersion":       map[string]string{"kind": kind, "version": version},
		"integratedTime":    strconv.FormatInt(integrated, 10),
		"canonicalizedBody": body,
	}
	if o.RekorV2 {
		// The entry's index in the tree is its log index.
		entry["logIndex"], entry["integratedTime"] = "1", "0"
	} else if !o.NoSET {
		set := `{"body":"` + base64.StdEncoding.EncodeToString(body) + `","integratedTime":` + strconv.FormatInt(integrated, 10) +
			`,"logID":"` + hex.EncodeToString(ca.rekorLogID) + `","logIndex":` + strconv.FormatInt(index, 10) + `}`
		h := sha256.Sum256([]byte(set))
		entry["inclusionPromise"] = map[string]any{"signedEntryTimestamp": sign(t, ca.rekorKey, h[:])}
	}
	if !o.NoInclusionProof {
		entry["inclusionProof"] = ca.inclusionProof(t, body, o.RekorV2)
	}
	b := map[string]any{
		"mediaType":        "application/vnd.dev.sigstore.bundle.v0.3+json",
		"messageSignature": map[string]any{"messageDigest": map[string]any{"algorithm": "SHA2_256", "digest": sum}, "signature": sig},
	}
	vm := map[string]any{"tlogEntries": []any{entry}}
	if o.RekorV2 || o.Timestamp {
		vm["timestampVerificationData"] = map[string]any{"rfc3161Timestamps": []any{
			map[string]any{"signedTimestamp": ca.Timestamp(t, sig, o.TimestampTime)},
		}}
	}
	if o.V01 {
		b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
		vm["x509CertificateChain"] = map[string]any{"certificates": []any{map[string]any{"rawBytes": leaf.Raw}}}
	} else {
		vm["certificate"] = map[string]any{"rawBytes": leaf.Raw}
	}
	b["verificationMaterial"] = vm
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func leafHash(b []byte) []byte {
	h := sha256.Sum256(append([]byte{0}, b...))
	return h[:]
}

func nodeHash(l, r []byte) []byte {
	h := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return h[:]
}

// inclusionProof places body at index 1 of a three-leaf tree and returns
// the bundle's inclusionProof: the audit path and a checkpoint the Rekor
// key signs (Rekor v1's origin carries a tree ID, v2's is the host).
func (ca *CA) inclusionProof(t TB, body []byte, v2 bool) map[string]any {
	t.Helper()
	l0, l2 := leafHash([]byte("entry 0")), leafHash([]byte("entry 2"))
	root := nodeHash(nodeHash(l0, leafHash(body)), l2)
	origin := "rekor." + ca.opts.Name + ".invalid"
	text := origin + " - 4242424242\n3\n" + base64.StdEncoding.EncodeToString(root) + "\n"
	if v2 {
		text = origin + "\n3\n" + base64.StdEncoding.EncodeToString(root) + "\n"
	}
	spki, err := x509.MarshalPKIXPublicKey(&ca.rekorKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hint := sha256.Sum256(spki)
	h := sha256.Sum256([]byte(text))
	sig := append(hint[:4:4], sign(t, ca.rekorKey, h[:])...)
	return map[string]any{
		"logIndex": "1", "treeSize": "3", "rootHash": root, "hashes": [][]byte{l0, l2},
		"checkpoint": map[string]any{"envelope": text + "\n\u2014 " + origin + " " + base64.StdEncoding.EncodeToString(sig) + "\n"},
	}
}

// Timestamp returns a DER RFC 3161 TimeStampResp of the CA's timestamp
// authority over msg (SHA-256 message imprint) at time at, with the
// authority's certificate embedded.
func (ca *CA) Timestamp(t TB, msg []byte, at time.Time) []byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	seq := func(parts ...[]byte) []byte {
		return must(asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: bytes.Join(parts, nil)}))
	}
	set := func(parts ...[]byte) []byte {
		return must(asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(parts, nil)}))
	}
	ctx := func(tag int, parts ...[]byte) []byte {
		return must(asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: true, Bytes: bytes.Join(parts, nil)}))
	}
	sha256ID := seq(must(asn1.Marshal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1})))
	tstOID := must(asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}))
	imprint := sha256.Sum256(msg)
	tst := seq(must(asn1.Marshal(1)), must(asn1.Marshal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2})),
		seq(sha256ID, must(asn1.Marshal(imprint[:]))), must(asn1.Marshal(serial(t))),
		must(asn1.MarshalWithParams(at.UTC(), "generalized")))
	tstSum := sha256.Sum256(tst)
	attrs := bytes.Join([][]byte{
		seq(must(asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3})), set(tstOID)),
		seq(must(asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4})), set(must(asn1.Marshal(tstSum[:])))),
	}, nil)
	attrSum := sha256.Sum256(set(attrs))
	signerInfo := seq(must(asn1.Marshal(1)),
		seq(ca.tsaLeaf.RawIssuer, must(asn1.Marshal(ca.tsaLeaf.SerialNumber))),
		sha256ID, ctx(0, attrs),
		seq(must(asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}))),
		must(asn1.Marshal(sign(t, ca.tsaKey, attrSum[:]))))
	signedData := seq(must(asn1.Marshal(3)), set(sha256ID),
		seq(tstOID, ctx(0, must(asn1.Marshal(tst)))),
		ctx(0, ca.tsaLeaf.Raw), set(signerInfo))
	token := seq(must(asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2})), ctx(0, signedData))
	return seq(seq(must(asn1.Marshal(0))), token)
}

// TrustedRootJSON returns a trusted_root.json (media type version 0.1)
// that trusts this CA (from its root's NotBefore, open-ended), its CT log
// (unless Options.NoCTLog), its Rekor log and its timestamp authority.
func (ca *CA) TrustedRootJSON() []byte { return ca.rootJSON }

func (ca *CA) makeRootJSON(t TB) []byte {
	t.Helper()
	key := func(k *ecdsa.PrivateKey, id []byte, url string) map[string]any {
		spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{
			"baseUrl": url, "hashAlgorithm": "SHA2_256",
			"publicKey": map[string]any{"rawBytes": spki, "keyDetails": "PKIX_ECDSA_P256_SHA_256",
				"validFor": map[string]string{"start": ca.root.NotBefore.UTC().Format(time.RFC3339)}},
			"logId": map[string]any{"keyId": id},
		}
	}
	r := map[string]any{
		"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		"tlogs":     []any{key(ca.rekorKey, ca.rekorLogID, "https://rekor."+ca.opts.Name+".invalid")},
		"timestampAuthorities": []any{map[string]any{
			"subject":   map[string]string{"organization": ca.opts.Name + ".invalid", "commonName": ca.opts.Name + "-tsa"},
			"uri":       "https://tsa." + ca.opts.Name + ".invalid",
			"certChain": map[string]any{"certificates": []any{map[string]any{"rawBytes": ca.tsaLeaf.Raw}, map[string]any{"rawBytes": ca.tsaRoot.Raw}}},
			"validFor":  map[string]string{"start": ca.tsaRoot.NotBefore.UTC().Format(time.RFC3339)},
		}},
		"certificateAuthorities": []any{map[string]any{
			"subject":   map[string]string{"organization": ca.opts.Name + ".invalid", "commonName": ca.opts.Name},
			"uri":       "https://fulcio." + ca.opts.Name + ".invalid",
			"certChain": map[string]any{"certificates": []any{map[string]any{"rawBytes": ca.inter.Raw}, map[string]any{"rawBytes": ca.root.Raw}}},
			"validFor":  map[string]string{"start": ca.root.NotBefore.UTC().Format(time.RFC3339)},
		}},
		"ctlogs": []any{},
	}
	if !ca.opts.NoCTLog {
		r["ctlogs"] = []any{key(ca.ctKey, ca.ctLogID, "https://ctfe."+ca.opts.Name+".invalid")}
	}
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// LogOptions shape the Rekor entry the test log keeps of a signature
// (RekorAnswer, RekorHandler).
type LogOptions struct {
	// IntegratedTime is when the test Rekor "logged" the signature;
	// default a second after the leaf's NotBefore.
	IntegratedTime time.Time
	// NoInclusionProof leaves the inclusion proof and checkpoint out, as
	// Rekor answers for an entry not yet in a published tree.
	NoInclusionProof bool
	// ForgeSET signs the signed entry timestamp with a fresh key, under
	// the CA's log ID: a log that lies.
	ForgeSET bool
	// Digest, when set, is the digest the entry logs instead of the one
	// signed: an entry for another file.
	Digest []byte
}

// logged is one signature SignDigest made, which the test Rekor keeps.
type logged struct{ sum, sig, cert []byte }

// RekorAnswer returns what Rekor's POST /api/v1/log/entries/retrieve
// answers for sig and cert (the bodies SignDigest returned) over sum: a
// list holding the hashedrekord 0.0.1 entry keyed by its UUID, with a
// signed entry timestamp the CA's Rekor key makes and an inclusion proof
// in a three-leaf tree with a checkpoint that key signs.
func (ca *CA) RekorAnswer(t TB, sum, sig, cert []byte, o LogOptions) []byte {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(string(sig))
	if err != nil {
		t.Fatal(err)
	}
	pemCert, err := base64.StdEncoding.DecodeString(string(cert))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemCert)
	if blk == nil {
		t.Fatal("sigtest: the certificate is not PEM")
	}
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if o.IntegratedTime.IsZero() {
		o.IntegratedTime = leaf.NotBefore.Add(time.Second)
	}
	if o.Digest != nil {
		sum = o.Digest
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "hashedrekord",
		"spec": map[string]any{
			"data":      map[string]any{"hash": map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(sum)}},
			"signature": map[string]any{"content": der, "publicKey": map[string]any{"content": pemOf(leaf)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	integrated, index := o.IntegratedTime.Unix(), int64(4242)
	set := `{"body":"` + base64.StdEncoding.EncodeToString(body) + `","integratedTime":` + strconv.FormatInt(integrated, 10) +
		`,"logID":"` + hex.EncodeToString(ca.rekorLogID) + `","logIndex":` + strconv.FormatInt(index, 10) + `}`
	h := sha256.Sum256([]byte(set))
	setKey := ca.rekorKey
	if o.ForgeSET {
		setKey = newKey(t, elliptic.P256())
	}
	verification := map[string]any{"signedEntryTimestamp": sign(t, setKey, h[:])}
	if !o.NoInclusionProof {
		p := ca.inclusionProof(t, body, false)
		var hashes []string
		for _, x := range p["hashes"].([][]byte) {
			hashes = append(hashes, hex.EncodeToString(x))
		}
		verification["inclusionProof"] = map[string]any{
			"checkpoint": p["checkpoint"].(map[string]any)["envelope"],
			"hashes":     hashes, "logIndex": 1, "treeSize": 3,
			"rootHash": hex.EncodeToString(p["rootHash"].([]byte)),
		}
	}
	uuid := hex.EncodeToString(leafHash(body))
	out, err := json.Marshal([]any{map[string]any{uuid: map[string]any{
		"body": body, "integratedTime": integrated, "logID": hex.EncodeToString(ca.rekorLogID),
		"logIndex": index, "verification": verification,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RekorHandler is a loopback Rekor: it answers POST
// /api/v1/log/entries/retrieve for every signature SignDigest made
// (RekorAnswer with o), and an empty list for any other.
func (ca *CA) RekorHandler(t TB, o LogOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries/retrieve" {
			http.NotFound(w, r)
			return
		}
		var q struct {
			Entries []struct {
				Spec struct {
					Data struct {
						Hash struct{ Value string } `json:"hash"`
					} `json:"data"`
					Signature struct {
						Content []byte `json:"content"`
					} `json:"signature"`
				} `json:"spec"`
			} `json:"entries"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&q); err != nil || len(q.Entries) != 1 {
			http.Error(w, `{"code":400,"message":"bad query"}`, http.StatusBadRequest)
			return
		}
		want := q.Entries[0].Spec
		ca.mu.Lock()
		var hit *logged
		for i := range ca.logged {
			l := &ca.logged[i]
			der, _ := base64.StdEncoding.DecodeString(string(l.sig))
			if hex.EncodeToString(l.sum) == want.Data.Hash.Value && bytes.Equal(der, want.Signature.Content) {
				hit = l
			}
		}
		ca.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if hit == nil {
			io.WriteString(w, "[]\n")
			return
		}
		w.Write(ca.RekorAnswer(t, hit.sum, hit.sig, hit.cert, o))
	})
}
