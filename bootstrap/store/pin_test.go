package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestToolVersionsPin(t *testing.T) {
	tests := []struct{ name, body, spec string }{
		{"one tool", "kubectl 1.36.4\n", "1.36.4"},
		{"several tools, comments", "# tools\nnodejs 20.10.0\nkubectl 1.36.4 # the cluster's\nhelm 3.14.0\n", "1.36.4"},
		{"several versions: first wins", "kubectl 1.36.4 1.35.2 system\n", "1.36.4"},
		{"v prefix, CRLF, tabs", "golang 1.26\r\nkubectl\tv1.36.4\r\n", "v1.36.4"},
		{"minor", "kubectl 1.36", "1.36"},
		{"latest is stable", "kubectl latest", "stable"},
		{"prefix", "kubectl prefix:1.36", "1.36"},
		{"kubectl in a comment only", "# kubectl 1.30.0\nhelm 3\n", ""},
		{"similar names", "kubectl-krew 0.4\nkubectx 0.9\n", ""},
	}
	for _, tt := range tests {
		checkPin(t, tt.name, ".tool-versions", tt.body, tt.spec, -1)
	}
}

// checkPin writes body as file in a new folder and checks that FindPin
// there finds spec at line (-1: any line), or no pin when spec is "".
func checkPin(t *testing.T, name, file, body, spec string, line int) {
	t.Helper()
	dir := testutil.TempDir(t)
	write(t, filepath.Join(dir, file), body)
	p, err := FindPin(dir, PinOptions{})
	switch {
	case err != nil:
		t.Errorf("%s: %v", name, err)
	case spec == "" && p != nil:
		t.Errorf("%s: pin %+v, want none", name, p)
	case spec == "":
	case p == nil || p.Spec != spec || p.Source != filepath.Join(dir, file) || p.Line == 0 || (line >= 0 && p.Line != line):
		t.Errorf("%s: pin %+v, want %s at line %d", name, p, spec, line)
	}
}

func TestMiseTOMLPin(t *testing.T) {
	tests := []struct {
		name, body, spec string
		line             int
	}{
		{"string", "[tools]\nkubectl = \"1.36\"\n", "1.36", 2},
		{"literal string", "[tools]\nkubectl = '1.36.4'\n", "1.36.4", 2},
		{"array: first wins", "[tools]\nkubectl = [\"1.36\", \"1.35\"]\n", "1.36", 2},
		{"multi-line array", "[tools]\nkubectl = [\n  \"1.36.4\", # newest\n  \"1.35.0\",\n]\n", "1.36.4", 2},
		{"inline table", "[tools]\nkubectl = { version = \"1.36\", os = [\"linux\"] }\n", "1.36", 2},
		{"array of tables", "[tools]\nkubectl = [{ version = \"1.36.4\" }]\n", "1.36.4", 2},
		{"table", "[tools.kubectl]\nversion = \"1.36.4\"\n", "1.36.4", 2},
		{"dotted key at the top", "tools.kubectl = \"1.36\"\n", "1.36", 1},
		{"quoted key", "[tools]\n\"kubectl\" = \"1.36\"\n", "1.36", 2},
		{"among other tables", `min_version = "2024.1.0"
[env]
KUBECONFIG = "{{config_root}}/kubeconfig" # not a kubectl pin
[tasks.deploy]
run = """
kubectl apply -f k8s/
[tools]
kubectl = "9.9.9"
"""
[tools]
node = "20"  # comment with "quotes" and [brackets]
kubectl = "latest"
terraform = "1.6"
`, "stable", 12},
		{"other tools only", "[tools]\nnode = \"20\"\n", "", 0},
		{"kubectl elsewhere", "[env]\nkubectl = \"1.30\"\n", "", 0},
	}
	for _, tt := range tests {
		checkPin(t, tt.name, "mise.toml", tt.body, tt.spec, tt.line)
	}
}

