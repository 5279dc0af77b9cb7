package shellalias

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

func utf16le(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

// Appending adds bytes at the end only, in the profile's own line ending
// and encoding; removing gives back the original bytes exactly.
func TestAppendThenRemoveIsByteExact(t *testing.T) {
	profiles := map[string][]byte{
		"empty":               nil,
		"LF":                  []byte("export A=1\n"),
		"no trailing newline": []byte("export A=1"),
		"CRLF":                []byte("$env:A = 1\r\n$env:B = 2\r\n"),
		"CRLF, no newline":    []byte("$env:A = 1\r\n$env:B = 2"),
		"UTF-8 BOM, é, 日本":    []byte("\xEF\xBB\xBF# profil de Zoë 日本\nset -x A é\n"),
		"BOM only":            []byte("\xEF\xBB\xBF"),
		"UTF-16LE BOM":        utf16le("\uFEFF# Windows PowerShell 5.1\r\nSet-Location C:\\Zoë\r\n"),
		"not UTF-8":           []byte("echo \xff\xfe\xfd\n"),
		"mentions kubectl":    []byte("# kubectl completion\nsource <(kubectl completion bash)\n"),
	}
	for _, sh := range Shells() {
		line, _ := Line(sh)
		for name, orig := range profiles {
			add, err := AppendBytes(sh, orig)
			if err != nil || len(add) == 0 {
				t.Fatalf("%s/%s: AppendBytes = %q, %v", sh, name, add, err)
			}
			after := append(bytes.Clone(orig), add...)
			if !bytes.HasPrefix(after, orig) {
				t.Fatalf("%s/%s: the profile's bytes changed", sh, name)
			}
			d := decode(after)
			if !strings.Contains(d.s, line) {
				t.Errorf("%s/%s: %q does not hold the line", sh, name, after)
			}
			if d.crlf != decode(orig).crlf && len(orig) > 0 && decode(orig).crlf {
				t.Errorf("%s/%s: line endings mixed: %q", sh, name, after)
			}
			if strings.Contains(name, "CRLF") && strings.Contains(strings.ReplaceAll(d.s, "\r\n", ""), "\n") {
				t.Errorf("%s/%s: a bare LF in a CRLF profile: %q", sh, name, d.s)
			}
			if again, err := AppendBytes(sh, after); err != nil || len(again) != 0 {
				t.Errorf("%s/%s: a second append adds %q, %v", sh, name, again, err)
			}
			back, ok := RemoveBytes(after)
			if !ok || !bytes.Equal(back, orig) {
				t.Errorf("%s/%s: remove gives %q, want %q", sh, name, back, orig)
			}
			// A line the user added after kubeboot's stays.
			more := append(bytes.Clone(after), d.encode(d.eol()+"export Z=1"+d.eol())...)
			if back, _ := RemoveBytes(more); bytes.Contains(back, d.encode(Marker)) || !bytes.Contains(back, d.encode("export Z=1")) || !bytes.HasPrefix(back, orig) {
				t.Errorf("%s/%s: remove with a later line gives %q", sh, name, back)
			}
		}
	}
}

func TestExistingKIsLeftAlone(t *testing.T) {
	tests := []struct {
		sh      Shell
		profile string
		defined bool
	}{
		{Bash, "alias k=kubectl\n", true},
		{Bash, "  alias k='kubectl --context x'\n", true},
		{Bash, "k() { kubectl \"$@\"; }\n", true},
		{Bash, "function k { kubectl \"$@\"; }\n", true},
		{Bash, "alias kc=kubectl\nalias ks=kubens\n", false},
		{Bash, "# alias k=kubectl\n", false},
		{Zsh, "alias -g k=kubectl\n", true},
		{Fish, "alias k kubectl\n", true},
		{Fish, "abbr -a k kubectl\n", true},
		{Fish, "function k; kubectl $argv; end\n", true},
		{Fish, "alias kx kubectx\n", false},
		{PowerShell, "New-Alias k kubectl\r\n", true},
		{PowerShell, "set-alias -Name k -Value kubectl.exe\r\n", true},
		{PowerShell, "function k { kubectl @args }\r\n", true},
		{PowerShell, "Set-Alias -Name kx -Value kubectx\r\n", false},
		// Written otherwise, still a k.
		{Bash, "alias ll='ls -l' k='kubectl --context=prod-readonly'\n", true},
		{Bash, "function k\n{\n  kubectl \"$@\"\n}\n", true},
		{Bash, "[ -n \"$PS1\" ] && alias k='kubectl --context=prod-readonly'\n", true},
		{Zsh, "alias -- 'k=kubectl'\n", true},
		{PowerShell, "Set-Alias -Value kubectl -Name k\r\n", true},
		{PowerShell, "New-Item -Path Alias:k -Value kubectl\r\n", true},
		{PowerShell, "function global:k { kubectl @args }\r\n", true},
		{Bash, "alias kgp='kubectl get pods'\nexport K=1\n", false},
	}
	for _, tt := range tests {
		if got := DefinesK(tt.sh, tt.profile); got != tt.defined {
			t.Errorf("%s %q: DefinesK = %v", tt.sh, tt.profile, got)
		}
		_, err := AppendBytes(tt.sh, []byte(tt.profile))
		if tt.defined != errors.Is(err, ErrKDefined) {
			t.Errorf("%s %q: AppendBytes err = %v", tt.sh, tt.profile, err)
		}
	}
}

func TestAppendAndRemoveFiles(t *testing.T) {
	orig := []byte("\xEF\xBB\xBF# mine\r\nexport A=é")
	home := func(t *testing.T) string {
		dir := filepath.Join(testutil.TempDir(t), "home [x] Zoë")
		os.MkdirAll(dir, 0o755)
		return dir
	}

	// A profile that is a link (dotfiles): the file it leads to gets the
	// line and loses it again, the link stays a link.
	for _, rel := range []bool{false, true} {
		name := "profile is a link"
		if rel {
			name += ", relative"
		}
		t.Run(name, func(t *testing.T) {
			dir := home(t)
			real := filepath.Join(dir, "dotfiles", "bashrc")
			os.MkdirAll(filepath.Dir(real), 0o755)
			os.WriteFile(real, orig, 0o640)
			link := filepath.Join(dir, ".bashrc")
			to := real
			if rel {
				to = filepath.Join("dotfiles", "bashrc")
			}
			testutil.Symlink(t, to, link)
			if res, err := Append(Bash, link); err != nil || !res.Changed {
				t.Fatalf("Append: %+v, %v", res, err)
			}
			if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
				t.Error("the link was replaced")
			}
			if b, _ := os.ReadFile(real); !bytes.HasPrefix(b, orig) || !bytes.Contains(b, []byte(Marker)) {
				t.Errorf("after Append: %q", b)
			}
			if res, err := Remove(Bash, link); err != nil || !res.Changed {
				t.Fatalf("Remove: %+v, %v", res, err)
			}
			if b, _ := os.ReadFile(real); !bytes.Equal(b, orig) {
				t.Errorf("after Remove: %q, want %q", b, orig)
			}
			if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
				t.Error("Remove replaced the link")
			}
			if fi, _ := os.Stat(real); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o640 {
				t.Errorf("Remove changed the mode to %v", fi.Mode())
			}
			if names := testutil.Names(filepath.Dir(real)); len(names) != 1 {
				t.Errorf("beside the profile: %v", names)
			}
		})
	}

	// A read-only profile is never changed, even by root.
	t.Run("read-only profile", func(t *testing.T) {
		ro := filepath.Join(home(t), ".zshrc")
		os.WriteFile(ro, orig, 0o444)
		if _, err := Append(Zsh, ro); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Append to a read-only profile: %v", err)
		}
		if b, _ := os.ReadFile(ro); !bytes.Equal(b, orig) {
			t.Errorf("a read-only profile changed: %q", b)
		}
		os.Chmod(ro, 0o644)
		Append(Zsh, ro)
		os.Chmod(ro, 0o444)
		if _, err := Remove(Zsh, ro); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Remove from a read-only profile: %v", err)
		}
	})

	// A missing profile (and folder) is created with the line alone.
	t.Run("missing profile", func(t *testing.T) {
		fish := filepath.Join(home(t), ".config", "fish", "config.fish")
		if _, err := Append(Fish, fish); err != nil {
			t.Fatal(err)
		}
		line, _ := Line(Fish)
		if b, _ := os.ReadFile(fish); string(b) != line+"\n" {
			t.Errorf("new profile: %q", b)
		}
	})
}

