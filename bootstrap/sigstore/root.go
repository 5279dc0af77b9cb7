package sigstore

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
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
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type pubKeyJSON struct {
	RawBytes   []byte   `json:"rawBytes"`
	KeyDetails string   `json:"keyDetails"`
	ValidFor   validFor `json:"validFor"`
}

type logJSON struct {
	BaseURL   string     `json:"baseUrl"`
	PublicKey pubKeyJSON `json:"publicKey"`
	LogID     struct {
		KeyID []byte `json:"keyId"`
	} `json:"logId"`
}

type rawCert struct {
	RawBytes []byte `json:"rawBytes"`
}

type rootJSON struct {
	MediaType string    `json:"mediaType"`
	Tlogs     []logJSON `json:"tlogs"`
	Ctlogs    []logJSON `json:"ctlogs"`
	CAs       []struct {
		URI       string `json:"uri"`
		CertChain struct {
			Certificates []rawCert `json:"certificates"`
		} `json:"certChain"`
		ValidFor validFor `json:"validFor"`
	} `json:"certificateAuthorities"`
}

var rootMediaTypes = map[string]bool{
	"application/vnd.dev.sigstore.trustedroot+json;version=0.1": true,
	"application/vnd.dev.sigstore.trustedroot+json;version=0.2": true,
	"application/vnd.dev.sigstore.trustedroot.v0.2+json":        true,
}

// ParseTrustedRoot reads a Sigstore trusted_root.json (media type
// application/vnd.dev.sigstore.trustedroot+json;version=0.1 or 0.2) as
// sigstore/root-signing publishes it. Certificate authorities list their
// chain from the issuing certificate to the root; every certificate must
// parse. Log keys are PKIX (ECDSA, Ed25519, RSA) or PKCS #1 RSA; a log whose
// key this package cannot parse is left out, which can only make verification stricter. Timestamp
// authorities are ignored. The root must name at least one certificate
// authority. Errors match ErrMalformed.
func ParseTrustedRoot(b []byte) (*TrustedRoot, error) {
	if len(b) > MaxTrustedRootSize {
		return nil, fail(ErrMalformed, "trusted root is %d bytes, more than the %d this verifier reads", len(b), MaxTrustedRootSize)
	}
	var j rootJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fail(ErrMalformed, "trusted root is not Sigstore trusted_root.json: %v", err)
	}
	if !rootMediaTypes[j.MediaType] {
		return nil, fail(ErrMalformed, "trusted root has media type %q, want application/vnd.dev.sigstore.trustedroot+json;version=0.1 or 0.2", j.MediaType)
	}
	sum := sha256.Sum256(b)
	r := &TrustedRoot{ctlogs: map[string]logKey{}, tlogs: map[string]logKey{}, id: hex.EncodeToString(sum[:])}
	for i, c := range j.CAs {
		a := authority{uri: c.URI, start: c.ValidFor.Start, end: c.ValidFor.End}
		if len(c.CertChain.Certificates) == 0 {
			return nil, fail(ErrMalformed, "trusted root certificate authority %d (%s) has no certificates", i, c.URI)
		}
		for k, rc := range c.CertChain.Certificates {
			cert, err := x509.ParseCertificate(rc.RawBytes)
			if err != nil {
				return nil, fail(ErrMalformed, "trusted root certificate authority %d (%s), certificate %d: %v", i, c.URI, k, err)
			}
			a.chain = append(a.chain, cert)
		}
		r.cas = append(r.cas, a)
	}
	if len(r.cas) == 0 {
		return nil, fail(ErrMalformed, "trusted root lists no certificate authority")
	}
	for _, l := range []struct {
		in  []logJSON
		out map[string]logKey
	}{{j.Ctlogs, r.ctlogs}, {j.Tlogs, r.tlogs}} {
		for _, lj := range l.in {
			key, err := x509.ParsePKIXPublicKey(lj.PublicKey.RawBytes)
			if err != nil && lj.PublicKey.KeyDetails == "PKCS1_RSA_PKCS1V5" {
				key, err = x509.ParsePKCS1PublicKey(lj.PublicKey.RawBytes)
			}
			if err != nil || len(lj.LogID.KeyID) == 0 {
				continue
			}
			l.out[string(lj.LogID.KeyID)] = logKey{
				id: bytes.Clone(lj.LogID.KeyID), url: lj.BaseURL, key: key,
				start: lj.PublicKey.ValidFor.Start, end: lj.PublicKey.ValidFor.End,
			}
		}
	}
	return r, nil
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
