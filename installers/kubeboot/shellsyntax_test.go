package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestDetectShell(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	const machine = `C:\Program Files\WindowsPowerShell\Modules;C:\WINDOWS\system32\WindowsPowerShell\v1.0\Modules`
	tests := []struct {
		goos string
		env  func(string) string
		want shellKind // "" for an error
	}{
		{"linux", env("SHELL", "/bin/bash"), shellBash},
		{"linux", env("SHELL", "/usr/bin/zsh"), shellZsh},
		{"darwin", env("SHELL", "/opt/homebrew/bin/fish"), shellFish},
		{"linux", env("SHELL", "/bin/dash"), shellBash},
		{"linux", env("SHELL", "/usr/bin/pwsh"), shellPowerShell},
		{"linux", env("SHELL", "/bin/tcsh"), ""},
		{"linux", env(), shellBash},
		{"windows", env("SHELL", `C:\Program Files\Git\usr\bin\bash.exe`), shellBash},
		{"windows", env("USERPROFILE", `C:\Users\Ann`, "PSModulePath", `C:\Users\Ann\Documents\PowerShell\Modules;`+machine), shellPowerShell},
		{"windows", env("USERPROFILE", `C:\Users\Ann`, "PSModulePath", `c:\users\ann\Documents\WindowsPowerShell\Modules;`+machine), shellPowerShell},
		{"windows", env("USERPROFILE", `C:\Users\Ann`, "PSModulePath", machine), ""}, // cmd
		{"windows", env(), ""},
	}
	for _, tt := range tests {
		got, err := detectShell(tt.goos, tt.env)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("%s %q: %q, %v; want %q", tt.goos, tt.env("SHELL")+tt.env("PSModulePath"), got, err, tt.want)
		}
		if err != nil && !strings.Contains(err.Error(), "--shell") {
			t.Errorf("error %q does not say what to do", err)
		}
	}
}

// hardValues are values every quoting must carry through unchanged.
var hardValues = []string{
	"plain", "with space", "it's", `dou"ble`, "$HOME", "`id`", "$(id)", `back\slash`, `\'`, "a\\", "[x]*?",
	"ünïcødé ☸", "new\nline", "semi;colon & pipe |", "’curly‘ ‚low‛", "-n", "",
}

