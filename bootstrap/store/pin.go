package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
)

// PinEnv is the environment variable that overrides every project pin.
const PinEnv = "KUBEBOOT_KUBECTL_VERSION"

// pinFiles are the files FindPin reads in each folder, highest precedence
// first: mise's order, with asdf's .tool-versions last.
var pinFiles = []string{".mise.local.toml", "mise.local.toml", ".mise.toml", "mise.toml", ".tool-versions"}

// ErrBadPin means a pin file (or PinEnv) could not be read as a kubectl
// version. Errors are a *PinError naming the file and line.
var ErrBadPin = errors.New("bad kubectl pin")

// PinError reports a malformed pin file or an unusable pinned version.
type PinError struct {
	File   string // the file, or PinEnv
	Line   int    // 1-based; 0 for PinEnv
	Reason string
	// Err is the read error, for a file that could not be read.
	Err error
}

func (e *PinError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// Is makes errors.Is match ErrBadPin.
func (e *PinError) Is(target error) bool { return target == ErrBadPin }

// Unwrap returns the read error, if any.
func (e *PinError) Unwrap() error { return e.Err }

// Pin is the kubectl version a project asks for.
type Pin struct {
	Spec   string // a spec for Ensure: "1.36.4", "1.36", "stable"...
	Source string // PinEnv, or the file's path
	Line   int    // the line in Source (0 for PinEnv)
}

// PinOptions configure FindPin.
type PinOptions struct {
	// Getenv reads PinEnv: os.Getenv for the real environment; nil reads
	// no environment.
	Getenv func(string) string
	// Logf receives a note for each pin file passed over (another user's,
	// not a regular file). Default: discard.
	Logf func(format string, args ...any)
}

// FindPin returns the kubectl pin that applies in dir (see the package doc
// for the order), or nil when there is none. The spec it returns parses
// with bootstrap.ParseSpec; errors are a *PinError (ErrBadPin), which for
// a file that cannot be read also matches the read error.
//
// A pin file counts only when it and the folder holding it belong to the
// user running kubeboot or to the administrator (root; on Windows SYSTEM
// or Administrators), as git's safe.directory rule, when no one else may
// write them, and when it is a regular file; a link counts when it, and
// then its target, pass the same rule. Anything else is passed over, with
// a note to Logf. A pin
// file larger than 64 KiB is an error. The environment is read before
// dir, so PinEnv works where dir cannot be read.
func FindPin(dir string, opts PinOptions) (*Pin, error) {
	if opts.Getenv != nil {
		if v := strings.TrimSpace(opts.Getenv(PinEnv)); v != "" {
			if err := checkSpec(v); err != nil {
				return nil, &PinError{File: PinEnv, Reason: err.Error()}
			}
			return &Pin{Spec: v, Source: PinEnv}, nil
		}
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	owners := trust.Current()
	for {
		for _, name := range pinFiles {
			path := filepath.Join(dir, name)
			data, skip, err := readPinFile(path, owners)
			if err != nil {
				return nil, err
			}
			if skip != "" {
				logf("passed over the pin file %s: %s", path, skip)
				continue
			}
			if data == nil {
				continue // not there
			}
			var raw string
			var line int
			if name == ".tool-versions" {
				raw, line, err = toolVersionsPin(*data)
			} else {
				raw, line, err = misePin(*data)
			}
			if err != nil {
				var pe *PinError
				if errors.As(err, &pe) {
					pe.File = path
				}
				return nil, err
			}
			if line == 0 {
				continue // this file pins other tools only
			}
			spec, reason := pinSpec(raw)
			if reason != "" {
				return nil, &PinError{File: path, Line: line, Reason: reason}
			}
			return &Pin{Spec: spec, Source: path, Line: line}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, nil
		}
		dir = parent
	}
}

// maxPinLinks bounds the links followed from a pin file's name.
const maxPinLinks = 8

// readPinFile reads the pin file at path when pinDecision allows it and
// every link on the way to it. It returns nil data and no reason when
// there is no file (or a folder of that name, or a link to nothing), and a
// reason when the file is passed over. Whose a file is, and who may write
// it, is decided before it is opened; what is opened must be what was
// decided on.
func readPinFile(path string, owners trust.Owners) (data *string, skip string, err error) {
	cur := path
	for hop := 0; ; hop++ {
		fi, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", &PinError{File: path, Reason: "cannot read it: " + errReason(err), Err: err}
		}
		if fi.IsDir() {
			return nil, "", nil // a folder named like a pin file is not one
		}
		f := pinFile{Mode: fi.Mode(), Size: fi.Size(), FileOwner: trust.OwnerOf(cur, fi)}
		if dfi, err := os.Stat(filepath.Dir(cur)); err == nil {
			f.DirOwner, f.DirMode = trust.OwnerOf(filepath.Dir(cur), dfi), dfi.Mode()
		}
		use, tooLarge, reason := pinDecision(f, owners)
		if hop > 0 && reason != "" {
			reason = fmt.Sprintf("it links to %s, and of that: %s", cur, reason)
		}
		switch {
		case tooLarge:
			return nil, "", &PinError{File: path, Reason: reason}
		case !use:
			return nil, reason, nil
		case fi.Mode()&fs.ModeSymlink != 0:
			if hop == maxPinLinks {
				return nil, fmt.Sprintf("more than %d links lead to it", maxPinLinks), nil
			}
			target, err := os.Readlink(cur)
			if err != nil {
				return nil, "", &PinError{File: path, Reason: "cannot read it: " + errReason(err), Err: err}
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(cur), target)
			}
			cur = target
			continue
		}
		return readPinTarget(path, cur, fi)
	}
}

