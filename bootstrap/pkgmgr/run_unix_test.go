//go:build unix

package pkgmgr

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeManager writes an executable shell script name into dir that appends
// its arguments to dir/NAME.args, prints a line, and runs body.
func fakeManager(t *testing.T, dir, name, body string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\nPATH=/usr/bin:/bin:$PATH\necho \"$@\" >>\"" + p + ".args\"\necho \"" + name + " says: working on $*\"\n" + body + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func recordedArgs(t *testing.T, manager string) []string {
	t.Helper()
	b, err := os.ReadFile(manager + ".args")
	if err != nil {
		t.Fatalf("%s never ran: %v", filepath.Base(manager), err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// brewPrefix makes a Homebrew-shaped prefix whose brew drops kubectl into
// the Cellar and links it from bin, as brew does.
func brewPrefix(t *testing.T) (prefix, brew string) {
	prefix = filepath.Join(t.TempDir(), "homebrew")
	cellar := filepath.Join(prefix, "Cellar", "kubernetes-cli", "1.37.2", "bin")
	brew = fakeManager(t, filepath.Join(prefix, "bin"), "brew", `
case "$1" in
--version) echo "Homebrew 4.4.1"; exit 0;;
esac
mkdir -p "`+cellar+`" && printf '#!/bin/sh\necho v1.37.2\n' >"`+cellar+`/kubectl" && chmod +x "`+cellar+`/kubectl"
ln -sf ../Cellar/kubernetes-cli/1.37.2/bin/kubectl "`+prefix+`/bin/kubectl"`)
	return prefix, brew
}

func TestRunBrewInstallsAndChecks(t *testing.T) {
	prefix, brew := brewPrefix(t)
	t.Setenv("PATH", filepath.Join(prefix, "bin"))
	ctx := context.Background()
	sys := System{GOOS: "darwin", Home: t.TempDir()} // macOS rules, real files and commands

	found := Detect(ctx, sys)
	if len(found) != 1 || found[0].Manager != Homebrew || found[0].Version != "4.4.1" || found[0].Prefix != prefix {
		t.Fatalf("Detect = %+v, want Homebrew 4.4.1 at %s", found, prefix)
	}
	a, err := Plan(PlanInput{GOOS: "darwin", Managers: found})
	if err != nil || a.Method != MethodBrew {
		t.Fatalf("Plan = %+v, %v; want brew install", a, err)
	}
	var out bytes.Buffer
	res, err := Run(ctx, a, RunOptions{System: sys, Output: &out, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := recordedArgs(t, brew); !equal(got, []string{"--version", "install kubectl"}) {
		t.Errorf("brew ran with %q", got)
	}
	if !strings.Contains(out.String(), "brew says: working on install kubectl") {
		t.Errorf("brew's output was not streamed: %q", out.String())
	}
	if res.Owner.Manager != Homebrew || res.Kubectl != filepath.Join(prefix, "bin", "kubectl") {
		t.Errorf("result %+v, want Homebrew's kubectl in %s/bin", res, prefix)
	}

	// Now brew owns the kubectl on PATH: auto upgrades through it.
	kubectl, _ := sys.WithDefaults().LookPath("kubectl")
	owner := Owner(ctx, sys, kubectl)
	a, err = Plan(PlanInput{GOOS: "darwin", Kubectl: kubectl, Owner: owner, Managers: found})
	if err != nil || !equal(a.Args, []string{"upgrade", "kubectl"}) {
		t.Fatalf("Plan = %+v, %v; want brew upgrade kubectl", a, err)
	}
	if _, err := Run(ctx, a, RunOptions{System: sys}); err != nil {
		t.Fatal(err)
	}
	if got := recordedArgs(t, brew); got[len(got)-1] != "upgrade kubectl" {
		t.Errorf("brew ran with %q", got)
	}
}

func TestRunTimeoutStopsAHangingManager(t *testing.T) {
	dir := t.TempDir()
	brew := fakeManager(t, dir, "brew", "exec sleep 60")
	a := Action{Method: MethodBrew, Manager: Found{Manager: Homebrew, Path: brew}, Args: []string{"upgrade", "kubectl"}}
	start := time.Now()
	_, err := Run(context.Background(), a, RunOptions{Timeout: 300 * time.Millisecond})
	var ce *CommandError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &ce) || !ce.TimedOut {
		t.Fatalf("Run error = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run returned after %s", d)
	}
	if !strings.Contains(err.Error(), "upgrade kubectl") {
		t.Errorf("error %q does not say what was run", err)
	}
}

func TestRunReportsFailureExitCode(t *testing.T) {
	dir := t.TempDir()
	scoop := fakeManager(t, dir, "scoop", "echo 'kubectl not found in any bucket' >&2; exit 3")
	a := Action{Method: MethodScoop, Manager: Found{Manager: Scoop, Path: scoop}, Args: []string{"install", "kubectl"}}
	var out bytes.Buffer
	_, err := Run(context.Background(), a, RunOptions{Output: &out})
	var ce *CommandError
	if !errors.Is(err, ErrManagerFailed) || errors.Is(err, ErrTimeout) || !errors.As(err, &ce) || ce.ExitCode != 3 {
		t.Fatalf("Run error = %#v, want exit code 3", err)
	}
	if !strings.Contains(out.String(), "not found in any bucket") {
		t.Errorf("stderr was not streamed: %q", out.String())
	}
}

func TestRunCheckFindsAnotherKubectl(t *testing.T) {
	root := t.TempDir()
	earlier := filepath.Join(root, "earlier")
	os.MkdirAll(earlier, 0o755)
	os.WriteFile(filepath.Join(earlier, "kubectl"), []byte("#!/bin/sh\n"), 0o755)
	_, brew := brewPrefix(t)
	t.Setenv("PATH", earlier+":"+filepath.Dir(brew))
	a := Action{Method: MethodBrew, Manager: Found{Manager: Homebrew, Path: brew}, Args: []string{"upgrade", "kubectl"}}
	_, err := Run(context.Background(), a, RunOptions{System: System{GOOS: runtime.GOOS}})
	var ce *CheckError
	if !errors.Is(err, ErrUnexpectedKubectl) || !errors.As(err, &ce) || ce.Found != filepath.Join(earlier, "kubectl") || ce.Owner.Managed() {
		t.Fatalf("Run error = %#v, want a CheckError naming %s", err, earlier)
	}

	// A manager that succeeds without installing anything.
	t.Setenv("PATH", root)
	noop := fakeManager(t, filepath.Join(root, "noop"), "brew", "exit 0")
	a.Manager.Path = noop
	_, err = Run(context.Background(), a, RunOptions{})
	if !errors.As(err, &ce) || ce.Found != "" {
		t.Fatalf("Run error = %#v, want a CheckError with no kubectl", err)
	}
}

// Windows managers, played by shell scripts, with Windows ownership rules.
func TestRunChocoAndScoop(t *testing.T) {
	root := t.TempDir()
	chocoRoot := filepath.Join(root, "chocolatey")
	scoopRoot := filepath.Join(root, "scoop")
	choco := fakeManager(t, filepath.Join(chocoRoot, "bin"), "choco", `[ "$1" = --version ] && { echo 2.3.0; exit 0; }
printf '#!/bin/sh\n' >"`+chocoRoot+`/bin/kubectl"; chmod +x "`+chocoRoot+`/bin/kubectl"`)
	scoop := fakeManager(t, filepath.Join(scoopRoot, "shims"), "scoop", `[ "$1" = --version ] && { printf 'Current Scoop version:\nv0.5.2 - Released at 2024-07-26\n'; exit 0; }
printf '#!/bin/sh\n' >"`+scoopRoot+`/shims/kubectl"; chmod +x "`+scoopRoot+`/shims/kubectl"`)
	env := map[string]string{"ChocolateyInstall": chocoRoot, "SCOOP": scoopRoot}
	sys := System{GOOS: "windows", Home: root, Getenv: func(k string) string { return env[k] }}
	ctx := context.Background()

	for _, tt := range []struct {
		path     string
		method   Method
		manager  string
		elevated bool
		wantArgs string
	}{
		{filepath.Join(chocoRoot, "bin"), MethodChoco, choco, true, "install kubernetes-cli -y"},
		{filepath.Join(chocoRoot, "bin"), MethodAuto, choco, true, "upgrade kubernetes-cli -y"},
		{filepath.Join(scoopRoot, "shims"), MethodScoop, scoop, false, "install kubectl"},
		{filepath.Join(scoopRoot, "shims"), MethodAuto, scoop, false, "update kubectl"},
	} {
		t.Setenv("PATH", tt.path)
		found := Detect(ctx, sys)
		in := PlanInput{GOOS: "windows", Method: tt.method, Managers: found, Elevated: tt.elevated}
		if p, err := sys.WithDefaults().LookPath("kubectl"); err == nil {
			in.Kubectl, in.Owner = p, Owner(ctx, sys, p)
		}
		a, err := Plan(in)
		if err != nil {
			t.Fatalf("%s: Plan: %v (found %+v)", tt.method, err, found)
		}
		res, err := Run(ctx, a, RunOptions{System: sys})
		if err != nil {
			t.Fatalf("%s: %v", tt.method, err)
		}
		if got := recordedArgs(t, tt.manager); got[len(got)-1] != tt.wantArgs {
			t.Errorf("%s: ran %q, want %q", tt.method, got[len(got)-1], tt.wantArgs)
		}
		if res.Owner.Manager != a.Method.Manager() {
			t.Errorf("%s: kubectl owner %v", tt.method, res.Owner.Manager)
		}
	}
	t.Setenv("PATH", filepath.Join(chocoRoot, "bin")+":"+filepath.Join(scoopRoot, "shims"))
	if found := Detect(ctx, sys); len(found) != 2 || found[0].Version != "2.3.0" || found[1].Version != "v0.5.2" {
		t.Errorf("Detect = %+v, want choco 2.3.0 and scoop v0.5.2", found)
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
