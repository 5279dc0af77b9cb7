package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The bash script is loaded into a real bash and asked for completions the
// way bash asks: COMP_WORDS and COMP_CWORD, then the function.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	e := newEnv(t)
	r := e.run("completion", "bash")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	script := filepath.Join(t.TempDir(), "kubeboot.bash")
	os.WriteFile(script, []byte(r.stdout+`
t() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _kubeboot; echo "${COMPREPLY[*]}"; }
t kubeboot ins
t kubeboot install kubectl --ver
t kubeboot kubeconfig ""
t kubeboot kubeconfig import --on
t kubeboot setup --y
`), 0o600)
	out, err := exec.Command(bash, "--norc", script).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	want := "install\n--verbose --verify-signature --version\nimport path token\n--on-conflict\n--yes\n"
	if string(out) != want {
		t.Errorf("completions:\n%s\nwant:\n%s", out, want)
	}
}

func TestCompletionOtherShells(t *testing.T) {
	e := newEnv(t)
	for shell, wants := range map[string][]string{
		"zsh":        {"bashcompinit", "complete -o default -F _kubeboot kubeboot"},
		"fish":       {"-n __fish_use_subcommand -a \"setup ", "__fish_seen_subcommand_from kubeconfig; and __fish_seen_subcommand_from import\" -l on-conflict"},
		"powershell": {"Register-ArgumentCompleter -Native -CommandName kubeboot", "'kubeconfig import' = @('--context'"},
	} {
		r := e.run("completion", shell)
		if r.code != 0 {
			t.Fatalf("%s: %+v", shell, r)
		}
		for _, w := range wants {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%s script lacks %q", shell, w)
			}
		}
	}
	if r := e.run("completion", "tcsh"); r.code != 2 {
		t.Errorf("unknown shell: %+v", r)
	}
}
