package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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
// when set (it must exist), else the newest of the cw-kubeconfig files in
// the Downloads folder (see FindDownloads). When there is none it returns a
// *NotFoundError saying where it looked and how to get one.
func FindDownloaded(explicit string) (string, error) {
	d, err := FindDownloads(explicit)
	if err != nil {
		return "", err
	}
	return d.Path, nil
}

// Download is the kubeconfig file FindDownloads chose.
type Download struct {
	// Path is the file to import.
	Path string `json:"path"`
	// Others are the other downloads of the same family (older, or as old),
	// newest first; empty for an explicit file.
	Others []string `json:"others,omitempty"`
}

// FindDownloads finds the downloaded kubeconfig: explicit when set (it
// must exist), else, in the Downloads folder, the most recently modified
// file of the cw-kubeconfig family, which is what browsers name repeated
// downloads: "cw-kubeconfig", "cw-kubeconfig (1)" (Chrome, Edge, Firefox),
// "cw-kubeconfig-1" or "cw-kubeconfig 2" (others). A user who downloads a
// new kubeconfig after a token was revoked gets the new one.
func FindDownloads(explicit string) (*Download, error) {
	if explicit != "" {
		fi, err := os.Stat(explicit)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &NotFoundError{Looked: []string{explicit}, Explicit: true}
		}
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			return nil, fmt.Errorf("%s is a folder, not a kubeconfig file", explicit)
		}
		return &Download{Path: explicit}, nil
	}
	dir, err := defaultDownloadsDir()
	if err != nil {
		return nil, err
	}
	return findIn(dir)
}

// downloadFamilyRE matches the names browsers give repeated downloads of
// cw-kubeconfig; the group is the copy number.
var downloadFamilyRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(DownloadedName) + `(?: \((\d+)\)|-(\d+)| (\d+))?$`)
})

// DownloadCandidate is a file of the cw-kubeconfig family and its
// modification time, for NewestDownload.
type DownloadCandidate struct {
	Name    string
	ModTime time.Time
}

// NewestDownload orders the cw-kubeconfig family among names, newest first
// by modification time (a tie goes to the higher copy number), and drops
// every other name. It does no I/O.
func NewestDownload(files []DownloadCandidate) []DownloadCandidate {
	type ranked struct {
		DownloadCandidate
		copy int
	}
	var fam []ranked
	for _, f := range files {
		m := downloadFamilyRE().FindStringSubmatch(f.Name)
		if m == nil {
			continue
		}
		n := 0
		for _, g := range m[1:] {
			if g != "" {
				n, _ = strconv.Atoi(g)
			}
		}
		fam = append(fam, ranked{f, n})
	}
	sort.SliceStable(fam, func(i, j int) bool {
		if !fam[i].ModTime.Equal(fam[j].ModTime) {
			return fam[i].ModTime.After(fam[j].ModTime)
		}
		return fam[i].copy > fam[j].copy
	})
	out := make([]DownloadCandidate, len(fam))
	for i, f := range fam {
		out[i] = f.DownloadCandidate
	}
	return out
}

func findIn(dir string) (*Download, error) {
	p := filepath.Join(dir, DownloadedName)
	nf := &NotFoundError{Looked: []string{p}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nf
	}
	var cands []DownloadCandidate
	for _, e := range entries {
		if !downloadFamilyRE().MatchString(e.Name()) {
			if !e.IsDir() && strings.HasPrefix(e.Name(), DownloadedName) {
				nf.Similar = append(nf.Similar, filepath.Join(dir, e.Name()))
			}
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, e.Name())) // follows links
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		cands = append(cands, DownloadCandidate{Name: e.Name(), ModTime: fi.ModTime()})
	}
	newest := NewestDownload(cands)
	if len(newest) == 0 {
		sort.Strings(nf.Similar)
		return nil, nf
	}
	d := &Download{Path: filepath.Join(dir, newest[0].Name)}
	for _, o := range newest[1:] {
		d.Others = append(d.Others, filepath.Join(dir, o.Name))
	}
	return d, nil
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