func TestMalformedPinFilesNameFileAndLine(t *testing.T) {
	tests := []struct {
		file, body string
		line       int
		says       string
	}{
		{"mise.toml", "[tools]\nkubectl = 1.36\n", 2, "quoted version"},
		{"mise.toml", "[tools]\nkubectl = \"1.36\n", 2, "unterminated string"},
		{"mise.toml", "[tools\nkubectl = \"1.36\"\n", 1, ""},
		{"mise.toml", "[tools]\nkubectl = [\"1.36\"\n", 2, "unterminated"},
		{"mise.toml", "[tools]\nkubectl\n", 2, "key = value"},
		{"mise.toml", "[tools]\nkubectl = { os = [\"linux\"] }\n", 2, "without a version"},
		{"mise.toml", "[tools]\nkubectl = []\n", 2, "empty list"},
		{"mise.toml", "[env]\nX = \"\"\"never closed\n", 2, "unterminated string"},
		{".mise.toml", "[tools]\nkubectl = \"1.36.x\"\n", 2, "invalid version spec"},
		{"mise.toml", "[tools]\nkubectl = \"system\"\n", 2, "system"},
		{".tool-versions", "nodejs 20\nkubectl\n", 2, "without a version"},
		{".tool-versions", "kubectl ref:v1.36.4\n", 1, "cannot be served"},
		{".tool-versions", "kubectl banana\n", 1, "invalid version spec"},
	}
	for _, tt := range tests {
		dir := testutil.TempDir(t)
		path := filepath.Join(dir, tt.file)
		write(t, path, tt.body)
		_, err := FindPin(filepath.Join(dir), PinOptions{})
		var pe *PinError
		if !errors.Is(err, ErrBadPin) || !errors.As(err, &pe) {
			t.Errorf("%s %q: %v", tt.file, tt.body, err)
			continue
		}
		if pe.File != path || pe.Line != tt.line || !strings.Contains(err.Error(), tt.says) || !strings.HasPrefix(err.Error(), path+":") {
			t.Errorf("%s %q: %v (line %d, want %d, %q)", tt.file, tt.body, err, pe.Line, tt.line, tt.says)
		}
	}
}

// The environment wins; then the nearest folder with a pin, upwards;
// within a folder, mise's order.
func TestPinPrecedence(t *testing.T) {
	root := filepath.Join(testutil.TempDir(t), "work", "projekt ä [1]")
	deep := filepath.Join(root, "svc", "api")
	write(t, filepath.Join(root, ".tool-versions"), "kubectl 1.35.1\n")
	write(t, filepath.Join(root, "svc", ".tool-versions"), "nodejs 20\n") // no kubectl: passed over
	write(t, filepath.Join(root, "svc", "mise.toml"), "[tools]\nnode = \"20\"\n")
	os.MkdirAll(deep, 0o755)

	p, err := FindPin(deep, PinOptions{})
	if err != nil || p == nil || p.Spec != "1.35.1" || p.Source != filepath.Join(root, ".tool-versions") {
		t.Fatalf("upward search: %+v, %v", p, err)
	}
	env := func(k string) string {
		if k == PinEnv {
			return " v1.37.2 "
		}
		return ""
	}
	if p, err := FindPin(deep, PinOptions{Getenv: env}); err != nil || p.Spec != "v1.37.2" || p.Source != PinEnv {
		t.Errorf("environment: %+v, %v", p, err)
	}
	if _, err := FindPin(deep, PinOptions{Getenv: func(string) string { return "nonsense" }}); !errors.Is(err, ErrBadPin) || !strings.Contains(err.Error(), PinEnv) {
		t.Errorf("bad environment value: %v", err)
	}
	// One folder, every kind: mise's order decides.
	write(t, filepath.Join(deep, ".tool-versions"), "kubectl 1.30.0\n")
	order := []struct{ file, spec string }{
		{"", "1.30.0"},
		{"mise.toml", "1.31"},
		{".mise.toml", "1.32"},
		{"mise.local.toml", "1.33"},
		{".mise.local.toml", "1.34"},
	}
	for _, o := range order {
		if o.file != "" {
			write(t, filepath.Join(deep, o.file), "[tools]\nkubectl = \""+o.spec+"\"\n")
		}
		if p, err := FindPin(deep, PinOptions{}); err != nil || p.Spec != o.spec {
			t.Errorf("with %s: %+v, %v", o.file, p, err)
		}
	}
	// A malformed file on the way up is an error, not skipped.
	write(t, filepath.Join(deep, ".mise.local.toml"), "[tools\n")
	if _, err := FindPin(deep, PinOptions{}); !errors.Is(err, ErrBadPin) {
		t.Errorf("malformed nearer file: %v", err)
	}
	// Nothing anywhere.
	if p, err := FindPin(testutil.TempDir(t), PinOptions{}); p != nil || err != nil {
		t.Errorf("no pin: %+v, %v", p, err)
	}
	// A folder named like a pin file is not one.
	empty := testutil.TempDir(t)
	os.Mkdir(filepath.Join(empty, ".tool-versions"), 0o755)
	if p, err := FindPin(empty, PinOptions{}); p != nil || err != nil {
		t.Errorf("a folder .tool-versions: %+v, %v", p, err)
	}
}

