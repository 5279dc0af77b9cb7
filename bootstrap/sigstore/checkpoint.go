package sigstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A transparency log proves an entry is in it with an RFC 6962 (RFC 9162)
// audit path from the entry's leaf hash to a root hash, and commits to that
// root hash in a checkpoint: a signed note (C2SP signed-note) whose text is
// the log's origin, the tree size and the base64 root hash, one per line,
// followed by optional extension lines, a blank line and one signature line
// per signer: "— NAME BASE64(KEYHINT[4] || SIGNATURE)".

// maxNoteSignatures bounds the signature lines a checkpoint may carry (as
// golang.org/x/mod/sumdb/note does).
const maxNoteSignatures = 100

// maxProofHashes bounds an audit path: a tree of 2^64 leaves needs 64.
const maxProofHashes = 64

// leafHash is the RFC 6962 hash of a log entry.
func leafHash(entry []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(entry)
	return h.Sum(nil)
}

func nodeHash(l, r []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

// verifyInclusion checks an RFC 9162 section 2.1.3.2 audit path: that the
// leaf at index of a tree of size leaves hashes, with proof, to root.
func verifyInclusion(index, size uint64, leaf []byte, proof [][]byte, root []byte) bool {
	if index >= size || len(proof) > maxProofHashes || len(root) != sha256.Size {
		return false
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range proof {
		if sn == 0 || len(p) != sha256.Size {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(r, root)
}

// note is a parsed signed note: its signed text (ending in a newline) and
// its signature lines, unverified.
type note struct {
	text string
	sigs []noteSig
}

type noteSig struct {
	name string
	hint uint32
	sig  []byte
}

// validNoteName is a signer name as signed notes allow it: non-empty UTF-8
// without spaces or '+'.
func validNoteName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// parseNote splits a signed note into its text and signature lines.
func parseNote(msg string) (*note, error) {
	bad := func(why string) error { return fail(ErrTransparencyLog, "checkpoint is not a signed note: %s", why) }
	for i, r := range msg {
		if r < 0x20 && r != '\n' || r == utf8.RuneError && !strings.HasPrefix(msg[i:], "\uFFFD") {
			return nil, bad("it holds control characters or is not UTF-8")
		}
	}
	split := strings.LastIndex(msg, "\n\n")
	if split < 0 {
		return nil, bad("no blank line before the signatures")
	}
	n := &note{text: msg[:split+1]}
	sigs := msg[split+2:]
	if sigs == "" || !strings.HasSuffix(sigs, "\n") {
		return nil, bad("no signature line")
	}
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		rest, ok := strings.CutPrefix(line, "\u2014 ")
		if !ok {
			return nil, bad("a signature line does not start with an em dash")
		}
		i := strings.LastIndex(rest, " ")
		if i < 0 {
			return nil, bad("a signature line has no signature")
		}
		name, b64 := rest[:i], rest[i+1:]
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || !validNoteName(name) || len(raw) < 5 {
			return nil, bad("a signature line does not parse")
		}
		if len(n.sigs) == maxNoteSignatures {
			return nil, bad("more than " + strconv.Itoa(maxNoteSignatures) + " signatures")
		}
		n.sigs = append(n.sigs, noteSig{name: name, hint: binary.BigEndian.Uint32(raw), sig: raw[4:]})
	}
	return n, nil
}

// checkpoint is the body of a log checkpoint.
type checkpoint struct {
	origin string
	size   uint64
	root   []byte
}

func parseCheckpointText(text string) (*checkpoint, error) {
	l := strings.SplitN(text, "\n", 4)
	if len(l) < 4 {
		return nil, fail(ErrTransparencyLog, "checkpoint has fewer than three lines (origin, size, root hash)")
	}
	if l[0] == "" {
		return nil, fail(ErrTransparencyLog, "checkpoint names no origin")
	}
	size, err := strconv.ParseUint(l[1], 10, 64)
	if err != nil {
		return nil, fail(ErrTransparencyLog, "checkpoint's tree size %q is not a number", l[1])
	}
	root, err := base64.StdEncoding.DecodeString(l[2])
	if err != nil || len(root) != sha256.Size {
		return nil, fail(ErrTransparencyLog, "checkpoint's root hash %q is not base64 of a SHA-256", l[2])
	}
	return &checkpoint{origin: l[0], size: size, root: root}, nil
}

// noteKeyHint is the 4-byte key hint a log's signature line carries, as
// Rekor writes it: for ECDSA keys the first bytes of the SHA-256 of the
// PKIX key, for Ed25519 and RSA keys the signed-note key ID of
// name and the key.
func noteKeyHint(name string, key crypto.PublicKey) (uint32, bool) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return 0, false
	}
	var sum [sha256.Size]byte
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		sum = sha256.Sum256(der)
	case ed25519.PublicKey:
		sum = sha256.Sum256(append(append([]byte(name+"\n"), 1), k...))
	case *rsa.PublicKey:
		sum = sha256.Sum256(append(append([]byte(name+"\n"), append([]byte{0xff}, "PKIX-RSA-PKCS#1v1.5"...)...), der...))
	default:
		return 0, false
	}
	return binary.BigEndian.Uint32(sum[:4]), true
}

// verifyCheckpoint checks a Rekor v2 (tile log) checkpoint: the log's
// signature, by name origin with log's key hint, verifies (a signature that
// claims to be the log's and does not verify is an error; signatures of
// others, such as witnesses' cosignatures, are ignored), and the text names
// origin. It returns the checkpoint.
func verifyCheckpoint(envelope, origin string, key crypto.PublicKey) (*checkpoint, error) {
	n, err := parseNote(envelope)
	if err != nil {
		return nil, err
	}
	hint, ok := noteKeyHint(origin, key)
	if !ok {
		return nil, fail(ErrUnsupported, "the log key of %s is of a type checkpoints are not verified with", origin)
	}
	signed := false
	for _, s := range n.sigs {
		if s.name != origin || s.hint != hint || signed {
			continue
		}
		if !verifyWithKey(key, []byte(n.text), s.sig) {
			return nil, fail(ErrTransparencyLog, "checkpoint's signature by %s does not verify with the log's key", origin)
		}
		signed = true
	}
	if !signed {
		return nil, fail(ErrTransparencyLog, "checkpoint carries no signature of log %s", origin)
	}
	cp, err := parseCheckpointText(n.text)
	if err != nil {
		return nil, err
	}
	if cp.origin != origin {
		return nil, fail(ErrTransparencyLog, "checkpoint is for log %q, want %q", cp.origin, origin)
	}
	return cp, nil
}

// verifyCheckpointV1 checks a Rekor v1 checkpoint, whose origin carries
// the tree ID ("rekor.sigstore.dev - 1193050959916656506"): every
// signature line must carry the log key's hint and verify with it.
func verifyCheckpointV1(envelope string, key crypto.PublicKey) (*checkpoint, error) {
	n, err := parseNote(envelope)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fail(ErrUnsupported, "the Rekor log key is of a type checkpoints are not verified with")
	}
	sum := sha256.Sum256(der)
	hint := binary.BigEndian.Uint32(sum[:4])
	for _, s := range n.sigs {
		if s.hint != hint {
			return nil, fail(ErrTransparencyLog, "checkpoint's signature by %s has key hint %08x, the log key's is %08x", s.name, s.hint, hint)
		}
		if !verifyWithKey(key, []byte(n.text), s.sig) {
			return nil, fail(ErrTransparencyLog, "checkpoint's signature by %s does not verify with the log's key", s.name)
		}
	}
	return parseCheckpointText(n.text)
}
