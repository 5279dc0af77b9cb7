package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/shellalias"
	"github.com/kubeboot/kubeboot/bootstrap/uninstall"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// uninstall removes the kubectl kubeboot installed, after a dry run that
// changes nothing, leaves a program it has no record of, and never reads
// or touches the kubeconfig.
func TestUninstallCommand(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(testutil.TempDir(t), "bin [é] x")
	if r := e.run("install", "kubectl", "--dir", dir); r.code != 0 {
		t.Fatalf("install: %+v", r)
	}
	exe := bootstrap.HostPlatform().Executable()
	kubectl := filepath.Join(dir, exe)
	helm := filepath.Join(dir, "helm")
	os.WriteFile(helm, []byte("somebody else's helm"), 0o755)
	kube := filepath.Join(e.getenv("HOME"), ".kube")
	os.MkdirAll(kube, 0o700)
	os.WriteFile(filepath.Join(kube, "config"), []byte("apiVersion: v1\nkind: Config\n"), 0o600)

	// The alias line, the shim and a stored kubectl: a dry run touches none.
	os.WriteFile(filepath.Join(e.getenv("HOME"), ".bashrc"), []byte("alias k=kubectl; complete -o default -F __start_kubectl k  # added by kubeboot\n"), 0o644)
	e.run("kubectl", "--version", "1.37.2", "version", "--client") // fills the store
	stored := filepath.Join(e.getenv("HOME"), ".cache", "kubeboot", "kubectl", "v1.37.2")
	if _, err := os.Stat(stored); err != nil {
		t.Fatalf("no stored kubectl: %v", err)
	}
	treeBefore := dirTree(t, e.getenv("HOME"), filepath.Dir(dir))
	r := e.run("uninstall", "kubectl", "helm", "--dir", dir, "--dry-run", "-o", "json")
	if after := dirTree(t, e.getenv("HOME"), filepath.Dir(dir)); after != treeBefore {
		t.Errorf("--dry-run changed the tree:\n%s\nwas\n%s", after, treeBefore)
	}
	var out uninstallOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil {
		t.Fatalf("dry run: %+v (%v)", r, err)
	}
	actions, kinds := map[string]uninstall.Action{}, map[uninstall.Kind]int{}
	for _, s := range out.Steps {
		actions[s.Path] = s.Action
		kinds[s.Kind]++
		if s.Done {
			t.Errorf("a dry run did %+v", s)
		}
	}
	if kinds[uninstall.Store] != 1 || kinds[uninstall.Alias] != 1 {
		t.Errorf("dry run plans %v, want one store entry and one alias line", kinds)
	}
	if actions[kubectl] != uninstall.Remove || actions[helm] != uninstall.Leave || !out.DryRun {
		t.Errorf("dry run plan: %+v", out)
	}
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("the dry run removed kubectl: %v", err)
	}

	r = e.run("uninstall", "kubectl", "helm", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "removed      "+kubectl) || !strings.Contains(r.stdout, "left         "+helm+": no record") {
		t.Fatalf("uninstall: %+v", r)
	}
	if _, err := os.Lstat(kubectl); !os.IsNotExist(err) {
		t.Errorf("kubectl is still there: %v", err)
	}
	if _, err := os.Lstat(stored); !os.IsNotExist(err) {
		t.Errorf("the stored kubectl is still there: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(e.getenv("HOME"), ".bashrc")); len(b) != 0 {
		t.Errorf("the alias line is still there: %q", b)
	}
	if b, _ := os.ReadFile(helm); string(b) != "somebody else's helm" {
		t.Errorf("helm was touched: %q", b)
	}
	if b, err := os.ReadFile(filepath.Join(kube, "config")); err != nil || !strings.HasPrefix(string(b), "apiVersion") {
		t.Errorf("the kubeconfig was touched: %q, %v", b, err)
	}
	if names := testutil.Names(dir); strings.Join(names, ",") != "helm" {
		t.Errorf("the folder holds %v, want only helm", names)
	}
	if r := e.run("uninstall"); r.code != exitUsage {
		t.Errorf("uninstall without tools: %+v", r)
	}
}

