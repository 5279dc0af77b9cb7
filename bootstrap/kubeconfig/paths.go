package kubeconfig

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/mitchellh/go-homedir"
)

// Locations lists the kubeconfig files kubectl would read, in precedence
// order: for a name defined in several files the first file wins.
type Locations struct {
	// Files holds the candidate files, highest precedence first.
	Files []string
	// Explicit reports that Files comes from an explicit --kubeconfig path.
	Explicit bool
	// FromEnv reports that Files comes from the KUBECONFIG variable.
	FromEnv bool
}

// Locate computes the kubeconfig files kubectl would read on goos
// ("linux", "darwin", "windows", ...), without touching the disk:
//
//   - explicit (the --kubeconfig flag), when not empty, is the only file;
//   - else KUBECONFIG, split on ':' (';' on Windows), empty entries ignored
//     and duplicates removed, as kubectl does;
//   - else home/.kube/config (home\.kube\config on Windows).
//
// Paths are joined with goos's separator, so every branch can be tested on
// any OS. home is used as given; see KubectlHome for kubectl's choice.
func Locate(goos string, getenv func(string) string, home, explicit string) Locations {
	if explicit != "" {
		return Locations{Files: []string{explicit}, Explicit: true}
	}
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	var files []string
	seen := map[string]bool{}
	for _, f := range strings.Split(getenv("KUBECONFIG"), sep) {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		files = append(files, f)
	}
	if len(files) > 0 {
		return Locations{Files: files, FromEnv: true}
	}
	return Locations{Files: []string{joinOS(goos, home, ".kube", "config")}}
}

// Target returns the file that receives new entries, by kubectl's rule: the
// explicit file; else the first listed file that exists; else the last
// listed file. It returns "" for empty Locations.
func (l Locations) Target(exists func(string) bool) string {
	if len(l.Files) == 0 {
		return ""
	}
	if l.Explicit || len(l.Files) == 1 {
		return l.Files[0]
	}
	for _, f := range l.Files {
		if exists(f) {
			return f
		}
	}
	return l.Files[len(l.Files)-1]
}

// DefaultLocations is Locate for this process: runtime.GOOS, the real
// environment and KubectlHome.
func DefaultLocations(explicit string) (Locations, error) {
	if explicit != "" {
		return Locate(runtime.GOOS, os.Getenv, "", explicit), nil
	}
	home := KubectlHome(runtime.GOOS, os.Getenv, os.Stat)
	if home == "" {
		h, err := homedir.Dir()
		if err != nil || h == "" {
			return Locations{}, errors.Join(errors.New("cannot find the home folder: set HOME (USERPROFILE on Windows) or pass an explicit kubeconfig path"), err)
		}
		home = h
	}
	return Locate(runtime.GOOS, os.Getenv, home, explicit), nil
}

// KubectlHome returns the home folder kubectl (client-go's homedir.HomeDir)
// uses on goos. On Unix it is $HOME. On Windows it is the first of %HOME%,
// %HOMEDRIVE%%HOMEPATH% and %USERPROFILE% that holds .kube\config; else the
// first of %HOME%, %USERPROFILE%, %HOMEDRIVE%%HOMEPATH% that is a writable
// folder; else the first that exists; else the first that is set.
func KubectlHome(goos string, getenv func(string) string, stat func(string) (fs.FileInfo, error)) string {
	if goos != "windows" {
		return getenv("HOME")
	}
	home := getenv("HOME")
	driveHome := ""
	if d, p := getenv("HOMEDRIVE"), getenv("HOMEPATH"); d != "" && p != "" {
		driveHome = d + p
	}
	profile := getenv("USERPROFILE")
	for _, p := range []string{home, driveHome, profile} {
		if p == "" {
			continue
		}
		if _, err := stat(joinOS(goos, p, ".kube", "config")); err == nil {
			return p
		}
	}
	firstSet, firstExisting := "", ""
	for _, p := range []string{home, profile, driveHome} {
		if p == "" {
			continue
		}
		if firstSet == "" {
			firstSet = p
		}
		fi, err := stat(p)
		if err != nil {
			continue
		}
		if firstExisting == "" {
			firstExisting = p
		}
		if fi.IsDir() && fi.Mode().Perm()&0o200 != 0 {
			return p
		}
	}
	if firstExisting != "" {
		return firstExisting
	}
	return firstSet
}

// joinOS joins path elements with goos's separator, without cleaning, so
// that Windows paths can be built and tested on Linux.
func joinOS(goos, base string, elem ...string) string {
	sep := "/"
	if goos == "windows" {
		sep = `\`
	}
	p := base
	for _, e := range elem {
		if p == "" {
			p = e
			continue
		}
		if strings.HasSuffix(p, sep) || (goos == "windows" && strings.HasSuffix(p, "/")) {
			p += e
		} else {
			p += sep + e
		}
	}
	return p
}
