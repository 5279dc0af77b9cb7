package kubeconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestToken(t *testing.T) {
	cw := mustLoad(t, "testdata/corpus/coreweave.yaml")
	if tok, err := Token(cw, ""); err != nil || tok != "FAKE-CW-TOKEN-0000-not-a-real-secret" {
		t.Errorf("Token(current) = %q, %v", tok, err)
	}
	if tok, err := Token(cw, "coreweave"); err != nil || tok != "FAKE-CW-TOKEN-0000-not-a-real-secret" {
		t.Errorf("Token(coreweave) = %q, %v", tok, err)
	}
	_, err := Token(cw, "nope")
	var ue *UndefinedError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownContext) || ue.Name != "nope" {
		t.Errorf("unknown context: %v", err)
	}

	dir := testutil.TempDir(t)
	os.MkdirAll(filepath.Join(dir, "secrets"), 0o700)
	os.WriteFile(filepath.Join(dir, "secrets", "bot.token"), []byte("FAKE-CW-TOKEN-from-file\n"), 0o600)
	rel := mustLoad(t, copyInto(t, "testdata/corpus/relative-paths.yaml", dir, "config"))
	if tok, err := Token(rel, "onprem-bot"); err != nil || tok != "FAKE-CW-TOKEN-from-file" {
		t.Errorf("tokenFile: %q, %v", tok, err)
	}

	cases := []struct {
		file, ctx, uses string
	}{
		{"testdata/corpus/eks.yaml", "", "exec credential plugin (aws)"},
		{"testdata/corpus/gke-legacy.yaml", "", `"gcp" auth provider`},
		{"testdata/corpus/client-cert.yaml", "", "client certificate"},
		{"testdata/corpus/multi.yaml", "staging-ci", "username and password"},
		{"testdata/corpus/relative-paths.yaml", "onprem", "client certificate"},
	}
	for _, c := range cases {
		_, err := Token(mustLoad(t, c.file), c.ctx)
		var nt *NoTokenError
		if !errors.As(err, &nt) || !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), c.uses) {
			t.Errorf("%s: err = %v, want a NoTokenError mentioning %q", c.file, err, c.uses)
			continue
		}
		assertNoSecret(t, "token error", err.Error())
	}
	dangling := parseT(t, "contexts: [{name: c, context: {cluster: k, user: ghost}}]", "x")
	if _, err := Token(dangling, "c"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("missing user: %v", err)
	}
	if _, err := Token(NewConfig("x"), ""); !errors.Is(err, ErrUnknownContext) {
		t.Errorf("no current context: %v", err)
	}
}

func TestCurrentAndUseContext(t *testing.T) {
	c := mustLoad(t, "testdata/corpus/multi.yaml")
	if name, ok := c.Current(); name != "staging-alice" || !ok {
		t.Errorf("Current = %q, %v", name, ok)
	}
	if err := c.UseContext("prod-alice"); err != nil || c.CurrentContext != "prod-alice" {
		t.Errorf("UseContext: %v", err)
	}
	if err := c.UseContext("ghost"); !errors.Is(err, ErrUnknownContext) || c.CurrentContext != "prod-alice" {
		t.Errorf("UseContext(ghost) = %v, current %q", err, c.CurrentContext)
	}
	c.CurrentContext = "ghost"
	if _, ok := c.Current(); ok {
		t.Error("Current reports an undefined context as defined")
	}
}

// TestTokenFileWins: with both an inline token and a tokenFile, kubectl
// (client-go) sends the file's token when it reads non-empty, and the
// inline one otherwise; Token returns the same.
func TestTokenFileWins(t *testing.T) {
	dir := testutil.TempDir(t)
	file := filepath.Join(dir, "bot.token")
	doc := `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: "https://c:6443"}}]
users: [{name: u, user: {token: FAKE-inline-token, tokenFile: bot.token}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
`
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte(doc), 0o600)
	for _, tc := range []struct {
		name, content string // "" content: no file
		want          string
	}{
		{"readable file", " FAKE-file-token\n", "FAKE-file-token"},
		{"empty file", "\n", "FAKE-inline-token"},
		{"no file", "", "FAKE-inline-token"},
	} {
		os.Remove(file)
		if tc.content != "" {
			os.WriteFile(file, []byte(tc.content), 0o600)
		}
		if got, err := Token(mustLoad(t, path), ""); err != nil || got != tc.want {
			t.Errorf("%s: Token = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestChooseToken(t *testing.T) {
	missing := errors.New("no such file")
	read := func(content string, err error) func(string) ([]byte, error) {
		return func(string) ([]byte, error) { return []byte(content), err }
	}
	for _, tc := range []struct {
		inline, file string
		read         func(string) ([]byte, error)
		want         string
		fromFile     bool
		err          error
	}{
		{"A", "", nil, "A", false, nil},
		{" A\n", "f", read("B\n", nil), "B", true, nil},
		{"A", "f", read("", missing), "A", false, nil},
		{"A", "f", read(" \n", nil), "A", false, nil},
		{"", "f", read("B", nil), "B", true, nil},
		{"", "f", read("", missing), "", false, missing},
		{"", "f", read("\n", nil), "", false, ErrEmptyTokenFile},
		{"", "", nil, "", false, nil},
	} {
		got, fromFile, err := ChooseToken(tc.inline, tc.file, tc.read)
		if got != tc.want || fromFile != tc.fromFile || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("ChooseToken(%q, %q) = %q, %v, %v; want %q, %v, %v", tc.inline, tc.file, got, fromFile, err, tc.want, tc.fromFile, tc.err)
		}
	}
}
