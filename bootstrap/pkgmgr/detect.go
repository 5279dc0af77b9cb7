package pkgmgr

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/ospath"
)

// Found is a package manager present on the machine.
type Found struct {
	Manager Manager `json:"manager"`
	// Path is the executable to run (brew, choco.exe, scoop.cmd...).
	Path string `json:"path"`
	// Prefix is where the manager keeps what it installs: the Homebrew
	// prefix (/opt/homebrew), %ChocolateyInstall%, the Scoop root.
	Prefix string `json:"prefix,omitempty"`
	// Version is what the manager reports, "" when it could not tell.
	Version string `json:"version,omitempty"`
	// OnPath is true when Path was found through PATH rather than in the
	// manager's usual install folder.
	OnPath bool `json:"on_path"`
}

// VersionTimeout bounds each `--version` call of Detect.
const VersionTimeout = 15 * time.Second

// Detect returns the package managers that can install kubectl on s's OS,
// found on PATH or in their usual install folders, with their versions, in
// the order Homebrew, Chocolatey, Scoop, winget.
func Detect(ctx context.Context, s System) []Found {
	s = s.WithDefaults()
	var out []Found
	for _, m := range []Manager{Homebrew, Chocolatey, Scoop, Winget} {
		if f, ok := locate(s, m); ok {
			f.Version = managerVersion(ctx, s, f)
			out = append(out, f)
		}
	}
	return out
}

// Lookup returns m from found, if it is there.
func Lookup(found []Found, m Manager) (Found, bool) {
	for _, f := range found {
		if f.Manager == m {
			return f, true
		}
	}
	return Found{}, false
}

// locate finds m without running anything.
func locate(s System, m Manager) (Found, bool) {
	f := Found{Manager: m}
	switch m {
	case Homebrew:
		if s.GOOS != "darwin" && s.GOOS != "linux" {
			return f, false
		}
		if p, err := s.LookPath("brew"); err == nil {
			f.Path, f.OnPath = p, true
		} else {
			for _, prefix := range brewPrefixes(s) {
				if p := ospath.Join(s.GOOS, prefix, "bin", "brew"); s.isFile(p) {
					f.Path = p
					break
				}
			}
		}
		if f.Path == "" {
			return f, false
		}
		f.Prefix = brewPrefixOf(s, f.Path)
	case Chocolatey:
		if s.GOOS != "windows" {
			return f, false
		}
		f.Prefix = chocoRoot(s)
		if p, err := s.LookPath("choco"); err == nil {
			f.Path, f.OnPath = p, true
			if root := ospath.Dir(s.GOOS, ospath.Dir(s.GOOS, p)); strings.EqualFold(ospath.Base(s.GOOS, ospath.Dir(s.GOOS, p)), "bin") && s.Getenv("ChocolateyInstall") == "" {
				f.Prefix = root
			}
		} else {
			for _, p := range []string{ospath.Join(s.GOOS, f.Prefix, "bin", "choco.exe"), ospath.Join(s.GOOS, f.Prefix, "choco.exe")} {
				if s.isFile(p) {
					f.Path = p
					break
				}
			}
		}
	case Scoop:
		if s.GOOS != "windows" {
			return f, false
		}
		f.Prefix = scoopRoots(s)[0]
		if p, err := s.LookPath("scoop"); err == nil {
			f.Path, f.OnPath = p, true
			if d := ospath.Dir(s.GOOS, p); strings.EqualFold(ospath.Base(s.GOOS, d), "shims") && s.Getenv("SCOOP") == "" {
				f.Prefix = ospath.Dir(s.GOOS, d)
			}
		} else {
			for _, root := range scoopRoots(s) {
				for _, name := range []string{"scoop.cmd", "scoop.ps1"} {
					if p := ospath.Join(s.GOOS, root, "shims", name); s.isFile(p) {
						f.Path, f.Prefix = p, root
						break
					}
				}
				if f.Path != "" {
					break
				}
			}
		}
	case Winget:
		if s.GOOS != "windows" {
			return f, false
		}
		if p, err := s.LookPath("winget"); err == nil {
			f.Path, f.OnPath = p, true
		} else if la := localAppData(s); la != "" {
			if p := ospath.Join(s.GOOS, la, "Microsoft", "WindowsApps", "winget.exe"); s.isFile(p) {
				f.Path = p
			}
		}
	default:
		return f, false
	}
	return f, f.Path != ""
}

// brewPrefixes lists the prefixes Homebrew installs into on s's OS,
// $HOMEBREW_PREFIX first.
func brewPrefixes(s System) []string {
	var out []string
	if p := s.Getenv("HOMEBREW_PREFIX"); p != "" {
		out = append(out, p)
	}
	if s.GOOS == "darwin" {
		return append(out, "/opt/homebrew", "/usr/local")
	}
	out = append(out, "/home/linuxbrew/.linuxbrew")
	if s.Home != "" {
		out = append(out, ospath.Join(s.GOOS, s.Home, ".linuxbrew"))
	}
	return out
}

// brewPrefixOf returns the prefix of a brew executable: /opt/homebrew for
// /opt/homebrew/bin/brew, /usr/local for /usr/local/Homebrew/bin/brew.
func brewPrefixOf(s System, brew string) string {
	prefix := ospath.Dir(s.GOOS, ospath.Dir(s.GOOS, brew))
	if ospath.Base(s.GOOS, prefix) == "Homebrew" {
		prefix = ospath.Dir(s.GOOS, prefix)
	}
	return prefix
}

func programData(s System) string {
	if p := s.Getenv("ProgramData"); p != "" {
		return p
	}
	return `C:\ProgramData`
}

func localAppData(s System) string {
	if p := s.Getenv("LOCALAPPDATA"); p != "" {
		return p
	}
	if s.Home != "" {
		return ospath.Join(s.GOOS, s.Home, "AppData", "Local")
	}
	return ""
}

func chocoRoot(s System) string {
	if p := s.Getenv("ChocolateyInstall"); p != "" {
		return p
	}
	return ospath.Join(s.GOOS, programData(s), "chocolatey")
}

// scoopRoots returns the user's Scoop root, then the global one.
func scoopRoots(s System) []string {
	user := s.Getenv("SCOOP")
	if user == "" {
		home := s.Getenv("USERPROFILE")
		if home == "" {
			home = s.Home
		}
		user = ospath.Join(s.GOOS, home, "scoop")
	}
	global := s.Getenv("SCOOP_GLOBAL")
	if global == "" {
		global = ospath.Join(s.GOOS, programData(s), "scoop")
	}
	return []string{user, global}
}

var versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`v?\d+\.\d+(\.\d+)*([-+.][0-9A-Za-z.-]+)?`) })

// managerVersion runs `MANAGER --version` and picks the version out of the
// first line that has one ("Homebrew 4.4.1", "2.3.0", "v0.5.2 - Released
// at...", "v1.9.25180").
func managerVersion(ctx context.Context, s System, f Found) string {
	ctx, cancel := context.WithTimeout(ctx, VersionTimeout)
	defer cancel()
	out, err := s.Output(ctx, f.Path, "--version")
	if err != nil && len(out) == 0 {
		return ""
	}
	return parseVersion(string(out))
}

func parseVersion(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if v := versionRE().FindString(line); v != "" {
			return v
		}
	}
	return ""
}
