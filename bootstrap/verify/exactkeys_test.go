package verify

import (
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// TestResolveExactKeys: kubectl reads only exactly spelled keys, so a
// miscased "Token" beside an exec plugin is ignored (the plugin runs), a
// "Namespace" sets nothing, a Unicode fold of "user" names no user, and a
// miscased "Insecure-Skip-TLS-Verify" does not turn off TLS checks.
func TestResolveExactKeys(t *testing.T) {
	cfg, err := kubeconfig.Parse([]byte(`
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", Insecure-Skip-TLS-Verify: true, Server: "https://other.invalid"}
contexts:
- name: stale
  context: {cluster: c, user: stale, Namespace: shouty}
- name: fold
  context: {cluster: c, user: ua, "uſer": ub}
users:
- name: stale
  user:
    Token: stale-TOKEN
    exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token, Command: other}
- name: ua
  user: {token: token-of-ua}
- name: ub
  user: {token: token-of-ub}
`), "x")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := resolve(cfg, "stale", "")
	if err != nil {
		t.Fatal(err)
	}
	if tg.userBody.Token != "" || tg.userBody.Exec == nil || tg.userBody.Exec.Command != "get-token" {
		t.Errorf("user stale: token %q, exec %+v; want no token and the exec plugin get-token", tg.userBody.Token, tg.userBody.Exec)
	}
	if tg.namespace != "default" || tg.nsFrom != "default" {
		t.Errorf("namespace %q from %s; want default", tg.namespace, tg.nsFrom)
	}
	if tg.clusterBody.Insecure || tg.serverURL != "https://127.0.0.1:6443" {
		t.Errorf("cluster: insecure %v, server %q", tg.clusterBody.Insecure, tg.serverURL)
	}
	tg, err = resolve(cfg, "fold", "")
	if err != nil {
		t.Fatal(err)
	}
	if tg.user != "ua" || tg.userBody.Token != "token-of-ua" {
		t.Errorf("context fold: user %q; want ua, as kubectl reads it", tg.user)
	}
}
