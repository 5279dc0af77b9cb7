package sigstore_test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// A field of the trusted root spelled another way (the protobuf name
// valid_for, which other clients read) or misspelt is refused, never
// dropped: a dropped validity window or log list would make the root
// weaker than it reads.
func TestTrustedRootRefusesUnknownFields(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	good := string(ca.TrustedRootJSON())
	if _, err := sigstore.ParseTrustedRoot([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(string) string{
		"valid_for": func(s string) string { return strings.Replace(s, `"validFor"`, `"valid_for"`, 1) },
		"tlog":      func(s string) string { return strings.Replace(s, `"tlogs"`, `"tlog"`, 1) },
		"ctlog":     func(s string) string { return strings.Replace(s, `"ctlogs"`, `"ctlog"`, 1) },
		"timestamp_authorities": func(s string) string {
			return strings.Replace(s, `"timestampAuthorities"`, `"timestamp_authorities"`, 1)
		},
		"data after the object": func(s string) string { return s + `{"mediaType":"x"}` },
	} {
		bad := edit(good)
		if bad == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := sigstore.ParseTrustedRoot([]byte(bad)); !errors.Is(err, sigstore.ErrMalformed) {
			t.Errorf("%s: ParseTrustedRoot = %v, want ErrMalformed", name, err)
		}
	}
	// The embedded public-good root names fields this verifier does not
	// use (operator, subject, checkpointKeyId): they are known, not refused.
	if sigstore.PublicGood() == nil {
		t.Fatal("no public-good root")
	}
}

// A root that lists no Rekor log does not turn the log requirement off:
// a bundle without a verified entry is refused.
func TestRootWithoutLogsRequiresAnEntry(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	var root map[string]any
	if err := json.Unmarshal(ca.TrustedRootJSON(), &root); err != nil {
		t.Fatal(err)
	}
	root["tlogs"] = []any{}
	rb, _ := json.Marshal(root)
	r, err := sigstore.ParseTrustedRoot(rb)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("an artifact"))
	var b map[string]any
	if err := json.Unmarshal(ca.Bundle(t, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{}), &b); err != nil {
		t.Fatal(err)
	}
	b["verificationMaterial"].(map[string]any)["tlogEntries"] = []any{}
	bb, _ := json.Marshal(b)
	if _, err := sigstore.VerifyBundle(sum[:], bb, sigstore.KubernetesRelease, r); !errors.Is(err, sigstore.ErrTransparencyLog) {
		t.Fatalf("a bundle without a Rekor entry, a root without logs: %v", err)
	}
}
