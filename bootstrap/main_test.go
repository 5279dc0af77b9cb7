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
	// Nothing here may touch the user's own caches (the examples use the
	// default cache folder, as real callers do).
	cache, err := os.MkdirTemp("", "kubeboot-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(cache)
	for _, v := range []string{"XDG_CACHE_HOME", "LocalAppData", "LOCALAPPDATA"} {
		os.Setenv(v, cache)
	}
	testCA = sigtest.NewCA(fatalTB{}, sigtest.Options{})
	if testRoot, err = sigstore.ParseTrustedRoot(testCA.TrustedRootJSON()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch dir := os.Getenv("KUBEBOOT_TEST_STANDINS"); {
	case os.Getenv("KUBEBOOT_TEST_KILL_CHILD_DIR") != "":
		// The child process of TestKillDuringDownload needs none, and
		// building them on a busy machine outlasts the parent's wait.
	case dir != "":
		err = readStandins(dir)
	default:
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
