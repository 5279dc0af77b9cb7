// Package pkgmgr knows the package managers that install kubectl — Homebrew
// (macOS and Linux), Chocolatey, Scoop and winget on Windows, and the
// Debian/RPM package databases — so that kubeboot can use them when that is
// what the machine expects and never fight them: Detect finds them, Owner
// says which one owns an installed kubectl, Plan decides how an install
// should happen, and Run carries it out and checks the result.
//
// Every decision is a pure function of a System, which carries the OS name,
// the environment and the file system and command hooks; Host returns the
// real one. Tests describe other machines, Windows and macOS included, on
// any OS.
package pkgmgr

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mitchellh/go-homedir"
)

// Manager names a package manager. The zero value, None, means a kubectl
// that no manager owns (a direct download) or no manager at all.
type Manager string

// The managers kubeboot knows. The first five can install kubectl; the
// package databases are only asked who owns a file.
const (
	None       Manager = ""
	Homebrew   Manager = "brew"   // Homebrew, on macOS and Linux
	Chocolatey Manager = "choco"  // Chocolatey, Windows
	Scoop      Manager = "scoop"  // Scoop, Windows, per user
	Winget     Manager = "winget" // the Windows Package Manager
	Dpkg       Manager = "dpkg"   // Debian packages: found by Owner only
	RPM        Manager = "rpm"    // RPM packages: found by Owner only
	Snap       Manager = "snap"   // snaps: found by Owner only
)

// String returns the manager's usual name ("none" for None).
func (m Manager) String() string {
	switch m {
	case None:
		return "none"
	case Homebrew:
		return "Homebrew"
	case Chocolatey:
		return "Chocolatey"
	case Scoop:
		return "Scoop"
	case Winget:
		return "winget"
	case Dpkg:
		return "dpkg"
	case RPM:
		return "RPM"
	case Snap:
		return "snap"
	}
	return string(m)
}

// System is the machine the functions of this package look at. Fields left
// nil or empty get the values of Host() from WithDefaults.
type System struct {
	// GOOS is the operating system: "linux", "darwin", "windows"...
	GOOS string
	// Getenv reads an environment variable.
	Getenv func(string) string
	// Home is the user's home folder.
	Home string
	// LookPath finds an executable on PATH, as exec.LookPath.
	LookPath func(string) (string, error)
	// Stat reports on a file, following symlinks, as os.Stat.
	Stat func(string) (fs.FileInfo, error)
	// EvalSymlinks resolves symlinks, as filepath.EvalSymlinks.
	EvalSymlinks func(string) (string, error)
	// Output runs a command and returns its standard output, as
	// exec.CommandContext(ctx, name, args...).Output().
	Output func(ctx context.Context, name string, args ...string) ([]byte, error)
}

// Host returns the System of this process.
func Host() System {
	home, _ := homedir.Dir()
	return System{
		GOOS:         runtime.GOOS,
		Getenv:       os.Getenv,
		Home:         home,
		LookPath:     exec.LookPath,
		Stat:         os.Stat,
		EvalSymlinks: filepath.EvalSymlinks,
		Output: func(ctx context.Context, name string, args ...string) ([]byte, error) {
			cmd := exec.CommandContext(ctx, name, args...)
			cmd.WaitDelay = time.Second
			return cmd.Output()
		},
	}
}

// WithDefaults returns s with every unset field taken from Host().
func (s System) WithDefaults() System {
	h := Host()
	if s.GOOS == "" {
		s.GOOS = h.GOOS
	}
	if s.Getenv == nil {
		s.Getenv = h.Getenv
	}
	if s.Home == "" {
		s.Home = h.Home
	}
	if s.LookPath == nil {
		s.LookPath = h.LookPath
	}
	if s.Stat == nil {
		s.Stat = h.Stat
	}
	if s.EvalSymlinks == nil {
		s.EvalSymlinks = h.EvalSymlinks
	}
	if s.Output == nil {
		s.Output = h.Output
	}
	return s
}

func (s System) isFile(p string) bool {
	fi, err := s.Stat(p)
	return err == nil && !fi.IsDir()
}

func (s System) isDir(p string) bool {
	fi, err := s.Stat(p)
	return err == nil && fi.IsDir()
}
