package kubeconfig

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// miscasedKeys is a kubeconfig whose entries carry keys kubectl ignores:
// miscased spellings and Unicode case folds of the fields it reads. ſ
// (U+017F) folds to s, K (U+212A, Kelvin) to k.
const miscasedKeys = `apiVersion: v1
kind: Config
current-context: stale
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
    Server: https://shouty.invalid:6443
    Insecure-Skip-TLS-Verify: true
- name: alt
  cluster:
    server: https://127.0.0.1:7443
contexts:
- name: stale
  context: {cluster: c, user: stale, Namespace: shouty}
- name: fold
  context: {cluster: c, user: ua, "uſer": ub, "CLUSTER": alt}
- name: exact
  context: {cluster: c, user: ua, namespace: kept, "namespaCe": other}
users:
- name: stale
  user:
    Token: stale-TOKEN
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: get-token
      Command: other-command
- name: ua
  user:
    token: token-of-ua
    "toKen": token-of-kelvin
- name: ub
  user:
    token: token-of-ub
`

func TestDecodeBodyExactKeys(t *testing.T) {
	var v struct {
		Token string `json:"token"`
		Exec  *struct {
			Command string `json:"command"`
			Env     []struct {
				Name string `json:"name"`
			} `json:"env"`
		} `json:"exec"`
		Data []byte            `json:"data"`
		Map  map[string]string `json:"map"`
	}
	body := `{"Token":"no","exec":{"COMMAND":"no","command":"yes","env":[{"Name":"no"},{"name":"e"}]},"data":"aGk=","map":{"K":"v"}}`
	if err := DecodeBody(json.RawMessage(body), &v); err != nil {
		t.Fatal(err)
	}
	if v.Token != "" || v.Exec == nil || v.Exec.Command != "yes" || len(v.Exec.Env) != 2 ||
		v.Exec.Env[0].Name != "" || v.Exec.Env[1].Name != "e" || string(v.Data) != "hi" || v.Map["K"] != "v" {
		t.Errorf("DecodeBody = %+v (exec %+v)", v, v.Exec)
	}
	if err := DecodeBody(json.RawMessage(`{"token":3}`), &v); err == nil {
		t.Error("a number for a string field: no error")
	}
	if err := DecodeBody(nil, &v); err != nil {
		t.Errorf("nil body: %v", err)
	}
}

// TestTokenExactKeys: kubectl ignores "Token" and runs the exec plugin;
// kubeboot must not print the stale token.
func TestTokenExactKeys(t *testing.T) {
	cfg := parseT(t, miscasedKeys, "x")
	tok, err := Token(cfg, "stale")
	var nt *NoTokenError
	if !errors.As(err, &nt) || !strings.Contains(err.Error(), "exec credential plugin (get-token)") {
		t.Errorf("Token(stale) = %q, %v; want the exec plugin get-token named", tok, err)
	}
	if tok, err := Token(cfg, "fold"); err != nil || tok != "token-of-ua" {
		t.Errorf("Token(fold) = %q, %v; want the token of ua", tok, err)
	}
}

func TestListExactKeys(t *testing.T) {
	dir := testutil.TempDir(t)
	p := filepath.Join(dir, "config")
	if err := os.WriteFile(p, []byte(miscasedKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"cold", "warm"} {
		infos, err := List(EditOptions{Kubeconfig: p, CacheDir: filepath.Join(dir, "cache")})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]ContextInfo{}
		for _, i := range infos {
			got[i.Name] = i
		}
		want := map[string]ContextInfo{
			"stale": {Name: "stale", Cluster: "c", Server: "https://127.0.0.1:6443", User: "stale", Current: true, File: p},
			"fold":  {Name: "fold", Cluster: "c", Server: "https://127.0.0.1:6443", User: "ua", File: p},
			"exact": {Name: "exact", Cluster: "c", Server: "https://127.0.0.1:6443", User: "ua", Namespace: "kept", File: p},
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: List %s = %+v, want %+v", run, name, got[name], w)
			}
		}
	}
}