// setup --alias appends one marked line to the shell's profile and
// nothing else; without --alias it only prints the line; a profile that
// defines k is left alone; uninstall takes the line out again, giving the
// profile back byte for byte.
func TestSetupAliasAndUninstall(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	e.vars = append(e.vars, "SHELL=/bin/bash")
	bashrc := filepath.Join(home, ".bashrc")
	orig := []byte("\xEF\xBB\xBF# Zoë's\r\nexport A=é")
	os.WriteFile(bashrc, orig, 0o644)
	bin := filepath.Join(home, "bin")
	setup := func(extra ...string) result {
		os.Remove(filepath.Join(home, ".kube", "config"))
		r := e.run(append([]string{"setup", corpus + "coreweave.yaml", "--dir", bin, "--yes", "--version", "stable", "--no-verify"}, extra...)...)
		if r.code != 0 {
			t.Fatalf("setup %v: %+v", extra, r)
		}
		return r
	}
	r := setup()
	if b, _ := os.ReadFile(bashrc); !bytes.Equal(b, orig) || !strings.Contains(r.stdout+r.stderr, "complete -o default -F __start_kubectl k") {
		t.Fatalf("setup without --alias: profile %q, output %+v", b, r)
	}
	// On a terminal, no at the prompt changes nothing.
	// (setup's own question takes the yes; the alias question then reads
	// no answer, which is no.)
	e.terminal, e.stdin = true, "y\n"
	os.Remove(filepath.Join(home, ".kube", "config"))
	r = e.run("setup", corpus+"coreweave.yaml", "--dir", bin, "--version", "stable", "--no-verify", "--alias")
	e.terminal, e.stdin = false, ""
	if b, _ := os.ReadFile(bashrc); !bytes.Equal(b, orig) || r.code != 0 || !strings.Contains(r.stderr+r.stdout, "Append this line to "+bashrc) || !strings.Contains(r.stderr+r.stdout, "no alias added") {
		t.Fatalf("no at the prompt: profile %q (%+v)", b, r)
	}
	setup("--alias")
	b, _ := os.ReadFile(bashrc)
	if !bytes.HasPrefix(b, orig) || !bytes.HasSuffix(b, []byte("\r\nalias k=kubectl; complete -o default -F __start_kubectl k  # added by kubeboot")) {
		t.Fatalf("after --alias: %q", b)
	}
	setup("--alias") // twice: one line
	if again, _ := os.ReadFile(bashrc); !bytes.Equal(again, b) {
		t.Errorf("a second --alias changed the profile: %q", again)
	}
	r = e.run("uninstall", "kubectl", "--dir", bin)
	if r.code != 0 || !strings.Contains(r.stdout, "removed      "+bashrc) {
		t.Fatalf("uninstall: %+v", r)
	}
	if b, _ := os.ReadFile(bashrc); !bytes.Equal(b, orig) {
		t.Errorf("after uninstall: %q, want %q", b, orig)
	}

	// A k of the user's own: left alone, said under --alias.
	own := []byte("alias k='kubectl --context prod'\n")
	os.WriteFile(bashrc, own, 0o644)
	r = setup("--alias")
	if b, _ := os.ReadFile(bashrc); !bytes.Equal(b, own) || !strings.Contains(r.stdout+r.stderr, "already defines k") {
		t.Errorf("an existing k: %q, %+v", b, r)
	}
	if r := e.run("uninstall", "--all", "--dir", bin); r.code != 0 {
		t.Fatalf("uninstall --all: %+v", r)
	}
	if b, _ := os.ReadFile(bashrc); !bytes.Equal(b, own) {
		t.Errorf("uninstall touched the user's own k: %q", b)
	}
	if _, err := os.Stat(filepath.Join(home, ".kube", "config")); err != nil {
		t.Errorf("uninstall --all touched the kubeconfig: %v", err)
	}
}

