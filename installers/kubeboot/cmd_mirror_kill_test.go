package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

// mirror sync killed with SIGKILL in the middle of a download, then run
// again: the rerun keeps what the first run finished, fetches only the
// rest, writes the markers, and leaves a tree mirror verify passes.
func TestMirrorSyncKilledThenRerun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	e := newEnv(t)
	e.m.SetMarker("stable-1.36", "v1.36.4")
	e.m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, standin)
	plat := runtime.GOOS + "/" + runtime.GOARCH
	slow := mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH)
	e.m.QueueFaults(slow, mirror.Fault{StallAfter: 100_000, Stall: time.Minute})
	dir := filepath.Join(t.TempDir(), "mirror [ü]")
	args := []string{"mirror", "sync", "--dir", dir, "--versions", "v1.36.4,v1.37.2", "--platforms", plat, "--parallel", "1"}

	cmd := exec.Command(kubeboot, args...)
	cmd.Env = e.vars
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stalled := filepath.Join(dir, filepath.FromSlash(filepath.Dir(slow)))
	deadline := time.Now().Add(30 * time.Second)
	for !hasPartialTemp(stalled) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the stalled download never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()

	before := len(e.m.Requests())
	r := e.run(args...)
	if r.code != 0 {
		t.Fatalf("rerun: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var binaries []string
	for _, req := range e.m.Requests()[before:] {
		if strings.HasSuffix(req.Path, "/kubectl") {
			binaries = append(binaries, req.Path)
		}
	}
	if len(binaries) != 1 || binaries[0] != slow {
		t.Errorf("the rerun downloaded %v, want only %s", binaries, slow)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "release", "stable-1.37.txt")); err != nil || string(b) != "v1.37.2" {
		t.Errorf("stable-1.37.txt: %q, %v", b, err)
	}
	if hasPartialTemp(stalled) {
		t.Error("the killed run's temp file is still there")
	}
	if r := e.run("mirror", "verify", dir); r.code != 0 {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// hasPartialTemp reports whether dir holds a temp file with some bytes.
func hasPartialTemp(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), ".") && strings.HasSuffix(en.Name(), ".tmp") {
			if fi, err := en.Info(); err == nil && fi.Size() > 0 {
				return true
			}
		}
	}
	return false
}