func TestPinDecision(t *testing.T) {
	me := trust.Owners{Self: "1000", Roots: []string{"0"}}
	tests := []struct {
		name           string
		f              pinFile
		use, tooLarge  bool
		reasonContains string
	}{
		{"mine in my folder", pinFile{0o644, 20, "1000", "1000", fs.ModeDir | 0o755}, true, false, ""},
		{"root's in root's folder", pinFile{0o644, 20, "0", "0", fs.ModeDir | 0o755}, true, false, ""},
		{"mine in a root folder (/tmp)", pinFile{0o644, 20, "1000", "0", fs.ModeDir | fs.ModeSticky | 0o777}, true, false, ""},
		{"mine in a world-writable folder without the sticky bit", pinFile{0o644, 20, "1000", "0", fs.ModeDir | 0o777}, false, false, "its folder may be changed by other users"},
		{"mine in root's group-writable folder", pinFile{0o644, 20, "1000", "0", fs.ModeDir | 0o775}, false, false, "its folder may be changed"},
		{"mine in my group-writable folder", pinFile{0o644, 20, "1000", "1000", fs.ModeDir | 0o775}, true, false, ""},
		{"root's, writable by all", pinFile{0o666, 20, "0", "0", fs.ModeDir | 0o755}, false, false, "it may be changed by other users (mode -rw-rw-rw-)"},
		{"root's, group-writable", pinFile{0o664, 20, "0", "1000", fs.ModeDir | 0o755}, false, false, "it may be changed"},
		{"mine, group-writable", pinFile{0o664, 20, "1000", "1000", fs.ModeDir | 0o755}, true, false, ""},
		{"mine, writable by all", pinFile{0o666, 20, "1000", "1000", fs.ModeDir | 0o755}, false, false, "it may be changed"},
		{"another user's link in /tmp", pinFile{fs.ModeSymlink | 0o777, 20, "1001", "0", fs.ModeDir | fs.ModeSticky | 0o777}, false, false, "it belongs to owner 1001"},
		{"my link in /tmp: followed", pinFile{fs.ModeSymlink | 0o777, 20, "1000", "0", fs.ModeDir | fs.ModeSticky | 0o777}, true, false, ""},
		{"root's link in my folder: followed", pinFile{fs.ModeSymlink | 0o777, 20, "0", "1000", fs.ModeDir | 0o755}, true, false, ""},
		{"my link in another user's folder", pinFile{fs.ModeSymlink | 0o777, 20, "1000", "1001", fs.ModeDir | 0o755}, false, false, "its folder belongs to owner 1001"},
		{"root's in my folder", pinFile{0o644, 20, "0", "1000", fs.ModeDir | 0o755}, true, false, ""},
		{"another user's in /tmp", pinFile{0o644, 20, "1001", "0", fs.ModeDir | 0o755}, false, false, "belongs to owner 1001"},
		{"mine in another user's folder", pinFile{0o644, 20, "1000", "1001", fs.ModeDir | 0o755}, false, false, "its folder belongs to owner 1001"},
		{"root's in another user's folder", pinFile{0o644, 20, "0", "1001", fs.ModeDir | 0o755}, false, false, "its folder"},
		{"owner unknown", pinFile{0o644, 20, "", "1000", fs.ModeDir | 0o755}, false, false, "unknown owner"},
		{"folder owner unknown", pinFile{0o644, 20, "1000", "", fs.ModeDir | 0o755}, false, false, "unknown owner"},
		{"a FIFO", pinFile{fs.ModeNamedPipe | 0o644, 0, "1000", "1000", fs.ModeDir | 0o755}, false, false, "named pipe"},
		{"/dev/zero", pinFile{fs.ModeDevice | fs.ModeCharDevice | 0o666, 0, "0", "1000", fs.ModeDir | 0o755}, false, false, "character device"},
		{"a socket", pinFile{fs.ModeSocket | 0o644, 0, "1000", "1000", fs.ModeDir | 0o755}, false, false, "socket"},
		{"64 KiB", pinFile{0o644, 64 << 10, "1000", "1000", fs.ModeDir | 0o755}, true, false, ""},
		{"one byte more", pinFile{0o644, 64<<10 + 1, "1000", "1000", fs.ModeDir | 0o755}, false, true, "larger than 64 KiB"},
		{"another user's large file", pinFile{0o644, 1 << 30, "1001", "1000", fs.ModeDir | 0o755}, false, false, "belongs to owner 1001"},
	}
	for _, tt := range tests {
		use, tooLarge, reason := pinDecision(tt.f, me)
		if use != tt.use || tooLarge != tt.tooLarge || !strings.Contains(reason, tt.reasonContains) || (use != (reason == "")) {
			t.Errorf("%s: use %v, tooLarge %v, %q", tt.name, use, tooLarge, reason)
		}
	}
	// Windows volumes without ACLs (FAT) own nothing: the user's.
	fat := trust.Owners{Self: "S-1-5-21-1", Roots: []string{"S-1-5-18"}, NoOwnerIsMine: true}
	if use, _, _ := pinDecision(pinFile{0o644, 20, "", "", fs.ModeDir | 0o755}, fat); !use {
		t.Error("a pin on a volume without owners was passed over")
	}
	if use, _, _ := pinDecision(pinFile{0o644, 20, "S-1-5-21-2", "", fs.ModeDir | 0o755}, fat); use {
		t.Error("another user's pin was used")
	}
	// Windows makes permission bits up: the owner decides.
	win := trust.Owners{Self: "S-1-5-21-1", Roots: []string{"S-1-5-18"}, NoModes: true}
	if use, _, _ := pinDecision(pinFile{0o666, 20, "S-1-5-18", "S-1-5-21-1", fs.ModeDir | 0o777}, win); !use {
		t.Error("on Windows, a pin was passed over for its made-up mode")
	}
	// Running as root, only root's files count.
	root := trust.Owners{Self: "0", Roots: []string{"0"}}
	if use, _, _ := pinDecision(pinFile{0o644, 20, "1000", "0", fs.ModeDir | 0o755}, root); use {
		t.Error("root used a user's pin file")
	}
}

