// Package tuftest makes TUF repositories for tests: ECDSA P-256 keys, a
// 2-of-3 root, one online key for timestamp, snapshot and targets,
// consistent snapshots, and a trusted_root.json target. Tests edit Files
// to make the repository lie, and serve it with Handler.
package tuftest

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
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
)

// TB is what the package needs of a test.
type TB interface {
	Helper()
	Fatal(args ...any)
}

// Key is a signing key and its key ID.
type Key struct {
	ID   string
	Priv *ecdsa.PrivateKey
}

// NewKey makes a P-256 key named id.
func NewKey(t TB, id string) Key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Key{id, k}
}

// JSON is the key as root metadata lists it.
func (k Key) JSON(t TB) map[string]any {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.Priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
		"keyval": map[string]any{"public": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}
}

// Sign wraps signed in an envelope signed by keys, over its canonical JSON.
func Sign(t TB, signed map[string]any, keys ...Key) []byte {
	t.Helper()
	raw, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := tuf.Canonical(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(msg)
	var sigs []any
	for _, k := range keys {
		s, err := ecdsa.SignASN1(rand.Reader, k.Priv, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, map[string]any{"keyid": k.ID, "sig": hex.EncodeToString(s)})
	}
	out, err := json.MarshalIndent(map[string]any{"signed": json.RawMessage(raw), "signatures": sigs}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Expires is when the metadata the package makes expire.
var Expires = time.Now().Add(365 * 24 * time.Hour).UTC().Format(time.RFC3339)

// RootSigned is root metadata of version: rootKeys hold the root role
// (threshold 2), online the other three roles (threshold 1). It carries an
// unknown field, which signatures cover.
func RootSigned(t TB, version int, rootKeys []Key, online Key) map[string]any {
	t.Helper()
	keys := map[string]any{online.ID: online.JSON(t)}
	var ids []any
	for _, k := range rootKeys {
		keys[k.ID] = k.JSON(t)
		ids = append(ids, k.ID)
	}
	on := map[string]any{"keyids": []any{online.ID}, "threshold": 1}
	return map[string]any{"_type": "root", "spec_version": "1.0", "version": version, "expires": Expires,
		"consistent_snapshot": true, "keys": keys, "x-unknown": map[string]any{"kept": true},
		"roles": map[string]any{"root": map[string]any{"keyids": ids, "threshold": 2},
			"timestamp": on, "snapshot": on, "targets": on}}
}

// Repo is a repository's files by name, as a client asks for them.
type Repo struct {
	mu     sync.Mutex
	Files  map[string][]byte
	Online Key
	Target []byte // trusted_root.json
	Root1  []byte // 1.root.json, to start from
}

// New makes a repository: root 1 (keys a, b, c; signed by a and b), and
// timestamp 10, snapshot 5 and targets 3 naming target.
func New(t TB, target []byte) (*Repo, []Key) {
	t.Helper()
	a, b, c := NewKey(t, "a"), NewKey(t, "b"), NewKey(t, "c")
	r := &Repo{Files: map[string][]byte{}, Online: NewKey(t, "online"), Target: target}
	r.Root1 = Sign(t, RootSigned(t, 1, []Key{a, b, c}, r.Online), a, b)
	r.Files["1.root.json"] = r.Root1
	r.Publish(t, 10, 5, 3)
	return r, []Key{a, b, c}
}

// Publish writes timestamp ts, snapshot snap and targets targets.
func (r *Repo) Publish(t TB, ts, snap, targets int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := sha256.Sum256(r.Target)
	h := hex.EncodeToString(sum[:])
	r.Files["targets/"+h+".trusted_root.json"] = r.Target
	r.Files[strconv.Itoa(targets)+".targets.json"] = Sign(t, map[string]any{"_type": "targets", "spec_version": "1.0", "version": targets, "expires": Expires,
		"targets": map[string]any{"trusted_root.json": map[string]any{"length": len(r.Target), "hashes": map[string]any{"sha256": h}}}}, r.Online)
	sn := Sign(t, map[string]any{"_type": "snapshot", "spec_version": "1.0", "version": snap, "expires": Expires,
		"meta": map[string]any{"targets.json": map[string]any{"version": targets}}}, r.Online)
	r.Files[strconv.Itoa(snap)+".snapshot.json"] = sn
	snapSum := sha256.Sum256(sn)
	r.Files["timestamp.json"] = Sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": ts, "expires": Expires,
		"meta": map[string]any{"snapshot.json": map[string]any{"version": snap, "length": len(sn), "hashes": map[string]any{"sha256": hex.EncodeToString(snapSum[:])}}}}, r.Online)
}

// Fetch is a tuf.Fetch over Files.
func (r *Repo) Fetch(name string, max int64) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.Files[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return b, nil
}

// Handler serves Files over HTTP (404 for any other name).
func (r *Repo) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := r.Fetch(strings.TrimPrefix(req.URL.Path, "/"), 0)
		if err != nil {
			http.NotFound(w, req)
			return
		}
		w.Write(b)
	})
}