// Ctrl-C at the alias question: exit 130, and the profile unchanged.
func TestInterruptAtAliasPrompt(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	e.vars = append(e.vars, "SHELL=/usr/bin/zsh")
	zshrc := filepath.Join(home, ".zshrc")
	orig := []byte("setopt no_beep\n")
	os.WriteFile(zshrc, orig, 0o644)
	e.terminal, e.interrupts = true, make(chan os.Signal, 1)
	in, w := io.Pipe()
	defer w.Close()
	e.stdinReader = in
	_, stderr, code := e.start("setup", corpus+"coreweave.yaml", "--dir", filepath.Join(home, "bin"), "--version", "stable", "--no-verify", "--alias")
	waitFor(t, "setup's question", func() bool { return strings.Contains(stderr.String(), "Continue? [y/N]") })
	w.Write([]byte("y\n"))
	waitFor(t, "the alias question", func() bool { return strings.Contains(stderr.String(), "Append this line to "+zshrc) })
	e.interrupts <- os.Interrupt
	select {
	case got := <-code:
		if got != exitInterrupted {
			t.Errorf("exit %d, want 130: %s", got, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl-C at the alias question did not stop setup")
	}
	if b, _ := os.ReadFile(zshrc); !bytes.Equal(b, orig) {
		t.Errorf("the profile changed: %q", b)
	}
}

// dirTree lists every path under roots with its mode, size and content.
func dirTree(t *testing.T, roots ...string) string {
	t.Helper()
	var b strings.Builder
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			fi, err := os.Lstat(p)
			if err != nil {
				return nil
			}
			fmt.Fprintf(&b, "%s %v %d", p, fi.Mode(), fi.Size())
			if fi.Mode().IsRegular() {
				c, _ := os.ReadFile(p)
				fmt.Fprintf(&b, " %s", sum(c))
			}
			b.WriteString("\n")
			return nil
		})
	}
	return b.String()
}

// A read-only profile is left alone: setup --alias says the line to add
// and succeeds.
func TestSetupAliasLeavesAReadOnlyProfile(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	e.vars = append(e.vars, "SHELL=/bin/bash")
	bashrc := filepath.Join(home, ".bashrc")
	os.WriteFile(bashrc, []byte("x\n"), 0o444)
	r := e.run("setup", corpus+"coreweave.yaml", "--dir", filepath.Join(home, "bin"), "--yes", "--version", "stable", "--no-verify", "--alias")
	if b, _ := os.ReadFile(bashrc); r.code != 0 || string(b) != "x\n" || !strings.Contains(r.stdout+r.stderr, "read-only") ||
		!strings.Contains(r.stdout+r.stderr, "alias k=kubectl; complete") {
		t.Errorf("setup --alias with a read-only profile: %q, %+v", b, r)
	}
}

// uninstall finds the marked line in a UTF-16 profile (Windows PowerShell
// 5.1 writes them) as setup wrote it there.
func TestUninstallFindsTheAliasInAUTF16Profile(t *testing.T) {
	home := testutil.TempDir(t)
	a := &app{host: &host{GOOS: "linux", Home: home, Getenv: func(string) string { return "" }}}
	path := a.aliasProfile(shellalias.PowerShell)
	os.MkdirAll(filepath.Dir(path), 0o755)
	u := utf16.Encode([]rune("\ufeff# mine\r\n"))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	os.WriteFile(path, b, 0o644)
	if _, err := shellalias.Append(shellalias.PowerShell, path); err != nil {
		t.Fatal(err)
	}
	steps := a.aliasSteps()
	if len(steps) != 1 {
		t.Fatalf("uninstall plans %+v for the UTF-16 profile %s", steps, path)
	}
	if a.applyAlias(steps); steps[0].Error != "" {
		t.Fatal(steps[0].Error)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Errorf("after uninstall: %q, want %q", got, b)
	}
}
