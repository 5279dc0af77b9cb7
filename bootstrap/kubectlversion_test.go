package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestKubectlVersion(t *testing.T) {
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, host.Executable())
	if err := os.WriteFile(path, standins["v1.36.4"], 0o755); err != nil {
		t.Fatal(err)
	}
	v, err := KubectlVersion(context.Background(), path)
	if err != nil || v != "v1.36.4" {
		t.Fatalf("KubectlVersion = %q, %v", v, err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	bogus := filepath.Join(dir, "bogus")
	os.WriteFile(bogus, []byte("#!/bin/sh\necho '{\"clientVersion\":{}}'\n"), 0o755)
	if _, err := KubectlVersion(context.Background(), bogus); err == nil {
		t.Error("a kubectl without a version was accepted")
	}
	if real := os.Getenv("KUBEBOOT_TEST_KUBECTL"); real != "" {
		v, err := KubectlVersion(context.Background(), real)
		if err != nil || v == "" {
			t.Errorf("real kubectl: %q, %v", v, err)
		}
	}
}
