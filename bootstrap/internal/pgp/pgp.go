// Package pgp verifies detached OpenPGP signatures (an .asc beside a
// release file) against a keyring of public keys (armored, as a KEYS file
// holds them, or binary), with the standard library only. It reads what
// release signing uses and nothing more:
//
//   - version 4 keys and signatures (RFC 4880, RFC 9580), RSA (algorithms
//     1 and 3, of 2048 bits or more) and Ed25519 (EdDSA legacy, 22, on
//     the Ed25519 curve; and 27), over SHA-256, SHA-384, SHA-512 or
//     SHA-224; SHA-1 and MD5 are refused;
//   - the keyring is the trust anchor: a primary key of it may sign once a
//     valid self-signature (over a user ID, or direct) binds it; a subkey
//     once a valid binding signature by its primary does, and, when it
//     signs, the subkey's own back-signature embedded in that binding
//     (RFC 9580 5.2.1, 0x19). The newest valid self-signature or binding
//     is the one in effect: its key flags (a key that states them must
//     state "signs data") and key expiration time;
//   - a signature verifies only if, at its creation time (a hashed
//     subpacket it must carry), the key that made it (and, for a subkey,
//     its primary) existed and had not expired; a signature with an
//     expiration time must not have expired now;
//   - a valid revocation signature by the primary revokes the key (0x20)
//     or a subkey (0x28): "superseded" (1) and "retired" (3) revoke
//     signatures made after the revocation; any other reason, or none,
//     every signature (RFC 9580 5.2.3.31). A revoked user ID's
//     self-signatures bind nothing;
//   - a signature with a critical subpacket this package does not know is
//     invalid (RFC 9580 5.2.3.7).
//
// Not read: designated revokers (a revocation by another key), v3/v5/v6
// packets and every other algorithm; a signature that needs them does not
// verify, and keys of other algorithms (encryption subkeys such as
// Curve25519's) are skipped.
package pgp

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	_ "crypto/sha256" // hash algorithms a signature may name
	_ "crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
)

// ErrBadSignature means a signature does not verify with any key of the
// keyring, or cannot be read. It matches the verification sentinel.
var ErrBadSignature = errors.New("PGP signature does not verify")

// Error reports why a signature was refused.
type Error struct{ Reason string }

func (e *Error) Error() string { return "PGP signature: " + e.Reason }

// Is makes errors.Is match ErrBadSignature and the verification sentinel.
func (e *Error) Is(target error) bool {
	return target == ErrBadSignature || target == verifyerr.ErrVerification
}

func bad(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Key is a public key of a keyring that may sign.
type Key struct {
	// Fingerprint is the key's v4 fingerprint, upper-case hex; for a
	// subkey, Primary is its primary key's.
	Fingerprint string
	Primary     string
	// UserID is the primary key's user ID whose self-signature is in
	// effect.
	UserID string
	// Created is the key's creation time; Expires when it expires (zero:
	// never), from the self-signature or binding in effect.
	Created, Expires time.Time
	// RevokedAfter, when set, is when a soft revocation (superseded,
	// retired) took effect: signatures made after it do not verify.
	RevokedAfter time.Time

	keyID   uint64
	pub     crypto.PublicKey
	body    []byte // the key packet's body, for binding signatures
	primary *Key   // a subkey's primary
	// bound is when the key's self-signature or binding in effect was
	// made (zero: none valid); canSign whether its key flags allow
	// signing data.
	bound   time.Time
	canSign bool
	hard    bool // revoked for every signature
	// For a minimal copy: the key packet, the self-signature in effect,
	// the revocations.
	pkt    packet
	effect selfSig
	revs   []packet
}

// Keyring is a set of keys that may sign.
type Keyring struct {
	keys []*Key
	// Now is the time signature expiry is judged at; nil: time.Now.
	Now func() time.Time
}

// Keys lists the keyring's signing keys.
func (k *Keyring) Keys() []*Key { return k.keys }

// Has reports whether a signing key of the keyring has the fingerprint
// fp.
func (k *Keyring) Has(fp string) bool {
	for _, key := range k.keys {
		if strings.EqualFold(key.Fingerprint, fp) {
			return true
		}
	}
	return false
}

const (
	tagSignature = 2
	tagPublicKey = 6
	tagUserID    = 13
	tagSubkey    = 14

	tagUserAttribute  = 17
	sigBinary         = 0x00
	sigGenericCert    = 0x10
	sigPositiveCert   = 0x13
	sigSubkeyBinding  = 0x18
	sigPrimaryBinding = 0x19
	sigDirectKey      = 0x1F
	sigKeyRevocation  = 0x20
	sigSubkeyRevoked  = 0x28
	sigCertRevocation = 0x30
	flagSign          = 0x02
	algoRSA           = 1
	algoRSASignOnly   = 3
	algoEdDSALegacy   = 22
	algoEd25519       = 27
	maxArmoredBytes   = 1 << 20
	maxPacketBodySize = 1 << 20
)

var oidEd25519 = []byte{0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01}

// ParseKeyring reads every armored PUBLIC KEY BLOCK in text (a KEYS file
// holds several, with prose between them), or text as binary packets
// when it is not armored. Keys of algorithms this package does not verify
// are skipped, as are keys that cannot sign (no valid self-signature or
// binding, flags that exclude signing, a hard revocation); a keyring with
// no usable key is an error.
func ParseKeyring(text []byte) (*Keyring, error) {
	blocks := [][]byte{text}
	if len(text) == 0 || text[0]&0x80 == 0 {
		var err error
		if blocks, err = dearmorAll(text, "PGP PUBLIC KEY BLOCK"); err != nil {
			return nil, err
		}
	}
	kr := &Keyring{}
	for _, b := range blocks {
		certs, err := parseCerts(b)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			kr.keys = append(kr.keys, c.signers()...)
		}
	}
	if len(kr.keys) == 0 {
		return nil, errors.New("the keyring holds no RSA or Ed25519 key that may sign")
	}
	return kr, nil
}

