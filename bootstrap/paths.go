package bootstrap

import (
	"os"
	"runtime"
	"strings"

	"github.com/mitchellh/go-homedir"

	"github.com/kubeboot/kubeboot/bootstrap/internal/ospath"
)

// DefaultInstallDir returns where kubectl goes when the caller names no
// folder: /usr/local/bin when this user can write there, else a per-user
// folder (~/.local/bin; %LOCALAPPDATA%\Programs\kubeboot\bin on Windows), so
// that no sudo or admin shell is ever needed.
func DefaultInstallDir() (string, error) {
	preferred, _, err := installDirs()
	return preferred, err
}

// UserInstallDir returns the per-user install folder: ~/.local/bin, or
// %LOCALAPPDATA%\Programs\kubeboot\bin on Windows. Install falls back to
// it when the default folder's kubectl belongs to a package manager.
func UserInstallDir() (string, error) {
	_, user, err := installDirs()
	return user, err
}

// installDirs returns this host's preferred default install folder and its
// per-user one.
func installDirs() (preferred, user string, err error) {
	home, err := homedir.Dir()
	if err != nil {
		return "", "", err
	}
	return defaultInstallDir(runtime.GOOS, os.Getenv, home, dirWritable), userInstallDir(runtime.GOOS, os.Getenv, home), nil
}

func defaultInstallDir(goos string, getenv func(string) string, home string, writable func(string) bool) string {
	if goos != "windows" && writable("/usr/local/bin") {
		return "/usr/local/bin"
	}
	return userInstallDir(goos, getenv, home)
}

func userInstallDir(goos string, getenv func(string) string, home string) string {
	if goos == "windows" {
		base := getenv("LOCALAPPDATA")
		if base == "" {
			base = ospath.Join(goos, home, "AppData", "Local")
		}
		return ospath.Join(goos, base, "Programs", "kubeboot", "bin")
	}
	return ospath.Join(goos, home, ".local", "bin")
}

// dirWritable reports whether a file can be created in dir, by trying.
func dirWritable(dir string) bool {
	f, err := os.CreateTemp(dir, ".kubeboot-probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// PathReport says how the shell's PATH sees an installed kubectl.
type PathReport struct {
	// DirOnPath is true when the install folder is listed in PATH.
	DirOnPath bool `json:"dir_on_path"`
	// Shadowing lists kubectl executables in folders listed before the
	// install folder: the shell runs the first of them instead.
	Shadowing []string `json:"shadowing,omitempty"`
}

// CheckPath reports whether target, an installed kubectl, is the one this
// process's PATH would run.
func CheckPath(target string) PathReport {
	r := checkPath(runtime.GOOS, os.Getenv("PATH"), target, isRegularFile)
	r.Shadowing = distinctFiles(r.Shadowing, target)
	return r
}

func checkPath(goos, pathEnv, target string, isFile func(string) bool) PathReport {
	dir := ospath.Dir(goos, target)
	var r PathReport
	for _, d := range splitPathList(goos, pathEnv) {
		if ospath.SameDir(goos, d, dir) {
			r.DirOnPath = true
			return r
		}
		for _, name := range executableNames(goos) {
			if p := ospath.Join(goos, d, name); isFile(p) {
				r.Shadowing = append(r.Shadowing, p)
				break
			}
		}
	}
	return r
}

// KubectlsOnPath lists every kubectl the PATH reaches, the one that wins
// first.
func KubectlsOnPath() []string {
	return distinctFiles(kubectlsOnPath(runtime.GOOS, os.Getenv("PATH"), isRegularFile), "")
}

// distinctFiles drops paths that reach the same file as an earlier one or as
// except, such as /bin/kubectl when /bin links to /usr/bin.
func distinctFiles(paths []string, except string) []string {
	var seen []os.FileInfo
	if fi, err := os.Stat(except); except != "" && err == nil {
		seen = append(seen, fi)
	}
	var out []string
outer:
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		for _, s := range seen {
			if os.SameFile(s, fi) {
				continue outer
			}
		}
		seen = append(seen, fi)
		out = append(out, p)
	}
	return out
}

func kubectlsOnPath(goos, pathEnv string, isFile func(string) bool) []string {
	var found []string
	for _, d := range splitPathList(goos, pathEnv) {
		for _, name := range executableNames(goos) {
			if p := ospath.Join(goos, d, name); isFile(p) {
				found = append(found, p)
				break
			}
		}
	}
	return found
}

func isRegularFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// executableNames are the names under which a shell finds kubectl.
func executableNames(goos string) []string {
	if goos == "windows" {
		return []string{"kubectl.exe", "kubectl.cmd", "kubectl.bat"}
	}
	return []string{"kubectl"}
}

// splitPathList splits PATH for goos, dropping empty and duplicate entries
// (an empty entry means the current folder, never a place we install to).
func splitPathList(goos, list string) []string {
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	var out []string
	for _, d := range strings.Split(list, sep) {
		d = strings.Trim(d, `"`)
		if d == "" {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || ospath.SameDir(goos, o, d)
		}
		if !dup {
			out = append(out, d)
		}
	}
	return out
}