// A byte order mark at the start pins like no mark; elsewhere it is text.
func TestPinWithByteOrderMark(t *testing.T) {
	checkPin(t, "BOM, .tool-versions", ".tool-versions", "\ufeffkubectl 1.36.4\n", "1.36.4", 1)
	checkPin(t, "BOM, mise.toml", "mise.toml", "\ufeff[tools]\nkubectl = \"1.36\"\n", "1.36", 2)
	checkPin(t, "BOM, CRLF", "mise.toml", "\ufeff[tools]\r\nkubectl = \"1.36\"\r\n", "1.36", 2)
}

// A pin file of more than 64 KiB is not read: an error naming it. A
// folder's pin file of exactly 64 KiB is.
func TestPinFileSizeBound(t *testing.T) {
	dir := testutil.TempDir(t)
	body := "kubectl 1.36.4\n" + strings.Repeat("#", 64<<10-len("kubectl 1.36.4\n"))
	write(t, filepath.Join(dir, ".tool-versions"), body)
	if p, err := FindPin(dir, PinOptions{}); err != nil || p == nil || p.Spec != "1.36.4" {
		t.Fatalf("64 KiB: %+v, %v", p, err)
	}
	write(t, filepath.Join(dir, ".tool-versions"), body+"\n")
	_, err := FindPin(dir, PinOptions{})
	if !errors.Is(err, ErrBadPin) || !strings.Contains(err.Error(), filepath.Join(dir, ".tool-versions")) || !strings.Contains(err.Error(), "larger than 64 KiB") {
		t.Errorf("64 KiB + 1: %v", err)
	}
}

// The mise.toml reader takes linear time: a 256 KB file of nested lists,
// inline tables or table headers is answered in milliseconds (the bound
// is generous for a loaded machine; a quadratic reader takes minutes).
func TestMisePinLinear(t *testing.T) {
	const n = 128 << 10 // 256 KB of brackets
	bodies := map[string]string{
		"nested lists":         "[tools]\nkubectl = " + strings.Repeat("[", n) + `"1.36"` + strings.Repeat("]", n) + "\n",
		"nested inline tables": "[tools]\nkubectl = " + strings.Repeat("{version=", n/8) + `"1.36"` + strings.Repeat("}", n/8) + "\n",
		"lists of tables":      "[tools]\nkubectl = " + strings.Repeat("[{version=", n/8) + `"1.36"` + strings.Repeat("}]", n/8) + "\n",
		"nested elsewhere":     "[env]\nX = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n[tools]\nkubectl = \"1.36\"\n",
		"a long dotted key":    "[tools]\n" + strings.Repeat("a.", n) + "kubectl = \"1.36\"\n",
		"a deep table header":  "[" + strings.Repeat("[", n) + "tools" + strings.Repeat("]", n) + "]\n",
	}
	for name, body := range bodies {
		done := make(chan error, 1)
		start := time.Now()
		go func() { _, _, err := misePin(body); done <- err }()
		select {
		case err := <-done:
			t.Logf("%s: %v (%v)", name, time.Since(start), err)
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: misePin still reading %d KB after 3 s", name, len(body)>>10)
		}
	}
	// Such nesting is not a kubectl version.
	if _, _, err := misePin(bodies["nested lists"]); !errors.Is(err, ErrBadPin) || !strings.Contains(err.Error(), "list inside a list") {
		t.Errorf("nested lists: %v", err)
	}
}
