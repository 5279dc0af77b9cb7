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
func DefaultInstallDir() (string, error) { return Environment{}.DefaultInstallDir() }

// UserInstallDir returns the per-user install folder: ~/.local/bin, or
// %LOCALAPPDATA%\Programs\kubeboot\bin on Windows. Install falls back to
// it when the default folder's kubectl belongs to a package manager.
func UserInstallDir() (string, error) { return Environment{}.UserInstallDir() }

// Environment is the process environment the PATH and install-folder
// functions read. The zero value is this process's: its variables and the
// user's home folder. A program that keeps its own view of the environment
// (a CLI under test, an embedding tool) fills it so that nothing is read
// behind its back; the file system is always the real one.
type Environment struct {
	// Getenv reads a variable (PATH, LOCALAPPDATA); nil means os.Getenv.
	Getenv func(string) string
	// Home is the user's home folder; "" means the process's.
	Home string
}

func (e Environment) getenv(key string) string {
	if e.Getenv == nil {
		return os.Getenv(key)
	}
	return e.Getenv(key)
}

func (e Environment) home() (string, error) {
	if e.Home != "" {
		return e.Home, nil
	}
	return homedir.Dir()
}

// DefaultInstallDir is the package's DefaultInstallDir in e.
func (e Environment) DefaultInstallDir() (string, error) {
	preferred, _, err := e.installDirs()
	return preferred, err
}

// UserInstallDir is the package's UserInstallDir in e.
func (e Environment) UserInstallDir() (string, error) {
	_, user, err := e.installDirs()
	return user, err
}

// installDirs returns e's preferred default install folder and its
// per-user one.
func (e Environment) installDirs() (preferred, user string, err error) {
	home, err := e.home()
	if err != nil {
		return "", "", err
	}
	return defaultInstallDir(runtime.GOOS, e.getenv, home, dirWritable), userInstallDir(runtime.GOOS, e.getenv, home), nil
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
	DirOnPath bool `json:"dirOnPath"`
	// Shadowing lists kubectl executables in folders listed before the
	// install folder: the shell runs the first of them instead.
	Shadowing []string `json:"shadowing,omitempty"`
}

// CheckPath reports whether target, an installed kubectl, is the one this
// process's PATH would run.
func CheckPath(target string) PathReport { return Environment{}.CheckPath(target) }

// CheckPath is the package's CheckPath with e's PATH.
func (e Environment) CheckPath(target string) PathReport {
	r := checkPath(runtime.GOOS, e.getenv("PATH"), target, isRegularFile)
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
func KubectlsOnPath() []string { return Environment{}.KubectlsOnPath() }

// KubectlsOnPath is the package's KubectlsOnPath with e's PATH.
func (e Environment) KubectlsOnPath() []string {
	return distinctFiles(kubectlsOnPath(runtime.GOOS, e.getenv("PATH"), isRegularFile), "")
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
	return programsOnPath(goos, pathEnv, executableNames(goos), isFile)
}

// ProgramsOnPath is KubectlsOnPath for another program, by its name
// without extension ("helm", "kubectl-oidc_login"): on Windows with .exe,
// .cmd or .bat, as a shell finds it.
func (e Environment) ProgramsOnPath(program string) []string {
	names := []string{program}
	if runtime.GOOS == "windows" {
		names = []string{program + ".exe", program + ".cmd", program + ".bat"}
	}
	return distinctFiles(programsOnPath(runtime.GOOS, e.getenv("PATH"), names, isRegularFile), "")
}

// programsOnPath lists, PATH folder by folder, the first of names each
// holds.
func programsOnPath(goos, pathEnv string, names []string, isFile func(string) bool) []string {
	var found []string
	for _, d := range splitPathList(goos, pathEnv) {
		for _, name := range names {
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
