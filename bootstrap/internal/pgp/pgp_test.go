package pgp

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
)

// The tests make keys and signatures with an encoder of their own, written
// from RFC 4880/9580, so nothing here trusts the code under test to make
// what it reads.

func packetOf(tag byte, body []byte) []byte {
	b := []byte{0xC0 | tag, 255, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], uint32(len(body)))
	return append(b, body...)
}

func mpiOf(b []byte) []byte {
	n := new(big.Int).SetBytes(b)
	out := []byte{byte(n.BitLen() >> 8), byte(n.BitLen())}
	return append(out, n.Bytes()...)
}

func armor(kind string, data []byte) []byte {
	var b strings.Builder
	b.WriteString("-----BEGIN " + kind + "-----\nComment: made by a test\n\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	c := crc24(data)
	b.WriteString(enc + "\n=" + base64.StdEncoding.EncodeToString([]byte{byte(c >> 16), byte(c >> 8), byte(c)}) + "\n")
	b.WriteString("-----END " + kind + "-----\n")
	return []byte(b.String())
}

// testKey is a key pair and its public key packet body.
type testKey struct {
	algo   byte
	body   []byte
	rsa    *rsa.PrivateKey
	ed     ed25519.PrivateKey
	fp     [20]byte
	legacy bool
}

var created = []byte{0x66, 0, 0, 0}

func newRSAKey(t *testing.T) *testKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte{4}, created...)
	body = append(body, algoRSA)
	body = append(body, mpiOf(priv.N.Bytes())...)
	body = append(body, mpiOf(big.NewInt(int64(priv.E)).Bytes())...)
	return finishKey(&testKey{algo: algoRSA, body: body, rsa: priv})
}

func newEdKey(t *testing.T, legacy bool) *testKey {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte{4}, created...)
	if legacy {
		body = append(body, algoEdDSALegacy, byte(len(oidEd25519)))
		body = append(body, oidEd25519...)
		q := append([]byte{0x40}, pub...)
		body = append(body, byte(len(q)*8>>8), byte(len(q)*8-1)) // 263 bits, as GnuPG writes
		body = append(body, q...)
		return finishKey(&testKey{algo: algoEdDSALegacy, body: body, ed: priv, legacy: true})
	}
	body = append(body, algoEd25519)
	body = append(body, pub...)
	return finishKey(&testKey{algo: algoEd25519, body: body, ed: priv})
}

func finishKey(k *testKey) *testKey {
	k.fp = sha1.Sum(keyPrefix(k.body))
	return k
}

// sign makes a v4 signature packet of type typ by k over prefix, with
// hash algorithm hashID (8 = SHA-256) computed by h.
func (k *testKey) sign(t *testing.T, typ byte, prefix []byte, hashID byte, h crypto.Hash) []byte {
	t.Helper()
	sub := []byte{5, 2}
	sub = append(sub, created...)
	sub = append(sub, 22, 33, 4)
	sub = append(sub, k.fp[:]...)
	hashed := []byte{4, typ, k.algo, hashID, byte(len(sub) >> 8), byte(len(sub))}
	hashed = append(hashed, sub...)
	d := h.New()
	d.Write(prefix)
	d.Write(hashed)
	trailer := []byte{4, 0xff, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(trailer[2:], uint32(len(hashed)))
	d.Write(trailer)
	digest := d.Sum(nil)
	unhashed := append([]byte{9, 16}, k.fp[12:]...)
	body := append(hashed, 0, byte(len(unhashed)))
	body = append(body, unhashed...)
	body = append(body, digest[:2]...)
	switch k.algo {
	case algoRSA:
		sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, h, digest)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, mpiOf(sig)...)
	case algoEdDSALegacy:
		sig := ed25519.Sign(k.ed, digest)
		body = append(body, mpiOf(sig[:32])...)
		body = append(body, mpiOf(sig[32:])...)
	case algoEd25519:
		body = append(body, ed25519.Sign(k.ed, digest)...)
	}
	return packetOf(tagSignature, body)
}

func (k *testKey) signFile(t *testing.T, file []byte) []byte {
	return armor("PGP SIGNATURE", k.sign(t, sigBinary, file, 8, crypto.SHA256))
}

// transferable is a primary key, a user ID and each subkey with its
// binding signature by binder (nil: none).
func transferable(t *testing.T, primary *testKey, subs []*testKey, binder *testKey, revoked bool) []byte {
	out := packetOf(tagPublicKey, primary.body)
	if revoked {
		out = append(out, primary.sign(t, sigKeyRevocation, keyPrefix(primary.body), 8, crypto.SHA256)...)
	}
	out = append(out, packetOf(tagUserID, []byte("Release Signer <release@example.org>"))...)
	for _, s := range subs {
		out = append(out, packetOf(tagSubkey, s.body)...)
		if binder != nil {
			out = append(out, binder.sign(t, sigSubkeyBinding, append(keyPrefix(primary.body), keyPrefix(s.body)...), 8, crypto.SHA256)...)
		}
	}
	return out
}