// readPinTarget reads the regular file cur (path's, after links), which
// must still be the file fi described.
func readPinTarget(path, cur string, fi os.FileInfo) (*string, string, error) {
	f, err := openPin(cur)
	if err != nil {
		return nil, "", &PinError{File: path, Reason: "cannot read it: " + errReason(err), Err: err}
	}
	defer f.Close()
	if ofi, err := f.Stat(); err != nil || !os.SameFile(fi, ofi) {
		return nil, "it was replaced while it was read", nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPinBytes+1))
	if err != nil {
		return nil, "", &PinError{File: path, Reason: "cannot read it: " + errReason(err), Err: err}
	}
	if len(b) > maxPinBytes {
		return nil, "", &PinError{File: path, Reason: fmt.Sprintf("it is larger than %d KiB; a pin file is a few lines", maxPinBytes>>10)}
	}
	s := strings.TrimPrefix(string(b), "\ufeff") // a UTF-8 byte order mark, as some Windows editors write
	return &s, "", nil
}

// errReason is err without the path a *fs.PathError repeats.
func errReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// pinSpec turns a version as asdf and mise write it into a spec, or says
// why it cannot be one.
func pinSpec(raw string) (spec, reason string) {
	switch {
	case raw == "latest":
		return "stable", "" // asdf and mise: the newest stable release
	case raw == "system":
		return "", `"system" means the kubectl already on PATH, which the store cannot provide; pin a version such as 1.36.4, or remove the kubectl line`
	case strings.HasPrefix(raw, "ref:"), strings.HasPrefix(raw, "path:"), strings.HasPrefix(raw, "sub-"):
		return "", fmt.Sprintf("%q cannot be served from released kubectl binaries; pin a version such as 1.36.4", raw)
	}
	raw = strings.TrimPrefix(raw, "prefix:")
	if err := checkSpec(raw); err != nil {
		return "", err.Error()
	}
	return raw, ""
}

// checkSpec is ParseSpec's error for spec, without building a version for
// a plain exact one (bootstrap.ExactTag): most pins are, and the warm run
// they start parses nothing else.
func checkSpec(spec string) error {
	if _, ok := bootstrap.ExactTag(spec); ok {
		return nil
	}
	_, err := bootstrap.ParseSpec(spec)
	return err
}

