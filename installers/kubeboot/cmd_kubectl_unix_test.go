//go:build !windows

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/store"
)

// The real process: stdin, exit codes and SIGINT to the process group
// reach kubectl, which kubeboot became (exec).
func TestKubectlProcessPassThrough(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, store.PinEnv+"=v1.37.2")
	e.stdin = "line one\nline two\n"
	if r := e.exec("kubectl", "cat"); r.code != 0 || r.stdout != e.stdin || r.stderr != "" {
		t.Fatalf("stdin: %+v", r)
	}
	if r := e.exec("kubectl", "exit", "3"); r.code != 3 || r.stderr != "" {
		t.Errorf("exit 3: %+v", r)
	}
	cmd := exec.Command(kubeboot, "kubectl", "wait-signal")
	cmd.Env, cmd.Dir = e.vars, e.workdir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("no ready: %q", lines.Text())
	}
	if exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); exe != "" && filepath.Base(exe) == "kubeboot" {
		t.Errorf("pid %d is still kubeboot (%s), not kubectl", pid, exe)
	}
	syscall.Kill(-pid, syscall.SIGINT)
	lines.Scan()
	err := cmd.Wait()
	if lines.Text() != "interrupted" {
		t.Errorf("kubectl did not see SIGINT: %q", lines.Text())
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 42 {
		t.Errorf("exit after SIGINT: %v, want kubectl's 42", err)
	}
}

// In a working folder deleted under the shell, KUBEBOOT_KUBECTL_VERSION
// still pins, and without it there is simply no project pin.
func TestKubectlInDeletedWorkingFolder(t *testing.T) {
	e := newEnv(t)
	gone := filepath.Join(t.TempDir(), "gone [ä]")
	os.Mkdir(gone, 0o755)
	run := func(vars ...string) (string, string, error) {
		rmdir, err := exec.LookPath("rmdir")
		if err != nil {
			t.Skip(err)
		}
		cmd := exec.Command("sh", "-c", `cd "$1" && "$3" "$1" && exec "$2" kubectl -v version --client`, "sh", gone, kubeboot, rmdir)
		cmd.Env = append(append([]string{}, e.vars...), vars...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		os.Mkdir(gone, 0o755)
		return stdout.String(), stderr.String(), err
	}
	if out, errOut, err := run(store.PinEnv + "=1.37.2"); err != nil || out != "Client Version: v1.37.2\n" {
		t.Fatalf("pinned by the environment: %v %q %q", err, out, errOut)
	}
	out, errOut, err := run()
	if err != nil || out != "Client Version: v1.37.2\n" || !strings.Contains(errOut, "no project pin: the working folder cannot be found") {
		t.Fatalf("no pin: %v %q %q", err, out, errOut)
	}
}
