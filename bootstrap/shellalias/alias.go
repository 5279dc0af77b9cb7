// Package shellalias offers the short name k for kubectl in a shell's
// profile the careful way: it gives the line to add (with completion for
// k), and can append that one line, marked as kubeboot's, or remove it
// again. It never rewrites what else a profile holds.
//
// Invariants:
//
//   - Append only ever adds bytes at the end of a profile (an O_APPEND
//     write): a line break first when the profile does not end with one,
//     then the marked line in the profile's own line ending (CRLF when it
//     uses CRLF) and encoding (UTF-16LE when it starts with that byte
//     order mark, as Windows PowerShell 5.1 writes profiles). A byte order
//     mark, non-ASCII text and everything else stays as it was.
//   - A profile that might define k (an alias or a function, however
//     written; also in ~/.bash_aliases, which ~/.bashrc reads) or already
//     holds the marked line is left alone (ErrKDefined, or nothing to do).
//   - A missing profile is created owned by its folder's owner; never
//     through a link (a link to nothing is refused).
//   - Remove takes out exactly the lines Append writes (and the
//     line break Append added before one, when it is the last line), so
//     Append then Remove gives back the original bytes. It writes the
//     file a link leads to, never replacing the link, with its mode; in
//     place when it cannot be replaced (a single-file bind mount).
//   - A profile its owner may not write (read-only) is never changed
//     (ErrReadOnly), whoever runs kubeboot.
package shellalias

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/ospath"
)

// Shell is a shell kubeboot knows the profile syntax of.
type Shell string

const (
	Bash       Shell = "bash"
	Zsh        Shell = "zsh"
	Fish       Shell = "fish"
	PowerShell Shell = "powershell"
)

// Shells lists them.
func Shells() []Shell { return []Shell{Bash, Zsh, Fish, PowerShell} }

// Marker ends every line Append adds: the mark Remove looks for.
const Marker = "# added by kubeboot"

var (
	// ErrKDefined means the profile already defines k: nothing is added.
	ErrKDefined = errors.New("k is already defined in the profile")
	// ErrReadOnly means the profile may not be written by its owner:
	// nothing is changed.
	ErrReadOnly = errors.New("the profile is read-only")
	// ErrUnknownShell means a shell this package has no syntax for.
	ErrUnknownShell = errors.New("unknown shell")
)

// Line is the line that makes k run kubectl in shell, with kubectl's
// completion for k where the shell needs to be told, ending with Marker.
func Line(sh Shell) (string, error) {
	var l string
	switch sh {
	case Bash:
		// kubectl's bash completion (source <(kubectl completion bash))
		// defines __start_kubectl; until it is loaded, k still works.
		l = "alias k=kubectl; complete -o default -F __start_kubectl k"
	case Zsh:
		// zsh completes an alias as what it stands for.
		l = "alias k=kubectl"
	case Fish:
		// fish's alias is a function that wraps kubectl: its completion too.
		l = "alias k kubectl"
	case PowerShell:
		// kubectl completion powershell defines $__kubectlCompleterBlock.
		l = "Set-Alias -Name k -Value kubectl; if (${__kubectlCompleterBlock}) { Register-ArgumentCompleter -CommandName k -ScriptBlock ${__kubectlCompleterBlock} }"
	default:
		return "", fmt.Errorf("%w %q: use one of bash, zsh, fish, powershell", ErrUnknownShell, sh)
	}
	return l + "  " + Marker, nil
}

