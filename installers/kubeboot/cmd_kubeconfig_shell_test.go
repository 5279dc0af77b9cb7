package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

const shellSecret = "FAKE-SHELL-TOKEN-7f3a"

// sharedConfig is the shared kubeconfig of the shell tests: contexts A
// (current) and B on two servers, B's user with a token file and an exec
// plugin beside the file, and the server of A holding credentials in its
// URL.
const sharedConfig = `apiVersion: v1
kind: Config
current-context: A
clusters:
- name: ca
  cluster: {server: "https://admin:` + shellSecret + `@a.example:6443"}
- name: cb
  cluster: {server: "https://b.example:6443/k8s", certificate-authority: certs/b.pem}
users:
- name: ua
  user: {token: ` + shellSecret + `}
- name: ub
  user:
    tokenFile: tokens/b
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/auth}
contexts:
- name: A
  context: {cluster: ca, user: ua}
- name: B
  context: {cluster: cb, user: ub, namespace: team-b}
`

// shellEnv is an env whose ~/.kube/config is sharedConfig.
func shellEnv(t *testing.T) (e *env, config string, root string) {
	t.Helper()
	e = newEnv(t)
	config = filepath.Join(e.home(), ".kube", "config")
	os.MkdirAll(filepath.Dir(config), 0o700)
	if err := os.WriteFile(config, []byte(sharedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	e.vars = append(e.vars, "PATH="+toolsPath(t))
	return e, config, filepath.Join(e.home(), ".cache", "kubeboot", "shells")
}

// toolsPath is a PATH folder holding the few tools the shell tests' scripts
// use, and never a kubectl.
func toolsPath(t *testing.T) string {
	t.Helper()
	bin := testutil.TempDir(t)
	if runtime.GOOS == "windows" {
		return bin // the Windows tests run cmd by its full path
	}
	for _, name := range []string{"sh", "bash", "cat", "stat", "dirname", "grep", "sed", "sleep", "ls", "sort"} {
		if p, err := exec.LookPath(name); err == nil {
			if err := os.Symlink(p, filepath.Join(bin, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return bin
}

// leftIn lists what is left in the private root.
func leftIn(root string) []string {
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// showEnv is a POSIX script printing what a prompt and kubectl see.
const showEnv = `echo "KUBECONFIG=$KUBECONFIG"; echo "CONTEXT=$KUBEBOOT_CONTEXT"; echo "NS=${KUBEBOOT_NAMESPACE-unset}"; ` +
	`echo "SHARED=${KUBEBOOT_SHARED_KUBECONFIG-unset}"; `

func outValue(out, key string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return v
		}
	}
	return ""
}

func TestKubeconfigShellRunsACommandOnAPrivateFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shell scripts")
	}
	e, config, root := shellEnv(t)
	before, _ := os.ReadFile(config)
	script := showEnv + `stat -c 'MODE=%a' "$KUBECONFIG"; stat -c 'DIRMODE=%a' "$(dirname "$KUBECONFIG")"; ` +
		kubeboot + ` kubeconfig namespace team-x >/dev/null || exit 9; ` + kubeboot + ` kubeconfig use A 2>&1; cat "$KUBECONFIG"; exit 3`
	r := e.run("kubeconfig", "shell", "B", "--", "/bin/sh", "-c", script)
	if r.code != 3 {
		t.Fatalf("exit %d, want the command's 3: %+v", r.code, r)
	}
	private := outValue(r.stdout, "KUBECONFIG")
	if filepath.Dir(filepath.Dir(private)) != root || filepath.Base(private) != "config" {
		t.Errorf("KUBECONFIG %s is not a private file under %s", private, root)
	}
	for k, want := range map[string]string{"CONTEXT": "B", "NS": "team-b", "SHARED": "unset", "MODE": "600", "DIRMODE": "700"} {
		if got := outValue(r.stdout, k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if !strings.Contains(r.stdout, `context "A" is not in this shell's kubeconfig, which holds context "B" alone`) {
		t.Errorf("use of another context inside does not explain:\n%s", r.stdout)
	}
	// The private file: context B alone, paths absolute, the namespace
	// changed inside.
	_, content, _ := strings.Cut(r.stdout, "apiVersion")
	kube := filepath.Join(e.home(), ".kube")
	for _, want := range []string{"current-context: B", "namespace: team-x", "https://b.example:6443/k8s",
		filepath.Join(kube, "certs", "b.pem"), filepath.Join(kube, "tokens", "b"), filepath.Join(kube, "bin", "auth")} {
		if !strings.Contains(content, want) {
			t.Errorf("the private file lacks %q:\n%s", want, content)
		}
	}
	for _, not := range []string{"name: A", "a.example", shellSecret} {
		if strings.Contains(content, not) {
			t.Errorf("the private file holds %q:\n%s", not, content)
		}
	}
	if after, _ := os.ReadFile(config); !bytes.Equal(after, before) {
		t.Errorf("the shared kubeconfig changed:\n%s", after)
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind in %s: %v", root, left)
	}
}

// A shell inside a shell says so, uses its own context and file, reads
// the contexts from the shared kubeconfig, and leaves the outer one as it
// was.
func TestKubeconfigShellNested(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shell scripts")
	}
	e, config, root := shellEnv(t)
	e.vars = append(e.vars, "KUBECONFIG="+config)
	inner := strings.ReplaceAll(showEnv, "=", "_INNER=")
	script := showEnv + kubeboot + ` kubeconfig shell A -- /bin/sh -c '` + inner + `'; echo "AFTER=$KUBEBOOT_CONTEXT"; test -f "$KUBECONFIG" && echo KEPT=yes`
	r := e.run("kubeconfig", "shell", "B", "--", "/bin/sh", "-c", script)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for k, want := range map[string]string{"CONTEXT": "B", "CONTEXT_INNER": "A", "NS_INNER": "unset", "SHARED": config, "SHARED_INNER": config, "AFTER": "B", "KEPT": "yes"} {
		if got := outValue(r.stdout, k); got != want {
			t.Errorf("%s=%q, want %q\n%s", k, got, want, r.stdout)
		}
	}
	if outValue(r.stdout, "KUBECONFIG") == outValue(r.stdout, "KUBECONFIG_INNER") {
		t.Error("the inner shell shares the outer private file")
	}
	if !strings.Contains(r.stderr, "already in a shell of context B; this one uses A") {
		t.Errorf("the nested shell does not say so: %q", r.stderr)
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestKubeconfigShellErrors(t *testing.T) {
	e, config, root := shellEnv(t)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"kubeconfig", "shell"}, 2, "name the context"},
		{[]string{"kubeconfig", "shell", "A", "B"}, 2, "put -- before a command"},
		{[]string{"kubeconfig", "shell", "A", "--"}, 2, "name the command after --"},
		{[]string{"kubeconfig", "shell", "b", "--", "/bin/true"}, 1, `context "b" is not defined; did you mean "B"`},
		{[]string{"kubeconfig", "shell", "B", "-n", "Bad NS", "--", "/bin/true"}, 2, "invalid namespace"},
		{[]string{"kubeconfig", "shell", "B", "--", "no-such-command-kb"}, 1, "cannot find no-such-command-kb"},
		{[]string{"kubeconfig", "env"}, 2, "name one context"},
		{[]string{"kubeconfig", "shell", "A", "--context", "B", "--", "/bin/true"}, 2, "name the context once"},
		{[]string{"kubeconfig", "env", "A", "--context", "B"}, 2, "name the context once"},
		{[]string{"kubeconfig", "env", "--unset", "--context", "B"}, 2, "takes no context"},
		{[]string{"kubeconfig", "env", "A", "--unset"}, 2, "takes no context"},
		{[]string{"kubeconfig", "env", "A", "--shell", "tcsh"}, 2, "use one of: bash, zsh, fish, powershell"},
	} {
		r := e.run(tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d, %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
		if strings.Contains(r.stderr+r.stdout, shellSecret) {
			t.Errorf("%q: the secret was shown", tt.args)
		}
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if b, _ := os.ReadFile(config); string(b) != sharedConfig {
		t.Error("the shared kubeconfig changed")
	}
	// --context names the context as well as NAME does.
	if runtime.GOOS != "windows" {
		if r := e.run("kubeconfig", "shell", "--context", "B", "--", "/bin/sh", "-c", `echo "$KUBEBOOT_CONTEXT"`); r.code != 0 || r.stdout != "B\n" {
			t.Errorf("shell --context B: %+v", r)
		}
		if r := e.run("kubeconfig", "env", "--context", "B", "--shell", "bash"); r.code != 0 || !strings.Contains(r.stdout, "export KUBEBOOT_CONTEXT='B';") {
			t.Errorf("env --context B: %+v", r)
		}
	}
}

// A child that dies of a signal: exit 128+N, and the folder is removed.
func TestKubeconfigShellChildKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	e, _, root := shellEnv(t)
	r := e.run("kubeconfig", "shell", "A", "--", "/bin/sh", "-c", "kill -TERM $$")
	if r.code != 128+15 {
		t.Errorf("exit %d, want 143: %+v", r.code, r)
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// `eval "$(kubeboot kubeconfig env B)"` in bash gives what `shell B` gives;
// `env --unset` goes back and removes the folder.
func TestKubeconfigEnvEvaluatedByBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("no bash")
	}
	e, config, root := shellEnv(t)
	e.vars = append(e.vars, "KUBECONFIG="+config+":"+filepath.Join(e.home(), "missing"))
	viaShell := e.run("kubeconfig", "shell", "B", "-n", "ns1", "--", "/bin/sh", "-c", showEnv)
	script := `set -e; eval "$(` + kubeboot + ` kubeconfig env B -n ns1)"; ` + showEnv +
		`cat "$KUBECONFIG" > "$HOME/seen"; echo "DIR=$(dirname "$KUBECONFIG")"; ` +
		`eval "$(` + kubeboot + ` kubeconfig env --unset)"; echo "UNSET_KUBECONFIG=$KUBECONFIG"; echo "UNSET_CONTEXT=${KUBEBOOT_CONTEXT-unset}"`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
	cmd.Env = append(e.vars, "SHELL="+bash)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := string(out)
	for _, k := range []string{"CONTEXT", "NS", "SHARED"} {
		if a, b := outValue(got, k), outValue(viaShell.stdout, k); a != b || a == "" {
			t.Errorf("%s: env gives %q, shell gives %q", k, a, b)
		}
	}
	if outValue(got, "SHARED") != config+":"+filepath.Join(e.home(), "missing") {
		t.Errorf("SHARED=%q", outValue(got, "SHARED"))
	}
	if seen, _ := os.ReadFile(filepath.Join(e.home(), "seen")); !strings.Contains(string(seen), "namespace: ns1") || strings.Contains(string(seen), "name: A") {
		t.Errorf("the private file of env:\n%s", seen)
	}
	if outValue(got, "UNSET_KUBECONFIG") != config+":"+filepath.Join(e.home(), "missing") || outValue(got, "UNSET_CONTEXT") != "unset" {
		t.Errorf("--unset did not go back:\n%s", got)
	}
	if _, err := os.Stat(outValue(got, "DIR")); !os.IsNotExist(err) {
		t.Errorf("--unset left the folder %s", outValue(got, "DIR"))
	}
	if left := leftIn(root); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// --expect-server refuses another server, naming both with credentials
// removed, before anything runs; the right server runs.
func TestExpectServer(t *testing.T) {
	e, config, _ := shellEnv(t)
	e.vars = append(e.vars, store.PinEnv+"=1.37.2")
	for _, tt := range []struct {
		args []string
		code int
		out  string // stdout of a run that passed the guard
		err  []string
	}{
		{args: []string{"kubectl", "--expect-server", "https://a.example:6443/", "--", "exit", "0"}, code: 0},
		{args: []string{"kubectl", "--expect-server=https://A.example:6443", "exit", "5"}, code: 5},
		{args: []string{"kubectl", "--expect-server", "https://b.example:6443/k8s", "--", "exit", "0"}, code: 1,
			err: []string{"context A points at the API server https://a.example:6443, not at the expected https://b.example:6443/k8s"}},
		{args: []string{"kubectl", "--expect-server", "https://b.example:6443/k8s", "--", "--context", "B", "exit", "0"}, code: 0},
		{args: []string{"kubectl", "--expect-server", "https://b.example:6443", "--", "--context=B", "exit", "0"}, code: 1,
			err: []string{"context B points at the API server https://b.example:6443/k8s, not at the expected https://b.example:6443 "}},
		{args: []string{"kubectl", "--expect-server", "https://a.example:6443", "--", "-s", "https://evil.example", "exit", "0"}, code: 1,
			err: []string{"of --server points at the API server https://evil.example"}},
		{args: []string{"kubectl", "--expect-server", "https://a.example:6443", "--", "--cluster", "cb", "exit", "0"}, code: 1,
			err: []string{"context A (with --cluster cb) points at the API server https://b.example:6443/k8s"}},
		{args: []string{"kubectl", "--expect-server", "https://tok:" + shellSecret + "@b.example", "--", "exit", "0"}, code: 1,
			err: []string{"not at the expected https://redacted@b.example"}},
		{args: []string{"kubectl", "--expect-server", "https://", "--", "exit", "0"}, code: 2, err: []string{"not an API server URL"}},
		{args: []string{"kubectl", "--expect-server"}, code: 2, err: []string{"--expect-server needs the API server's URL"}},
		{args: []string{"kubectl", "--expect-server", "https://a.example:6443", "--", "--context", "nope", "exit", "0"}, code: 1,
			err: []string{"context nope is not in the kubeconfig"}},
		{args: []string{"verify", "--expect-server", "https://b.example:6443/k8s"}, code: 1,
			err: []string{"context A points at the API server https://a.example:6443, not at the expected https://b.example:6443/k8s"}},
		{args: []string{"verify", "--context", "B", "--expect-server", "https://a.example:6443"}, code: 1,
			err: []string{"context B points at the API server https://b.example:6443/k8s"}},
	} {
		before := len(e.m.AllRequests())
		r := e.run(tt.args...)
		if r.code != tt.code {
			t.Errorf("%q: exit %d, want %d: %+v", tt.args, r.code, tt.code, r)
			continue
		}
		for _, s := range tt.err {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("%q: stderr %q lacks %q", tt.args, r.stderr, s)
			}
		}
		if strings.Contains(r.stderr+r.stdout, shellSecret) {
			t.Errorf("%q: the secret was shown: %s", tt.args, r.stderr)
		}
		if tt.code != 0 && tt.code != 5 && len(e.m.AllRequests()) != before {
			t.Errorf("%q: a refused run still fetched kubectl", tt.args)
		}
	}
	// Inside `shell B` the guard sees B: the one context of the private
	// kubeconfig.
	if runtime.GOOS != "windows" {
		script := kubeboot + ` kubectl --expect-server https://b.example:6443/k8s -- exit 0 && echo B-ok; ` +
			kubeboot + ` kubectl --expect-server https://a.example:6443 -- exit 0 2>&1; echo "A=$?"`
		r := e.run("kubeconfig", "shell", "B", "--", "/bin/sh", "-c", script)
		if !strings.Contains(r.stdout, "B-ok") || !strings.Contains(r.stdout, "A=1") || !strings.Contains(r.stdout, "context B points at the API server https://b.example:6443/k8s") {
			t.Errorf("inside shell B: %+v", r)
		}
	}
	// verify with the right server gets past the guard and asks the
	// server (which does not exist here).
	r := e.run("verify", "--context", "B", "--expect-server", "https://b.example:6443/k8s/", "--request-timeout", "2s")
	if strings.Contains(r.stderr, "--expect-server") || r.code == 0 {
		t.Errorf("verify of the expected server: %+v", r)
	}
	if b, _ := os.ReadFile(config); string(b) != sharedConfig {
		t.Error("the kubeconfig changed")
	}
}

// A context name with spaces, brackets, quotes, $ and non-ASCII reaches
// the shell unchanged through env's quoting and shell's environment.
func TestKubeconfigEnvHardName(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("no bash")
	}
	const name = `it's [prod] $HOME ü`
	e, config, _ := shellEnv(t)
	hard := strings.Replace(sharedConfig, "- name: B\n", "- name: \"it's [prod] $HOME ü\"\n", 1)
	if err := os.WriteFile(config, []byte(hard), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", `eval "$(`+kubeboot+` kubeconfig env "$1")" && printf '%s' "$KUBEBOOT_CONTEXT"`, "bash", name)
	cmd.Env = e.vars
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != name {
		t.Errorf("env: %q, %v", out, err)
	}
	r := e.run("kubeconfig", "shell", name, "--", "/bin/sh", "-c", `printf '%s' "$KUBEBOOT_CONTEXT"`)
	if r.code != 0 || r.stdout != name {
		t.Errorf("shell: %+v", r)
	}
}
