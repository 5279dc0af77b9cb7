package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// MaxTrustedRootSize is the largest trusted_root.json ParseTrustedRoot
// reads; the public-good one is about 7 KiB.
const MaxTrustedRootSize = 1 << 20

// publicGoodJSON is targets/trusted_root.json of sigstore/root-signing at
// commit 60cf2ce8b2e45d600dc17c4421e8c751e75772be (2026-08-21), SHA-256
// 6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.
//
//go:embed trusted_root.json
var publicGoodJSON []byte

// PublicGoodSHA256 is the hex SHA-256 of the embedded public-good
// trusted_root.json, for reports of which root a verdict used.
const PublicGoodSHA256 = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"

// TrustedRoot is a parsed Sigstore trusted_root.json: the Fulcio
// certificate authorities with their validity windows, the certificate
// transparency log keys and the Rekor log keys, each by log ID. It is
// immutable and safe for concurrent use.
type TrustedRoot struct {
	id     string // the SHA-256 of the JSON it was parsed from
	cas    []authority
	ctlogs map[string]logKey // by raw log ID
	tlogs  map[string]logKey // by raw log ID
	tsas   []authority       // timestamp authorities: chain from the TSA's leaf (when given) to its root
	err    error             // set only when the embedded root failed to parse
}

type authority struct {
	uri        string
	start, end time.Time // end zero: open
	chain      []*x509.Certificate
}

type logKey struct {
	id         []byte
	url        string
	key        crypto.PublicKey
	start, end time.Time // end zero: open
}

func within(t, start, end time.Time) bool {
	return !t.Before(start) && (end.IsZero() || !t.After(end))
}

var (
	publicGoodOnce sync.Once
	publicGood     *TrustedRoot
)

// PublicGood returns the embedded Sigstore public-good trusted root, the
// one that signs Kubernetes release artifacts and GitHub Actions keyless
// signatures. It never returns nil; should the embedded file ever fail to
// parse, every verification against the returned root fails with
// ErrMalformed (a test guards that it parses).
func PublicGood() *TrustedRoot {
	publicGoodOnce.Do(func() {
		r, err := ParseTrustedRoot(publicGoodJSON)
		if err != nil {
			r = &TrustedRoot{err: fail(ErrMalformed, "the embedded Sigstore trusted root does not parse: %v", err)}
		}
		publicGood = r
	})
	return publicGood
}

type validFor struct {
	Start *time.Time `json:"start"`
	End   *time.Time `json:"end"`
}

func (v *validFor) bounds() (start, end time.Time) {
	if v == nil {
		return
	}
	if v.Start != nil {
		start = *v.Start
	}
	if v.End != nil {
		end = *v.End
	}
	return
}

type pubKeyJSON struct {
	RawBytes   []byte    `json:"rawBytes"`
	KeyDetails string    `json:"keyDetails"`
	ValidFor   *validFor `json:"validFor"`
}

// The trusted root's JSON types name every field of the Sigstore
// protobuf-specs messages they read, including the ones this verifier does
// not use (operator, subject, checkpointKeyId), because the root is read
// with unknown fields refused: a field spelled another way (valid_for, the
// protobuf name) or misspelt (tlog) would otherwise be dropped, and a
// dropped validity window or log list makes a root weaker than it reads.
type logJSON struct {
	BaseURL         string          `json:"baseUrl"`
	HashAlgorithm   string          `json:"hashAlgorithm"`
	PublicKey       pubKeyJSON      `json:"publicKey"`
	LogID           logIDJSON       `json:"logId"`
	CheckpointKeyID json.RawMessage `json:"checkpointKeyId"`
	Operator        string          `json:"operator"`
}

type logIDJSON struct {
	KeyID []byte `json:"keyId"`
}

type caJSON struct {
	Subject   json.RawMessage `json:"subject"`
	URI       string          `json:"uri"`
	CertChain struct {
		Certificates []rawCert `json:"certificates"`
	} `json:"certChain"`
	ValidFor *validFor `json:"validFor"`
	Operator string    `json:"operator"`
}

type rawCert struct {
	RawBytes []byte `json:"rawBytes"`
}

type rootJSON struct {
	MediaType string    `json:"mediaType"`
	Tlogs     []logJSON `json:"tlogs"`
	Ctlogs    []logJSON `json:"ctlogs"`
	CAs       []caJSON  `json:"certificateAuthorities"`
	TSAs      []caJSON  `json:"timestampAuthorities"`
}

var rootMediaTypes = map[string]bool{
	"application/vnd.dev.sigstore.trustedroot+json;version=0.1": true,
	"application/vnd.dev.sigstore.trustedroot+json;version=0.2": true,
	"application/vnd.dev.sigstore.trustedroot.v0.2+json":        true,
}

