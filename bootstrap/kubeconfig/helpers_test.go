package kubeconfig

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fakeSecrets are substrings of every secret in testdata; none may show up
// in an error, a log line or JSON output.
var fakeSecrets = []string{
	"FAKE-CW-TOKEN", "FAKE-CLIENT-KEY", "RkFLRS1DTElFTlQtS0VZ", "FAKE-GKE-ACCESS", "FAKE-ALICE",
	"FAKE-PASSWORD", "FAKE-JSON", "FAKE-PROXY", "FAKE-NONAME", "FAKE-UNTERMINATED",
}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range fakeSecrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s contains the secret %q: %s", what, sec, s)
		}
	}
}

func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	sort.Strings(files)
	return files
}

func mustLoad(t testing.TB, path string) *Config {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyInto copies src into dir under name and returns the new path.
func copyInto(t testing.TB, src, dir, name string) string {
	t.Helper()
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, readFile(t, src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func entryNames(c *Config, k Kind) []string { return names(c.Entries(k)) }