func TestQuoteForPOSIXShapes(t *testing.T) {
	for _, tt := range []struct {
		sh       shellKind
		in, want string
	}{
		{shellBash, "it's", `'it'\''s'`},
		{shellFish, `it's \`, `'it\'s \\'`},
		{shellPowerShell, "it's ’x’", `'it''s ’’x’’'`},
	} {
		if got := quoteFor(tt.sh, tt.in); got != tt.want {
			t.Errorf("%s %q: %s, want %s", tt.sh, tt.in, got, tt.want)
		}
	}
}

// Each shell that is installed evaluates envScript's lines to exactly the
// values: what it prints back for each variable is the value.
func TestEnvScriptEvaluatedByShells(t *testing.T) {
	ran := 0
	for _, sh := range []struct {
		kind shellKind
		prog string
		args []string
		echo func(name string) string
	}{
		{shellBash, "bash", []string{"--norc", "--noprofile", "-c"}, func(n string) string { return `printf '%s\0' "${` + n + `-UNSET}"` }},
		{shellBash, "dash", []string{"-c"}, func(n string) string { return `printf '%s\0' "${` + n + `-UNSET}"` }},
		{shellZsh, "zsh", []string{"-f", "-c"}, func(n string) string { return `printf '%s\0' "${` + n + `-UNSET}"` }},
		{shellFish, "fish", []string{"--no-config", "-c"}, func(n string) string {
			return `if set -q ` + n + `; printf '%s\0' "$` + n + `"; else; printf 'UNSET\0'; end`
		}},
		{shellPowerShell, "pwsh", []string{"-NoProfile", "-NonInteractive", "-Command"}, func(n string) string {
			return `if (Test-Path Env:` + n + `) { [Console]::Out.Write($env:` + n + ` + [char]0) } else { [Console]::Out.Write("UNSET" + [char]0) }`
		}},
	} {
		path, err := exec.LookPath(sh.prog)
		if err != nil {
			t.Logf("%s not installed", sh.prog)
			continue
		}
		ran++
		t.Run(sh.prog, func(t *testing.T) {
			var changes []envChange
			var want []string
			var script strings.Builder
			for i, v := range hardValues {
				if v == "" && sh.kind == shellPowerShell {
					continue // PowerShell removes a variable set to ""
				}
				name := "KB_TEST_" + string(rune('A'+i))
				changes = append(changes, envChange{Name: name, Value: v})
				want = append(want, v)
			}
			changes = append(changes, envChange{Name: "KB_TEST_GONE", Unset: true})
			want = append(want, "UNSET")
			script.WriteString(envScript(sh.kind, changes))
			for _, c := range changes {
				script.WriteString(sh.echo(c.Name) + "\n")
			}
			cmd := exec.Command(path, append(sh.args, script.String())...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "KB_TEST_GONE=was set", "HOME=" + t.TempDir()}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, script.String())
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if !slices.Equal(got, want) {
				t.Errorf("got  %q\nwant %q\nscript:\n%s", got, want, script.String())
			}
		})
	}
	if ran == 0 {
		t.Skip("no shell installed")
	}
}

func TestWithEnv(t *testing.T) {
	in := []string{"A=1", "KUBECONFIG=/old", "kubeconfig=/lower", "B=2", "=C:=C:\\x"}
	ch := []envChange{{Name: "KUBECONFIG", Value: "/new"}, {Name: "B", Unset: true}}
	if got, want := withEnv("linux", in, ch), []string{"A=1", "kubeconfig=/lower", "=C:=C:\\x", "KUBECONFIG=/new"}; !slices.Equal(got, want) {
		t.Errorf("linux: %q, want %q", got, want)
	}
	if got, want := withEnv("windows", in, ch), []string{"A=1", "=C:=C:\\x", "KUBECONFIG=/new"}; !slices.Equal(got, want) {
		t.Errorf("windows: %q, want %q", got, want)
	}
}

func TestNormalServer(t *testing.T) {
	same := [][]string{
		{"https://API.example.com:443", "https://api.example.com", "api.example.com", "https://user:pw@api.example.com/", "https://api.example.com.?x=1#f"},
		{"https://10.0.0.1:6443/k8s/clusters/c-1", "https://10.0.0.1:6443/k8s/clusters/c-1/"},
		{"http://h", "http://h:80"},
		{"https://[::1]:6443", "https://[::1]:6443/"},
	}
	norm := func(s string) string {
		n, err := normalServer(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return n
	}
	for i, group := range same {
		for _, s := range group[1:] {
			if norm(s) != norm(group[0]) {
				t.Errorf("%s and %s differ: %s, %s", group[0], s, norm(s), norm(group[0]))
			}
		}
		for j, other := range same {
			if j != i && norm(other[0]) == norm(group[0]) {
				t.Errorf("%s and %s are the same", group[0], other[0])
			}
		}
	}
	for _, pair := range [][2]string{
		{"https://h:6443", "https://h:6444"}, {"https://h", "http://h"}, {"https://h/a", "https://h/b"}, {"https://h", "https://h2"},
	} {
		if norm(pair[0]) == norm(pair[1]) {
			t.Errorf("%s and %s are the same", pair[0], pair[1])
		}
	}
	if _, err := normalServer("https://"); err == nil {
		t.Error("an empty host is accepted")
	}
}

func TestKubectlServerFlags(t *testing.T) {
	for _, tt := range []struct {
		args            []string
		server, cluster string
	}{
		{[]string{"get", "pods", "-s", "https://a", "--cluster=c1"}, "https://a", "c1"},
		{[]string{"--server=https://b", "--cluster", "c"}, "https://b", "c"},
		{[]string{"get", "-s"}, "", ""},
	} {
		got, err := kubectlTarget(tt.args)
		if s, c := got.Server, got.Cluster; s != tt.server || c != tt.cluster || err != nil {
			t.Errorf("%q: %q %q %v", tt.args, s, c, err)
		}
	}
}
