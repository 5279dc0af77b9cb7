// Package pgp verifies detached OpenPGP signatures (an .asc beside a
// release file) against a keyring of armored public keys, with the
// standard library only. It reads what release signing uses and nothing
// more:
//
//   - version 4 keys and signatures (RFC 4880, RFC 9580), RSA (algorithms
//     1 and 3) and Ed25519 (EdDSA legacy, 22, on the Ed25519 curve; and
//     27), over SHA-256, SHA-384, SHA-512 or SHA-224; SHA-1 and MD5 are
//     refused;
//   - a primary key of the keyring signs on the keyring's word (the
//     keyring is the trust anchor); a subkey only with a valid subkey
//     binding signature by its primary;
//   - a valid revocation signature in the keyring removes the key (or
//     subkey) it revokes.
//
// Not read: key expiry, signature expiry, notations, v3/v5/v6 packets and
// every other algorithm; a signature that needs them does not verify.
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
	"strings"

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
	UserID      string // the primary key's first user ID
	keyID       uint64
	pub         crypto.PublicKey
	body        []byte // the key packet's body, for binding signatures
}

// Keyring is a set of keys that may sign.
type Keyring struct{ keys []*Key }

// Keys lists the keyring's signing keys.
func (k *Keyring) Keys() []*Key { return k.keys }

const (
	tagSignature = 2
	tagPublicKey = 6
	tagUserID    = 13
	tagSubkey    = 14

	sigBinary         = 0x00
	sigSubkeyBinding  = 0x18
	sigKeyRevocation  = 0x20
	sigSubkeyRevoked  = 0x28
	algoRSA           = 1
	algoRSASignOnly   = 3
	algoEdDSALegacy   = 22
	algoEd25519       = 27
	maxArmoredBytes   = 1 << 20
	maxPacketBodySize = 1 << 20
)

var oidEd25519 = []byte{0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01}

// ParseKeyring reads every armored PUBLIC KEY BLOCK in text (a KEYS file
// holds several, with prose between them). Keys of algorithms this
// package does not verify are skipped; a keyring with no usable key is
// an error.
func ParseKeyring(text []byte) (*Keyring, error) {
	blocks, err := dearmorAll(text, "PGP PUBLIC KEY BLOCK")
	if err != nil {
		return nil, err
	}
	kr := &Keyring{}
	for _, b := range blocks {
		if err := kr.add(b); err != nil {
			return nil, err
		}
	}
	if len(kr.keys) == 0 {
		return nil, errors.New("the keyring holds no RSA or Ed25519 public key")
	}
	return kr, nil
}

// add reads one transferable public key: a primary key, user IDs and
// their signatures, subkeys each with its binding signature.
func (kr *Keyring) add(data []byte) error {
	pkts, err := packets(data)
	if err != nil {
		return err
	}
	var (
		primary *Key
		sub     *Key // the subkey whose signatures follow
		revoked = map[*Key]bool{}
		bound   = map[*Key]bool{}
		all     []*Key
	)
	for _, p := range pkts {
		switch p.tag {
		case tagPublicKey:
			if primary != nil {
				finish(kr, all, primary, bound, revoked)
				all, bound, revoked, sub = nil, map[*Key]bool{}, map[*Key]bool{}, nil
			}
			primary, _ = parseKey(p.body)
			if primary == nil {
				primary = &Key{} // unusable: its subkeys cannot be bound either
			}
			all = append(all, primary)
		case tagUserID:
			if primary != nil && primary.UserID == "" {
				primary.UserID = string(p.body)
			}
			sub = nil
		case tagSubkey:
			sub, _ = parseKey(p.body)
			if sub != nil && primary != nil {
				sub.Primary = primary.Fingerprint
				all = append(all, sub)
			}
		case tagSignature:
			if primary == nil || primary.pub == nil {
				continue
			}
			s, err := parseSignature(p.body)
			if err != nil {
				continue // a signature this package cannot read binds nothing
			}
			switch {
			case s.typ == sigKeyRevocation && sub == nil:
				if s.verify(primary, keyPrefix(primary.body)) == nil {
					revoked[primary] = true
				}
			case sub != nil && (s.typ == sigSubkeyBinding || s.typ == sigSubkeyRevoked):
				if s.verify(primary, append(keyPrefix(primary.body), keyPrefix(sub.body)...)) == nil {
					if s.typ == sigSubkeyBinding {
						bound[sub] = true
					} else {
						revoked[sub] = true
					}
				}
			}
		}
	}
	if primary != nil {
		finish(kr, all, primary, bound, revoked)
	}
	return nil
}

// finish adds one transferable key's usable keys: the primary unless
// revoked, subkeys bound and not revoked (nor their primary).
func finish(kr *Keyring, all []*Key, primary *Key, bound, revoked map[*Key]bool) {
	if primary.pub == nil || revoked[primary] {
		return
	}
	for _, k := range all {
		if k == primary || (bound[k] && !revoked[k]) {
			if k != primary {
				k.UserID = primary.UserID
			}
			kr.keys = append(kr.keys, k)
		}
	}
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
	k := &Key{body: body}
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
}

var hashes = map[byte]crypto.Hash{8: crypto.SHA256, 9: crypto.SHA384, 10: crypto.SHA512, 11: crypto.SHA224}

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
	for _, sub := range [][]byte{hashedSub, unhashedSub} {
		s.issuers = append(s.issuers, issuers(sub)...)
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

// issuers reads the key IDs of issuer (16) and issuer fingerprint (33)
// subpackets.
func issuers(sub []byte) []uint64 {
	var ids []uint64
	r := &reader{b: sub}
	for len(r.b) > 0 && r.err == nil {
		n := r.subLength()
		p := r.bytes(n)
		if r.err != nil || len(p) == 0 {
			break
		}
		switch typ, v := p[0]&0x7f, p[1:]; {
		case typ == 16 && len(v) == 8:
			ids = append(ids, binary.BigEndian.Uint64(v))
		case typ == 33 && len(v) == 21 && v[0] == 4:
			ids = append(ids, binary.BigEndian.Uint64(v[13:]))
		}
	}
	return ids
}

// verify checks s by key over prefix (what precedes the signature's own
// fields in the hash: the keys a binding signature binds).
func (s *signature) verify(key *Key, prefix []byte) error {
	h := s.hash.New()
	h.Write(prefix)
	return s.check(h, key)
}

// check finishes h, which holds what the signature covers, with the
// signature's hashed fields and trailer, and checks the value with key.
func (s *signature) check(h hash.Hash, key *Key) error {
	h.Write(s.hashed)
	trailer := []byte{4, 0xff, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(trailer[2:], uint32(len(s.hashed)))
	h.Write(trailer)
	digest := h.Sum(nil)
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
	var key *Key
	for _, k := range kr.keys {
		for _, id := range s.issuers {
			if k.keyID == id {
				key = k
			}
		}
	}
	if key == nil {
		return nil, bad("made by a key that is not in the keyring (issuer %s)", issuerNames(s.issuers))
	}
	h := s.hash.New()
	if _, err := io.Copy(h, data); err != nil {
		return nil, err
	}
	if err := s.check(h, key); err != nil {
		return nil, err
	}
	return key, nil
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
