// Package winpath puts a folder on the Windows user's Path, the way a
// careful installer must: in HKCU\Environment only (never the machine
// Path), keeping the value's type (REG_EXPAND_SZ stays expandable), adding
// nothing twice, and never shortening the value — a famous installer bug
// emptied users' Path by writing back a truncated copy. New shells are told
// with a WM_SETTINGCHANGE broadcast; shells already open keep their PATH.
//
// The list editing is pure and works on any OS; AddToUserPath touches the
// registry and exists on Windows only (elsewhere it returns ErrUnsupported).
package winpath

import (
	"errors"
	"strings"
)

var (
	// ErrUnsupported is returned by AddToUserPath on other systems than
	// Windows.
	ErrUnsupported = errors.New("the Windows user Path exists only on Windows")
	// ErrRefused means the Path value could not be read as a string, or
	// the new value would not keep the old one whole: nothing was written.
	ErrRefused = errors.New("refused to change the user Path")
	// ErrTooLong means the new value would exceed what Windows allows for
	// an environment variable: nothing was written.
	ErrTooLong = errors.New("user Path would be too long")
)

// MaxLen is the longest environment variable value Windows accepts, in
// UTF-16 code units.
const MaxLen = 32767

// Contains reports whether the Path-style list (entries separated by ";")
// names dir, as Windows would see it: case-insensitively, with / and \
// alike, ignoring surrounding quotes and spaces and trailing backslashes,
// and after expanding %VARIABLES% with getenv in both.
func Contains(list, dir string, getenv func(string) string) bool {
	want := normalize(dir, getenv)
	if want == "" {
		return false
	}
	for _, e := range Split(list) {
		if normalize(e, getenv) == want {
			return true
		}
	}
	return false
}

// Append returns list with dir added at the end, and true; or list
// unchanged, and false, when it already contains dir. The existing text is
// kept byte for byte: entries are never reordered, cleaned or removed.
func Append(list, dir string, getenv func(string) string) (string, bool) {
	if Contains(list, dir, getenv) || strings.TrimSpace(dir) == "" {
		return list, false
	}
	if strings.Contains(dir, ";") {
		dir = `"` + dir + `"`
	}
	switch {
	case strings.TrimSpace(list) == "", strings.HasSuffix(list, ";"):
		return list + dir, true
	}
	return list + ";" + dir, true
}

// Split returns the entries of a Path-style list, without empty ones. A
// quoted entry may hold ";".
func Split(list string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	flush := func() {
		if e := strings.TrimSpace(cur.String()); e != "" {
			out = append(out, e)
		}
		cur.Reset()
	}
	for _, r := range list {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ';' && !quoted:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// ExpandEnv replaces %NAME% with getenv(NAME) as Windows does: a variable
// that is not set, or a lone %, stays as written.
func ExpandEnv(s string, getenv func(string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		if v := getenv(name); name != "" && v != "" {
			b.WriteString(s[:i])
			b.WriteString(v)
			s = s[i+2+j:]
			continue
		}
		// Not a variable: keep the first % and look again from the second.
		b.WriteString(s[:i+1])
		s = s[i+1:]
	}
	b.WriteString(s)
	return b.String()
}

func normalize(entry string, getenv func(string) string) string {
	e := strings.TrimSpace(entry)
	e = strings.ReplaceAll(e, `"`, "")
	if getenv != nil {
		e = ExpandEnv(e, getenv)
	}
	e = strings.ReplaceAll(strings.TrimSpace(e), "/", `\`)
	e = strings.TrimRight(e, `\`)
	return strings.ToLower(e)
}

// checkGrowth refuses a new value that does not keep the old one whole, or
// that Windows could not hold.
func checkGrowth(old, updated string) error {
	if len(updated) < len(old) || !strings.HasPrefix(updated, old) {
		return ErrRefused
	}
	if utf16Len(updated) > MaxLen {
		return ErrTooLong
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// Result describes what AddToUserPath did.
type Result struct {
	// Dir is the folder asked for.
	Dir string `json:"dir"`
	// Added is false when the user Path already had Dir.
	Added bool `json:"added"`
	// Removed is set by RemoveFromUserPath when it took Dir's entry out.
	Removed bool `json:"removed,omitempty"`
	// Before and After are the raw values, unexpanded.
	Before string `json:"before"`
	After  string `json:"after"`
	// Expandable is true for a REG_EXPAND_SZ value (the usual type).
	Expandable bool `json:"expandable"`
	// BroadcastErr is set when telling other programs of the change
	// failed; the change itself is saved. New terminals see it anyway.
	BroadcastErr error `json:"-"`
}

// Remove returns list without its entries that name dir (as Contains
// compares them), and true; or list unchanged, and false, when it has
// none. Every other byte stays as it was: the other entries, their order,
// quotes and spacing, and the separators between them (the separator
// after a removed entry goes with it; a removed last entry takes the one
// before it).
func Remove(list, dir string, getenv func(string) string) (string, bool) {
	want := normalize(dir, getenv)
	if want == "" {
		return list, false
	}
	// Spans of entries, with the separator that ends each (if any).
	type span struct{ start, end, next int } // entry [start,end), next is after its ";"
	var spans []span
	start, quoted := 0, false
	for i := 0; i < len(list); i++ {
		switch list[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				spans = append(spans, span{start, i, i + 1})
				start = i + 1
			}
		}
	}
	spans = append(spans, span{start, len(list), len(list)})
	var b strings.Builder
	removed := false
	for i, s := range spans {
		entry := list[s.start:s.end]
		if strings.TrimSpace(entry) != "" && normalize(entry, getenv) == want {
			removed = true
			if i == len(spans)-1 {
				// The last entry: the separator before it goes too.
				out := b.String()
				if k := strings.LastIndexByte(out, ';'); k >= 0 && strings.TrimSpace(out[k+1:]) == "" {
					out = out[:k]
				}
				b.Reset()
				b.WriteString(out)
			}
			continue
		}
		b.WriteString(list[s.start:s.next])
	}
	if !removed {
		return list, false
	}
	return b.String(), true
}

// checkShrink refuses a new value that is not the old one without dir's
// entries: Remove's result, recomputed.
func checkShrink(old, updated, dir string, getenv func(string) string) error {
	want, ok := Remove(old, dir, getenv)
	if !ok || want != updated || Contains(updated, dir, getenv) {
		return ErrRefused
	}
	return nil
}
