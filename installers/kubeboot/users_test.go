package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

// These tests replay what users met on the issue "The CLI on kubectl's
// conventions" (one test per bullet), in-process on a fake host. The
// pseudo-terminal ones are in pty_test.go.

// --- Flags ---------------------------------------------------------------

func TestFlagsAreGNUStyle(t *testing.T) {
	e := newEnv(t)
	// Help prints flags as usage spells them.
	r := e.run("install", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--context string") || regexp.MustCompile(`(?m)^\s+-[a-z]{2,}`).MatchString(r.stdout) {
		t.Errorf("install --help shows Go-style flags:\n%s", r.stdout)
	}
	// Short forms, as kubectl has them.
	r = e.run("verify", "-o", "json", "--kubeconfig", filepath.Join(t.TempDir(), "missing"))
	if strings.Contains(r.stderr, "has no flag") || r.code == exitUsage {
		t.Errorf("verify -o json: %+v", r)
	}
	r = e.run("setup", "-y", "--version", "stable")
	if strings.Contains(r.stderr, "did you mean") || !strings.Contains(r.stderr, "cw-kubeconfig") {
		t.Errorf("setup -y: %+v", r)
	}
	dir := t.TempDir()
	if r = e.run("install", "kubectl", "-q", "--dir", dir); r.code != 0 || r.stdout != "" {
		t.Errorf("install -q: %+v", r)
	}
	// kubeboot --version answers.
	if r = e.run("--version"); r.code != 0 || !strings.Contains(r.stdout, "kubeboot v0.0.0-test") {
		t.Errorf("kubeboot --version: %+v", r)
	}
	// --version without a value names the flag GNU-style and where to look.
	r = e.run("install", "kubectl", "--version")
	if r.code != exitUsage || !strings.Contains(r.stderr, "flag needs an argument: --version") || !strings.Contains(r.stderr, "kubeboot install --help") {
		t.Errorf("--version without a value: %+v", r)
	}
	if strings.Contains(r.stderr, " -version") {
		t.Errorf("Go-style flag name in %q", r.stderr)
	}
}

// --dir=~/bin and --kubeconfig=~/x expand ~ as the shell does for
// --dir ~/bin; no folder named ~ appears.
func TestPathFlagsExpandHome(t *testing.T) {
	e := newEnv(t)
	home := e.home()
	wd, _ := os.Getwd()
	r := e.run("install", "kubectl", "--dir=~/bin")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(filepath.Join(home, "bin", "kubectl")); err != nil {
		t.Errorf("kubectl not in ~/bin: %v", err)
	}
	if _, err := os.Stat(filepath.Join(wd, "~")); !os.IsNotExist(err) {
		os.RemoveAll(filepath.Join(wd, "~"))
		t.Error("a folder named ~ was created")
	}
	if r = e.run("kubeconfig", "path", "--kubeconfig=~/my config"); r.stdout != filepath.Join(home, "my config")+"\n" {
		t.Errorf("--kubeconfig=~/...: %+v", r)
	}
	if r = e.run("kubeconfig", "path", "--kubeconfig=~other/x"); r.stdout != "~other/x\n" {
		t.Errorf("~user is not ours to expand: %+v", r)
	}
}

// --- Help ----------------------------------------------------------------

