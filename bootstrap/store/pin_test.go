package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func noEnv(string) string { return "" }

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
	p, err := FindPin(dir, noEnv)
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
		_, err := FindPin(filepath.Join(dir), noEnv)
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

	p, err := FindPin(deep, noEnv)
	if err != nil || p == nil || p.Spec != "1.35.1" || p.Source != filepath.Join(root, ".tool-versions") {
		t.Fatalf("upward search: %+v, %v", p, err)
	}
	env := func(k string) string {
		if k == PinEnv {
			return " v1.37.2 "
		}
		return ""
	}
	if p, err := FindPin(deep, env); err != nil || p.Spec != "v1.37.2" || p.Source != PinEnv {
		t.Errorf("environment: %+v, %v", p, err)
	}
	if _, err := FindPin(deep, func(string) string { return "nonsense" }); !errors.Is(err, ErrBadPin) || !strings.Contains(err.Error(), PinEnv) {
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
		if p, err := FindPin(deep, noEnv); err != nil || p.Spec != o.spec {
			t.Errorf("with %s: %+v, %v", o.file, p, err)
		}
	}
	// A malformed file on the way up is an error, not skipped.
	write(t, filepath.Join(deep, ".mise.local.toml"), "[tools\n")
	if _, err := FindPin(deep, noEnv); !errors.Is(err, ErrBadPin) {
		t.Errorf("malformed nearer file: %v", err)
	}
	// Nothing anywhere.
	if p, err := FindPin(testutil.TempDir(t), noEnv); p != nil || err != nil {
		t.Errorf("no pin: %+v, %v", p, err)
	}
	// A folder named like a pin file is not one.
	empty := testutil.TempDir(t)
	os.Mkdir(filepath.Join(empty, ".tool-versions"), 0o755)
	if p, err := FindPin(empty, noEnv); p != nil || err != nil {
		t.Errorf("a folder .tool-versions: %+v, %v", p, err)
	}
}
