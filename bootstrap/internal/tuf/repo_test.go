package tuf_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
)

// A TUF repository made in the test (tuftest): a 2-of-3 root, online keys
// for timestamp, snapshot and targets, consistent snapshots.

func wantUntrusted(t *testing.T, err error, says string) {
	t.Helper()
	if !errors.Is(err, tuf.ErrUntrusted) || !errors.Is(err, verifyerr.ErrVerification) || !strings.Contains(err.Error(), says) {
		t.Fatalf("err = %v, want ErrUntrusted saying %q", err, says)
	}
}

func TestMadeRepository(t *testing.T) {
	now := time.Now()
	d := tuftest.NewKey(t, "d")
	var a, b, c, online tuftest.Key
	newRepo := func() (*tuftest.Repo, []byte) {
		r, keys := tuftest.New(t, []byte(`{"mediaType":"x"}`))
		a, b, c, online = keys[0], keys[1], keys[2], r.Online
		return r, r.Root1
	}
	newRepo()
	t.Run("rotation to 2-of-3 new keys", func(t *testing.T) {
		r, root1 := newRepo()
		r.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, []tuftest.Key{b, c, d}, online), a, b, c, d)
		res, err := tuf.Update(tuf.State{Root: root1}, now, r.Fetch, "trusted_root.json")
		if err != nil || res.Root.Version != 2 || string(res.Target) != string(r.Target) {
			t.Fatalf("%v", err)
		}
	})
	cases := []struct {
		name string
		edit func(r *tuftest.Repo)
		st   tuf.State
		says string
	}{
		{"new root without the old threshold", func(r *tuftest.Repo) {
			r.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, []tuftest.Key{b, c, d}, online), c, d)
		}, tuf.State{}, "below its threshold of 2"},
		{"new root without its own threshold", func(r *tuftest.Repo) {
			r.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, []tuftest.Key{b, c, d}, online), a, b)
		}, tuf.State{}, "(its own keys) carries 1"},
		{"new root skips a version", func(r *tuftest.Repo) {
			r.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 3, []tuftest.Key{a, b, c}, online), a, b)
		}, tuf.State{}, "has version 3"},
		{"one key under two key IDs counts once", func(r *tuftest.Repo) {
			twin := tuftest.Key{ID: "a-twin", Priv: a.Priv}
			s := tuftest.RootSigned(t, 2, []tuftest.Key{a, twin, c}, online)
			r.Files["2.root.json"] = tuftest.Sign(t, s, a, b, twin)
		}, tuf.State{}, "(its own keys) carries 1"},
		{"timestamp rollback", nil, tuf.State{TimestampVersion: 11}, "rollback"},
		{"targets rollback", nil, tuf.State{Targets: 4}, "rollback"},
		{"mix-and-match: snapshot of another version", func(r *tuftest.Repo) {
			r.Publish(t, 10, 5, 3)
			old := r.Files["5.snapshot.json"]
			r.Publish(t, 11, 6, 3)
			r.Files["6.snapshot.json"] = old
		}, tuf.State{}, "the metadata that names it says"}, // its length or hash
		{"mix-and-match: snapshot of another version, timestamp without hashes", func(r *tuftest.Repo) {
			old := r.Files["5.snapshot.json"]
			r.Files["6.snapshot.json"] = old
			r.Files["timestamp.json"] = tuftest.Sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": 11,
				"expires": tuftest.Expires, "meta": map[string]any{"snapshot.json": map[string]any{"version": 6}}}, online)
		}, tuf.State{}, "the timestamp names 6 (mix-and-match)"},
		{"mix-and-match: targets of another version", func(r *tuftest.Repo) {
			r.Publish(t, 10, 5, 4)
			r.Files["4.targets.json"] = r.Files["3.targets.json"]
		}, tuf.State{}, "mix-and-match"},
		{"snapshot signed by a root key, not the snapshot key", func(r *tuftest.Repo) {
			sn := tuftest.Sign(t, map[string]any{"_type": "snapshot", "spec_version": "1.0", "version": 5, "expires": tuftest.Expires,
				"meta": map[string]any{"targets.json": map[string]any{"version": 3}}}, a, b)
			r.Files["5.snapshot.json"] = sn
			r.Files["timestamp.json"] = tuftest.Sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": 11,
				"expires": tuftest.Expires, "meta": map[string]any{"snapshot.json": map[string]any{"version": 5}}}, online)
		}, tuf.State{}, "5.snapshot.json carries 0 valid signatures of distinct snapshot keys"},
		{"expired timestamp (freeze)", func(r *tuftest.Repo) {
			r.Files["timestamp.json"] = tuftest.Sign(t, map[string]any{"_type": "timestamp", "spec_version": "1.0", "version": 12,
				"expires": "2026-06-01T00:00:00Z", "meta": map[string]any{"snapshot.json": map[string]any{"version": 5}}}, online)
		}, tuf.State{}, "timestamp.json expired"},
		{"wrong target", func(r *tuftest.Repo) {
			sum := sha256.Sum256(r.Target)
			r.Files["targets/"+hex.EncodeToString(sum[:])+".trusted_root.json"] = []byte(`{"mediaType":"y"}`)
		}, tuf.State{}, "sha256"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			r, root1 := newRepo()
			if cs.edit != nil {
				cs.edit(r)
			}
			cs.st.Root = root1
			_, err := tuf.Update(cs.st, now, r.Fetch, "trusted_root.json")
			wantUntrusted(t, err, cs.says)
		})
	}
}
