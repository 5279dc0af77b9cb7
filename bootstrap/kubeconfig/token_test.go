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
