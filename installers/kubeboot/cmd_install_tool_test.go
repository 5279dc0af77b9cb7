package main

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/internal/pgptest"
	"github.com/kubeboot/kubeboot/internal/upstream"
)

// toolEnv is newEnv with a loopback mirror root and GitHub API for the
// catalogue's tools.
func toolEnv(t *testing.T) (*env, *upstream.Origin) {
	e := newEnv(t)
	o := upstream.Start(t)
	e.vars = append(e.vars, "KUBEBOOT_MIRROR_ROOT="+o.Root(), "KUBEBOOT_GITHUB_API_URL="+o.APIURL())
	return e, o
}

// hostTools lists the tools install downloads itself that publish a file
// for this machine.
func hostTools() []*catalog.Tool {
	var tools []*catalog.Tool
	for _, tool := range catalog.All() {
		if tool.Delegate == "" && tool.Name != "kubectl" && tool.Supports(catalog.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}) {
			tools = append(tools, tool)
		}
	}
	return tools
}

var hostPlatform = catalog.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}

func TestInstallToolCommand(t *testing.T) {
	for _, tool := range hostTools() {
		t.Run(tool.Name, func(t *testing.T) {
			e, o := toolEnv(t)
			pub := o.Publish(t, tool, "v1.3.0", hostPlatform, []byte("program of "+tool.Name), true, nil)
			dir := filepath.Join(t.TempDir(), "my bin")
			r := e.run("install", tool.Name, "--dir", dir)
			path := filepath.Join(dir, pub.Artifact.Program)
			if r.code != 0 || !strings.Contains(r.stdout, "installed "+tool.Name+" v1.3.0 at "+path+" (sha256 "+sum(pub.File)+" verified against ") {
				t.Fatalf("%+v", r)
			}
			if got, _ := os.ReadFile(path); string(got) != string(pub.Program) {
				t.Fatalf("%s holds %q", path, got)
			}
			if tool.Name == "virtctl" && !strings.Contains(r.stdout, "GitHub's word") {
				t.Errorf("virtctl's evidence is not called GitHub's word: %s", r.stdout)
			}
			if !strings.Contains(r.stderr, "is not on your PATH") {
				t.Errorf("no PATH advice: %s", r.stderr)
			}

			r = e.run("install", tool.Name, "--dir", dir, "--version", "latest", "-o", "json")
			var out struct {
				Tool, Path, Version, SHA256 string
				Changed                     bool
				Evidence                    []struct{ Kind, URL, Whose string }
			}
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil {
				t.Fatalf("%+v", r)
			}
			if out.Tool != tool.Name || out.Path != path || out.Version != "v1.3.0" || out.Changed || out.SHA256 != sum(pub.Program) ||
				len(out.Evidence) != 1 || out.Evidence[0].Kind != string(tool.Evidence[0].Kind) {
				t.Errorf("JSON %+v", out)
			}
		})
	}
}

// TestInstallToolAttacksExitThree makes every attack on every tool's
// release; each exits 3 with one JSON error and the folder's previous
// program untouched.
func TestInstallToolAttacksExitThree(t *testing.T) {
	for _, tool := range hostTools() {
		a, _ := tool.Artifact("v1.3.0", hostPlatform)
		for _, at := range upstream.Attacks() {
			if !at.AppliesTo(tool, a) {
				continue
			}
			t.Run(tool.Name+"/"+at.Name, func(t *testing.T) {
				e, o := toolEnv(t)
				o.PublishAttacked(t, tool, "v1.3.0", hostPlatform, []byte("program of "+tool.Name), at)
				dir := t.TempDir()
				previous := []byte("the program that was there")
				os.WriteFile(filepath.Join(dir, a.Program), previous, 0o755)
				r := e.run("install", tool.Name, "--dir", dir, "-o", "json")
				var out errorOutput
				if r.code != 3 || json.Unmarshal([]byte(r.stdout), &out) != nil || out.ExitCode != 3 || out.Hint == "" {
					t.Fatalf("%+v", r)
				}
				entries, _ := os.ReadDir(dir)
				for _, en := range entries {
					if en.Name() != a.Program && en.Name() != ".kubeboot-install.lock" {
						t.Errorf("left %s", en.Name())
					}
				}
				if got, _ := os.ReadFile(filepath.Join(dir, a.Program)); string(got) != string(previous) {
					t.Errorf("the previous %s was replaced", a.Program)
				}
			})
		}
	}
}

