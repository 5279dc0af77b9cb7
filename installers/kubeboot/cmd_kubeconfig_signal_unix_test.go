//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const signalTestConfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
users:
- name: u
  user:
    token: SECRET
contexts:
- name: a
  context:
    cluster: c
    user: u
- name: b
  context:
    cluster: c
    user: u
current-context: a
`

// startBlockedWrite starts `kubeconfig use b` on KUBECONFIG=first:second
// while a kubectl holds second.lock: the write holds first.lock (made in
// sorted order) and waits. It returns once first.lock is there.
func startBlockedWrite(t *testing.T, dir string) (cmd *exec.Cmd, first string, env []string) {
	t.Helper()
	first, second := filepath.Join(dir, "a-config"), filepath.Join(dir, "b-config")
	for _, f := range []string{first, second} {
		if err := os.WriteFile(f, []byte(signalTestConfig), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(second+".lock", nil, 0o600); err != nil { // kubectl's: empty
		t.Fatal(err)
	}
	env = []string{"HOME=" + dir, "PATH=/nonexistent", "KUBECONFIG=" + first + ":" + second,
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache")}
	cmd = exec.Command(kubeboot, "kubeconfig", "use", "b")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Lstat(first + ".lock"); err == nil {
			break
		}
		if i > 200 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the write never took first.lock")
		}
		time.Sleep(25 * time.Millisecond)
	}
	return cmd, first, env
}

// A closed terminal (SIGHUP) ends a write as Ctrl-C and SIGTERM do: its
// locks released, nothing left that stops kubectl.
func TestKubeconfigHangupReleasesLocks(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, first, _ := startBlockedWrite(t, t.TempDir())
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("the write ignored %v", sig)
			}
			if _, err := os.Lstat(first + ".lock"); err == nil {
				t.Errorf("%s left after %v: kubectl cannot write %s", first+".lock", sig, first)
			}
		})
	}
}

// A write killed with SIGKILL leaves kubectl's lock (nothing can remove
// it): list and doctor name it and how it is cleared, and the next write
// removes it.
func TestKubeconfigKilledWriteLeftLockIsNamed(t *testing.T) {
	dir := t.TempDir()
	cmd, first, env := startBlockedWrite(t, dir)
	cmd.Process.Kill()
	cmd.Wait()
	lock := first + ".lock"
	if _, err := os.Lstat(lock); err != nil {
		t.Fatalf("SIGKILL left no lock (%v): nothing to test", err)
	}
	run := func(args ...string) (string, int) {
		c := exec.Command(kubeboot, args...)
		c.Env = env
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		c.Run()
		return out.String(), c.ProcessState.ExitCode()
	}
	if out, _ := run("kubeconfig", "list"); !strings.Contains(out, lock) || !strings.Contains(out, "killed") {
		t.Errorf("list does not name the left lock %s:\n%s", lock, out)
	}
	if out, _ := run("doctor"); !strings.Contains(out, lock) || !strings.Contains(out, "rm "+lock) {
		t.Errorf("doctor does not name the left lock %s and how to clear it:\n%s", lock, out)
	}
	os.Remove(filepath.Join(dir, "b-config.lock")) // kubectl done
	if out, code := run("kubeconfig", "use", "b"); code != 0 {
		t.Fatalf("the rerun after SIGKILL: exit %d\n%s", code, out)
	}
	if _, err := os.Lstat(lock); err == nil {
		t.Errorf("the rerun left %s", lock)
	}
}
