package execplugin

import (
	"strconv"
	"strings"
)

// This file resolves an exec command as kubectl does, for any GOOS: a
// command with a path separator is a path (relative to the kubeconfig
// file's folder, as client-go resolves it); any other is looked up on PATH
// with os/exec's rules (absolute folders only, since a program found
// through a relative one is refused; on Windows, PATHEXT's extensions).

// resolve returns the program kubectl runs for command, or "" and why
// there is none.
func (m Machine) resolve(command, file string) (string, string) {
	if m.foreignPath(command) {
		return "", "the command " + quote(command) + " is a Windows path, copied from another machine"
	}
	if !m.hasSep(command) {
		if p := m.lookPath(command); p != "" {
			return p, ""
		}
		return "", "kubectl finds no " + quote(command) + " on PATH"
	}
	path := command
	if !m.isAbs(command) {
		rel := strings.TrimPrefix(command, "./")
		if m.GOOS == "windows" {
			rel = strings.TrimPrefix(rel, `.\`)
		}
		path = m.join(m.dir(file), rel)
	}
	if p := m.program(path); p != "" {
		return p, ""
	}
	if m.isAbs(command) {
		return "", "the command " + quote(command) + " does not exist on this machine (a path copied from another one?)"
	}
	return "", "the command " + quote(command) + " (" + quote(path) + ") does not exist"
}

// lookPath finds name on PATH as os/exec does: "" when it is not there.
func (m Machine) lookPath(name string) string {
	sep := ":"
	if m.GOOS == "windows" {
		sep = ";"
	}
	for _, dir := range strings.Split(m.Path, sep) {
		if m.GOOS == "windows" && len(dir) > 1 && dir[0] == '"' && dir[len(dir)-1] == '"' {
			dir = dir[1 : len(dir)-1]
		}
		if dir == "" || !m.isAbs(dir) {
			continue // os/exec refuses what a relative folder finds
		}
		if p := m.program(m.join(dir, name)); p != "" {
			return p
		}
	}
	return ""
}

// program returns path, or on Windows path with one of PATHEXT's
// extensions, when it is a program; "" otherwise.
func (m Machine) program(path string) string {
	if m.IsProgram == nil {
		return ""
	}
	if m.GOOS != "windows" {
		if m.IsProgram(path) {
			return path
		}
		return ""
	}
	if i := strings.LastIndex(path, "."); i >= 0 && strings.LastIndexAny(path, `:\/`) < i && m.IsProgram(path) {
		return path
	}
	for _, ext := range m.pathExt() {
		if m.IsProgram(path + ext) {
			return path + ext
		}
	}
	return ""
}

// pathExt is PATHEXT's extensions as os/exec reads them.
func (m Machine) pathExt() []string {
	var exts []string
	for _, e := range strings.Split(strings.ToLower(m.PathExt), ";") {
		if e == "" {
			continue
		}
		if e[0] != '.' {
			e = "." + e
		}
		exts = append(exts, e)
	}
	if len(exts) == 0 {
		return []string{".com", ".exe", ".bat", ".cmd"}
	}
	return exts
}

func (m Machine) hasSep(s string) bool {
	if m.GOOS == "windows" {
		return strings.ContainsAny(s, `\/:`)
	}
	return strings.Contains(s, "/")
}

// foreignPath reports a Windows path on another OS, where it is no path
// at all: kubectl would look for a file of that name on PATH.
func (m Machine) foreignPath(s string) bool {
	return m.GOOS != "windows" && (windowsAbs(s) || strings.Contains(s, `\`))
}

func (m Machine) isAbs(s string) bool {
	if m.GOOS == "windows" {
		return windowsAbs(s)
	}
	return strings.HasPrefix(s, "/")
}

func windowsAbs(s string) bool {
	if strings.HasPrefix(s, `\\`) || strings.HasPrefix(s, "//") {
		return true
	}
	return len(s) >= 3 && s[1] == ':' && (s[2] == '\\' || s[2] == '/') &&
		(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}

func (m Machine) join(dir, name string) string {
	sep := "/"
	if m.GOOS == "windows" {
		sep = `\`
	}
	if strings.HasSuffix(dir, sep) || strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + sep + name
}

// dir is the folder of a kubeconfig file, "." for a bare name.
func (m Machine) dir(file string) string {
	seps := "/"
	if m.GOOS == "windows" {
		seps = `\/`
	}
	i := strings.LastIndexAny(file, seps)
	switch {
	case i < 0:
		return "."
	case i == 0:
		return file[:1]
	}
	return file[:i]
}

func (m Machine) flavor(path string) Flavor {
	if m.Flavor == nil {
		return FlavorUnknown
	}
	return m.Flavor(path)
}

func strconvQuote(s string) string { return strconv.Quote(s) }
