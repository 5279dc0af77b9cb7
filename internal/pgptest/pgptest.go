// Package pgptest makes OpenPGP keys, keyrings and detached signatures
// for tests, with an encoder written from RFC 4880/9580 apart from
// bootstrap/internal/pgp, so that tests never trust the code under test
// to make what it reads.
package pgptest

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
	"math/big"
	"strings"
	"testing"
	"time"
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

var created = []byte{0x66, 0, 0, 0} // Created, as a key packet holds it

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
	return k.SignPacketWith(t, typ, prefix, hashID, h, Sub{})
}

// Created is when every test key was made, and the default time of
// every signature.
var Created = time.Unix(0x66000000, 0)

// Sub holds the subpackets a signature carries besides its creation
// time and issuer.
type Sub struct {
	At        time.Time     // creation time; zero: Created
	NoCreated bool          // omit the creation time
	KeyExpiry time.Duration // key expiration time (9), after the key's creation
	Flags     *byte         // key flags (27)
	Reason    *byte         // reason for revocation (29)
	Embedded  []byte        // an embedded signature (32), a packet body, unhashed
	Critical  byte          // an unknown subpacket type, marked critical
}

// SignPacketWith is SignPacket with subpackets.
func (k *Key) SignPacketWith(t testing.TB, typ byte, prefix []byte, hashID byte, h crypto.Hash, o Sub) []byte {
	t.Helper()
	at := o.At
	if at.IsZero() {
		at = Created
	}
	var sub []byte
	if !o.NoCreated {
		sub = append(sub, 5, 2)
		sub = binary.BigEndian.AppendUint32(sub, uint32(at.Unix()))
	}
	if o.KeyExpiry != 0 {
		sub = append(sub, 5, 9)
		sub = binary.BigEndian.AppendUint32(sub, uint32(o.KeyExpiry/time.Second))
	}
	if o.Flags != nil {
		sub = append(sub, 2, 27, *o.Flags)
	}
	if o.Reason != nil {
		sub = append(sub, 2, 29, *o.Reason)
	}
	if o.Critical != 0 {
		sub = append(sub, 2, 0x80|o.Critical, 0)
	}
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
	if o.Embedded != nil {
		if n := len(o.Embedded) + 1; n < 192 {
			unhashed = append(unhashed, byte(n), 32)
		} else {
			unhashed = append(unhashed, byte((n-192)>>8+192), byte(n-192), 32)
		}
		unhashed = append(unhashed, o.Embedded...)
	}
	body := append(hashed, byte(len(unhashed)>>8), byte(len(unhashed)))
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

// Transferable is a primary key, a user ID with its self-signature, and
// each subkey with its binding signature by binder (nil: none), as a
// signing subkey (with its back-signature).
func Transferable(t testing.TB, primary *Key, subs []*Key, binder *Key, revoked bool) []byte {
	c := Cert{Primary: primary}
	if revoked {
		c.Revoked = &Revocation{}
	}
	for _, s := range subs {
		c.Subkeys = append(c.Subkeys, Subkey{Key: s, Binder: binder, Unbound: binder == nil})
	}
	return c.Bytes(t)
}

// Cert describes a transferable public key (RFC 9580 10.1).
type Cert struct {
	Primary *Key
	UserID  string // default "Release Signer <release@example.org>"
	// NoSelfSig leaves the user ID without its self-signature.
	NoSelfSig bool
	// Flags are the primary's key flags in its self-signature; nil: none
	// stated.
	Flags   *byte
	Expires time.Duration // the primary's expiry, after its creation
	Revoked *Revocation
	Subkeys []Subkey
}

// Subkey is a subkey of a Cert.
type Subkey struct {
	Key *Key
	// Flags are its key flags; nil: 0x02 (signs data).
	Flags   *byte
	Expires time.Duration
	// Binder makes the binding signature; nil: the primary.
	Binder  *Key
	Unbound bool // no binding signature at all
	// NoBackSig omits the subkey's own signature embedded in its binding.
	NoBackSig bool
	Revoked   *Revocation
}

// Revocation is a revocation signature: Reason nil states none (a hard
// revocation); 1 (superseded) and 3 (retired) are soft, from At.
type Revocation struct {
	Reason *byte
	At     time.Time
}

// Flag returns a pointer to key flags b.
func Flag(b byte) *byte { return &b }

// Bytes encodes the transferable key.
func (c Cert) Bytes(t testing.TB) []byte {
	p := c.Primary
	pk := keyPrefix(p.body)
	out := Packet(tagPublicKey, p.body)
	if r := c.Revoked; r != nil {
		out = append(out, p.SignPacketWith(t, sigKeyRevocation, pk, 8, crypto.SHA256, Sub{At: r.At, Reason: r.Reason})...)
	}
	uid := c.UserID
	if uid == "" {
		uid = "Release Signer <release@example.org>"
	}
	out = append(out, Packet(tagUserID, []byte(uid))...)
	if !c.NoSelfSig {
		prefix := append(bytes.Clone(pk), 0xB4)
		prefix = binary.BigEndian.AppendUint32(prefix, uint32(len(uid)))
		prefix = append(prefix, uid...)
		out = append(out, p.SignPacketWith(t, 0x13, prefix, 8, crypto.SHA256, Sub{Flags: c.Flags, KeyExpiry: c.Expires})...)
	}
	for _, s := range c.Subkeys {
		out = append(out, Packet(tagSubkey, s.Key.body)...)
		bind := append(bytes.Clone(pk), keyPrefix(s.Key.body)...)
		if !s.Unbound {
			binder := s.Binder
			if binder == nil {
				binder = p
			}
			flags := s.Flags
			if flags == nil {
				flags = Flag(0x02)
			}
			o := Sub{Flags: flags, KeyExpiry: s.Expires}
			if !s.NoBackSig {
				back := s.Key.SignPacketWith(t, 0x19, bind, 8, crypto.SHA256, Sub{})
				o.Embedded = back[6:] // the body, without its packet header
			}
			out = append(out, binder.SignPacketWith(t, sigSubkeyBinding, bind, 8, crypto.SHA256, o)...)
		}
		if r := s.Revoked; r != nil {
			out = append(out, p.SignPacketWith(t, 0x28, bind, 8, crypto.SHA256, Sub{At: r.At, Reason: r.Reason})...)
		}
	}
	return out
}

// SignAt makes an armored detached signature of file dated at.
func (k *Key) SignAt(t testing.TB, file []byte, at time.Time) []byte {
	return Armor("PGP SIGNATURE", k.SignPacketWith(t, sigBinary, file, 8, crypto.SHA256, Sub{At: at}))
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