// cert is one transferable public key as read: its packets, sorted into
// the primary, its user IDs' self-signatures and each subkey's bindings.
type cert struct {
	primary *Key
	subs    []*Key
}

// parseCerts reads a sequence of transferable public keys.
func parseCerts(data []byte) ([]*cert, error) {
	pkts, err := packets(data)
	if err != nil {
		return nil, err
	}
	var (
		certs []*cert
		c     *cert
		// what the signatures that follow are about
		uid       []byte
		sub       *Key
		other     bool // a user attribute, or a key this package cannot read
		revokedID = map[string]bool{}
		selfSigs  []selfSig
	)
	flush := func() {
		if c != nil {
			c.settle(selfSigs, revokedID)
			certs = append(certs, c)
		}
		c, uid, sub, other, revokedID, selfSigs = nil, nil, nil, false, map[string]bool{}, nil
	}
	for _, p := range pkts {
		switch p.tag {
		case tagPublicKey:
			flush()
			k, _ := parseKey(p.body)
			if k == nil {
				k = &Key{} // unusable: its subkeys cannot be bound either
			}
			k.pkt = p
			c = &cert{primary: k}
		case tagUserID:
			uid, sub, other = p.body, nil, false
		case tagUserAttribute:
			uid, sub, other = nil, nil, true
		case tagSubkey:
			uid, sub, other = nil, nil, true
			if c == nil || c.primary.pub == nil {
				continue
			}
			if k, _ := parseKey(p.body); k != nil {
				k.Primary, k.primary = c.primary.Fingerprint, c.primary
				k.pkt = p
				c.subs = append(c.subs, k)
				sub, other = k, false
			}
		case tagSignature:
			if c == nil || c.primary.pub == nil || other {
				continue
			}
			s, err := parseSignature(p.body)
			if err != nil || !s.names(c.primary) {
				continue // not the primary's: a certification by someone else binds nothing
			}
			pk := keyPrefix(c.primary.body)
			switch {
			case sub == nil && uid == nil && (s.typ == sigKeyRevocation || s.typ == sigDirectKey):
				if s.verify(c.primary, pk) == nil {
					selfSigs = append(selfSigs, selfSig{key: c.primary, s: s, p: p})
				}
			case uid != nil && (s.typ >= sigGenericCert && s.typ <= sigPositiveCert || s.typ == sigCertRevocation):
				if s.verify(c.primary, userIDPrefix(pk, uid)) == nil {
					if s.typ == sigCertRevocation {
						revokedID[string(uid)] = true
					}
					selfSigs = append(selfSigs, selfSig{key: c.primary, s: s, p: p, uid: uid})
				}
			case sub != nil && (s.typ == sigSubkeyBinding || s.typ == sigSubkeyRevoked):
				bind := append(pk, keyPrefix(sub.body)...)
				if s.verify(c.primary, bind) != nil {
					continue
				}
				if s.typ == sigSubkeyBinding && s.canSign() && !s.backSigned(sub, bind) {
					continue // a signing subkey its own key did not sign for
				}
				selfSigs = append(selfSigs, selfSig{key: sub, s: s, p: p})
			}
		}
	}
	flush()
	return certs, nil
}

