package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// maxInitBytes bounds what each of kubeboot's own packages allocates
// when the program starts: every run pays for it, a warm `kubeboot
// kubectl` (and the shim) included, whose whole cost over a bare exec is
// a few milliseconds (issue 23, item 9). A table, map or regexp built at
// init belongs in a sync.OnceValue; a regexp compiled at init allocates
// about 8 KB.
const maxInitBytes = 4096

func TestStartupInitsAreSmall(t *testing.T) {
	cmd := exec.Command(kubeboot, "version")
	cmd.Env = []string{"GODEBUG=inittrace=1", "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := regexp.MustCompile(`(?m)^init (github\.com/kubeboot/\S+) @.*, (\d+) bytes, (\d+) allocs$`).FindAllStringSubmatch(string(out), -1)
	if len(lines) == 0 {
		t.Fatalf("no init trace of kubeboot's packages in:\n%s", out)
	}
	for _, m := range lines {
		if n, _ := strconv.Atoi(m[2]); n > maxInitBytes {
			t.Errorf("package %s allocates %d bytes (%s allocations) at start-up, more than %d: build it on first use", m[1], n, m[3], maxInitBytes)
		}
	}
}
