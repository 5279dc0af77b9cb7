package tuf_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
)

// FuzzUpdate feeds hostile bytes as each metadata file of a made
// repository: no panic, and a failure is ErrUntrusted (or the file's
// absence), never a result.
func FuzzUpdate(f *testing.F) {
	repo, _ := tuftest.New(f, []byte(`{"mediaType":"x"}`))
	names := []string{"2.root.json", "timestamp.json", "5.snapshot.json", "3.targets.json"}
	for i, n := range names {
		if b, ok := repo.Files[n]; ok {
			f.Add(uint8(i), b)
		}
		f.Add(uint8(i), []byte(`{"signed":{"_type":"root","version":2,"expires":"2030-01-01T00:00:00Z","roles":{}},"signatures":[{"keyid":"a","sig":"zz"}]}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		r, _ := tuftest.New(t, []byte(`{"mediaType":"x"}`))
		name := names[int(which)%len(names)]
		r.Files[name] = b
		res, err := tuf.Update(tuf.State{Root: r.Root1}, time.Now(), r.Fetch, "trusted_root.json")
		if err != nil && !errors.Is(err, tuf.ErrUntrusted) {
			t.Fatalf("error %v is not ErrUntrusted", err)
		}
		if err == nil && name != "2.root.json" {
			t.Fatalf("%s replaced by hostile bytes still verified: %+v", name, res.State)
		}
	})
}

// FuzzCanonical: canonical JSON is stable (its own canonical form, when
// it is JSON at all: securesystemslib writes control characters in
// strings raw, which JSON does not allow) and never panics.
func FuzzCanonical(f *testing.F) {
	f.Add([]byte(`{"b":[1,"x\"y"],"a":{"é":null}}`))
	f.Add([]byte(`[1.5]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := tuf.Canonical(b)
		if err != nil {
			return
		}
		again, err := tuf.Canonical(c)
		if err == nil && string(again) != string(c) {
			t.Fatalf("Canonical(%q) = %q, then %q, %v", b, c, again, err)
		}
	})
}