// selfSig is a verified self-signature, binding or revocation, about key
// (and uid, for a certification).
type selfSig struct {
	key *Key
	s   *signature
	p   packet
	uid []byte
}

// settle applies a transferable key's verified signatures: for each key
// the newest self-signature or binding is in effect; revocations apply
// whatever their order.
func (c *cert) settle(sigs []selfSig, revokedID map[string]bool) {
	for _, ss := range sigs {
		k, s := ss.key, ss.s
		switch s.typ {
		case sigKeyRevocation, sigSubkeyRevoked:
			if !s.softRevocation() {
				k.hard = true
			} else if k.RevokedAfter.IsZero() || s.created.Before(k.RevokedAfter) {
				k.RevokedAfter = s.created
			}
			k.revs = append(k.revs, ss.p)
		case sigCertRevocation:
		default:
			if ss.uid != nil && revokedID[string(ss.uid)] {
				continue
			}
			if !k.bound.IsZero() && !s.created.After(k.bound) {
				continue // an older one: the newest is in effect
			}
			k.bound, k.canSign, k.Expires = s.created, s.canSign(), time.Time{}
			if s.keyExpiry > 0 {
				k.Expires = k.Created.Add(time.Duration(s.keyExpiry) * time.Second)
			}
			k.effect = ss
			if ss.uid != nil {
				k.UserID = string(ss.uid)
			}
		}
	}
	for _, k := range c.subs {
		k.UserID = c.primary.UserID
	}
}

// signers are the keys of c that may sign: bound, allowed to sign, not
// revoked for good (nor their primary).
func (c *cert) signers() []*Key {
	p := c.primary
	if p.pub == nil || p.bound.IsZero() || p.hard {
		return nil
	}
	var out []*Key
	for _, k := range append([]*Key{p}, c.subs...) {
		if !k.bound.IsZero() && k.canSign && !k.hard {
			out = append(out, k)
		}
	}
	return out
}

// userIDPrefix is how a user ID enters a certification's hash after its
// key: 0xB4, its length in four octets, the ID.
func userIDPrefix(keyPrefix, uid []byte) []byte {
	b := append(bytes.Clone(keyPrefix), 0xB4)
	b = binary.BigEndian.AppendUint32(b, uint32(len(uid)))
	return append(b, uid...)
}

// Minimal returns a binary copy of the keyring text (as ParseKeyring
// reads it) with only what the keys that may sign rest on: for each, its
// key packet, the user ID and self-signature or binding in effect, its
// revocations; a subkey follows its primary. ParseKeyring reads the same
// signing keys from it, with the same dates, flags and user IDs.
func Minimal(text []byte) ([]byte, error) {
	blocks := [][]byte{text}
	if len(text) == 0 || text[0]&0x80 == 0 {
		var err error
		if blocks, err = dearmorAll(text, "PGP PUBLIC KEY BLOCK"); err != nil {
			return nil, err
		}
	}
	var out []byte
	for _, b := range blocks {
		certs, err := parseCerts(b)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			signers := c.signers()
			if len(signers) == 0 {
				continue
			}
			// The primary always: its subkeys are bound to it.
			out = append(out, c.primary.minimal()...)
			for _, k := range signers {
				if k != c.primary {
					out = append(out, k.minimal()...)
				}
			}
		}
	}
	return out, nil
}

// minimal is k's packets in a minimal copy: the key, its revocations,
// the user ID and self-signature or binding in effect.
func (k *Key) minimal() []byte {
	out := k.pkt.encode()
	for _, p := range k.revs {
		out = append(out, p.encode()...)
	}
	if k.effect.uid != nil {
		out = append(out, packet{tagUserID, k.effect.uid}.encode()...)
	}
	return append(out, k.effect.p.encode()...)
}

// encode writes p in the new format with a four-octet length.
func (p packet) encode() []byte {
	b := []byte{0xC0 | p.tag, 255, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], uint32(len(p.body)))
	return append(b, p.body...)
}