// ParseTrustedRoot reads a Sigstore trusted_root.json (media type
// application/vnd.dev.sigstore.trustedroot+json;version=0.1 or 0.2) as
// sigstore/root-signing publishes it. Certificate and timestamp
// authorities list their chain from the issuing certificate (a TSA's own
// leaf, when given) to the root; every certificate must parse. Log keys
// (Rekor and CT) are PKIX ECDSA, Ed25519 or RSA keys, or PKCS #1 RSA keys
// (keyDetails PKCS1_RSA_PKCS1V5); every one must parse and name its
// validFor.start, and logs use SHA-256 trees: a root is never silently
// weaker than it reads. The root must name at least one certificate
// authority. Errors match ErrMalformed.
func ParseTrustedRoot(b []byte) (*TrustedRoot, error) {
	if len(b) > MaxTrustedRootSize {
		return nil, fail(ErrMalformed, "trusted root is %d bytes, more than the %d this verifier reads", len(b), MaxTrustedRootSize)
	}
	var j rootJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fail(ErrMalformed, "trusted root is not Sigstore trusted_root.json: %v", err)
	}
	if dec.More() {
		return nil, fail(ErrMalformed, "trusted root is not Sigstore trusted_root.json: data after its object")
	}
	if !rootMediaTypes[j.MediaType] {
		return nil, fail(ErrMalformed, "trusted root has media type %q, want application/vnd.dev.sigstore.trustedroot+json;version=0.1 or 0.2", j.MediaType)
	}
	sum := sha256.Sum256(b)
	r := &TrustedRoot{ctlogs: map[string]logKey{}, tlogs: map[string]logKey{}, id: hex.EncodeToString(sum[:])}
	var err error
	if r.cas, err = parseAuthorities(j.CAs, "certificate authority"); err != nil {
		return nil, err
	}
	if len(r.cas) == 0 {
		return nil, fail(ErrMalformed, "trusted root lists no certificate authority")
	}
	if r.tsas, err = parseAuthorities(j.TSAs, "timestamp authority"); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		what string
		in   []logJSON
		out  map[string]logKey
	}{{"CT log", j.Ctlogs, r.ctlogs}, {"Rekor log", j.Tlogs, r.tlogs}} {
		for i, lj := range l.in {
			k, err := parseLogKey(lj)
			if err != nil {
				return nil, fail(ErrMalformed, "trusted root %s %d (%s): %s", l.what, i, lj.BaseURL, err.(*Error).Reason)
			}
			l.out[string(lj.LogID.KeyID)] = k
		}
	}
	return r, nil
}

func parseAuthorities(in []caJSON, what string) ([]authority, error) {
	var out []authority
	for i, c := range in {
		a := authority{uri: c.URI}
		a.start, a.end = c.ValidFor.bounds()
		if len(c.CertChain.Certificates) == 0 {
			return nil, fail(ErrMalformed, "trusted root %s %d (%s) has no certificates", what, i, c.URI)
		}
		for k, rc := range c.CertChain.Certificates {
			cert, err := x509.ParseCertificate(rc.RawBytes)
			if err != nil {
				return nil, fail(ErrMalformed, "trusted root %s %d (%s), certificate %d: %v", what, i, c.URI, k, err)
			}
			a.chain = append(a.chain, cert)
		}
		out = append(out, a)
	}
	return out, nil
}

// parseLogKey reads one log's key; its error's Reason says what is wrong.
func parseLogKey(lj logJSON) (logKey, error) {
	if len(lj.LogID.KeyID) == 0 {
		return logKey{}, fail(ErrMalformed, "no log ID")
	}
	if lj.HashAlgorithm != "" && lj.HashAlgorithm != "SHA2_256" {
		return logKey{}, fail(ErrMalformed, "tree hash %s, want SHA2_256", lj.HashAlgorithm)
	}
	var key crypto.PublicKey
	var err error
	if lj.PublicKey.KeyDetails == "PKCS1_RSA_PKCS1V5" {
		key, err = x509.ParsePKCS1PublicKey(lj.PublicKey.RawBytes)
	} else {
		key, err = x509.ParsePKIXPublicKey(lj.PublicKey.RawBytes)
	}
	if err != nil {
		return logKey{}, fail(ErrMalformed, "public key (%s) does not parse: %v", lj.PublicKey.KeyDetails, err)
	}
	switch key.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
	default:
		return logKey{}, fail(ErrMalformed, "public key is a %s, want ECDSA, RSA or Ed25519", keyName(key))
	}
	if lj.PublicKey.ValidFor == nil || lj.PublicKey.ValidFor.Start == nil {
		return logKey{}, fail(ErrMalformed, "public key has no validFor.start: from when it is trusted is unknown")
	}
	start, end := lj.PublicKey.ValidFor.bounds()
	return logKey{id: bytes.Clone(lj.LogID.KeyID), url: lj.BaseURL, key: key, start: start, end: end}, nil
}

func (l logKey) String() string {
	if l.url != "" {
		return l.url
	}
	return hex.EncodeToString(l.id)
}

// ID identifies the root by the SHA-256 (hex) of the JSON it was parsed
// from, so that what was verified under one root is never taken for a
// verification under another.
func (r *TrustedRoot) ID() string { return r.id }

// ListsRekor reports whether r lists a Rekor log whose base URL is
// baseURL (a trailing slash aside), such as https://rekor.sigstore.dev.
func (r *TrustedRoot) ListsRekor(baseURL string) bool {
	want := strings.TrimRight(baseURL, "/")
	for _, l := range r.tlogs {
		if strings.TrimRight(l.url, "/") == want {
			return true
		}
	}
	return false
}