// toolVersionsPin returns the first version of the first kubectl line of
// a .tool-versions file and its line number, or line 0 when none.
func toolVersionsPin(data string) (string, int, error) {
	for i, line := range strings.Split(data, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "kubectl" {
			continue
		}
		if len(f) < 2 {
			return "", 0, &PinError{Line: i + 1, Reason: `"kubectl" without a version; write it as "kubectl 1.36.4"`}
		}
		return f[1], i + 1, nil
	}
	return "", 0, nil
}

// misePin finds kubectl's version in a mise.toml: [tools] kubectl = ...,
// tools.kubectl = ... at the top, or a [tools.kubectl] table's version.
// It reads just enough TOML for that (tables, keys, strings, arrays and
// inline tables, comments, multi-line strings and arrays elsewhere) and
// reports malformed statements with their line.
func misePin(data string) (string, int, error) {
	stmts, err := splitTOML(data)
	if err != nil {
		return "", 0, err
	}
	table := ""
	for _, st := range stmts {
		text := strings.TrimSpace(st.text)
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "[") {
			name, ok := tableName(text)
			if !ok {
				return "", 0, &PinError{Line: st.line, Reason: fmt.Sprintf("malformed table header %s", clip(text))}
			}
			table = name
			continue
		}
		k, v, ok := cutTop(text, '=')
		if !ok {
			return "", 0, &PinError{Line: st.line, Reason: fmt.Sprintf("expected key = value, found %s", clip(text))}
		}
		key, ok := dottedKey(k)
		if !ok {
			return "", 0, &PinError{Line: st.line, Reason: fmt.Sprintf("malformed key %s", clip(k))}
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return "", 0, &PinError{Line: st.line, Reason: fmt.Sprintf("no value for %s", key)}
		}
		full := key
		if table != "" {
			full = table + "." + key
		}
		var ver string
		switch full {
		case "tools.kubectl":
			ver, err = toolValue(v)
		case "tools.kubectl.version":
			ver, err = tomlString(v)
		default:
			continue
		}
		if err != nil {
			return "", 0, &PinError{Line: st.line, Reason: fmt.Sprintf("kubectl's version: %v", err)}
		}
		return strings.TrimSpace(ver), st.line, nil
	}
	return "", 0, nil
}

// toolValue reads a mise tool value: "1.36", ["1.36", ...] (the first
// counts), { version = "1.36", ... } or a list of those tables. Each byte
// of v is looked at a bounded number of times: a list inside a list is an
// error, not a descent, so deeply nested input costs linear time.
func toolValue(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "["):
		inner, err := enclosed(v, '[', ']')
		if err != nil {
			return "", err
		}
		first, _, _ := cutTop(inner, ',')
		first = strings.TrimSpace(first)
		switch {
		case first == "":
			return "", errors.New("an empty list")
		case strings.HasPrefix(first, "["):
			return "", fmt.Errorf("a list inside a list in %s; write kubectl = [\"1.36.4\"]", clip(v))
		}
		return toolValue(first)
	case strings.HasPrefix(v, "{"):
		inner, err := enclosed(v, '{', '}')
		if err != nil {
			return "", err
		}
		for rest := inner; strings.TrimSpace(rest) != ""; {
			var item string
			item, rest, _ = cutTop(rest, ',')
			k, val, ok := cutTop(item, '=')
			if !ok {
				return "", fmt.Errorf("expected key = value in %s", clip(v))
			}
			if key, _ := dottedKey(k); key == "version" {
				return tomlString(strings.TrimSpace(val))
			}
		}
		return "", errors.New("an inline table without a version key")
	}
	return tomlString(v)
}

// enclosed returns what is between v's opening bracket and its matching
// closing one, which must end v.
func enclosed(v string, open, close byte) (string, error) {
	if len(v) < 2 || v[len(v)-1] != close || v[0] != open {
		return "", fmt.Errorf("unbalanced %c in %s", open, clip(v))
	}
	return v[1 : len(v)-1], nil
}