// ParseShell reads a shell's name or path ($SHELL: /bin/zsh, pwsh.exe).
func ParseShell(s string) (Shell, error) {
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(strings.ReplaceAll(s, `\`, "/")), ".exe"))
	switch base {
	case "bash", "zsh", "fish":
		return Shell(base), nil
	case "pwsh", "powershell":
		return PowerShell, nil
	}
	return "", fmt.Errorf("%w %q: use one of bash, zsh, fish, powershell", ErrUnknownShell, s)
}

// Profile is the profile file of shell for a user on goos, as the shell
// finds it: ~/.bashrc, $ZDOTDIR/.zshrc, $XDG_CONFIG_HOME/fish/config.fish,
// and PowerShell's $PROFILE (Documents\PowerShell on Windows,
// ~/.config/powershell elsewhere; a Documents folder moved elsewhere, as
// by OneDrive, is not followed: PowerShell's $PROFILE names it).
func Profile(goos string, sh Shell, getenv func(string) string, home string) string {
	switch sh {
	case Bash:
		return ospath.Join(goos, home, ".bashrc")
	case Zsh:
		if z := getenv("ZDOTDIR"); z != "" {
			return ospath.Join(goos, z, ".zshrc")
		}
		return ospath.Join(goos, home, ".zshrc")
	case Fish:
		cfg := getenv("XDG_CONFIG_HOME")
		if cfg == "" {
			cfg = ospath.Join(goos, home, ".config")
		}
		return ospath.Join(goos, cfg, "fish", "config.fish")
	case PowerShell:
		if goos == "windows" {
			return ospath.Join(goos, home, "Documents", "PowerShell", "Microsoft.PowerShell_profile.ps1")
		}
		cfg := getenv("XDG_CONFIG_HOME")
		if cfg == "" {
			cfg = ospath.Join(goos, home, ".config")
		}
		return ospath.Join(goos, cfg, "powershell", "Microsoft.PowerShell_profile.ps1")
	}
	return ""
}

// definesK finds what might define k in a profile of shell, anywhere in
// a line (after `[ ... ] &&`, among other names of one alias command, a
// function whose brace is on the next line): conservative, since a k
// wrongly seen only means the line is not added. Compiled on first use,
// not when kubeboot starts (the kubectl shim starts it often).
var definesK = sync.OnceValue(func() map[Shell]*regexp.Regexp {
	sh := `(^|[^\w-])(alias\b.*[ \t'"]k['"]?=|function[ \t]+k([ \t({]|$)|k[ \t]*\(\))`
	return map[Shell]*regexp.Regexp{
		Bash:       regexp.MustCompile(sh),
		Zsh:        regexp.MustCompile(sh),
		Fish:       regexp.MustCompile(`(^|[^\w-])(alias\b.*[ \t'"]k([ \t='"]|$)|function[ \t]+k([ \t;]|$)|abbr\b.*[ \t]k[ \t])`),
		PowerShell: regexp.MustCompile(`(?i)(\b(new|set)-alias\b.*\bk\b|\b(sal|nal)[ \t].*\bk\b|alias:[\\/]?k\b|\bfunction[ \t]+([a-z]+:)?k\b)`),
	}
})

// DefinesK reports whether the profile text might define k (an alias, a
// function, a fish abbreviation) other than by kubeboot's marked line.
func DefinesK(sh Shell, profile string) bool {
	re := definesK()[sh]
	if re == nil {
		return false
	}
	for _, line := range strings.Split(profile, "\n") {
		if !isOurs(line) && !strings.HasPrefix(strings.TrimSpace(line), "#") && re.MatchString(line) {
			return true
		}
	}
	return false
}

// sourced lists the files a profile of sh at path is known to read:
// Debian's and Ubuntu's ~/.bashrc reads ~/.bash_aliases.
func sourced(sh Shell, path string) []string {
	if sh == Bash {
		return []string{filepath.Join(filepath.Dir(path), ".bash_aliases")}
	}
	return nil
}

// DefinedIn returns the file that might define k for shell: the profile
// at path, or a file it is known to read; "" when none does.
func DefinedIn(sh Shell, path string) string {
	for _, f := range append([]string{path}, sourced(sh, path)...) {
		if b, err := os.ReadFile(f); err == nil && DefinesK(sh, Text(b)) {
			return f
		}
	}
	return ""
}

// isOurs reports whether line is exactly a line Append writes.
func isOurs(line string) bool {
	line = strings.TrimPrefix(strings.TrimRight(line, "\r\n"), "\uFEFF")
	for _, sh := range Shells() {
		if l, _ := Line(sh); line == l {
			return true
		}
	}
	return false
}

// text is a profile's content as a string, and how to write it back.
type text struct {
	s      string
	utf16  bool
	crlf   bool
	hasEOL bool // ends with a line break (or is empty)
}

var bomUTF16LE = []byte{0xFF, 0xFE}

func decode(b []byte) text {
	t := text{}
	if bytes.HasPrefix(b, bomUTF16LE) && len(b)%2 == 0 {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		t.s, t.utf16 = string(utf16.Decode(u)), true
	} else {
		t.s = string(b)
	}
	t.crlf = strings.Contains(t.s, "\r\n")
	body := strings.TrimPrefix(t.s, "\uFEFF")
	t.hasEOL = body == "" || strings.HasSuffix(body, "\n")
	return t
}

// Text is a profile's bytes as text, decoded as Append and Remove read
// them (UTF-16LE after its byte order mark, else UTF-8).
func Text(b []byte) string { return decode(b).s }

func (t text) encode(s string) []byte {
	if !t.utf16 {
		return []byte(s)
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func (t text) eol() string {
	if t.crlf {
		return "\r\n"
	}
	return "\n"
}

// AppendBytes returns the bytes Append adds to a profile holding b: ""
// (nil) when it holds the marked line already; ErrKDefined when it
// defines k otherwise.
func AppendBytes(sh Shell, b []byte) ([]byte, error) {
	line, err := Line(sh)
	if err != nil {
		return nil, err
	}
	t := decode(b)
	if HasMarked(t.s) {
		return nil, nil
	}
	if DefinesK(sh, t.s) {
		return nil, ErrKDefined
	}
	add := line + t.eol()
	if !t.hasEOL {
		// The profile's last line stays as it was; kubeboot's line keeps
		// the file's habit of no line break at the end, so Remove gives
		// the original back.
		add = t.eol() + line
	}
	return t.encode(add), nil
}

// HasMarked reports whether the profile text holds a line Append writes.
func HasMarked(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if isOurs(line) {
			return true
		}
	}
	return false
}

// RemoveBytes returns b without its marked lines, and whether there were
// any.
func RemoveBytes(b []byte) ([]byte, bool) {
	t := decode(b)
	if !HasMarked(t.s) {
		return b, false
	}
	lines := strings.SplitAfter(t.s, "\n")
	var out strings.Builder
	for i, l := range lines {
		if !isOurs(l) {
			out.WriteString(l)
			continue
		}
		if i == 0 && strings.HasPrefix(l, "\uFEFF") {
			out.WriteString("\uFEFF") // the byte order mark is the file's, not the line's
		}
		if i == len(lines)-1 && !strings.HasSuffix(l, "\n") {
			// The last line, without a line break: the break before it was
			// Append's.
			s := out.String()
			s = strings.TrimSuffix(s, "\n")
			s = strings.TrimSuffix(s, "\r")
			out.Reset()
			out.WriteString(s)
		}
	}
	if t.utf16 {
		return t.encode(out.String()), true
	}
	return []byte(out.String()), true
}

// Result says what Append or Remove did to a profile.
type Result struct {
	Shell   Shell  `json:"shell"`
	Profile string `json:"profile"`
	Line    string `json:"line"`
	Changed bool   `json:"changed"`
}

// Append adds the marked line for shell at the end of the profile at path
// (created, with its folder, when missing). It changes nothing when the
// line is there already, and refuses a profile that defines k otherwise
// (ErrKDefined) or that is read-only (ErrReadOnly).
func Append(sh Shell, path string) (*Result, error) {
	line, err := Line(sh)
	if err != nil {
		return nil, err
	}
	res := &Result{Shell: sh, Profile: path, Line: line}
	b, err := os.ReadFile(path)
	create := errors.Is(err, fs.ErrNotExist)
	switch {
	case create:
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("%s is a link to a file that does not exist; nothing was created: add the line yourself", path)
		}
		if _, err := atomicfile.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", path, err)
	default:
		if err := writable(path); err != nil {
			return nil, err
		}
	}
	add, err := AppendBytes(sh, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(add) == 0 {
		return res, nil
	}
	if f := DefinedIn(sh, path); f != "" {
		return nil, fmt.Errorf("%s: %w", f, ErrKDefined)
	}
	flag := os.O_WRONLY | os.O_APPEND
	if create {
		flag |= os.O_CREATE | os.O_EXCL // never through a link made meanwhile
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if create {
		// A new profile belongs to its folder's owner (root setting up a
		// user's home), as a new kubeconfig does.
		atomicfile.KeepOwner(path, filepath.Dir(path))
	}
	if _, err := f.Write(add); err != nil {
		f.Close()
		return nil, fmt.Errorf("append to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("append to %s: %w", path, err)
	}
	res.Changed = true
	return res, nil
}

// Remove takes the marked lines out of the profile at path, writing the
// file it leads to (a link stays a link) atomically, with its mode. A
// missing profile, or one without the line, is left as it is.
func Remove(sh Shell, path string) (*Result, error) {
	res := &Result{Shell: sh, Profile: path}
	res.Line, _ = Line(sh)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out, ok := RemoveBytes(b)
	if !ok {
		return res, nil
	}
	if err := writable(path); err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	// In place when it cannot be replaced (a single-file bind mount).
	if _, err := atomicfile.ReplaceOrInPlace(real, [][]byte{out}, atomicfile.Options{Perm: fi.Mode().Perm(), KeepOwnerFrom: real}, nil); err != nil {
		return nil, fmt.Errorf("write %s: %w", real, err)
	}
	res.Changed = true
	return res, nil
}

// writable refuses a profile its owner may not write.
func writable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file; add the line yourself", path)
	}
	if fi.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%w: %s; nothing was changed", ErrReadOnly, path)
	}
	return nil
}
