package k8stest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServer(t *testing.T) {
	Skip(t)
	start := time.Now()
	s, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started %s %s in %v", s.URL, s.Version, time.Since(start))
	dir := s.Dir
	defer func() {
		s.Stop()
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Stop left %s behind: %v", dir, err)
		}
		resp, err := http.Get(strings.Replace(s.URL, "https", "http", 1))
		if err == nil {
			resp.Body.Close()
			t.Errorf("the API server still answers after Stop")
		}
	}()
	for _, tc := range []struct {
		u    User
		ns   string
		want int
	}{
		{s.Admin, TenantNamespace, 0}, {s.CertUser, OtherNamespace, 0}, {s.Tenant, TenantNamespace, 0},
		{s.Tenant, OtherNamespace, 1}, {s.Blank, "", 1},
	} {
		path := filepath.Join(t.TempDir(), "config")
		if err := s.WriteKubeconfig(path, tc.u, tc.ns); err != nil {
			t.Fatal(err)
		}
		out, code, err := KubectlRun(context.Background(), path, "get", "secret")
		if err != nil || code != tc.want {
			t.Errorf("%s in %q: kubectl get secret: exit %d (want %d), %v\n%s", tc.u.Username, tc.ns, code, tc.want, err, out)
		}
		if tc.want == 0 && tc.ns != "" && !strings.Contains(out, Secrets[tc.ns][0]) {
			t.Errorf("%s: kubectl get secret lacks %s:\n%s", tc.u.Username, Secrets[tc.ns][0], out)
		}
		if tc.want == 1 && !strings.Contains(out, "Forbidden") {
			t.Errorf("%s: want Forbidden:\n%s", tc.u.Username, out)
		}
	}
}
