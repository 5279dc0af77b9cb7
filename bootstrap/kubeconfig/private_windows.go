package kubeconfig

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"
)

// stillActive is GetExitCodeProcess's answer for a running process.
const stillActive = 259

// processAlive reports whether process pid is running. A process this
// user may not open (another user's) counts as running.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	return code == stillActive
}

// fileOwner is not a uid on Windows, where the root lives under the
// user's own local application data folder (privateDirProblem).
func fileOwner(fs.FileInfo) (int, bool) { return -1, false }