func TestHelp(t *testing.T) {
	e := newEnv(t)
	// A bare kubeboot prints help and exits 0.
	r := e.run()
	if r.code != 0 || !strings.Contains(r.stdout, "Available Commands:") {
		t.Fatalf("bare kubeboot: %+v", r)
	}
	// The command list is aligned: every summary starts in one column.
	_, list, _ := strings.Cut(r.stdout, "Available Commands:\n")
	list, _, _ = strings.Cut(list, "\n\n")
	col := -1
	for _, line := range strings.Split(list, "\n") {
		m := regexp.MustCompile(`^  (\S+)(\s+)\S`).FindStringSubmatchIndex(line)
		if m == nil {
			t.Fatalf("odd command line %q", line)
		}
		if col == -1 {
			col = m[5]
		}
		if m[5] != col {
			t.Errorf("misaligned: %q (summary at column %d, others at %d)", line, m[5], col)
		}
	}
	// help install shows install's flags, including the persistent ones.
	r = e.run("help", "install")
	for _, f := range []string{"--dir", "--quiet", "--verbose", "--kubeconfig", "--context", "-o, --output"} {
		if !strings.Contains(r.stdout, f) {
			t.Errorf("help install lacks %s", f)
		}
	}
	// help kubeconfig import shows import, not its parent.
	r = e.run("help", "kubeconfig", "import")
	if !strings.Contains(r.stdout, "kubeboot kubeconfig import [FILE] [flags]") || !strings.Contains(r.stdout, "--on-conflict") {
		t.Errorf("help kubeconfig import:\n%s", r.stdout)
	}
	// completion --help has no empty Flags heading.
	r = e.run("completion", "--help")
	if regexp.MustCompile(`Flags:\n\s*\n`).MatchString(r.stdout) {
		t.Errorf("empty Flags heading:\n%s", r.stdout)
	}
	// Every command's help has its flags and an example.
	for _, c := range [][]string{{"setup"}, {"doctor"}, {"install"}, {"kubeconfig", "import"}, {"kubeconfig", "path"}, {"kubeconfig", "token"}, {"self-update"}, {"verify"}, {"version"}} {
		r := e.run(append(c, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "Flags:") {
			t.Errorf("%s --help: %+v", strings.Join(c, " "), r)
		}
	}
}

// --- Ctrl-C --------------------------------------------------------------

// start runs kubeboot in-process in the background; the channel gets the
// exit code.
func (e *env) start(args ...string) (stdout, stderr *syncBuffer, code <-chan int) {
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	h := e.host(stdout, stderr)
	if e.stdinReader != nil {
		h.Stdin = e.stdinReader
	}
	go func() { done <- execute(h, args) }()
	return stdout, stderr, done
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Ctrl-C at the prompt stops at once (no Enter needed): one line, exit 130.
func TestInterruptAtPrompt(t *testing.T) {
	e := newEnv(t)
	c := startFakeCluster(t, "v1.37.2")
	file := c.kubeconfig(t, filepath.Join(e.home(), "Downloads", "cw-kubeconfig"))
	e.terminal, e.interrupts = true, make(chan os.Signal, 1)
	never, w := io.Pipe() // a user who types nothing
	defer w.Close()
	e.stdinReader = never
	_, stderr, code := e.start("setup", file, "--dir", filepath.Join(e.home(), "bin"))
	waitFor(t, "the prompt", func() bool { return strings.Contains(stderr.String(), "Continue? [y/N]") })
	e.interrupts <- os.Interrupt
	select {
	case got := <-code:
		if got != exitInterrupted {
			t.Errorf("exit %d, want 130", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl-C at the prompt did not stop setup")
	}
	if _, after, _ := strings.Cut(stderr.String(), "Continue? [y/N] "); strings.TrimSpace(after) != "kubeboot: interrupted" {
		t.Errorf("after the prompt: %q, want one line", after)
	}
	if _, err := os.Stat(filepath.Join(e.home(), "bin")); !os.IsNotExist(err) {
		t.Error("setup installed after Ctrl-C")
	}
}

// Ctrl-C mid-download: one line "interrupted" (no URL, no failed step),
// exit 130, and no temp file left, for install and setup alike.
func TestInterruptMidDownload(t *testing.T) {
	for _, cmd := range []string{"install", "setup"} {
		t.Run(cmd, func(t *testing.T) {
			e := newEnv(t)
			e.m.QueueFaults(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), mirror.Fault{StallAfter: 100_000, Stall: time.Minute})
			dir := t.TempDir()
			args := []string{"install", "kubectl", "--dir", dir}
			if cmd == "setup" {
				c := startFakeCluster(t, "v1.37.2")
				args = []string{"setup", c.kubeconfig(t, filepath.Join(t.TempDir(), "cw-kubeconfig")), "--dir", dir, "-y"}
			}
			e.interrupts = make(chan os.Signal, 1)
			stdout, stderr, code := e.start(args...)
			waitFor(t, "part of the download", func() bool {
				m, _ := filepath.Glob(filepath.Join(dir, ".kubectl*"))
				for _, p := range m {
					if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
						return true
					}
				}
				return false
			})
			e.interrupts <- os.Interrupt
			select {
			case got := <-code:
				if got != exitInterrupted {
					t.Errorf("exit %d, want 130; stderr %q", got, stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Ctrl-C did not stop the download")
			}
			msg := stderr.String()
			if !strings.HasSuffix(msg, "\nkubeboot: interrupted\n") && msg != "kubeboot: interrupted\n" {
				t.Errorf("stderr does not end with one line \"interrupted\":\n%s", msg)
			}
			// Past setup's plan (which names the server), nothing but the
			// one line.
			var rest []string
			for _, l := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(l, "  ") && l != "kubeboot setup will:" {
					rest = append(rest, l)
				}
			}
			for _, bad := range []string{"failed", "context canceled", "https://"} {
				if strings.Contains(strings.Join(rest, "\n"), bad) {
					t.Errorf("stderr holds %q:\n%s", bad, msg)
				}
			}
			if stdout.String() != "" {
				t.Errorf("stdout: %q", stdout.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 1 || (len(entries) == 1 && !strings.Contains(entries[0].Name(), "lock")) {
				t.Errorf("left in the folder: %v", entries)
			}
		})
	}
}

// --- Streams -------------------------------------------------------------

// `kubeboot setup > setup.log` on a terminal: the plan and the prompt stay
// on the screen (stderr), the log gets the result only, and colour is
// decided per stream: none in the log, none anywhere under NO_COLOR.
func TestStreams(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		e := newEnv(t)
		c := startFakeCluster(t, "v1.37.2")
		file := c.kubeconfig(t, filepath.Join(t.TempDir(), "cw-kubeconfig"))
		if noColor {
			e.vars = append(e.vars, "NO_COLOR=1")
		}
		var stdout, stderr syncBuffer
		h := e.host(&stdout, &stderr)
		h.StdinTerminal, h.StderrTerminal, h.StdoutTerminal = true, true, false // > setup.log
		h.Stdin = strings.NewReader("y\n")
		if code := execute(h, []string{"setup", file, "--dir", filepath.Join(e.home(), "bin")}); code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr.String())
		}
		out, talk := stdout.String(), stderr.String()
		for _, s := range []string{"kubeboot setup will:", "Continue? [y/N]", "kubectl v1.37.2 installed"} {
			if !strings.Contains(talk, s) || strings.Contains(out, s) {
				t.Errorf("%q belongs on stderr only", s)
			}
		}
		if !strings.Contains(out, "Summary") || !strings.Contains(out, "Next: kubectl get pods") {
			t.Errorf("stdout lacks the summary:\n%s", out)
		}
		if strings.Contains(out, "\033") {
			t.Errorf("colour escapes in the log:\n%q", out)
		}
		if got := strings.Contains(talk, "\033[32m✓\033[0m"); got == noColor {
			t.Errorf("NO_COLOR=%v: green mark on the terminal = %v\n%q", noColor, got, talk)
		}
		if strings.Contains(out+talk, fakeClusterToken) {
			t.Error("the token reached the output")
		}
	}
	// setup --yes > log, stderr a terminal: still no escapes in the log.
	e := newEnv(t)
	c := startFakeCluster(t, "v1.37.2")
	var stdout, stderr syncBuffer
	h := e.host(&stdout, &stderr)
	h.StderrTerminal = true
	if code := execute(h, []string{"setup", c.kubeconfig(t, filepath.Join(t.TempDir(), "cw")), "--dir", filepath.Join(e.home(), "bin"), "-y"}); code != 0 || strings.Contains(stdout.String(), "\033") {
		t.Errorf("setup --yes > log: exit %d, %q", code, stdout.String())
	}
}

// --- Progress ------------------------------------------------------------

// On an 80-column terminal each redraw fits in 79 columns, so "\r\033[K"
// always clears the whole line.
func TestProgressFitsTheTerminal(t *testing.T) {
	var buf syncBuffer
	clock := time.Unix(0, 0)
	a := &app{host: &host{Stderr: &buf, StderrTerminal: true, Width: func() int { return 80 }, Now: func() time.Time { return clock }}}
	p := a.newProgress("  downloading kubectl v1.37.2 from a mirror with a long name", false)
	for i := int64(0); i <= 100; i++ {
		clock = clock.Add(150 * time.Millisecond)
		p.update(i*28e4, 28e6)
	}
	p.done()
	out := buf.String()
	redraws := strings.Split(strings.TrimSuffix(out, "\n"), "\r\033[K")
	if len(redraws) < 50 || strings.Count(out, "\n") != 1 {
		t.Fatalf("%d redraws, %d newlines: want many redraws of one line", len(redraws), strings.Count(out, "\n"))
	}
	for _, r := range redraws {
		if n := len([]rune(r)); n > 79 {
			t.Errorf("%d columns: %q", n, r)
		}
	}
}

// --- JSON ----------------------------------------------------------------

// camelKeys fails on any snake_case key in a JSON document.
func camelKeys(t *testing.T, what, doc string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%s: stdout is not one JSON object: %v\n%s", what, err, doc)
	}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, val := range x {
				if strings.Contains(k, "_") || strings.Contains(k, "-") {
					t.Errorf("%s: key %s.%s is not camelCase", what, path, k)
				}
				walk(path+"."+k, val)
			}
		case []any:
			for _, val := range x {
				walk(path+"[]", val)
			}
		}
	}
	walk("", v)
	return v
}

