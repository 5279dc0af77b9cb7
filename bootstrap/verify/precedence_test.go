package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestCredentialPrecedenceMatchesKubectl gives one user entry several
// credentials at once, an exec plugin that would log in as admin among
// them, and checks that Verify authenticates as whoever the real kubectl
// authenticates as (`kubectl auth whoami`), or fails where kubectl fails.
func TestCredentialPrecedenceMatchesKubectl(t *testing.T) {
	s := server(t)
	dir := testutil.TempDir(t)
	blankFile := filepath.Join(dir, "blank-token")
	os.WriteFile(blankFile, []byte(s.Blank.Token+"\n"), 0o600)
	emptyFile := filepath.Join(dir, "empty-token")
	os.WriteFile(emptyFile, []byte("\n"), 0o600)
	cert := base64.StdEncoding.EncodeToString(s.CertUser.ClientCertPEM)
	key := base64.StdEncoding.EncodeToString(s.CertUser.ClientKeyPEM)
	tests := []struct {
		name string
		user map[string]any // besides the exec plugin
	}{
		{"exec alone", map[string]any{}},
		{"token and exec", map[string]any{"token": s.Blank.Token}},
		{"tokenFile and exec", map[string]any{"tokenFile": blankFile}},
		{"basic auth and exec", map[string]any{"username": "alice", "password": "FAKE-PASSWORD"}},
		{"username only and exec", map[string]any{"username": "alice"}},
		{"password only and exec", map[string]any{"password": "FAKE-PASSWORD"}},
		{"client certificate and exec", map[string]any{"client-certificate-data": cert, "client-key-data": key}},
		{"certificate without key and exec", map[string]any{"client-certificate-data": cert}},
		{"token and basic auth", map[string]any{"token": s.Blank.Token, "username": "alice", "password": "FAKE-PASSWORD"}},
		{"tokenFile and username", map[string]any{"tokenFile": blankFile, "username": "alice"}},
		{"tokenFile and password", map[string]any{"tokenFile": blankFile, "password": "FAKE-PASSWORD"}},
		{"token and client certificate", map[string]any{"token": s.Blank.Token, "client-certificate-data": cert, "client-key-data": key}},
		{"token and tokenFile", map[string]any{"token": s.Tenant.Token, "tokenFile": blankFile}},
		{"token and a missing tokenFile", map[string]any{"token": s.Tenant.Token, "tokenFile": filepath.Join(dir, "missing")}},
		{"token and an empty tokenFile", map[string]any{"token": s.Tenant.Token, "tokenFile": emptyFile}},
		{"a missing tokenFile and exec", map[string]any{"tokenFile": filepath.Join(dir, "missing")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := execKC(s, ExecV1, "token")
			for key, v := range tt.user {
				k.user[key] = v
			}
			path := k.write(t, "")
			out, code, err := k8stest.KubectlRun(context.Background(), path, "auth", "whoami", "-o", "json")
			if err != nil {
				t.Fatal(err)
			}
			kubectlUser := ""
			if code == 0 {
				var rev struct {
					Status struct {
						UserInfo struct {
							Username string `json:"username"`
						} `json:"userInfo"`
					} `json:"status"`
				}
				if err := json.Unmarshal([]byte(out), &rev); err != nil {
					t.Fatalf("kubectl auth whoami: %v\n%s", err, out)
				}
				kubectlUser = rev.Status.UserInfo.Username
			}
			r, verr := run(t, s, path, Options{})
			ourUser := ""
			if verr == nil && r.Identity != nil {
				ourUser = r.Identity.Username
			}
			t.Logf("kubectl: exit %d as %q; verify: %q, %v", code, kubectlUser, ourUser, verr)
			if ourUser != kubectlUser {
				t.Errorf("kubectl authenticates as %q (exit %d: %s), Verify as %q (err %v)",
					kubectlUser, code, strings.TrimSpace(out), ourUser, verr)
			}
		})
	}
}
