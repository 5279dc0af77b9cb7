package tuf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"strconv"
	"testing"
	"time"
)

// A TUF repository made in the test: ECDSA keys, a 2-of-3 root, online
// keys for timestamp, snapshot and targets, consistent snapshots.

type key struct {
	id   string
	priv *ecdsa.PrivateKey
}

func newKey(t *testing.T, id string) key {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key{id, k}
}

func (k key) json(t *testing.T) map[string]any {
	der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
		"keyval": map[string]any{"public": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}
}

// sign wraps signed in an envelope signed by keys.
func sign(t *testing.T, signed map[string]any, keys ...key) []byte {
	raw, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := Canonical(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(msg)
	var sigs []any
	for _, k := range keys {
		s, err := ecdsa.SignASN1(rand.Reader, k.priv, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, map[string]any{"keyid": k.id, "sig": hex.EncodeToString(s)})
	}
	out, err := json.MarshalIndent(map[string]any{"signed": json.RawMessage(raw), "signatures": sigs}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type repo struct {
	files  map[string][]byte
	online key
	target []byte
}

var expires = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)

func rootSigned(t *testing.T, version int, rootKeys []key, online key) map[string]any {
	keys := map[string]any{online.id: online.json(t)}
	var ids []any
	for _, k := range rootKeys {
		keys[k.id] = k.json(t)
		ids = append(ids, k.id)
	}
	on := map[string]any{"keyids": []any{online.id}, "threshold": 1}
	return map[string]any{"_type": "root", "spec_version": "1.0", "version": version, "expires": expires,
		"consistent_snapshot": true, "keys": keys, "x-unknown": map[string]any{"kept": true},
		"roles": map[string]any{"root": map[string]any{"keyids": ids, "threshold": 2},
			"timestamp": on, "snapshot": on, "targets": on}}
}

// publish writes timestamp, snapshot and targets of the given versions.
func (r *repo) publish(t *testing.T, ts, snap, targets int) {
	sum := sha256.Sum256(r.target)
	h := hex.EncodeToString(sum[:])
	r.files["targets/"+h+".trusted_root.json"] = r.target
	tg := sign(t, map[string]any{"_type": "targets", "spec_version": "1.0", "version": targets, "expires": expires,
		"targets": map[string]any{"trusted_root.json": map[string]any{"length": len(r.target), "hashes": map[string]any{"sha256": h}}}}, r.online)
	r.files[strconv.Itoa(targets)+".targets.json"] = tg
	sn := sign(t, map[string]any{"_type": "snapshot", "spec_version": "1.0", "version": snap, "expires": expires,
		"meta": map[string]any{"targets.json": map[string]any{"version": targets}}}, r.online)
	r.files[strconv.Itoa(snap)+".snapshot.json"] = sn
	snapSum := sha256.Sum256(sn)
	r.files["timestamp.json"] = sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": ts, "expires": expires,
		"meta": map[string]any{"snapshot.json": map[string]any{"version": snap, "length": len(sn), "hashes": map[string]any{"sha256": hex.EncodeToString(snapSum[:])}}}}, r.online)
}

func (r *repo) fetch(name string, max int64) ([]byte, error) {
	b, ok := r.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return b, nil
}

func TestMadeRepository(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b, c, d := newKey(t, "a"), newKey(t, "b"), newKey(t, "c"), newKey(t, "d")
	online := newKey(t, "online")
	newRepo := func() (*repo, []byte) {
		r := &repo{files: map[string][]byte{}, online: online, target: []byte(`{"mediaType":"x"}`)}
		root1 := sign(t, rootSigned(t, 1, []key{a, b, c}, online), a, b)
		r.files["1.root.json"] = root1
		r.publish(t, 10, 5, 3)
		return r, root1
	}
	t.Run("rotation to 2-of-3 new keys", func(t *testing.T) {
		r, root1 := newRepo()
		r.files["2.root.json"] = sign(t, rootSigned(t, 2, []key{b, c, d}, online), a, b, c, d)
		res, err := Update(State{Root: root1}, now, r.fetch, "trusted_root.json")
		if err != nil || res.Root.Version != 2 || string(res.Target) != string(r.target) {
			t.Fatalf("%v", err)
		}
	})
	cases := []struct {
		name string
		edit func(r *repo)
		st   State
		says string
	}{
		{"new root without the old threshold", func(r *repo) {
			r.files["2.root.json"] = sign(t, rootSigned(t, 2, []key{b, c, d}, online), c, d)
		}, State{}, "below its threshold of 2"},
		{"new root without its own threshold", func(r *repo) {
			r.files["2.root.json"] = sign(t, rootSigned(t, 2, []key{b, c, d}, online), a, b)
		}, State{}, "(its own keys) carries 1"},
		{"new root skips a version", func(r *repo) {
			r.files["2.root.json"] = sign(t, rootSigned(t, 3, []key{a, b, c}, online), a, b)
		}, State{}, "has version 3"},
		{"one key under two key IDs counts once", func(r *repo) {
			twin := key{"a-twin", a.priv}
			s := rootSigned(t, 2, []key{a, twin, c}, online)
			r.files["2.root.json"] = sign(t, s, a, b, twin)
		}, State{}, "(its own keys) carries 1"},
		{"timestamp rollback", nil, State{TimestampVersion: 11}, "rollback"},
		{"targets rollback", nil, State{Targets: 4}, "rollback"},
		{"mix-and-match: snapshot of another version", func(r *repo) {
			r.publish(t, 10, 5, 3)
			old := r.files["5.snapshot.json"]
			r.publish(t, 11, 6, 3)
			r.files["6.snapshot.json"] = old
		}, State{}, "6.snapshot.json is"}, // its length and hash, then its version
		{"mix-and-match: snapshot of another version, timestamp without hashes", func(r *repo) {
			old := r.files["5.snapshot.json"]
			r.files["6.snapshot.json"] = old
			r.files["timestamp.json"] = sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": 11,
				"expires": expires, "meta": map[string]any{"snapshot.json": map[string]any{"version": 6}}}, online)
		}, State{}, "the timestamp names 6 (mix-and-match)"},
		{"mix-and-match: targets of another version", func(r *repo) {
			r.publish(t, 10, 5, 4)
			r.files["4.targets.json"] = r.files["3.targets.json"]
		}, State{}, "mix-and-match"},
		{"snapshot signed by a root key, not the snapshot key", func(r *repo) {
			sn := sign(t, map[string]any{"_type": "snapshot", "spec_version": "1.0", "version": 5, "expires": expires,
				"meta": map[string]any{"targets.json": map[string]any{"version": 3}}}, a, b)
			r.files["5.snapshot.json"] = sn
		}, State{}, "5.snapshot.json is"},
		{"expired timestamp (freeze)", func(r *repo) {
			r.files["timestamp.json"] = sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": 12,
				"expires": "2026-06-01T00:00:00Z", "meta": map[string]any{"snapshot.json": map[string]any{"version": 5}}}, online)
		}, State{}, "timestamp.json expired"},
		{"wrong target", func(r *repo) {
			sum := sha256.Sum256(r.target)
			r.files["targets/"+hex.EncodeToString(sum[:])+".trusted_root.json"] = []byte(`{"mediaType":"y"}`)
		}, State{}, "sha256"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			r, root1 := newRepo()
			if cs.edit != nil {
				cs.edit(r)
			}
			cs.st.Root = root1
			_, err := Update(cs.st, now, r.fetch, "trusted_root.json")
			wantUntrusted(t, err, cs.says)
		})
	}
}
