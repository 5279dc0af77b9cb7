package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/mitchellh/go-homedir"
)

// DownloadedName is the name of the kubeconfig file CoreWeave Cloud hands out.
const DownloadedName = "cw-kubeconfig"

// APIAccessURL is the CoreWeave Cloud page where an organization admin
// creates an access token and its cw-kubeconfig file.
const APIAccessURL = "https://cloud.coreweave.com/api-access"

// ErrNotFound is matched by *NotFoundError.
var ErrNotFound = errors.New("kubeconfig file not found")

// NotFoundError reports that the downloaded kubeconfig is not where we
// looked. It matches ErrNotFound and fs.ErrNotExist.
type NotFoundError struct {
	// Looked lists the paths tried, in order.
	Looked []string
	// Similar lists files beside them whose name starts with cw-kubeconfig
	// (a browser may have saved "cw-kubeconfig (1)" or "cw-kubeconfig.yaml").
	Similar []string
	// Explicit reports that the user named the file; it does not exist.
	Explicit bool
}

func (e *NotFoundError) Error() string {
	if e.Explicit {
		return fmt.Sprintf("%s does not exist; check the path of the kubeconfig file you downloaded", strings.Join(e.Looked, ", "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no %s file found (looked for %s)", DownloadedName, strings.Join(e.Looked, ", "))
	if len(e.Similar) > 0 {
		fmt.Fprintf(&b, "; similar files: %s (pass one explicitly)", strings.Join(e.Similar, ", "))
	}
	fmt.Fprintf(&b, "; an organization admin creates one on the CoreWeave Cloud API Access page, %s: download it, then pass its path", APIAccessURL)
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and errors.Is(err, fs.ErrNotExist) true.
func (e *NotFoundError) Is(target error) bool {
	return target == ErrNotFound || target == fs.ErrNotExist
}

// DownloadsDir returns the user's Downloads folder on goos, without system
// calls: readFile reads the XDG user-dirs file on Linux and the BSDs.
//
//   - darwin: home/Downloads.
//   - windows: %USERPROFILE%\Downloads (home\Downloads when unset); the real
//     known folder, which a user may have moved, is what FindDownloaded uses
//     on Windows.
//   - others: XDG_DOWNLOAD_DIR from $XDG_CONFIG_HOME/user-dirs.dirs (or
//     home/.config/user-dirs.dirs), with $HOME expanded; else home/Downloads.
func DownloadsDir(goos string, getenv func(string) string, home string, readFile func(string) ([]byte, error)) string {
	switch goos {
	case "darwin", "ios":
		return joinOS(goos, home, "Downloads")
	case "windows":
		if p := getenv("USERPROFILE"); p != "" {
			home = p
		}
		return joinOS(goos, home, "Downloads")
	}
	configHome := getenv("XDG_CONFIG_HOME")
	if !strings.HasPrefix(configHome, "/") { // the spec says relative values are ignored
		configHome = joinOS(goos, home, ".config")
	}
	if readFile != nil {
		if data, err := readFile(joinOS(goos, configHome, "user-dirs.dirs")); err == nil {
			if dir, ok := userDirsValue(data, "XDG_DOWNLOAD_DIR", home); ok {
				return dir
			}
		}
	}
	return joinOS(goos, home, "Downloads")
}

// userDirsValue reads key from a user-dirs.dirs file: shell-style lines
// KEY="$HOME/path" or KEY="/abs/path", '#' comments. The last assignment wins.
func userDirsValue(data []byte, key, home string) (string, bool) {
	val, found := "", false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' {
			end := strings.LastIndexByte(v, '"')
			if end <= 0 {
				continue
			}
			v = unescapeShell(v[1:end])
		}
		switch {
		case v == "$HOME" || v == "${HOME}":
			v = home
		case strings.HasPrefix(v, "$HOME/"):
			v = strings.TrimSuffix(home, "/") + v[len("$HOME"):]
		case strings.HasPrefix(v, "${HOME}/"):
			v = strings.TrimSuffix(home, "/") + v[len("${HOME}"):]
		case strings.HasPrefix(v, "/"):
		default:
			continue // relative paths are not allowed by the spec
		}
		val, found = strings.TrimSuffix(v, "/"), true
		if val == "" {
			val = "/"
		}
	}
	return val, found
}

func unescapeShell(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FindDownloaded returns the path of the downloaded kubeconfig: explicit
// when set (it must exist), else cw-kubeconfig in the Downloads folder. When
// there is none it returns a *NotFoundError saying where it looked and how
// to get one.
func FindDownloaded(explicit string) (string, error) {
	if explicit != "" {
		fi, err := os.Stat(explicit)
		if errors.Is(err, fs.ErrNotExist) {
			return "", &NotFoundError{Looked: []string{explicit}, Explicit: true}
		}
		if err != nil {
			return "", err
		}
		if fi.IsDir() {
			return "", fmt.Errorf("%s is a folder, not a kubeconfig file", explicit)
		}
		return explicit, nil
	}
	dir, err := defaultDownloadsDir()
	if err != nil {
		return "", err
	}
	return findIn(dir)
}

func findIn(dir string) (string, error) {
	p := filepath.Join(dir, DownloadedName)
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		return p, nil
	}
	nf := &NotFoundError{Looked: []string{p}}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if !e.IsDir() && strings.HasPrefix(e.Name(), DownloadedName) {
				nf.Similar = append(nf.Similar, filepath.Join(dir, e.Name()))
			}
		}
		sort.Strings(nf.Similar)
	}
	return "", nf
}

// homeDir is the user's home folder for this process.
func homeDir() (string, error) {
	h, err := homedir.Dir()
	if err != nil || h == "" {
		return "", errors.Join(errors.New("cannot find the home folder"), err)
	}
	return h, nil
}

// portableDownloadsDir is DownloadsDir for this process.
func portableDownloadsDir() (string, error) {
	home, err := homeDir()
	if err != nil {
		return "", err
	}
	return DownloadsDir(runtime.GOOS, os.Getenv, home, os.ReadFile), nil
}

// DefaultDownloadsDir returns this user's Downloads folder: the known folder
// on Windows, DownloadsDir's answer elsewhere.
func DefaultDownloadsDir() (string, error) { return defaultDownloadsDir() }
