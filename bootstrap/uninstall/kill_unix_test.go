//go:build unix

package uninstall

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// The helper process of TestKillDuringUninstallThenRerun: an uninstall
// that stops for good between a removal and its record.
func TestHelperUninstallStops(t *testing.T) {
	dir := os.Getenv("KUBEBOOT_TEST_UNINSTALL_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	testHookRemoved = func(string) {
		os.WriteFile(filepath.Join(dir, "..", "removed"), nil, 0o644)
		time.Sleep(time.Hour)
	}
	opts := Options{Tools: []string{"kubectl", "helm"}, Dirs: []string{dir}, NoStore: true}
	steps, _ := Gather(context.Background(), opts)
	Apply(context.Background(), steps, opts)
}

// kill -9 between a removal and its record, then a rerun: the rerun
// finishes, leaving the folder as an uninterrupted run would.
func TestKillDuringUninstallThenRerun(t *testing.T) {
	root := testutil.TempDir(t)
	dir := filepath.Join(root, "bin [k] ö")
	os.MkdirAll(dir, 0o755)
	put(t, dir, "kubectl", "kubectl", "kubectl bytes")
	put(t, dir, "helm", "helm", "helm bytes")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperUninstallStops$")
	cmd.Env = append(os.Environ(), "KUBEBOOT_TEST_UNINSTALL_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(root, "removed")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the helper never removed a program")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if recs, _ := exeinstall.ReadRecords(dir); len(recs) != 2 {
		t.Fatalf("the kill should leave both records, found %v", recs)
	}
	opts := Options{Tools: []string{"kubectl", "helm"}, Dirs: []string{dir}, NoStore: true}
	steps, err := Gather(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	Apply(context.Background(), steps, opts)
	for _, s := range steps {
		if !s.Done || s.Error != "" {
			t.Errorf("rerun step %+v", s)
		}
	}
	if names := testutil.Names(dir); len(names) != 0 {
		t.Errorf("after the rerun the folder holds %v", names)
	}
}
