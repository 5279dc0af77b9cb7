package kubeconfig

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestLoadViewFirstFileWins(t *testing.T) {
	dir := testutil.TempDir(t)
	a := filepath.Join(dir, "a")
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	b := filepath.Join(sub, "b")
	os.WriteFile(a, []byte(`apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: "https://a.example"}
users:
- name: u
  user: {token: from-a}
contexts:
- name: ctx
  context: {cluster: shared, user: u}
`), 0o600)
	os.WriteFile(filepath.Join(sub, "tok"), []byte("from-b-file\n"), 0o600)
	os.WriteFile(b, []byte(`apiVersion: v1
kind: Config
current-context: other
clusters:
- name: shared
  cluster: {server: "https://b.example"}
users:
- name: u
  user: {token: from-b}
- name: filed
  user: {tokenFile: tok}
contexts:
- name: other
  context: {cluster: shared, user: filed}
`), 0o600)
	v, err := LoadView([]string{a, filepath.Join(dir, "missing"), b})
	if err != nil {
		t.Fatal(err)
	}
	if v.CurrentContext != "other" {
		t.Errorf("current-context = %q, want the first non-empty one (other)", v.CurrentContext)
	}
	c, _ := v.Lookup(KindCluster, "shared")
	if string(c.Body) == "" || !strings.Contains(string(c.Body), "a.example") {
		t.Errorf("cluster shared = %s, want a's definition", c.Body)
	}
	if tok, err := Token(v, "ctx"); err != nil || tok != "from-a" {
		t.Errorf("Token(ctx) = %q, %v; want a's token", tok, err)
	}
	// tokenFile is relative to b's folder, not to the process or a's folder.
	if tok, err := Token(v, "other"); err != nil || tok != "from-b-file" {
		t.Errorf("Token(other) = %q, %v; want the content of sub/tok", tok, err)
	}
}

func TestLoadViewWithoutFiles(t *testing.T) {
	_, err := LoadView([]string{filepath.Join(testutil.TempDir(t), "none")})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "none") {
		t.Fatalf("got %v, want a not-exist error naming the file", err)
	}
}
