package main

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestPathFixIsShellSafe: the PATH line doctor and install advise puts the
// folder itself first on PATH, whatever characters its name holds, and
// runs nothing.
func TestPathFixIsShellSafe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a POSIX shell line")
	}
	for _, dir := range []string{"/opt/my bin", `/tmp/a"b`, "/tmp/$(touch x)", "/tmp/`id`", `/tmp/it's`, `/tmp/back\slash`, "/tmp/$HOME"} {
		line := strings.TrimPrefix(pathFix("linux", dir), "add to your shell profile: ")
		cmd := exec.Command("sh", "-c", line+`; printf %s "$PATH"`)
		cmd.Dir = t.TempDir() // where a line that ran $(touch x) would leave x
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), dir+":") {
			t.Errorf("%q: %s gives PATH %q, %v", dir, line, out, err)
		}
	}
}