// tomlString reads a basic ("...") or literal ('...') string that is all
// of v.
func tomlString(v string) (string, error) {
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' && !strings.Contains(v[1:len(v)-1], "'"):
		return v[1 : len(v)-1], nil
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		s, err := strconv.Unquote(v)
		if err != nil {
			return "", fmt.Errorf("malformed string %s", clip(v))
		}
		return s, nil
	}
	return "", fmt.Errorf("expected a quoted version such as \"1.36.4\", found %s", clip(v))
}

// tableName reads "[name]" or "[[name]]" (with nothing after it).
func tableName(text string) (string, bool) {
	inner := ""
	switch {
	case strings.HasPrefix(text, "[["):
		if !strings.HasSuffix(text, "]]") || len(text) < 4 {
			return "", false
		}
		inner = text[2 : len(text)-2]
	default:
		if !strings.HasSuffix(text, "]") {
			return "", false
		}
		inner = text[1 : len(text)-1]
	}
	return dottedKey(inner)
}

// dottedKey normalises a TOML key (bare or quoted parts, dots between) to
// its parts joined by dots.
func dottedKey(k string) (string, bool) {
	var parts []string
	for rest := strings.TrimSpace(k); ; {
		part, more, found := cutTop(rest, '.')
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, `"`) || strings.HasPrefix(part, "'") {
			s, err := tomlString(part)
			if err != nil {
				return "", false
			}
			part = s
		} else if part == "" || strings.IndexFunc(part, func(r rune) bool {
			return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) >= 0 {
			return "", false
		}
		parts = append(parts, part)
		if !found {
			return strings.Join(parts, "."), true
		}
		rest = more
	}
}

// cutTop cuts s at the first sep that is outside strings and brackets.
func cutTop(s string, sep byte) (before, after string, found bool) {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// tomlStmt is one statement of a TOML file, comments removed, with the
// line it starts on.
type tomlStmt struct {
	text string
	line int
}

// splitTOML cuts a TOML document into statements: a statement ends at a
// newline outside strings and brackets, so multi-line arrays and
// multi-line strings (triple-quoted, basic or literal) stay whole. Comments are
// dropped. An unterminated string or bracket is an error at its line.
func splitTOML(data string) ([]tomlStmt, error) {
	var out []tomlStmt
	var cur strings.Builder
	line, start := 1, 1
	depth := 0
	quote := "" // the open string's delimiter: ", ', """ or '''
	for i := 0; i < len(data); i++ {
		c := data[i]
		if quote != "" {
			switch {
			case c == '\\' && (quote == `"` || quote == `"""`) && i+1 < len(data):
				cur.WriteByte(c)
				i++
				c = data[i]
			case strings.HasPrefix(data[i:], quote):
				cur.WriteString(quote)
				i += len(quote) - 1
				quote = ""
				continue
			case c == '\n' && len(quote) == 1:
				return nil, &PinError{Line: line, Reason: "unterminated string"}
			}
			if c == '\n' {
				line++
			}
			cur.WriteByte(c)
			continue
		}
		switch {
		case strings.HasPrefix(data[i:], `"""`) || strings.HasPrefix(data[i:], `'''`):
			quote = data[i : i+3]
			cur.WriteString(quote)
			i += 2
			continue
		case c == '"' || c == '\'':
			quote = string(c)
		case c == '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
			continue
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
			if depth < 0 {
				return nil, &PinError{Line: line, Reason: fmt.Sprintf("unbalanced %c", c)}
			}
		case c == '\n':
			line++
			if depth == 0 {
				out = append(out, tomlStmt{strings.TrimRight(cur.String(), "\r"), start})
				cur.Reset()
				start = line
				continue
			}
		}
		cur.WriteByte(c)
	}
	switch {
	case quote != "":
		return nil, &PinError{Line: start, Reason: "unterminated string"}
	case depth > 0:
		return nil, &PinError{Line: start, Reason: "unterminated [ or {"}
	}
	out = append(out, tomlStmt{cur.String(), start})
	return out, nil
}

// clip quotes text for a message, shortened.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