func TestInstallToolRefusals(t *testing.T) {
	e, o := toolEnv(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"install", "kubelogin"}, 2, "azure-kubelogin (Azure's"},
		{[]string{"install", "terraform"}, 2, "TOOL is one of kubectl, helm"},
		{[]string{"install", "gke-gcloud-auth-plugin"}, 1, "gcloud components install gke-gcloud-auth-plugin"},
		{[]string{"install", "helm", "--mirror", "https://mirror.example"}, 2, "KUBEBOOT_MIRROR_ROOT"},
		{[]string{"install", "helm", "--method", "brew"}, 2, "--method"},
		{[]string{"install", "virtctl", "--verify-signature", "require"}, 2, "virtctl publishes none that kubeboot checks"},
		{[]string{"install", "helm", "--certificate-identity", "x"}, 2, "helm publishes no Sigstore signature"},
		{[]string{"install", "helm", "--transparency", "require"}, 2, "--transparency"},
		{[]string{"install", "virtctl", "--rekor-url", "https://rekor.example"}, 2, "--rekor-url"},
		{[]string{"install", "helm", "--version", "cluster"}, 2, "--version cluster is for kubectl and virtctl"},
		{[]string{"install", "helm", "--version", "1.2"}, 2, "helm has no version"},
	}
	for _, tt := range tests {
		r := e.run(append(tt.args, "--dir", t.TempDir())...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: %+v, want exit %d and %q", tt.args, r, tt.code, tt.want)
		}
	}
	if len(o.Requests()) != 0 {
		t.Errorf("refusals asked the network: %v", o.Requests())
	}
}

// TestInstallToolNoSecrets: a token and mirror credentials reach no
// output, verbose or JSON, success or failure.
func TestInstallToolNoSecrets(t *testing.T) {
	tool := catalog.Virtctl()
	if !tool.Supports(hostPlatform) {
		t.Skip("virtctl is not published for", hostPlatform)
	}
	e, o := toolEnv(t)
	o.Publish(t, tool, "v1.6.0", hostPlatform, []byte("virtctl"), true, nil)
	e.vars = append(e.vars, "GITHUB_TOKEN=ghp_tokensecret", "KUBEBOOT_MIRROR_ROOT="+strings.Replace(o.Root(), "://", "://user:mirrorsecret@", 1))
	for _, args := range [][]string{
		{"install", "virtctl", "--verbose", "--dir", t.TempDir()},
		{"install", "virtctl", "-o", "json", "--dir", t.TempDir()},
		{"install", "virtctl", "--verbose", "--version", "v9.9.9", "--dir", t.TempDir()},
		{"install", "virtctl", "-o", "json", "--version", "v9.9.9", "--dir", t.TempDir()},
		{"install", "helm", "--verbose", "--version", "v9.9.9", "--dir", t.TempDir()},
		{"install", "helm", "-o", "json", "--version", "v9.9.9", "--dir", t.TempDir()},
	} {
		r := e.run(args...)
		if strings.Contains(r.stdout+r.stderr, "secret") {
			t.Errorf("%v printed a secret:\n%s\n%s", args, r.stdout, r.stderr)
		}
		// What the mirror served, or failed to, is named, redacted (a
		// release GitHub's API lacks is not the mirror's).
		if !strings.Contains(r.stdout+r.stderr, "redacted@") && (args[1] == "helm" || r.code == 0) {
			t.Errorf("%v: the mirror is not named, redacted:\n%s\n%s", args, r.stdout, r.stderr)
		}
	}
}

