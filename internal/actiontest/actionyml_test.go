package actiontest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// actionYAML is the part of action.yml's schema the runner acts on.
type actionYAML struct {
	Name   string `json:"name"`
	Inputs map[string]struct {
		Description string  `json:"description"`
		Required    bool    `json:"required"`
		Default     *string `json:"default"`
	} `json:"inputs"`
	Outputs map[string]struct {
		Description string `json:"description"`
		Value       string `json:"value"`
	} `json:"outputs"`
	Runs struct {
		Using string `json:"using"`
		Steps []struct {
			ID    string            `json:"id"`
			Shell string            `json:"shell"`
			Run   string            `json:"run"`
			Uses  string            `json:"uses"`
			Env   map[string]string `json:"env"`
		} `json:"steps"`
	} `json:"runs"`
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestActionYAMLShape checks what actionlint does not: action.yml is a
// composite action with the documented inputs and outputs, every run step
// names its shell, every input reaches the script as INPUT_<NAME>, and
// every output comes from the step that writes it.
func TestActionYAMLShape(t *testing.T) {
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionYAML
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Name == "" {
		t.Error("no name")
	}
	if got := keys(a.Inputs); strings.Join(got, " ") != "kubeboot-version mirror verify-signature version" {
		t.Errorf("inputs %v", got)
	}
	for name, want := range map[string]string{"version": "stable", "verify-signature": "auto"} {
		if d := a.Inputs[name].Default; d == nil || *d != want {
			t.Errorf("input %s: default %v, want %s", name, d, want)
		}
	}
	for name, in := range a.Inputs {
		if in.Description == "" || in.Required {
			t.Errorf("input %s: description %q, required %v", name, in.Description, in.Required)
		}
	}
	if got := keys(a.Outputs); strings.Join(got, " ") != "kubectl-path sha256 version" {
		t.Errorf("outputs %v", got)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using %q, want composite", a.Runs.Using)
	}
	ids := map[string]bool{}
	for i, s := range a.Runs.Steps {
		ids[s.ID] = true
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %d runs a script without a shell (composite steps must name one)", i)
		}
		if s.Run != "" && !strings.Contains(s.Run, "$GITHUB_ACTION_PATH/scripts/action.sh") {
			t.Errorf("step %d does not run scripts/action.sh from the action's folder: %q", i, s.Run)
		}
		if s.Run == "" {
			continue
		}
		for name := range a.Inputs {
			env := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
			if s.Env[env] != "${{ inputs."+name+" }}" {
				t.Errorf("step %d: %s = %q, want the input %s", i, env, s.Env[env], name)
			}
		}
	}
	for name, out := range a.Outputs {
		if out.Value != "${{ steps.install.outputs."+name+" }}" || !ids["install"] {
			t.Errorf("output %s = %q, want the install step's", name, out.Value)
		}
	}
	if fi, err := os.Stat("../../scripts/action.sh"); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("scripts/action.sh must exist and be executable: %v", err)
	}
}

func TestActionShShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck)")
	}
	out, err := exec.Command("shellcheck", "../../scripts/action.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
}
