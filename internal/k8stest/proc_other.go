//go:build !unix

package k8stest

import "os/exec"

// command returns bin with args. The Kubernetes binaries the tests use are
// built for Unix; on other systems the process is killed directly.
func command(_, bin string, args ...string) *exec.Cmd { return exec.Command(bin, args...) }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
