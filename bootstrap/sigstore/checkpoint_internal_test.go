package sigstore

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"testing"
)

// mth is RFC 6962 section 2.1's Merkle tree hash, recursively.
func mth(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leafHash(leaves[0])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return nodeHash(mth(leaves[:k]), mth(leaves[k:]))
}

// path is RFC 6962 section 2.1.1's audit path PATH(m, D[n]).
func path(m int, leaves [][]byte) [][]byte {
	if len(leaves) == 1 {
		return nil
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	if m < k {
		return append(path(m, leaves[:k]), mth(leaves[k:]))
	}
	return append(path(m-k, leaves[k:]), mth(leaves[:k]))
}

// TestVerifyInclusion checks the iterative RFC 9162 verifier against the
// RFC 6962 definitions for every leaf of every tree up to 33 leaves, and
// that a proof for one leaf or index proves nothing else. (The same path
// can fit two tree sizes of the same shape: the size is bound to the root
// hash by the checkpoint's signature, not by the path.)
func TestVerifyInclusion(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := make([][]byte, n)
		for i := range leaves {
			leaves[i] = []byte(fmt.Sprintf("leaf %d", i))
		}
		root := mth(leaves)
		for m := 0; m < n; m++ {
			p := path(m, leaves)
			lh := leafHash(leaves[m])
			if !verifyInclusion(uint64(m), uint64(n), lh, p, root) {
				t.Fatalf("n=%d m=%d: a correct proof fails", n, m)
			}
			if n > 1 && verifyInclusion(uint64((m+1)%n), uint64(n), lh, p, root) {
				t.Errorf("n=%d m=%d: verifies for another index", n, m)
			}
			if verifyInclusion(uint64(m), uint64(n), leafHash([]byte("other")), p, root) {
				t.Errorf("n=%d m=%d: verifies another leaf", n, m)
			}
			if len(p) > 0 {
				bad := append([][]byte(nil), p...)
				bad[len(bad)-1] = bytes.Repeat([]byte{1}, 32)
				if verifyInclusion(uint64(m), uint64(n), lh, bad, root) {
					t.Errorf("n=%d m=%d: verifies with a changed hash", n, m)
				}
				if verifyInclusion(uint64(m), uint64(n), lh, p[:len(p)-1], root) {
					t.Errorf("n=%d m=%d: verifies with a short path", n, m)
				}
			}
			if verifyInclusion(uint64(m), uint64(n), lh, append(p, root), root) {
				t.Errorf("n=%d m=%d: verifies with a long path", n, m)
			}
		}
		if verifyInclusion(uint64(n), uint64(n), leafHash(leaves[0]), nil, root) {
			t.Errorf("n=%d: index n verifies", n)
		}
	}
}

// The signed-note key ID of an Ed25519 key, by golang.org/x/mod/sumdb/note's
// own example: PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW.
func TestNoteKeyHintEd25519(t *testing.T) {
	raw, err := base64.StdEncoding.DecodeString("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
	if err != nil || raw[0] != 1 {
		t.Fatal("bad vector")
	}
	hint, ok := noteKeyHint("PeterNeumann", ed25519.PublicKey(raw[1:]))
	if !ok || hint != 0xc74f20a3 {
		t.Errorf("hint %08x, want c74f20a3", hint)
	}
}

func TestParseNote(t *testing.T) {
	sig := base64.StdEncoding.EncodeToString([]byte("\x01\x02\x03\x04signature"))
	good := "origin\n3\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n\n\u2014 origin " + sig + "\n"
	n, err := parseNote(good)
	if err != nil || len(n.sigs) != 1 || n.sigs[0].hint != 0x01020304 || n.sigs[0].name != "origin" || string(n.sigs[0].sig) != "signature" {
		t.Fatalf("%+v, %v", n, err)
	}
	if cp, err := parseCheckpointText(n.text); err != nil || cp.origin != "origin" || cp.size != 3 {
		t.Fatalf("%+v, %v", cp, err)
	}
	for name, bad := range map[string]string{
		"no blank line":       "origin\n3\nAAAA\n\u2014 origin " + sig + "\n",
		"no final newline":    good[:len(good)-1],
		"plain dash":          "origin\n3\nAAAA\n\n- origin " + sig + "\n",
		"short signature":     "origin\n3\nAAAA\n\n\u2014 origin AAAA\n",
		"name with a plus":    "origin\n3\nAAAA\n\n\u2014 ori+gin " + sig + "\n",
		"control character":   "origin\x01\n3\nAAAA\n\n\u2014 origin " + sig + "\n",
		"not UTF-8":           "origin\xff\n3\nAAAA\n\n\u2014 origin " + sig + "\n",
		"no signature at all": "origin\n3\nAAAA\n\n",
	} {
		if _, err := parseNote(bad); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	for name, text := range map[string]string{
		"two lines":      "origin\n3\n",
		"empty origin":   "\n3\nAAAA\n",
		"size not a num": "origin\nthree\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n",
		"short hash":     "origin\n3\nAAAA\n",
	} {
		if _, err := parseCheckpointText(text); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}