// keyPrefix is how a key enters a signature's hash: 0x99, its length in
// two octets, its body.
func keyPrefix(body []byte) []byte {
	b := []byte{0x99, byte(len(body) >> 8), byte(len(body))}
	return append(b, body...)
}

// parseKey reads a v4 public key packet body; nil for other versions and
// algorithms.
func parseKey(body []byte) (*Key, error) {
	if len(body) < 6 || body[0] != 4 {
		return nil, bad("not a version 4 key")
	}
	k := &Key{body: body, Created: time.Unix(int64(binary.BigEndian.Uint32(body[1:5])), 0).UTC()}
	sum := sha1.Sum(keyPrefix(body))
	k.Fingerprint = strings.ToUpper(hex.EncodeToString(sum[:]))
	k.keyID = binary.BigEndian.Uint64(sum[12:])
	r := &reader{b: body[6:]}
	switch body[5] {
	case algoRSA, algoRSASignOnly:
		n, e := r.mpi(), r.mpi()
		if r.err != nil || len(e) > 4 || len(n) < 256 {
			return nil, bad("an RSA key of fewer than 2048 bits, or malformed")
		}
		k.pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	case algoEdDSALegacy:
		oid := r.bytes(int(r.byte()))
		q := r.mpi()
		if r.err != nil || !bytes.Equal(oid, oidEd25519) || len(q) != 33 || q[0] != 0x40 {
			return nil, bad("an EdDSA key not on Ed25519")
		}
		k.pub = ed25519.PublicKey(q[1:])
	case algoEd25519:
		q := r.bytes(32)
		if r.err != nil {
			return nil, bad("a malformed Ed25519 key")
		}
		k.pub = ed25519.PublicKey(q)
	default:
		return nil, bad("public-key algorithm %d", body[5])
	}
	return k, nil
}

// signature is a parsed v4 signature packet.
type signature struct {
	typ, algo byte
	hash      crypto.Hash
	hashed    []byte // version through the hashed subpackets
	left16    []byte
	issuers   []uint64 // key IDs named by issuer subpackets
	mpis      [][]byte // RSA: one; EdDSA: r and s; Ed25519: one of 64 bytes

	// From the hashed subpackets: the creation time (zero: none), the
	// signature's and the key's expiration (seconds after the signature's
	// and the key's creation; 0: none), the key flags, the reason for
	// revocation; and an embedded signature, from either area.
	created    time.Time
	sigExpiry  uint32
	keyExpiry  uint32
	flags      []byte
	reason     []byte
	embedded   []byte
	unknownCrt byte // a critical subpacket type not understood; 0: none
}

var hashes = map[byte]crypto.Hash{8: crypto.SHA256, 9: crypto.SHA384, 10: crypto.SHA512, 11: crypto.SHA224}

// understood reports whether this package knows what a hashed subpacket
// of type typ means, or it is a preference that does not change what a
// signature says: a critical subpacket of any other type invalidates its
// signature.
func understood(typ byte) bool {
	switch typ {
	case 2, 3, 9, 11, 16, 21, 22, 23, 25, 27, 29, 30, 32, 33, 34, 39:
		return true
	}
	return false
}

func parseSignature(body []byte) (*signature, error) {
	if len(body) < 6 || body[0] != 4 {
		return nil, bad("not a version 4 signature")
	}
	s := &signature{typ: body[1], algo: body[2]}
	h, ok := hashes[body[3]]
	if !ok {
		return nil, bad("hash algorithm %d is not accepted (SHA-256 or stronger)", body[3])
	}
	s.hash = h
	r := &reader{b: body[4:]}
	hashedSub := r.bytes(int(r.uint16()))
	s.hashed = body[:4+2+len(hashedSub)]
	unhashedSub := r.bytes(int(r.uint16()))
	s.left16 = r.bytes(2)
	if r.err != nil {
		return nil, bad("malformed signature packet")
	}
	if err := s.subpackets(hashedSub, true); err != nil {
		return nil, err
	}
	if err := s.subpackets(unhashedSub, false); err != nil {
		return nil, err
	}
	switch s.algo {
	case algoRSA, algoRSASignOnly:
		s.mpis = [][]byte{r.mpi()}
	case algoEdDSALegacy:
		s.mpis = [][]byte{r.mpi(), r.mpi()}
	case algoEd25519:
		s.mpis = [][]byte{r.bytes(64)}
	default:
		return nil, bad("public-key algorithm %d", s.algo)
	}
	if r.err != nil {
		return nil, bad("malformed signature value")
	}
	return s, nil
}

