package bootstrap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// standins maps a version to the bytes of a real executable that answers
// `kubectl version --client` with it, built once for the package's tests.
var standins = map[string][]byte{}

// standinVersions are the kubectl versions the tests have stand-ins for.
var standinVersions = []string{"v1.37.2", "v1.36.4"}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// testCA signs every kubectl the test mirrors serve; newClient trusts it.
var (
	testCA   *sigtest.CA
	testRoot *sigstore.TrustedRoot
)

// fatalTB is sigtest.TB outside a test: setup failures end the run.
type fatalTB struct{}

func (fatalTB) Helper()           {}
func (fatalTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

func runTests(m *testing.M) int {
	testCA = sigtest.NewCA(fatalTB{}, sigtest.Options{})
	var err error
	if testRoot, err = sigstore.ParseTrustedRoot(testCA.TrustedRootJSON()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if dir := os.Getenv("KUBEBOOT_TEST_STANDINS"); dir != "" {
		err = readStandins(dir)
	} else {
		err = buildStandins()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// readStandins reads prebuilt stand-ins, kubectl-<version><exe>, from dir:
// a test binary under Wine cannot run `go build`, so mk/windows.mk builds
// them beforehand.
func readStandins(dir string) error {
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	for _, v := range standinVersions {
		b, err := os.ReadFile(filepath.Join(dir, "kubectl-"+v+exe))
		if err != nil {
			return fmt.Errorf("KUBEBOOT_TEST_STANDINS: %w", err)
		}
		standins[v] = b
	}
	return nil
}

// buildStandins builds the stand-ins from internal/cmd/kubectl-standin.
func buildStandins() error {
	dir, err := os.MkdirTemp("", "kubeboot-standin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, v := range standinVersions {
		out := filepath.Join(dir, "kubectl-"+v)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.gitVersion="+v,
			"-o", out, "github.com/kubeboot/kubeboot/internal/cmd/kubectl-standin")
		cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build kubectl stand-in: %v\n%s", err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		standins[v] = b
	}
	return nil
}
