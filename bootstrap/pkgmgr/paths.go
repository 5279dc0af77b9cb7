package pkgmgr

import (
	"path"
	"strings"
)

// The helpers below handle the paths of any OS by hand, so that Windows
// rules run in tests on Linux, where path/filepath speaks only Unix.

func join(goos string, elem ...string) string {
	if goos != "windows" {
		return path.Join(elem...)
	}
	parts := make([]string, 0, len(elem))
	for i, e := range elem {
		e = strings.ReplaceAll(e, "/", `\`)
		if i > 0 {
			e = strings.TrimLeft(e, `\`)
		}
		if i < len(elem)-1 {
			e = strings.TrimRight(e, `\`)
		}
		if e != "" {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, `\`)
}

func dirOf(goos, p string) string {
	if goos != "windows" {
		return path.Dir(p)
	}
	p = strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	if i := strings.LastIndex(p, `\`); i >= 0 {
		return p[:i]
	}
	return "."
}

func baseOf(goos, p string) string {
	if goos != "windows" {
		return path.Base(p)
	}
	p = strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	return p[strings.LastIndex(p, `\`)+1:]
}

// elems splits a cleaned path into its elements.
func elems(goos, p string) []string {
	if goos == "windows" {
		return strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' })
	}
	return strings.FieldsFunc(path.Clean(p), func(r rune) bool { return r == '/' })
}

// within reports whether p is dir or inside it, and returns the path of p
// relative to dir split into elements.
func within(goos, p, dir string) ([]string, bool) {
	if dir == "" || p == "" {
		return nil, false
	}
	pe, de := elems(goos, p), elems(goos, dir)
	if len(pe) < len(de) {
		return nil, false
	}
	for i := range de {
		if !sameElem(goos, pe[i], de[i]) {
			return nil, false
		}
	}
	if goos != "windows" && strings.HasPrefix(p, "/") != strings.HasPrefix(dir, "/") {
		return nil, false
	}
	return pe[len(de):], true
}

func sameElem(goos, a, b string) bool {
	if goos == "windows" || goos == "darwin" { // case-insensitive file systems
		return strings.EqualFold(a, b)
	}
	return a == b
}

// exeName is name as an executable file of goos.
func exeName(goos, name string) string {
	if goos == "windows" {
		return name + ".exe"
	}
	return name
}
