package tuf_test

import (
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
)

// What an update returns is enough to check a kept copy later, offline;
// a kept root that does not descend from the start root, targets
// metadata another key signed, or a target the metadata does not name
// are refused.
func TestKeptCopyChecksAgainstStartRoot(t *testing.T) {
	target := []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)
	r, k := tuftest.New(t, target)
	r.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, k, r.Online), k[0], k[1])
	res, err := tuf.Update(tuf.State{Root: r.Root1}, time.Now(), r.Fetch, "trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Roots) != 1 || res.TargetsMeta == nil {
		t.Fatalf("update returned %d roots, targets metadata %v", len(res.Roots), res.TargetsMeta != nil)
	}
	root, err := tuf.Kept(r.Root1, res.Roots, res.TargetsMeta, "trusted_root.json", res.Target)
	if err != nil || root.Version != 2 {
		t.Fatalf("the kept copy: %v", err)
	}

	// Another repository: its own root 1 (self-signed), its own target.
	other := []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","other":1}`)
	o, _ := tuftest.New(t, other)
	ores, err := tuf.Update(tuf.State{Root: o.Root1}, time.Now(), o.Fetch, "trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		roots         [][]byte
		meta, payload []byte
	}{
		"a root of another repository":  {[][]byte{o.Root1}, ores.TargetsMeta, other},
		"targets signed by another key": {res.Roots, ores.TargetsMeta, other},
		"another target":                {res.Roots, res.TargetsMeta, other},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tuf.Kept(r.Root1, c.roots, c.meta, "trusted_root.json", c.payload)
			wantUntrusted(t, err, "")
		})
	}
}
