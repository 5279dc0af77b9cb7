//go:build unix

package k8stest

import (
	"os"
	"os/exec"
	"syscall"
)

// watchdog runs the command in the background of a shell that also watches
// its stdin: when the test process dies, however it dies, the pipe's write
// end closes, cat returns, the command is killed and the folder
// $K8STEST_CLEAN is removed. The shell exits with the command's status.
const watchdog = `exec 3<&0 0</dev/null
"$@" 3<&- &
c=$!
(cat <&3 >/dev/null; kill -9 $c 2>/dev/null; sleep 1; rm -rf "$K8STEST_CLEAN") &
exec 3<&-
wait $c`

// command returns bin with args wrapped in the watchdog, in a process
// group of its own; the watchdog removes dir.
func command(dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command("/bin/sh", append([]string{"-c", watchdog, "k8stest-watchdog", bin}, args...)...)
	cmd.Env = append(os.Environ(), "K8STEST_CLEAN="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// killGroup kills the command's process group: the shell, the watcher and
// the command itself.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