// TestInstallHelmPGP: with KUBEBOOT_HELM_KEYRING, helm's .asc must be by
// one of its keys (exit 3 otherwise, the previous helm kept); without
// it, the install says the signature was not checked.
func TestInstallHelmPGP(t *testing.T) {
	tool := catalog.Helm()
	if !tool.Supports(hostPlatform) {
		t.Skip("helm is not published for", hostPlatform)
	}
	maintainer := pgptest.NewRSA(t)
	keys := filepath.Join(t.TempDir(), "KEYS")
	os.WriteFile(keys, pgptest.KEYS(pgptest.Transferable(t, maintainer, nil, nil, false)), 0o644)
	for _, tt := range []struct {
		name    string
		signer  *pgptest.Key
		keyring bool
		mode    string
		code    int
		out     string
		env     string
	}{
		{"signed, with the keyring", maintainer, true, "", 0, "and the PGP signature of Release Signer", ""},
		{"signed by another key", pgptest.NewEd25519(t, true), true, "", 3, "not in the keyring", ""},
		{"unsigned, with the keyring", nil, true, "", 0, "note: not checked: the PGP signature (none is published at ", ""},
		{"unsigned, required", nil, true, "require", 3, "PGP signature is not there", ""},
		{"unsigned, off", nil, true, "off", 0, "note: not checked: the PGP signature (signature checks are off)", ""},
		// Without KUBEBOOT_HELM_KEYRING, helm's own keys judge.
		{"helm's keys, signed by a test key", maintainer, false, "", 3, "not in the keyring", ""},
		{"helm's keys, required, unsigned", nil, false, "require", 3, "PGP signature is not there", ""},
		{"unsigned, required by KUBEBOOT_VERIFY_SIGNATURE", nil, true, "", 3, "PGP signature is not there", "KUBEBOOT_VERIFY_SIGNATURE=require"},
		{"unsigned, the flag over KUBEBOOT_VERIFY_SIGNATURE", nil, true, "auto", 0, "none is published at", "KUBEBOOT_VERIFY_SIGNATURE=require"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, o := toolEnv(t)
			o.Signer = tt.signer
			if tt.keyring {
				e.vars = append(e.vars, "KUBEBOOT_HELM_KEYRING="+keys)
			}
			if tt.env != "" {
				e.vars = append(e.vars, tt.env)
			}
			pub := o.Publish(t, tool, "v4.0.1", hostPlatform, []byte("helm 4.0.1"), true, nil)
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, pub.Artifact.Program), []byte("previous"), 0o755)
			args := []string{"install", "helm", "--dir", dir}
			if tt.mode != "" {
				args = append(args, "--verify-signature", tt.mode)
			}
			r := e.run(args...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.out) {
				t.Fatalf("%+v, want exit %d and %q", r, tt.code, tt.out)
			}
			got, _ := os.ReadFile(filepath.Join(dir, pub.Artifact.Program))
			if (tt.code == 0) != (string(got) == "helm 4.0.1") {
				t.Errorf("exit %d left %q", r.code, got)
			}
		})
	}
}

// TestInstallVirtctlVersionCluster: --version cluster installs the
// virtctl of the KubeVirt the cluster runs (its KubeVirt resource's
// status), not the latest; a cluster without KubeVirt, or one that
// answers no version, installs nothing and says what to do.
func TestInstallVirtctlVersionCluster(t *testing.T) {
	tool := catalog.Virtctl()
	if !tool.Supports(hostPlatform) {
		t.Skip("virtctl is not published for", hostPlatform)
	}
	var mu sync.Mutex
	answer, auth := "", []string{}
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
		if r.URL.Path != "/apis/kubevirt.io/v1/kubevirts" || answer == "" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer)
	}))
	defer api.Close()
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw}))
	config := filepath.Join(t.TempDir(), "config")
	os.WriteFile(config, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %s}}]
