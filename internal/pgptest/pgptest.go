// Package pgptest makes OpenPGP keys, keyrings and detached signatures
// for tests, with an encoder written from RFC 4880/9580 apart from
// bootstrap/internal/pgp, so that tests never trust the code under test
// to make what it reads.
package pgptest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

const (
	tagSignature     = 2
	tagPublicKey     = 6
	tagUserID        = 13
	tagSubkey        = 14
	sigBinary        = 0x00
	sigSubkeyBinding = 0x18
	sigKeyRevocation = 0x20
	algoRSA          = 1
	algoEdDSALegacy  = 22
	algoEd25519      = 27
)

var oidEd25519 = []byte{0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01}

func keyPrefix(body []byte) []byte {
	b := []byte{0x99, byte(len(body) >> 8), byte(len(body))}
	return append(b, body...)
}

func crc24(b []byte) uint32 {
	crc := uint32(0xB704CE)
	for _, c := range b {
		crc ^= uint32(c) << 16
		for range 8 {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864CFB
			}
		}
	}
	return crc & 0xFFFFFF
}

// Packet encodes one new-format packet.
func Packet(tag byte, body []byte) []byte {
	b := []byte{0xC0 | tag, 255, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], uint32(len(body)))
	return append(b, body...)
}

func mpiOf(b []byte) []byte {
	n := new(big.Int).SetBytes(b)
	out := []byte{byte(n.BitLen() >> 8), byte(n.BitLen())}
	return append(out, n.Bytes()...)
}

// Armor wraps data in an armored block of kind, with its CRC-24.
func Armor(kind string, data []byte) []byte {
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

// Key is a key pair and its public key packet body.
type Key struct {
	algo   byte
	body   []byte
	rsa    *rsa.PrivateKey
	ed     ed25519.PrivateKey
	fp     [20]byte
	legacy bool
}

var created = []byte{0x66, 0, 0, 0}

// NewRSA makes a 2048-bit RSA key.
func NewRSA(t testing.TB) *Key {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte{4}, created...)
	body = append(body, algoRSA)
	body = append(body, mpiOf(priv.N.Bytes())...)
	body = append(body, mpiOf(big.NewInt(int64(priv.E)).Bytes())...)
	return finishKey(&Key{algo: algoRSA, body: body, rsa: priv})
}

// NewEd25519 makes an Ed25519 key: legacy EdDSA (algorithm 22, as GnuPG
// writes it) or RFC 9580's algorithm 27.
func NewEd25519(t testing.TB, legacy bool) *Key {
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
		return finishKey(&Key{algo: algoEdDSALegacy, body: body, ed: priv, legacy: true})
	}
	body = append(body, algoEd25519)
	body = append(body, pub...)
	return finishKey(&Key{algo: algoEd25519, body: body, ed: priv})
}

func finishKey(k *Key) *Key {
	k.fp = sha1.Sum(keyPrefix(k.body))
	return k
}

// SignPacket makes a v4 signature packet of type typ by k over prefix, with
// hash algorithm hashID (8 = SHA-256) computed by h.
func (k *Key) SignPacket(t testing.TB, typ byte, prefix []byte, hashID byte, h crypto.Hash) []byte {
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
	return Packet(tagSignature, body)
}

// Sign makes an armored detached signature of file (SHA-256).
func (k *Key) Sign(t testing.TB, file []byte) []byte {
	return Armor("PGP SIGNATURE", k.SignPacket(t, sigBinary, file, 8, crypto.SHA256))
}

// Transferable is a primary key, a user ID and each subkey with its
// binding signature by binder (nil: none).
func Transferable(t testing.TB, primary *Key, subs []*Key, binder *Key, revoked bool) []byte {
	out := Packet(tagPublicKey, primary.body)
	if revoked {
		out = append(out, primary.SignPacket(t, sigKeyRevocation, keyPrefix(primary.body), 8, crypto.SHA256)...)
	}
	out = append(out, Packet(tagUserID, []byte("Release Signer <release@example.org>"))...)
	for _, s := range subs {
		out = append(out, Packet(tagSubkey, s.body)...)
		if binder != nil {
			out = append(out, binder.SignPacket(t, sigSubkeyBinding, append(keyPrefix(primary.body), keyPrefix(s.body)...), 8, crypto.SHA256)...)
		}
	}
	return out
}

// KEYS is a keyring as helm's KEYS file is: armored key blocks with
// prose between them.
func KEYS(blocks ...[]byte) []byte {
	var text []byte
	for i, b := range blocks {
		text = append(text, []byte("This is the key of maintainer "+string(rune('A'+i))+":\n\n")...)
		text = append(text, Armor("PGP PUBLIC KEY BLOCK", b)...)
	}
	return text
}

// Fingerprint is the key's v4 fingerprint in upper-case hex.
func (k *Key) Fingerprint() string { return strings.ToUpper(hex.EncodeToString(k.fp[:])) }

// Forge signs file with a wrong value and the right hash prefix.
func (k *Key) Forge(t testing.TB, file []byte) []byte {
	p := k.SignPacket(t, sigBinary, file, 8, crypto.SHA256)
	p[len(p)-1] ^= 1
	return Armor("PGP SIGNATURE", p)
}

// Body is the key's public key packet body.
func (k *Key) Body() []byte { return k.body }
