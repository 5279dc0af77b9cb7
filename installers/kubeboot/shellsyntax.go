package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The shells `kubeboot kubeconfig env` writes for, and how each sets and
// removes an environment variable. Pure: table-tested on every OS.

// shellKind is a shell syntax env can write.
type shellKind string

const (
	shellBash       shellKind = "bash" // any POSIX shell: sh, dash, ksh, bash
	shellZsh        shellKind = "zsh"
	shellFish       shellKind = "fish"
	shellPowerShell shellKind = "powershell"
)

// shellKinds are env's --shell values.
var shellKinds = []string{string(shellBash), string(shellZsh), string(shellFish), string(shellPowerShell)}

// shellOfName maps a shell program's name (SHELL's base name) to its
// syntax.
func shellOfName(name string) (shellKind, bool) {
	name = strings.ToLower(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	name = strings.TrimSuffix(name, ".exe")
	switch name {
	case "bash", "sh", "dash", "ksh", "mksh", "ash", "busybox", "yash":
		return shellBash, true
	case "zsh":
		return shellZsh, true
	case "fish":
		return shellFish, true
	case "pwsh", "powershell":
		return shellPowerShell, true
	}
	return "", false
}

// detectShell guesses the shell that will evaluate env's output, on goos:
// SHELL when set (also Git Bash and MSYS on Windows); else, on Windows,
// PowerShell when PSModulePath holds a folder of the user's profile (which
// PowerShell adds for itself; cmd only inherits the machine's folders);
// else a POSIX shell off Windows. It fails when there is no telling.
func detectShell(goos string, getenv func(string) string) (shellKind, error) {
	if sh := getenv("SHELL"); sh != "" {
		if k, ok := shellOfName(sh); ok {
			return k, nil
		}
		return "", usageErrorf("kubeconfig env: cannot write for the shell %s; pass --shell with one of %s", sh, strings.Join(shellKinds, ", "))
	}
	if goos != "windows" {
		return shellBash, nil
	}
	profile := strings.ToLower(getenv("USERPROFILE"))
	for _, p := range strings.Split(strings.ToLower(getenv("PSModulePath")), ";") {
		if profile != "" && strings.HasPrefix(p, profile) {
			return shellPowerShell, nil
		}
	}
	return "", usageErrorf("kubeconfig env: cannot tell the shell (cmd cannot evaluate commands); run it from PowerShell, or pass --shell powershell")
}

// quoteFor quotes s as one literal word of shell sh: nothing in it
// expands, however it is made (spaces, quotes, $, `, [, non-ASCII).
func quoteFor(sh shellKind, s string) string {
	switch sh {
	case shellFish:
		// In fish's single quotes only \\ and \' are special.
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
	case shellPowerShell:
		// PowerShell takes the typographic single quotes for quotes too;
		// each is escaped by doubling.
		var b strings.Builder
		b.WriteByte('\'')
		for _, r := range s {
			switch r {
			case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
				b.WriteRune(r)
			}
			b.WriteRune(r)
		}
		b.WriteByte('\'')
		return b.String()
	}
	return "'" + strings.ReplaceAll(s, `'`, `'\''`) + "'"
}

// envChange is one variable to set (Unset false) or remove.
type envChange struct {
	Name, Value string
	Unset       bool
}

// envScript writes the changes as lines of shell sh, to be evaluated.
func envScript(sh shellKind, changes []envChange) string {
	var b strings.Builder
	for _, c := range changes {
		switch {
		case sh == shellFish && c.Unset:
			fmt.Fprintf(&b, "set -e %s;\n", c.Name)
		case sh == shellFish:
			fmt.Fprintf(&b, "set -gx %s %s;\n", c.Name, quoteFor(sh, c.Value))
		case sh == shellPowerShell && c.Unset:
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue;\n", c.Name)
		case sh == shellPowerShell:
			fmt.Fprintf(&b, "$env:%s = %s;\n", c.Name, quoteFor(sh, c.Value))
		case c.Unset:
			fmt.Fprintf(&b, "unset %s;\n", c.Name)
		default:
			fmt.Fprintf(&b, "export %s=%s;\n", c.Name, quoteFor(sh, c.Value))
		}
	}
	return b.String()
}

// withEnv returns environ with the changes applied: a changed or removed
// variable's earlier settings are dropped (on Windows, whatever the case
// of its name).
func withEnv(goos string, environ []string, changes []envChange) []string {
	same := func(a, b string) bool {
		if goos == "windows" {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	out := make([]string, 0, len(environ)+len(changes))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k == "" && goos == "windows" { // "=C:=C:\dir", the per-drive folders
			out = append(out, kv)
			continue
		}
		drop := false
		for _, c := range changes {
			if same(k, c.Name) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	for _, c := range changes {
		if !c.Unset {
			out = append(out, c.Name+"="+c.Value)
		}
	}
	return out
}
