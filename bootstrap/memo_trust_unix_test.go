//go:build unix

package bootstrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// A remembered verified release vouches for a digest, so a memory that
// another user could have written is not read: in a cache folder anyone
// may write, a record planted for another binary's digest does not make a
// kubectl someone put in the target pass as the verified release.
func TestPlantedVerifiedMemoryIsIgnored(t *testing.T) {
	ctx := context.Background()
	m := newMirror(t, mirror.Options{})
	private := testutil.TempDir(t)
	if _, err := newClient(t, m, Options{CacheDir: private}).Install(ctx, InstallRequest{Dir: testutil.TempDir(t)}); err != nil {
		t.Fatal(err)
	}
	var memory string
	filepath.WalkDir(private, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "verified-releases.json" {
			memory = p
		}
		return nil
	})
	genuine, err := os.ReadFile(memory)
	if err != nil {
		t.Fatalf("no verified-release memory after an install: %v", err)
	}

	evil := append(bytes.Clone(standins["v1.37.2"]), "planted"...)
	sum := sha256.Sum256(evil)
	planted := genuine
	for _, s := range []string{sum256(standins["v1.37.2"])} {
		planted = bytes.ReplaceAll(planted, []byte(s), []byte(hex.EncodeToString(sum[:])))
	}
	if bytes.Equal(planted, genuine) {
		t.Fatalf("the memory does not hold the digest: %s", genuine)
	}
	shared := filepath.Join(testutil.TempDir(t), "shared")
	rel, _ := filepath.Rel(private, memory)
	if err := os.MkdirAll(filepath.Dir(filepath.Join(shared, rel)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, rel), planted, 0o666); err != nil {
		t.Fatal(err)
	}
	// Anyone may write the memory's folder (no sticky bit), and the file.
	for p := filepath.Join(shared, rel); strings.HasPrefix(p, shared); p = filepath.Dir(p) {
		os.Chmod(p, 0o777)
	}
	os.Chmod(filepath.Join(shared, rel), 0o666)

	dir := testutil.TempDir(t)
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), evil, 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := newClient(t, m, Options{CacheDir: shared}).Install(ctx, InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kubectl")); !bytes.Equal(b, standins["v1.37.2"]) {
		t.Fatalf("the kubectl in the target was kept as verified on a planted memory: %+v", res)
	}
}

func sum256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