// TestKubectlExactKeys compares what kubectl reads of entries with
// miscased and Unicode-folded keys with kubeboot's List and Token.
func TestKubectlExactKeys(t *testing.T) {
	bin := kubectlBinary(t)
	home := testutil.TempDir(t)
	p := filepath.Join(home, "config")
	if err := os.WriteFile(p, []byte(miscasedKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	infos, err := List(EditOptions{Kubeconfig: p, CacheDir: filepath.Join(home, "cache")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, p)
	for _, info := range infos {
		var minified struct {
			Clusters []struct {
				Cluster map[string]any `json:"cluster"`
			} `json:"clusters"`
			Contexts []struct {
				Context map[string]string `json:"context"`
			} `json:"contexts"`
			Users []struct {
				User map[string]any `json:"user"`
			} `json:"users"`
		}
		out := kubectl(t, bin, home, []string{p}, "config", "view", "--minify", "--raw", "-o", "json", "--context", info.Name)
		if err := json.Unmarshal(out, &minified); err != nil || len(minified.Contexts) != 1 || len(minified.Clusters) != 1 {
			t.Fatalf("kubectl config view --minify --context %s: %v\n%s", info.Name, err, out)
		}
		kc := minified.Contexts[0].Context
		if kc["cluster"] != info.Cluster || kc["user"] != info.User || kc["namespace"] != info.Namespace {
			t.Errorf("context %s: kubectl reads %v, kubeboot List %+v", info.Name, kc, info)
		}
		if s, _ := minified.Clusters[0].Cluster["server"].(string); s != info.Server {
			t.Errorf("context %s: kubectl's server %q, kubeboot's %q", info.Name, s, info.Server)
		}
		var ktoken string
		if len(minified.Users) == 1 {
			ktoken, _ = minified.Users[0].User["token"].(string)
		}
		tok, _ := Token(cfg, info.Name)
		if tok != ktoken {
			t.Errorf("context %s: kubectl's token %q, kubeboot's %q", info.Name, ktoken, tok)
		}
	}
	if len(infos) != 3 {
		t.Errorf("List: %d contexts, want 3", len(infos))
	}
	table := string(kubectl(t, bin, home, []string{p}, "config", "get-contexts"))
	for _, info := range infos {
		fields := []string{info.Name, info.Cluster, info.User}
		if info.Namespace != "" {
			fields = append(fields, info.Namespace)
		}
		found := false
		for _, line := range strings.Split(table, "\n") {
			f := strings.Fields(strings.TrimPrefix(line, "*"))
			if len(f) > 0 && f[0] == info.Name {
				found = strings.Join(f, " ") == strings.Join(fields, " ")
			}
		}
		if !found {
			t.Errorf("kubectl config get-contexts does not show %v:\n%s", fields, table)
		}
	}
}

// TestDeleteEntriesExactKeys: the user a context refers to is the one
// kubectl reads ("user", not a Unicode fold of it), so removing the users
// no context uses (as prune and delete --cascade do) keeps it.
func TestDeleteEntriesExactKeys(t *testing.T) {
	cfg := parseT(t, `contexts:
- name: fold
  context: {cluster: c, user: ua, "uſer": ub, "User": ub}
users:
- {name: ua, user: {token: token-of-ua}}
- {name: ub, user: {token: token-of-ub}}
`, "x")
	res := deleteEntries([]*File{{Path: "x", Exists: true, Config: cfg}}, nil, nil, []string{"ua", "ub"})
	if strings.Join(res.Users, ",") != "ub" || strings.Join(entryNames(cfg, KindUser), ",") != "ua" {
		t.Errorf("removed %v, left %v; want ub removed and ua, which the context uses, kept", res.Users, entryNames(cfg, KindUser))
	}
}