func TestJSON(t *testing.T) {
	e := newEnv(t)
	c := startFakeCluster(t, "v1.37.2")
	file := c.kubeconfig(t, filepath.Join(e.home(), "Downloads", "cw-kubeconfig"))
	bin := filepath.Join(e.home(), "bin")
	e.vars = append(e.vars, "PATH="+bin)

	// A dry run writes nothing and says so.
	r := e.run("kubeconfig", "import", "--dry-run", "-o", "json")
	v := camelKeys(t, "import --dry-run", r.stdout)
	if v["written"] != false || v["wouldWrite"] != true || v["dryRun"] != true {
		t.Errorf("import --dry-run -o json: written %v, wouldWrite %v", v["written"], v["wouldWrite"])
	}
	// Every command with a result has JSON, in camelCase; --json is kept
	// as an alias of -o json.
	for _, args := range [][]string{
		{"install", "kubectl", "--dir", bin, "-o", "json"},
		{"setup", file, "--dir", bin, "-y", "-o", "json"},
		{"verify", "--json"},
		{"doctor", "-o", "json"},
		{"version", "-o", "json"},
		{"kubeconfig", "path", "-o", "json"},
		{"kubeconfig", "token", "-o", "json"},
	} {
		r := e.run(args...)
		if r.code != 0 {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
		camelKeys(t, strings.Join(args, " "), r.stdout)
	}
	if r := e.run("kubeconfig", "token", "-o", "json"); !strings.Contains(r.stdout, `"token": "`+fakeClusterToken+`"`) {
		t.Errorf("token -o json: %s", r.stdout)
	}
}

// A failing command prints one JSON object on stdout: error, hint and the
// exit code; setup adds the steps it did.
func TestJSONOnFailure(t *testing.T) {
	e := newEnv(t)
	e.m.Put(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), []byte("tampered"))
	for _, tt := range []struct {
		args []string
		code int
		in   string
	}{
		{[]string{"install", "kubectl", "--dir", t.TempDir(), "-o", "json"}, exitVerification, "checksum mismatch"},
		{[]string{"install", "kubectl", "--json", "--version", "newest"}, exitUsage, "invalid version spec"},
		{[]string{"install", "kubectl", "-o", "json", "--bogus"}, exitUsage, "has no flag --bogus"},
		{[]string{"kubeconfig", "token", "-o", "json", "--kubeconfig", filepath.Join(t.TempDir(), "none")}, exitFailure, ""},
		{[]string{"setup", corpus + "coreweave.yaml", "--version", "stable", "--dir", t.TempDir(), "-y", "-o", "json"}, exitVerification, "checksum mismatch"},
	} {
		r := e.run(tt.args...)
		what := strings.Join(tt.args, " ")
		v := camelKeys(t, what, r.stdout)
		if r.code != tt.code || v["exitCode"] != float64(tt.code) || !strings.Contains(v["error"].(string), tt.in) {
			t.Errorf("%s: exit %d, JSON %v", what, r.code, v)
		}
		if tt.args[0] == "setup" {
			if p, _ := v["partial"].(map[string]any); p == nil || p["steps"] == nil {
				t.Errorf("setup's JSON error lacks its steps: %v", v)
			}
		}
	}
}

