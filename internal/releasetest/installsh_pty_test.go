//go:build linux || darwin

package releasetest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// Under `curl ... | sh`, sh reads the script from a pipe, so kubeboot setup
// would inherit the pipe as stdin and could not ask. install.sh hands it the
// terminal back: setup must reach its prompt and take the answer.
func TestInstallShPipedGivesSetupTheTerminal(t *testing.T) {
	skipUnlessUnix(t)
	files := release(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[strings.TrimPrefix(r.URL.Path, "/releases/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	m := mirror.Start(mirror.Options{Sign: true})
	defer m.Close()
	m.SetMarker("stable", "v1.37.2")

	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "Downloads"), 0o700)
	cw, _ := os.ReadFile("../../bootstrap/kubeconfig/testdata/corpus/coreweave.yaml")
	os.WriteFile(filepath.Join(home, "Downloads", "cw-kubeconfig"), cw, 0o600)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, m.CertPEM(), 0o644)
	script, _ := filepath.Abs("../../scripts/install.sh")

	cmd := exec.Command("sh", "-c", `cat "$SCRIPT" | sh`)
	cmd.Env = []string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "TMPDIR=" + t.TempDir(), "SCRIPT=" + script,
		"KUBEBOOT_RELEASE_URL=" + srv.URL + "/releases",
		"KUBEBOOT_INSTALL_DIR=" + filepath.Join(home, "bin"),
		"KUBEBOOT_MIRROR=" + m.URL(), "SSL_CERT_FILE=" + ca, "NO_COLOR=1",
	}
	term := testutil.StartTerminal(t, cmd)
	term.WaitFor(t, "Continue? [y/N]", "no terminal to ask on")
	term.Type("n\r")
	term.Wait(t)
	if !strings.Contains(term.Screen(), "Nothing was changed.") {
		t.Errorf("the answer did not reach setup:\n%s", term.Screen())
	}
	if _, err := os.Stat(filepath.Join(home, ".kube")); !os.IsNotExist(err) {
		t.Error("setup changed the kubeconfig although the user said no")
	}
}
