package bootstrap

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"github.com/kubeboot/kubeboot/internal/upstream"
)

// TestMirrorRootServesTheAPIWithoutToken: with a mirror root and no API
// URL, GitHub's API answers come from ROOT/api.github.com/ (where mirror
// sync puts them), and the GitHub token goes nowhere: the mirror is not
// GitHub.
func TestMirrorRootServesTheAPIWithoutToken(t *testing.T) {
	o := upstream.Start(t)
	p := platformsOf(catalog.Virtctl())[0]
	pub := o.Publish(t, catalog.Virtctl(), "v1.6.0", p, []byte("virtctl"), true, nil)
	// The API's answer, as the API server gives it, under the mirror root.
	answer, err := http.Get(o.APIURL() + pub.Artifact.Proofs[0].At)
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := answer.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	answer.Body.Close()
	o.Put(DefaultGitHubAPIURL+pub.Artifact.Proofs[0].At, []byte(body.String()))
	o.API.Close()

	const token = "ghp_secret123"
	var sent []string
	c, err := New(Options{MirrorRoot: o.Root(), GitHubToken: token, NoDigestCache: true, Logf: t.Logf,
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Header.Get("Authorization") != "" {
				sent = append(sent, r.URL.String())
			}
			return http.DefaultTransport.RoundTrip(r)
		})}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.InstallTool(context.Background(), ToolRequest{Tool: "virtctl", Dir: testutil.TempDir(t), Platform: Platform{p.OS, p.Arch}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 0 {
		t.Errorf("the token went to %v", sent)
	}
	if !strings.HasPrefix(res.Evidence[0].URL, o.Root()+"/api.github.com/repos/kubevirt/kubevirt/releases/tags/") {
		t.Errorf("the digest was read from %s", res.Evidence[0].URL)
	}
}