func keyring(t *testing.T, blocks ...[]byte) *Keyring {
	t.Helper()
	var text []byte
	for i, b := range blocks {
		text = append(text, []byte("This is the key of maintainer "+string(rune('A'+i))+":\n\n")...)
		text = append(text, armor("PGP PUBLIC KEY BLOCK", b)...)
	}
	kr, err := ParseKeyring(text)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestVerify(t *testing.T) {
	file := []byte("helm-v4.0.1-linux-amd64.tar.gz, the bytes")
	rsaKey, ed, ed27 := newRSAKey(t), newEdKey(t, true), newEdKey(t, false)
	sub, unbound, stranger := newEdKey(t, true), newEdKey(t, false), newRSAKey(t)
	revokedKey, strangerSub := newEdKey(t, false), newEdKey(t, false)
	kr := keyring(t,
		transferable(t, rsaKey, []*testKey{sub}, rsaKey, false),
		transferable(t, ed, []*testKey{unbound}, nil, false),
		transferable(t, ed27, nil, nil, false),
		transferable(t, revokedKey, nil, nil, true),
		transferable(t, stranger, []*testKey{strangerSub}, newRSAKey(t), false), // bound by another key
	)
	fp := func(k *testKey) string { return strings.ToUpper(hex.EncodeToString(k.fp[:])) }

	for _, tt := range []struct {
		name string
		by   *testKey
	}{{"RSA primary", rsaKey}, {"EdDSA primary", ed}, {"Ed25519 primary", ed27}, {"bound subkey", sub}} {
		k, err := kr.Verify(bytes.NewReader(file), tt.by.signFile(t, file))
		if err != nil || k.Fingerprint != fp(tt.by) {
			t.Errorf("%s: %v, %+v", tt.name, err, k)
		}
		if tt.by == sub && (k == nil || k.Primary != fp(rsaKey) || !strings.Contains(k.UserID, "Release Signer")) {
			t.Errorf("a subkey is reported with its primary: %+v", k)
		}
	}

	changed := append(bytes.Clone(file), '!')
	other := newRSAKey(t)
	sha1Sig := armor("PGP SIGNATURE", rsaKey.sign(t, sigBinary, file, 2, crypto.SHA1))
	textSig := armor("PGP SIGNATURE", rsaKey.sign(t, 0x01, file, 8, crypto.SHA256))
	goodSig := rsaKey.signFile(t, file)
	badCRC := bytes.Replace(goodSig, []byte("\n="), []byte("\n=AAAA\n=x"), 1)
	forged := func(k *testKey) []byte { // the right hash, a wrong value
		p := k.sign(t, sigBinary, file, 8, crypto.SHA256)
		p[len(p)-1] ^= 1
		return armor("PGP SIGNATURE", p)
	}
	refusals := []struct {
		name string
		data []byte
		sig  []byte
	}{
		{"a changed file", changed, rsaKey.signFile(t, file)},
		{"a key not in the keyring", file, other.signFile(t, file)},
		{"a forged RSA value", file, forged(rsaKey)},
		{"a forged EdDSA value", file, forged(ed)},
		{"a forged Ed25519 value", file, forged(ed27)},
		{"a subkey without a binding signature", file, unbound.signFile(t, file)},
		{"a subkey bound by another key", file, strangerSub.signFile(t, file)},
		{"a revoked key", file, revokedKey.signFile(t, file)},
		{"SHA-1", file, sha1Sig},
		{"a text signature", file, textSig},
		{"a broken armor checksum", file, badCRC},
		{"no signature", file, []byte("<html>not found</html>")},
		{"a key block instead", file, armor("PGP SIGNATURE", packetOf(tagPublicKey, rsaKey.body))},
	}
	for _, tt := range refusals {
		k, err := kr.Verify(bytes.NewReader(tt.data), tt.sig)
		if !errors.Is(err, ErrBadSignature) || !errors.Is(err, verifyerr.ErrVerification) || k != nil {
			t.Errorf("%s: %v, %+v; want a refusal", tt.name, err, k)
		}
	}
}

func TestParseKeyringRefusesEmpty(t *testing.T) {
	for _, text := range []string{"", "no keys here", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n"} {
		if _, err := ParseKeyring([]byte(text)); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", text)
		}
	}
}
