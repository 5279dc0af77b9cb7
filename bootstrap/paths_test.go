package bootstrap

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestDefaultInstallDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	writable := func(ok bool) func(string) bool {
		return func(d string) bool {
			if d != "/usr/local/bin" {
				t.Errorf("probed %s, only /usr/local/bin is probed", d)
			}
			return ok
		}
	}
	tests := []struct {
		name, goos, home string
		env              map[string]string
		usrLocal         bool
		want             string
	}{
		{"linux root", "linux", "/root", nil, true, "/usr/local/bin"},
		{"linux user", "linux", "/home/ana", nil, false, "/home/ana/.local/bin"},
		{"darwin user", "darwin", "/Users/ana", nil, false, "/Users/ana/.local/bin"},
		{"darwin admin", "darwin", "/Users/ana", nil, true, "/usr/local/bin"},
		{"windows", "windows", `C:\Users\Ana Díaz`, map[string]string{"LOCALAPPDATA": `C:\Users\Ana Díaz\AppData\Local`}, true,
			`C:\Users\Ana Díaz\AppData\Local\Programs\kubeboot\bin`},
		{"windows without LOCALAPPDATA", "windows", `C:\Users\ana`, nil, true, `C:\Users\ana\AppData\Local\Programs\kubeboot\bin`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := defaultInstallDir(tt.goos, env(tt.env), tt.home, writable(tt.usrLocal)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	files := map[string]bool{
		"/usr/bin/kubectl":                          true,
		"/opt/homebrew/bin/kubectl":                 true,
		`C:\ProgramData\chocolatey\bin\kubectl.exe`: true,
		`C:\Users\ana\scoop\shims\kubectl.exe`:      true,
	}
	isFile := func(p string) bool { return files[p] }
	tests := []struct {
		name, goos, path, target string
		want                     PathReport
	}{
		{"first on path", "linux", "/home/ana/.local/bin:/usr/bin", "/home/ana/.local/bin/kubectl",
			PathReport{DirOnPath: true}},
		{"shadowed by the distro", "linux", "/usr/bin:/home/ana/.local/bin", "/home/ana/.local/bin/kubectl",
			PathReport{DirOnPath: true, Shadowing: []string{"/usr/bin/kubectl"}}},
		{"not on path", "linux", "/usr/bin:/bin", "/home/ana/.local/bin/kubectl",
			PathReport{Shadowing: []string{"/usr/bin/kubectl"}}},
		{"trailing slash and empty entries", "darwin", "::/usr/local/bin/:", "/usr/local/bin/kubectl",
			PathReport{DirOnPath: true}},
		{"homebrew first", "darwin", "/opt/homebrew/bin:/usr/local/bin", "/usr/local/bin/kubectl",
			PathReport{DirOnPath: true, Shadowing: []string{"/opt/homebrew/bin/kubectl"}}},
		{"windows case-insensitive", "windows", `c:\users\ana\appdata\local\programs\kubeboot\bin\;C:\ProgramData\chocolatey\bin`,
			`C:\Users\ana\AppData\Local\Programs\kubeboot\bin\kubectl.exe`, PathReport{DirOnPath: true}},
		{"windows shadowed by choco and scoop", "windows", `C:\ProgramData\chocolatey\bin;"C:\Users\ana\scoop\shims";C:\k\bin`,
			`C:\k\bin\kubectl.exe`, PathReport{DirOnPath: true, Shadowing: []string{
				`C:\ProgramData\chocolatey\bin\kubectl.exe`, `C:\Users\ana\scoop\shims\kubectl.exe`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkPath(tt.goos, tt.path, tt.target, isFile); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := kubectlsOnPath("linux", "/opt/homebrew/bin:/usr/bin:/usr/bin", isFile); !reflect.DeepEqual(got, []string{"/opt/homebrew/bin/kubectl", "/usr/bin/kubectl"}) {
		t.Errorf("kubectlsOnPath = %v", got)
	}
}

func TestPlatformMatrix(t *testing.T) {
	for _, p := range KubectlPlatforms {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []Platform{{"linux", "arm"}, {"linux", "386"}, {"freebsd", "amd64"}, {"windows", "386"}, {"darwin", "ppc64le"}} {
		if err := p.Validate(); err == nil {
			t.Errorf("%s accepted", p)
		}
	}
}

// Environment reads PATH and the home folder from the caller, never from
// the process.
func TestEnvironment(t *testing.T) {
	dir := testutil.TempDir(t)
	kubectl := filepath.Join(dir, executableNames(runtime.GOOS)[0])
	if err := os.WriteFile(kubectl, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "/nonexistent")
	e := Environment{Getenv: func(k string) string {
		if k == "PATH" {
			return dir
		}
		return ""
	}, Home: filepath.Join(dir, "home")}
	if got := e.KubectlsOnPath(); !reflect.DeepEqual(got, []string{kubectl}) {
		t.Errorf("KubectlsOnPath = %q, want %q", got, kubectl)
	}
	if r := e.CheckPath(kubectl); !r.DirOnPath {
		t.Errorf("CheckPath = %+v, want the folder on PATH", r)
	}
	if got := KubectlsOnPath(); len(got) != 0 {
		t.Errorf("the process's KubectlsOnPath = %q, want none on /nonexistent", got)
	}
	if runtime.GOOS != "windows" && !dirWritable("/usr/local/bin") {
		if got, err := e.DefaultInstallDir(); err != nil || got != filepath.Join(dir, "home", ".local", "bin") {
			t.Errorf("DefaultInstallDir = %q, %v", got, err)
		}
	}
}
