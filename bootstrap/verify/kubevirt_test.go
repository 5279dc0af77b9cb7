package verify

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/k8stest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// kubevirtAPI is a loopback API server answering GET
// /apis/kubevirt.io/v1/kubevirts with status and body to the bearer token
// good, 401 to others; it records the Authorization headers it saw.
type kubevirtAPI struct {
	*httptest.Server
	ca     string
	mu     sync.Mutex
	auth   []string
	status int
	body   string
	header map[string]string
}

func newKubevirtAPI(t *testing.T, tls bool) *kubevirtAPI {
	k := &kubevirtAPI{status: http.StatusOK}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.auth = append(k.auth, r.Header.Get("Authorization"))
		if r.URL.Path != "/apis/kubevirt.io/v1/kubevirts" {
			http.NotFound(w, r)
			return
		}
		for n, v := range k.header {
			w.Header().Set(n, v)
		}
		if tls && r.Header.Get("Authorization") != "Bearer good-token-0123456789" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(k.status)
		fmt.Fprint(w, k.body)
	})
	if tls {
		k.Server = httptest.NewTLSServer(h)
		k.ca = base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Certificate().Raw}))
	} else {
		k.Server = httptest.NewServer(h)
	}
	t.Cleanup(k.Close)
	return k
}

func (k *kubevirtAPI) kubeconfig(t *testing.T) string {
	ca := ""
	if k.ca != "" {
		ca = ", certificate-authority-data: " + k.ca
	}
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: c
clusters:
- {name: c, cluster: {server: %q%s}}
users:
- {name: u, user: {token: good-token-0123456789}}
contexts:
- {name: c, context: {cluster: c, user: u}}
`, k.URL, ca)
	path := filepath.Join(testutil.TempDir(t), "config")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func kubevirtList(items ...string) string {
	return `{"apiVersion":"kubevirt.io/v1","kind":"KubeVirtList","items":[` + strings.Join(items, ",") + `]}`
}

func kubevirtItem(ns, version string) string {
	return fmt.Sprintf(`{"metadata":{"name":"kubevirt","namespace":%q},"status":{"phase":"Deployed","observedKubeVirtVersion":%q}}`, ns, version)
}

// TestKubeVirtVersion: the version comes from the KubeVirt resource's
// status, over TLS with the context's token; KubeVirt's absence and
// answers that are no version are clear errors.
func TestKubeVirtVersion(t *testing.T) {
	api := newKubevirtAPI(t, true)
	path := api.kubeconfig(t)
	ask := func() (string, error) {
		return KubeVirtVersion(context.Background(), Options{Kubeconfig: []string{path}})
	}
	tests := []struct {
		name   string
		status int
		body   string
		want   string
		err    error
		say    string
	}{
		{"deployed", 200, kubevirtList(kubevirtItem("kubevirt", "v1.5.0")), "v1.5.0", nil, ""},
		{"in another namespace, without v", 200, kubevirtList(kubevirtItem("virt", "1.4.2")), "v1.4.2", nil, ""},
		{"two alike", 200, kubevirtList(kubevirtItem("a", "v1.5.0"), kubevirtItem("b", "v1.5.0")), "v1.5.0", nil, ""},
		{"group not served", 404, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`, "", ErrNoKubeVirt, "does not serve kubevirt.io/v1"},
		{"no resource", 200, kubevirtList(), "", ErrNoKubeVirt, "no KubeVirt resource"},
		{"not yet deployed", 200, kubevirtList(`{"metadata":{"name":"kubevirt","namespace":"kubevirt"},"status":{"phase":"Deploying"}}`), "", ErrKubeVirtVersion, "no version yet"},
		{"a development build", 200, kubevirtList(kubevirtItem("kubevirt", "devel")), "", ErrKubeVirtVersion, `"devel", which is not a release`},
		{"a path for a version", 200, kubevirtList(kubevirtItem("kubevirt", "../../v1.5.0")), "", ErrKubeVirtVersion, "not a release"},
		{"a control character", 200, kubevirtList(`{"metadata":{"name":"kubevirt"},"status":{"observedKubeVirtVersion":"v1.5.0\u001b[2J"}}`), "", ErrKubeVirtVersion, "not a release"},
		{"two versions", 200, kubevirtList(kubevirtItem("a", "v1.5.0"), kubevirtItem("b", "v1.4.0")), "", ErrKubeVirtVersion, "runs KubeVirt v1.5.0 and v1.4.0"},
		{"another list", 200, `{"kind":"PodList","items":[]}`, "", ErrKubeVirtVersion, "not a KubeVirtList"},
		{"not JSON", 200, `<html>login</html>`, "", nil, "not the JSON expected"},
		{"forbidden", 403, `{"kind":"Status","message":"kubevirts.kubevirt.io is forbidden"}`, "", nil, "answered 403"},
	}
	for _, tt := range tests {
		api.status, api.body = tt.status, tt.body
		got, err := ask()
		if got != tt.want || (tt.err != nil && !errors.Is(err, tt.err)) || (tt.want == "") != (err != nil) || (err != nil && !strings.Contains(err.Error(), tt.say)) {
			t.Errorf("%s: %q, %v", tt.name, got, err)
		}
		if strings.ContainsRune(fmt.Sprint(err), 0x1b) {
			t.Errorf("%s: the error carries the server's control characters", tt.name)
		}
	}
	for _, a := range api.auth {
		if a != "Bearer good-token-0123456789" {
			t.Errorf("asked with %q", a)
		}
	}
}