// subpackets reads a subpacket area: issuers (16, 33) and the embedded
// signature (32, itself verified) from either area; everything else only
// when hashed, since anyone can change the unhashed area.
func (s *signature) subpackets(area []byte, hashed bool) error {
	r := &reader{b: area}
	for len(r.b) > 0 {
		n := r.subLength()
		p := r.bytes(n)
		if r.err != nil || len(p) == 0 {
			return bad("malformed signature subpackets")
		}
		typ, v := p[0]&0x7f, p[1:]
		switch {
		case typ == 16 && len(v) == 8:
			s.issuers = append(s.issuers, binary.BigEndian.Uint64(v))
		case typ == 33 && len(v) == 21 && v[0] == 4:
			s.issuers = append(s.issuers, binary.BigEndian.Uint64(v[13:]))
		case typ == 32:
			s.embedded = v
		case !hashed:
		case typ == 2 && len(v) == 4:
			s.created = time.Unix(int64(binary.BigEndian.Uint32(v)), 0).UTC()
		case typ == 3 && len(v) == 4:
			s.sigExpiry = binary.BigEndian.Uint32(v)
		case typ == 9 && len(v) == 4:
			s.keyExpiry = binary.BigEndian.Uint32(v)
		case typ == 27:
			s.flags = v
		case typ == 29 && len(v) >= 1:
			s.reason = v
		}
		if hashed && p[0]&0x80 != 0 && !understood(typ) && s.unknownCrt == 0 {
			s.unknownCrt = typ
		}
	}
	return nil
}

// names reports whether s names k as its issuer, or names none.
func (s *signature) names(k *Key) bool {
	return len(s.issuers) == 0 || slices.Contains(s.issuers, k.keyID)
}

// canSign reports whether the key s binds may sign data: flags that say
// so, or no flags (then the algorithm decides, and every algorithm read
// here signs).
func (s *signature) canSign() bool {
	return s.flags == nil || len(s.flags) > 0 && s.flags[0]&flagSign != 0
}

// softRevocation reports whether a revocation says the key was
// superseded (1) or retired (3): it then revokes only what was signed
// after it. No reason, or any other, revokes every signature.
func (s *signature) softRevocation() bool {
	return len(s.reason) > 0 && (s.reason[0] == 1 || s.reason[0] == 3)
}

// backSigned reports whether a subkey binding carries the subkey's own
// primary key binding signature (0x19) over bind.
func (s *signature) backSigned(sub *Key, bind []byte) bool {
	if s.embedded == nil {
		return false
	}
	back, err := parseSignature(s.embedded)
	return err == nil && back.typ == sigPrimaryBinding && back.verify(sub, bind) == nil
}

// verify checks s by key over prefix (what precedes the signature's own
// fields in the hash: the keys a binding signature binds).
func (s *signature) verify(key *Key, prefix []byte) error {
	h := s.hash.New()
	h.Write(prefix)
	return s.check(h, key)
}

// check finishes h, which holds what the signature covers, and checks
// the value with key.
func (s *signature) check(h hash.Hash, key *Key) error { return s.checkDigest(s.finish(h), key) }

