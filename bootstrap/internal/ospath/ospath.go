// Package ospath handles file paths of any OS by hand, so that the Windows
// and macOS rules of the library run in tests on Linux, where path/filepath
// speaks only the host's dialect. goos is a GOOS value; on Windows both
// separators are accepted and `\` is produced.
package ospath

import (
	"path"
	"strings"
)

// Join joins path elements with goos's separator.
func Join(goos string, elem ...string) string {
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

// Dir returns all but the last element of p.
func Dir(goos, p string) string {
	if goos != "windows" {
		return path.Dir(p)
	}
	p = strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	if i := strings.LastIndex(p, `\`); i >= 0 {
		return p[:i]
	}
	return "."
}

// Base returns the last element of p.
func Base(goos, p string) string {
	if goos != "windows" {
		return path.Base(p)
	}
	p = strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	return p[strings.LastIndex(p, `\`)+1:]
}

// Elems splits p into its elements.
func Elems(goos, p string) []string {
	if goos == "windows" {
		return strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' })
	}
	return strings.FieldsFunc(path.Clean(p), func(r rune) bool { return r == '/' })
}

// Within reports whether p is dir or inside it, and returns the rest of p
// below dir, split into elements.
func Within(goos, p, dir string) ([]string, bool) {
	if dir == "" || p == "" {
		return nil, false
	}
	pe, de := Elems(goos, p), Elems(goos, dir)
	if len(pe) < len(de) {
		return nil, false
	}
	for i := range de {
		if !SameElem(goos, pe[i], de[i]) {
			return nil, false
		}
	}
	if goos != "windows" && strings.HasPrefix(p, "/") != strings.HasPrefix(dir, "/") {
		return nil, false
	}
	return pe[len(de):], true
}

// SameElem compares one path element; Windows and macOS file systems are
// case-insensitive by default.
func SameElem(goos, a, b string) bool {
	if goos == "windows" || goos == "darwin" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// SameDir reports whether a and b name the same folder, ignoring trailing
// separators (and case and separator style on Windows).
func SameDir(goos, a, b string) bool {
	if goos != "windows" {
		return path.Clean(a) == path.Clean(b)
	}
	norm := func(s string) string {
		return strings.ToLower(strings.TrimRight(strings.ReplaceAll(s, "/", `\`), `\`))
	}
	return norm(a) == norm(b)
}

// ExeName is name as an executable file of goos.
func ExeName(goos, name string) string {
	if goos == "windows" {
		return name + ".exe"
	}
	return name
}
