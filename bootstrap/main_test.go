package bootstrap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// standins maps a version to the bytes of a real executable that answers
// `kubectl version --client` with it, built once for the package's tests.
var standins = map[string][]byte{}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubeboot-standin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, v := range []string{"v1.37.2", "v1.36.4"} {
		out := filepath.Join(dir, "kubectl-"+v)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.gitVersion="+v,
			"-o", out, "github.com/kubeboot/kubeboot/internal/cmd/kubectl-standin")
		cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build kubectl stand-in: %v\n%s", err, b)
			return 1
		}
		b, err := os.ReadFile(out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		standins[v] = b
	}
	return m.Run()
}
