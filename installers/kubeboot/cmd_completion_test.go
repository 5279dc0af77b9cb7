package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete asks kubeboot for completions the way the shell scripts do,
// through cobra's __complete entry point, and returns the candidates (the
// last line is cobra's directive).
func complete(t *testing.T, e *env, args ...string) []string {
	t.Helper()
	r := e.run(append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %q: %+v", args, r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var words []string
	for _, l := range lines[:len(lines)-1] {
		word, _, _ := strings.Cut(l, "\t") // drop the description
		words = append(words, word)
	}
	return words
}

func TestCompletion(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	copyFile(t, corpus+"coreweave.yaml", filepath.Join(home, ".kube", "config"))
	other := filepath.Join(t.TempDir(), "other config")
	copyFile(t, corpus+"eks.yaml", other)

	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"ins"}, []string{"install"}},
		{[]string{"kubeconfig", ""}, []string{"import", "path", "token", "list", "use", "namespace", "rename", "delete", "prune", "shell", "env", "plugins"}},
		{[]string{"install", ""}, []string{"kubectl", "helm", "virtctl", "oidc-login", "azure-kubelogin", "aws-iam-authenticator", "gke-gcloud-auth-plugin"}},
		{[]string{"install", "a"}, []string{"azure-kubelogin", "aws-iam-authenticator"}},
		{[]string{"install", "kubectl", "--ver"}, []string{"--verbose", "--verify-signature", "--version"}},
		{[]string{"install", "kubectl", "--verify-signature", ""}, []string{"auto", "require", "off"}},
		{[]string{"setup", "--y"}, []string{"--yes"}},
		{[]string{"setup", "--on-conflict", ""}, []string{"fail", "rename", "replace"}},
		{[]string{"kubeconfig", "import", "--on-conflict", "re"}, []string{"rename", "replace"}},
		{[]string{"install", "kubectl", "--method", ""}, []string{"auto", "direct", "brew", "choco", "scoop", "winget"}},
		{[]string{"install", "kubectl", "--version", ""}, []string{"stable", "latest", "cluster"}},
		{[]string{"setup", "--version", "st"}, []string{"stable"}},
		{[]string{"verify", "-o", ""}, []string{"json"}},
		// Contexts come from the kubeconfig kubectl would read, or the one
		// --kubeconfig names (even with ~ or a space in it).
		{[]string{"verify", "--context", ""}, contextsOf(t, filepath.Join(home, ".kube", "config"))},
		{[]string{"kubeconfig", "token", "--kubeconfig", other, "--context", ""}, contextsOf(t, other)},
		{[]string{"kubeconfig", "shell", ""}, contextsOf(t, filepath.Join(home, ".kube", "config"))},
		{[]string{"kubeconfig", "env", "x", "--shell", ""}, []string{"bash", "zsh", "fish", "powershell"}},
	}
	for _, tt := range tests {
		got := complete(t, e, tt.args...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("complete %q = %q, want %q", tt.args, got, tt.want)
		}
	}
	if got := complete(t, e, "verify", "--context", ""); !slices.Contains(got, "coreweave") {
		t.Errorf("contexts of ~/.kube/config = %q, want coreweave among them", got)
	}
}

func contextsOf(t *testing.T, file string) []string {
	t.Helper()
	names, err := contextNames([]string{file})
	if err != nil || len(names) == 0 {
		t.Fatalf("contexts of %s: %q, %v", file, names, err)
	}
	return names
}

// Each shell's script is cobra's, calling back into kubeboot __complete.
func TestCompletionScripts(t *testing.T) {
	e := newEnv(t)
	for shell, want := range map[string]string{
		"bash":       "complete -o default -F __start_kubeboot kubeboot",
		"zsh":        "#compdef kubeboot",
		"fish":       "complete -c kubeboot",
		"powershell": "Register-ArgumentCompleter",
	} {
		r := e.run("completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "__complete") {
			t.Errorf("completion %s: exit %d, script lacks %q or __complete", shell, r.code, want)
		}
	}
	if r := e.run("completion", "tcsh"); r.code != 2 {
		t.Errorf("unknown shell: %+v", r)
	}
	_ = os.Remove
}
