package sigstore

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// The embedded root is the one PublicGoodSHA256 names, parses, and holds
// the public-good Fulcio CAs, the CT log ctfe.sigstore.dev/2022 and the
// Rekor log rekor.sigstore.dev (checked without the shared fixtures).
func TestEmbeddedPublicGoodRoot(t *testing.T) {
	sum := sha256.Sum256(publicGoodJSON)
	if got := hex.EncodeToString(sum[:]); got != PublicGoodSHA256 {
		t.Fatalf("embedded trusted_root.json sha256 %s, PublicGoodSHA256 says %s", got, PublicGoodSHA256)
	}
	r := PublicGood()
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.cas) != 2 || r.cas[1].uri != "https://fulcio.sigstore.dev" || len(r.cas[1].chain) != 2 {
		t.Errorf("CAs: %d, %+v", len(r.cas), r.cas)
	}
	ct, _ := hex.DecodeString("dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e")
	rekor, _ := hex.DecodeString("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d")
	if _, ok := r.ctlogs[string(ct)]; !ok {
		t.Error("no ctfe.sigstore.dev/2022")
	}
	if l, ok := r.tlogs[string(rekor)]; !ok || l.url != "https://rekor.sigstore.dev" {
		t.Errorf("rekor.sigstore.dev: %+v, %v", l, ok)
	}
	if PublicGood() != r {
		t.Error("PublicGood parses more than once")
	}
}