// TestKubeVirtVersionGivesNoCredentialsAway: a redirect to another
// server is not followed (the token stays with the cluster's own
// server), and a plain-http server gets no credentials.
func TestKubeVirtVersionGivesNoCredentialsAway(t *testing.T) {
	other := newKubevirtAPI(t, true)
	other.body = kubevirtList(kubevirtItem("kubevirt", "v0.1.0"))
	api := newKubevirtAPI(t, true)
	api.status, api.header = http.StatusFound, map[string]string{"Location": other.URL + "/apis/kubevirt.io/v1/kubevirts"}
	got, err := KubeVirtVersion(context.Background(), Options{Kubeconfig: []string{api.kubeconfig(t)}})
	if err == nil || got != "" {
		t.Errorf("a redirect: %q, %v", got, err)
	}
	if len(other.auth) != 0 {
		t.Errorf("the redirect was followed: %q", other.auth)
	}

	plain := newKubevirtAPI(t, false)
	plain.body = kubevirtList(kubevirtItem("kubevirt", "v1.5.0"))
	got, err = KubeVirtVersion(context.Background(), Options{Kubeconfig: []string{plain.kubeconfig(t)}})
	if err != nil || got != "v1.5.0" {
		t.Errorf("plain http: %q, %v", got, err)
	}
	if len(plain.auth) != 1 || plain.auth[0] != "" {
		t.Errorf("plain http got credentials: %q", plain.auth)
	}
}

// TestKubeVirtVersionRealServer: against the real kube-apiserver, with
// KubeVirt's CRD created in the test: absent before, the KubeVirt
// resource's observed version after.
func TestKubeVirtVersionRealServer(t *testing.T) {
	s := server(t)
	if k8stest.Kubectl() == "" {
		t.Skip("no kubectl to create the CRD with:", k8stest.EnvKubectl)
	}
	dir := testutil.TempDir(t)
	admin := filepath.Join(dir, "admin")
	if err := s.WriteKubeconfig(admin, s.Admin, ""); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ask := func() (string, error) { return KubeVirtVersion(ctx, Options{Kubeconfig: []string{admin}}) }
	kubectl := func(stdin string, args ...string) {
		t.Helper()
		f := filepath.Join(dir, "in.yaml")
		os.WriteFile(f, []byte(stdin), 0o600)
		if out, code, err := k8stest.KubectlRun(ctx, admin, append(args, "-f", f)...); code != 0 || err != nil {
			t.Fatalf("kubectl %v: %d %v %s", args, code, err, out)
		}
	}
	if v, err := ask(); !errors.Is(err, ErrNoKubeVirt) {
		t.Fatalf("before the CRD: %q, %v", v, err)
	}
	crd := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kubevirts.kubevirt.io}
spec:
  group: kubevirt.io
  names: {kind: KubeVirt, listKind: KubeVirtList, plural: kubevirts, singular: kubevirt}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`
	kubectl(crd, "create")
	t.Cleanup(func() { k8stest.KubectlRun(ctx, admin, "delete", "crd", "kubevirts.kubevirt.io", "--wait=false") })
	var v string
	var err error
	for range 100 { // the group is served (429, 404) a moment after the CRD is created
		if v, err = ask(); err != nil && strings.Contains(err.Error(), "no KubeVirt resource") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !errors.Is(err, ErrNoKubeVirt) || !strings.Contains(err.Error(), "no KubeVirt resource") {
		t.Fatalf("the CRD without a resource: %q, %v", v, err)
	}
	kubectl(`apiVersion: kubevirt.io/v1
kind: KubeVirt
metadata: {name: kubevirt, namespace: `+k8stest.TenantNamespace+`}
status: {phase: Deployed, observedKubeVirtVersion: v1.5.2}
`, "create")
	if v, err := ask(); v != "v1.5.2" || err != nil {
		t.Errorf("with a KubeVirt resource: %q, %v", v, err)
	}
}
