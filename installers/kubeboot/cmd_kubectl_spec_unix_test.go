//go:build linux || darwin

package main

// An over-long version through the kubeboot binary (sigEnv: a local
// mirror and a store of its own).

import (
	"strings"
	"testing"
)

// TestKubectlOverlongVersionIsABadSpec: a pre-release spec longer than a
// file name is refused as a version spec (no such kubectl exists) before
// it reaches the store's folder, where "file name too long" would be
// blamed on another user's files; the error does not echo all of it.
func TestKubectlOverlongVersionIsABadSpec(t *testing.T) {
	e := newSigEnv(t)
	spec := "1.37.2-" + strings.Repeat("a", 300)
	cmd, _, errb := e.command(nil, "kubectl", "--version", spec, "--", "args", "x")
	if err := cmd.Run(); err == nil {
		t.Fatal("an over-long version ran")
	}
	if strings.Contains(errb.String(), "another user") || strings.Contains(errb.String(), "file name too long") {
		t.Errorf("an over-long version spec is blamed on the store folder:\n%s", errb)
	}
	if len(errb.String()) > 2000 {
		t.Errorf("the error repeats the whole spec: %d bytes on stderr", len(errb.String()))
	}
}
