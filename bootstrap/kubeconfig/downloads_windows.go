package kubeconfig

import "golang.org/x/sys/windows"

// defaultDownloadsDir asks Windows for the Downloads known folder, which the
// user may have moved, and falls back to %USERPROFILE%\Downloads.
func defaultDownloadsDir() (string, error) {
	if p, err := windows.KnownFolderPath(windows.FOLDERID_Downloads, 0); err == nil && p != "" {
		return p, nil
	}
	return portableDownloadsDir()
}
