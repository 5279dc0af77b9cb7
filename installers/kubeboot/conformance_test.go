package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// The Sigstore conformance suite's bundle-verify cases
// (../shared/fixtures/sigstore-conformance, see its README), each run
// through `kubeboot verify-blob` twice, with the artifact and with
// --digest sha256:HEX, as the suite runs every client: a valid bundle
// exits 0, one whose folder ends in _fail exits 3 (refused, not a usage
// error). scripts/conformance.sh does the same with a built binary.
func TestSigstoreConformance(t *testing.T) {
	dir := sigtest.ConformanceDir(t)
	e := &env{t: t, vars: []string{"HOME=" + t.TempDir(), "PATH=/nonexistent", "KUBEBOOT_SIGSTORE_TRUSTED_ROOT="}}
	const (
		identity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
		issuer   = "https://token.actions.githubusercontent.com"
	)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases, passed := 0, 0
	for _, ent := range entries {
		c := filepath.Join(dir, ent.Name())
		if _, err := os.Stat(filepath.Join(c, "bundle.sigstore.json")); err != nil {
			continue
		}
		cases++
		ok := t.Run(ent.Name(), func(t *testing.T) {
			opt := func(name, def string) string {
				if b, err := os.ReadFile(filepath.Join(c, name)); err == nil {
					return strings.TrimSpace(string(b))
				}
				return def
			}
			artifact := filepath.Join(c, "artifact")
			if _, err := os.Stat(artifact); err != nil {
				artifact = filepath.Join(dir, "a.txt")
			}
			content, err := os.ReadFile(artifact)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(content)
			args := []string{"--bundle", filepath.Join(c, "bundle.sigstore.json")}
			if key := filepath.Join(c, "key.pub"); fileExists(key) {
				args = append(args, "--key", key)
			} else {
				args = append(args, "--certificate-identity", opt("identity", identity), "--certificate-oidc-issuer", opt("issuer", issuer))
			}
			if root := filepath.Join(c, "trusted_root.json"); fileExists(root) {
				args = append(args, "--trusted-root", root)
			}
			want := 0
			if strings.HasSuffix(ent.Name(), "_fail") {
				want = 3
			}
			for _, input := range [][]string{{artifact}, {"--digest", "sha256:" + hex.EncodeToString(sum[:])}} {
				r := e.run(append(append([]string{"verify-blob"}, input...), args...)...)
				if r.code != want {
					t.Errorf("verify-blob %s: exit %d, want %d\n%s%s", input[len(input)-1], r.code, want, r.stdout, r.stderr)
				}
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("sigstore-conformance bundle-verify: %d/%d cases pass", passed, cases)
	if cases != 70 {
		t.Errorf("%d cases in %s, want the suite's 70", cases, dir)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