users: [{name: u, user: {token: cluster-token-0123456789}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
`, api.URL, ca)), 0o600)

	e, o := toolEnv(t)
	o.Publish(t, tool, "v1.5.0", hostPlatform, []byte("virtctl 1.5.0"), true, nil) // the latest
	o.Publish(t, tool, "v1.4.2", hostPlatform, []byte("virtctl 1.4.2"), false, nil)
	dir := t.TempDir()
	for _, tt := range []struct {
		name, answer string
		code         int
		out          string
	}{
		{"no KubeVirt", "", 1, "the API server does not serve kubevirt.io/v1"},
		{"not a version", `{"kind":"KubeVirtList","items":[{"metadata":{"name":"kubevirt","namespace":"kubevirt"},"status":{"observedKubeVirtVersion":"latest"}}]}`, 1, "name the virtctl version with --version vX.Y.Z"},
		{"v1.4.2", `{"kind":"KubeVirtList","items":[{"metadata":{"name":"kubevirt","namespace":"kubevirt"},"status":{"observedKubeVirtVersion":"v1.4.2"}}]}`, 0, "installed virtctl v1.4.2"},
	} {
		mu.Lock()
		answer = tt.answer
		mu.Unlock()
		r := e.run("install", "virtctl", "--version", "cluster", "--kubeconfig", config, "--dir", dir)
		if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.out) {
			t.Errorf("%s: %+v", tt.name, r)
		}
		got, _ := os.ReadFile(filepath.Join(dir, tool.ProgramFor(hostPlatform)))
		if want := map[bool]string{true: "virtctl 1.4.2", false: ""}[tt.code == 0]; string(got) != want {
			t.Errorf("%s: installed %q", tt.name, got)
		}
	}
	for _, a := range auth {
		if a != "Bearer cluster-token-0123456789" {
			t.Errorf("the cluster was asked with %q", a)
		}
	}
	if strings.Contains(strings.Join(o.Requests(), " "), "cluster-token") {
		t.Error("the cluster's token reached the mirror")
	}
}

// TestInstallToolRetriesNoSecrets: credentials in the user name of
// KUBEBOOT_MIRROR_ROOT and KUBEBOOT_GITHUB_API_URL reach no output with
// --verbose, retry lines included, nor JSON.
func TestInstallToolRetriesNoSecrets(t *testing.T) {
	tool := catalog.Virtctl()
	if !tool.Supports(hostPlatform) {
		t.Skip("virtctl is not published for", hostPlatform)
	}
	e, o := toolEnv(t)
	o.Publish(t, tool, "v1.6.0", hostPlatform, []byte("virtctl"), true, nil)
	var mu sync.Mutex
	failed := map[string]bool{}
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !failed[r.URL.Path]
		failed[r.URL.Path] = true
		mu.Unlock()
		if first {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		target := o.Root()
		if strings.HasPrefix(r.URL.Path, "/api/") {
			target = strings.TrimSuffix(o.APIURL(), "/")
			r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api")
		}
		http.Redirect(w, r, target+r.URL.Path, http.StatusFound)
	}))
	defer flaky.Close()
	withUser := strings.Replace(flaky.URL, "://", "://ghp_usersecret@", 1)
	e.vars = append(e.vars, "KUBEBOOT_MIRROR_ROOT="+withUser, "KUBEBOOT_GITHUB_API_URL="+withUser+"/api/")
	for _, args := range [][]string{
		{"install", "virtctl", "--verbose", "--version", "v1.6.0", "--dir", t.TempDir()},
		{"install", "virtctl", "-o", "json", "--verbose", "--version", "v9.9.9", "--dir", t.TempDir()},
	} {
		r := e.run(args...)
		if strings.Contains(r.stdout+r.stderr, "usersecret") {
			t.Errorf("%v printed a secret:\n%s\n%s", args, r.stdout, r.stderr)
		}
		if args[1] == "virtctl" && args[4] == "v1.6.0" && (r.code != 0 || !strings.Contains(r.stderr, "503")) {
			t.Errorf("%v: want a retried install: %+v", args, r)
		}
	}
}
