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

// TestKubeconfigWriteErrorsNameTheFile: as another user, a read-only
// (0400) kubeconfig makes use, delete, rename, namespace and import fail
// with a hint that names the file and says what to do (make it writable,
// or choose another kubeconfig), never an installer flag; nothing is
// created beside the file. An unreadable file to import is named too.
func TestKubeconfigWriteErrorsNameTheFile(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to run as another user")
	}
	dir := t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	exe := filepath.Join(dir, "kubeboot")
	copyExe(t, kubeboot, exe)
	home := filepath.Join(dir, "home")
	os.Mkdir(home, 0o755)
	config, src := filepath.Join(home, "config"), filepath.Join(home, "src")
	doc := `apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: a, cluster: {server: "https://a.example:6443"}}
users:
- {name: u, user: {token: FAKE-TOKEN-ro}}
contexts:
- {name: a, context: {cluster: a, user: u}}
- {name: b, context: {cluster: a, user: u}}
`
	os.WriteFile(config, []byte(doc), 0o400)
	os.WriteFile(src, []byte(strings.ReplaceAll(doc, "name: b", "name: c")), 0o000)
	if err := exec.Command("chown", "-R", "65534:65534", home).Run(); err != nil {
		t.Fatal(err)
	}
	as := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", exe}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=/nonexistent", "XDG_STATE_HOME=" + filepath.Join(home, "state"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}
		cmd.Dir = home
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{code, stdout.String(), stderr.String()}
	}
	for _, args := range [][]string{{"use", "b"}, {"delete", "b"}, {"rename", "b", "c"}, {"namespace", "x"}, {"import", filepath.Join(home, "other")}} {
		if args[0] == "import" {
			os.WriteFile(args[1], []byte(strings.ReplaceAll(doc, "name: b", "name: d")), 0o644)
		}
		r := as(append([]string{"kubeconfig", "--kubeconfig", config}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, config) || !strings.Contains(r.stderr, "writable") ||
			!strings.Contains(r.stderr, "--kubeconfig or KUBECONFIG") || strings.Contains(r.stderr, "--dir") {
			t.Errorf("%v on a read-only kubeconfig: %+v", args, r)
		}
		if _, err := os.Lstat(config + ".lock"); err == nil {
			t.Fatalf("%v left a lock file beside the refused kubeconfig", args)
		}
	}
	r := as("kubeconfig", "--kubeconfig", filepath.Join(home, "new"), "import", src)
	if r.code == 0 || !strings.Contains(r.stderr, src) || !strings.Contains(r.stderr, "readable") || strings.Contains(r.stderr, "--dir") {
		t.Errorf("import of an unreadable file: %+v", r)
	}
	if data, _ := os.ReadFile(config); string(data) != doc {
		t.Error("the read-only kubeconfig changed")
	}
}

// TestKubeconfigFIFOInterrupt: a kubeconfig that is a FIFO nobody writes
// to blocks its read; SIGTERM (as Ctrl-C) still ends list and use at once,
// with the interrupted exit code.
func TestKubeconfigFIFOInterrupt(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, args := range [][]string{{"list"}, {"use", "a"}} {
		cmd := exec.Command(kubeboot, append([]string{"kubeconfig", "--kubeconfig", fifo}, args...)...)
		cmd.Env = []string{"HOME=" + dir, "PATH=/nonexistent", "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache")}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("%v: exit %d after SIGTERM, want %d: %s", args, code, exitInterrupted, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%v on a FIFO nobody writes to ignored SIGTERM", args)
		}
	}
}
