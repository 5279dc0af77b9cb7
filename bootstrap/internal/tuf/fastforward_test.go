package tuf_test

import (
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
)

// A stolen online key signed timestamp and snapshot versions far ahead,
// which this client trusted. The repository recovers by rotating the
// online key in root 2 (TUF 1.0 section 5.3.11): the client forgets the
// fast-forwarded versions and updates. Without a rotation, the same
// versions still refuse the honest timestamp (a rollback), and a targets
// version trusted before is never forgotten.
func TestUpdateForgetsOnlineVersionsWhenTheirKeysRotate(t *testing.T) {
	target := []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)
	ahead := tuf.State{TimestampVersion: 1 << 40, SnapshotVersion: 1 << 40, Targets: 3}

	r, k := tuftest.New(t, target)
	st := ahead
	st.Root = r.Root1
	_, err := tuf.Update(st, time.Now(), r.Fetch, "trusted_root.json")
	wantUntrusted(t, err, "rollback")

	// Root 2 rotates the online key only for being signed again: same
	// keys, no recovery.
	r.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, k, r.Online), k[0], k[1])
	_, err = tuf.Update(st, time.Now(), r.Fetch, "trusted_root.json")
	wantUntrusted(t, err, "rollback")

	// Root 3 rotates it.
	fresh := tuftest.NewKey(t, "online-2")
	r.Files["3.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 3, k, fresh), k[0], k[1])
	r.Online = fresh
	r.Publish(t, 11, 6, 4)
	res, err := tuf.Update(st, time.Now(), r.Fetch, "trusted_root.json")
	if err != nil {
		t.Fatalf("no recovery after the online keys were rotated: %v", err)
	}
	if res.Root.Version != 3 || res.State.TimestampVersion != 11 || res.State.SnapshotVersion != 6 || res.State.Targets != 4 {
		t.Fatalf("state after recovery: root %d, %+v", res.Root.Version, res.State)
	}

	// A targets version trusted before is kept across the rotation.
	st.Targets = 5
	_, err = tuf.Update(st, time.Now(), r.Fetch, "trusted_root.json")
	wantUntrusted(t, err, "rollback")
}
