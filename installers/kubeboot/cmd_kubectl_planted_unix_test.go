//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The warm path, as users take it (the kubeboot binary, by name and as
// the shim), runs only the kubectl the store verified: one whose bytes
// changed after the install (same size, time set back) is installed
// again, and an entry of another user is refused, never run. The
// library's own tests of the same rules: TestReceiptMismatchReinstalls,
// TestStoreIgnoresOtherUsersFiles (bootstrap/store).
func TestKubectlFastPathRunsOnlyVerified(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, "KUBEBOOT_KUBECTL_VERSION=v1.37.2")
	shim := filepath.Join(t.TempDir(), "kubectl")
	if err := os.Symlink(kubeboot, shim); err != nil {
		t.Fatal(err)
	}
	byShim := func() result {
		cmd := exec.Command(shim, "version", "--client")
		cmd.Env = e.vars
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		r := result{code: code, stdout: string(out)}
		if ee, ok := err.(*exec.ExitError); ok {
			r.stderr = string(ee.Stderr)
		}
		return r
	}
	if r := e.exec("kubectl", "--", "version", "--client"); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
		t.Fatalf("first run: %+v", r)
	}
	stored := filepath.Join(e.storeDir(), "v1.37.2", runtime.GOOS+"-"+runtime.GOARCH, "kubectl")
	plant := func() {
		t.Helper()
		fi, err := os.Stat(stored)
		if err != nil {
			t.Fatal(err)
		}
		script := []byte("#!/bin/sh\necho planted\nexit 0\n")
		b := append(script, make([]byte, int(fi.Size())-len(script))...)
		if err := os.WriteFile(stored, b, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(stored, fi.ModTime(), fi.ModTime())
	}
	for name, run := range map[string]func() result{
		"kubeboot kubectl": func() result { return e.exec("kubectl", "--", "version", "--client") },
		"the shim":         byShim,
	} {
		plant()
		if r := run(); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
			t.Errorf("%s, its stored kubectl changed after the install: %+v; want the verified one installed again", name, r)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the entry to another user")
	}
	// The verified kubectl itself, in an entry another user now owns.
	entry := filepath.Dir(stored)
	for _, p := range []string{entry, stored, filepath.Join(entry, "receipt.json")} {
		if err := os.Lchown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	for name, run := range map[string]func() result{
		"kubeboot kubectl": func() result { return e.exec("kubectl", "--", "version", "--client") },
		"the shim":         byShim,
	} {
		if r := run(); r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, entry) {
			t.Errorf("%s, an entry of another user: %+v; want it refused", name, r)
		}
	}
}