// finish adds the signature's hashed fields and trailer to h, which holds
// what the signature covers, and returns the digest.
func (s *signature) finish(h hash.Hash) []byte {
	h.Write(s.hashed)
	trailer := []byte{4, 0xff, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(trailer[2:], uint32(len(s.hashed)))
	h.Write(trailer)
	return h.Sum(nil)
}

// checkDigest checks the signature's value over digest with key.
func (s *signature) checkDigest(digest []byte, key *Key) error {
	if s.unknownCrt != 0 {
		return bad("it carries a critical subpacket (type %d) that kubeboot does not understand", s.unknownCrt)
	}
	if s.created.IsZero() {
		return bad("it carries no creation time")
	}
	if !bytes.Equal(digest[:2], s.left16) {
		return bad("its hash does not match (the file or the signature was changed)")
	}
	switch pub := key.pub.(type) {
	case *rsa.PublicKey:
		if s.algo != algoRSA && s.algo != algoRSASignOnly {
			return bad("an RSA key cannot check a signature of algorithm %d", s.algo)
		}
		sig := s.mpis[0]
		if len(sig) > pub.Size() {
			return bad("malformed RSA signature")
		}
		padded := make([]byte, pub.Size())
		copy(padded[len(padded)-len(sig):], sig)
		if rsa.VerifyPKCS1v15(pub, s.hash, digest, padded) != nil {
			return bad("the RSA signature does not verify with key %s", key.Fingerprint)
		}
	case ed25519.PublicKey:
		var sig []byte
		switch s.algo {
		case algoEdDSALegacy:
			if len(s.mpis[0]) > 32 || len(s.mpis[1]) > 32 {
				return bad("malformed EdDSA signature")
			}
			sig = make([]byte, 64)
			copy(sig[32-len(s.mpis[0]):32], s.mpis[0])
			copy(sig[64-len(s.mpis[1]):], s.mpis[1])
		case algoEd25519:
			sig = s.mpis[0]
		default:
			return bad("an Ed25519 key cannot check a signature of algorithm %d", s.algo)
		}
		if !ed25519.Verify(pub, digest, sig) {
			return bad("the Ed25519 signature does not verify with key %s", key.Fingerprint)
		}
	default:
		return bad("key %s cannot verify", key.Fingerprint)
	}
	return nil
}

// Verify checks the armored detached signature sig over data (read to
// its end) and returns the key that made it. The signature must be a
// binary-document signature by a key of the keyring that its issuer
// subpacket names. Errors match ErrBadSignature.
func (kr *Keyring) Verify(data io.Reader, sig []byte) (*Key, error) {
	blocks, err := dearmorAll(sig, "PGP SIGNATURE")
	if err != nil {
		return nil, &Error{Reason: err.Error()}
	}
	if len(blocks) != 1 {
		return nil, bad("want one signature block, found %d", len(blocks))
	}
	pkts, err := packets(blocks[0])
	if err != nil {
		return nil, &Error{Reason: err.Error()}
	}
	if len(pkts) != 1 || pkts[0].tag != tagSignature {
		return nil, bad("the block holds something other than one signature")
	}
	s, err := parseSignature(pkts[0].body)
	if err != nil {
		return nil, err
	}
	if s.typ != sigBinary {
		return nil, bad("signature type %#x is not a signature of a file", s.typ)
	}
	now := time.Now()
	if kr.Now != nil {
		now = kr.Now()
	}
	if end := s.created.Add(time.Duration(s.sigExpiry) * time.Second); s.sigExpiry != 0 && !now.Before(end) {
		return nil, bad("the signature expired on %s", end.Format(time.DateOnly))
	}
	var candidates []*Key
	for _, k := range kr.keys {
		if slices.Contains(s.issuers, k.keyID) {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return nil, bad("made by a key that is not in the keyring (issuer %s)", issuerNames(s.issuers))
	}
	h := s.hash.New()
	if _, err := io.Copy(h, data); err != nil {
		return nil, err
	}
	digest := s.finish(h)
	var first error
	for _, k := range candidates {
		err := k.validAt(s.created)
		if err == nil {
			err = s.checkDigest(digest, k)
		}
		if err == nil {
			return k, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// validAt reports whether k could sign at t: it (and a subkey's primary)
// existed, had not expired and was not retired by then.
func (k *Key) validAt(t time.Time) error {
	for _, c := range []*Key{k, k.primary} {
		switch {
		case c == nil:
		case t.Before(c.Created):
			return bad("it is dated %s, before key %s was made (%s)", t.Format(time.DateOnly), c.Fingerprint, c.Created.Format(time.DateOnly))
		case !c.Expires.IsZero() && !t.Before(c.Expires):
			return bad("it is dated %s, and key %s expired on %s", t.Format(time.DateOnly), c.Fingerprint, c.Expires.Format(time.DateOnly))
		case !c.RevokedAfter.IsZero() && t.After(c.RevokedAfter):
			return bad("it is dated %s, and key %s was retired or superseded on %s", t.Format(time.DateOnly), c.Fingerprint, c.RevokedAfter.Format(time.DateOnly))
		}
	}
	return nil
}

func issuerNames(ids []uint64) string {
	if len(ids) == 0 {
		return "none named"
	}
	var names []string
	for _, id := range ids {
		names = append(names, fmt.Sprintf("%016X", id))
	}
	return strings.Join(names, ", ")
}

type packet struct {
	tag  byte
	body []byte
}

// packets splits an OpenPGP packet sequence (old and new formats;
// partial lengths are refused: keys and signatures never use them).
func packets(b []byte) ([]packet, error) {
	var out []packet
	for len(b) > 0 {
		h := b[0]
		if h&0x80 == 0 {
			return nil, errors.New("malformed OpenPGP packet header")
		}
		var tag byte
		var n, hdr int
		if h&0x40 != 0 { // new format
			tag = h & 0x3f
			if len(b) < 2 {
				return nil, errors.New("truncated OpenPGP packet")
			}
			switch l := b[1]; {
			case l < 192:
				n, hdr = int(l), 2
			case l < 224:
				if len(b) < 3 {
					return nil, errors.New("truncated OpenPGP packet")
				}
				n, hdr = (int(l)-192)<<8+int(b[2])+192, 3
			case l == 255:
				if len(b) < 6 {
					return nil, errors.New("truncated OpenPGP packet")
				}
				n, hdr = int(binary.BigEndian.Uint32(b[2:6])), 6
			default:
				return nil, errors.New("partial-length OpenPGP packets are not read")
			}
		} else { // old format
			tag = (h >> 2) & 0x0f
			switch h & 3 {
			case 0:
				if len(b) < 2 {
					return nil, errors.New("truncated OpenPGP packet")
				}
				n, hdr = int(b[1]), 2
			case 1:
				if len(b) < 3 {
					return nil, errors.New("truncated OpenPGP packet")
				}
				n, hdr = int(binary.BigEndian.Uint16(b[1:3])), 3
			case 2:
				if len(b) < 5 {
					return nil, errors.New("truncated OpenPGP packet")
				}
				n, hdr = int(binary.BigEndian.Uint32(b[1:5])), 5
			default:
				return nil, errors.New("indeterminate-length OpenPGP packets are not read")
			}
		}
		if n < 0 || n > maxPacketBodySize || hdr+n > len(b) {
			return nil, errors.New("truncated or oversized OpenPGP packet")
		}
		out = append(out, packet{tag, b[hdr : hdr+n]})
		b = b[hdr+n:]
	}
	return out, nil
}

// dearmorAll decodes every armored block of kind in text, checking each
// one's CRC-24 when it has one.
func dearmorAll(text []byte, kind string) ([][]byte, error) {
	if len(text) > maxArmoredBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxArmoredBytes)
	}
	begin, end := "-----BEGIN "+kind+"-----", "-----END "+kind+"-----"
	var blocks [][]byte
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), maxArmoredBytes)
	in, headers := false, false
	var body strings.Builder
	crc := ""
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case !in && line == begin:
			in, headers = true, true
			body.Reset()
			crc = ""
		case !in:
		case line == end:
			in = false
			b, err := base64.StdEncoding.DecodeString(body.String())
			if err != nil {
				return nil, fmt.Errorf("armored %s: %v", kind, err)
			}
			if crc != "" {
				want, err := base64.StdEncoding.DecodeString(crc)
				if err != nil || len(want) != 3 || crc24(b) != uint32(want[0])<<16|uint32(want[1])<<8|uint32(want[2]) {
					return nil, fmt.Errorf("armored %s: its checksum does not match", kind)
				}
			}
			blocks = append(blocks, b)
		case headers:
			if line == "" {
				headers = false
			} else if !strings.Contains(line, ": ") {
				headers = false // no header lines: this is data
				body.WriteString(line)
			}
		case strings.HasPrefix(line, "="):
			crc = line[1:]
		default:
			body.WriteString(line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if in {
		return nil, fmt.Errorf("armored %s has no end line", kind)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("no %s found", kind)
	}
	return blocks, nil
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

// reader reads big-endian fields, remembering the first shortfall.
type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errors.New("truncated")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) uint16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// mpi reads a multiprecision integer: a bit count, then the bytes.
func (r *reader) mpi() []byte {
	bits := int(r.uint16())
	return r.bytes((bits + 7) / 8)
}

// subLength reads a subpacket length.
func (r *reader) subLength() int {
	switch l := int(r.byte()); {
	case l < 192:
		return l
	case l < 255:
		return (l-192)<<8 + int(r.byte()) + 192
	default:
		if b := r.bytes(4); b != nil {
			return int(binary.BigEndian.Uint32(b))
		}
		return 0
	}
}