// --- setup's default version --------------------------------------------

// Without --version, setup installs the newest patch of the cluster's own
// minor, which the doctor then calls supported (one skew rule); stable
// when the cluster does not answer; --version always wins.
func TestSetupDefaultVersion(t *testing.T) {
	e := newEnv(t)
	e.m.SetMarker("stable", "v1.37.2\n")
	e.m.SetMarker("stable-1.35", "v1.35.6\n")
	e.m.AddKubectl("v1.35.6", runtime.GOOS, runtime.GOARCH, standin135)
	c := startFakeCluster(t, "v1.35.1")
	home := e.home()
	bin := filepath.Join(home, "bin")
	e.vars = append(e.vars, "PATH="+bin)
	file := c.kubeconfig(t, filepath.Join(t.TempDir(), "cw-kubeconfig"))

	r := e.run("setup", file, "--dir", bin, "-y")
	if r.code != 0 || !strings.Contains(r.stderr, "kubectl v1.35.6 installed") || !strings.Contains(r.stderr, "the cluster's minor version") {
		t.Fatalf("setup against a v1.35 cluster: %+v", r)
	}
	if strings.Contains(r.stdout, "note ") {
		t.Errorf("the summary notes a skew:\n%s", r.stdout)
	}
	r = e.run("doctor", "-o", "json")
	var doc doctorOutput
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 || !doc.OK {
		t.Errorf("doctor after setup: exit %d, %+v %v\n%s", r.code, doc, err, r.stdout)
	}
	for _, ch := range doc.Checks {
		if ch.Name == "skew" && !ch.OK {
			t.Errorf("doctor calls setup's kubectl unsupported: %+v", ch)
		}
	}

	// An explicit --version wins over the cluster.
	r = e.run("setup", file, "--dir", bin, "-y", "--version", "stable")
	if !strings.Contains(r.stderr, "kubectl v1.37.2 installed") {
		t.Errorf("--version stable: %+v", r)
	}

	// A cluster that does not answer: stable, and the plan says why.
	dead := writeKubeconfig(t, filepath.Join(t.TempDir(), "cw-kubeconfig"), "https://127.0.0.1:1", nil, "x")
	other := t.TempDir()
	r = e.run("setup", dead, "--dir", other, "-y", "--kubeconfig", filepath.Join(t.TempDir(), "config"))
	if !strings.Contains(r.stderr, "install kubectl v1.37.2 into "+other) || !strings.Contains(r.stderr, "stable: could not ask the cluster its version") {
		t.Errorf("unreachable cluster: %+v", r)
	}
}