func TestProfileAndShell(t *testing.T) {
	env := func(k string) string { return map[string]string{"ZDOTDIR": "/z dir"}[k] }
	for _, tt := range []struct {
		goos string
		sh   Shell
		want string
	}{
		{"linux", Bash, "/home/é/.bashrc"},
		{"darwin", Zsh, "/z dir/.zshrc"},
		{"linux", Fish, "/home/é/.config/fish/config.fish"},
		{"linux", PowerShell, "/home/é/.config/powershell/Microsoft.PowerShell_profile.ps1"},
		{"windows", PowerShell, `C:\Users\é\Documents\PowerShell\Microsoft.PowerShell_profile.ps1`},
	} {
		home := "/home/é"
		if tt.goos == "windows" {
			home = `C:\Users\é`
		}
		if got := Profile(tt.goos, tt.sh, env, home); got != tt.want {
			t.Errorf("Profile(%s, %s) = %q, want %q", tt.goos, tt.sh, got, tt.want)
		}
	}
	for in, want := range map[string]Shell{"/bin/bash": Bash, "/usr/local/bin/zsh": Zsh, `C:\Program Files\PowerShell\7\pwsh.exe`: PowerShell, "fish": Fish} {
		if got, err := ParseShell(in); got != want || err != nil {
			t.Errorf("ParseShell(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseShell("/bin/tcsh"); !errors.Is(err, ErrUnknownShell) {
		t.Errorf("tcsh: %v", err)
	}
}

// TestDefinitionInBashAliasesIsLeftAlone: ~/.bashrc reads ~/.bash_aliases;
// a k defined there is the user's, and Append adds nothing.
func TestDefinitionInBashAliasesIsLeftAlone(t *testing.T) {
	home := testutil.TempDir(t)
	rc := filepath.Join(home, ".bashrc")
	os.WriteFile(rc, []byte("if [ -f ~/.bash_aliases ]; then\n    . ~/.bash_aliases\nfi\n"), 0o644)
	os.WriteFile(filepath.Join(home, ".bash_aliases"), []byte("alias k='kubectl --context=prod-readonly'\n"), 0o644)
	if got := DefinedIn(Bash, rc); got != filepath.Join(home, ".bash_aliases") {
		t.Errorf("DefinedIn = %q", got)
	}
	if _, err := Append(Bash, rc); !errors.Is(err, ErrKDefined) {
		t.Errorf("Append: %v, want ErrKDefined", err)
	}
	if b, _ := os.ReadFile(rc); strings.Contains(string(b), "kubectl") {
		t.Errorf("the alias was added: %q", b)
	}
}

// TestOnlyKubebootsOwnLinesAreItsOwn: a user's line ending with the
// marker comment is neither seen as kubeboot's line nor removed.
func TestOnlyKubebootsOwnLinesAreItsOwn(t *testing.T) {
	in := []byte("echo hi # added by kubeboot\nexport A=1 " + Marker + "\n")
	if out, changed := RemoveBytes(in); changed || !bytes.Equal(out, in) {
		t.Errorf("RemoveBytes removed a user's line: %q -> %q", in, out)
	}
	if HasMarked(string(in)) {
		t.Error("HasMarked is true for a profile without kubeboot's line")
	}
	add, err := AppendBytes(Bash, in)
	if err != nil || len(add) == 0 {
		t.Errorf("AppendBytes = %q, %v; want the line added", add, err)
	}
}

// TestAppendNeverCreatesThroughALink: a profile that is a link to nothing
// is refused, and nothing is created where it points.
func TestAppendNeverCreatesThroughALink(t *testing.T) {
	home := testutil.TempDir(t)
	victim := filepath.Join(testutil.TempDir(t), "nologin")
	testutil.Symlink(t, victim, filepath.Join(home, ".bashrc"))
	if _, err := Append(Bash, filepath.Join(home, ".bashrc")); err == nil {
		t.Error("Append through a link to nothing succeeded")
	}
	if _, err := os.Lstat(victim); err == nil {
		t.Errorf("Append created %s through a link", victim)
	}
}

// TestNewProfileBelongsToItsFolderOwner: root setting up a user's home
// creates the profile as the user's, as the kubeconfig writer does.
func TestNewProfileBelongsToItsFolderOwner(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root on Unix")
	}
	home := testutil.TempDir(t)
	if err := os.Chown(home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(home, ".bashrc")
	if _, err := Append(Bash, rc); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(rc)
	if err != nil {
		t.Fatal(err)
	}
	if got := trust.OwnerOf(rc, fi); got != "65534" {
		t.Errorf("the new profile belongs to %s, want the folder's owner 65534", got)
	}
}
