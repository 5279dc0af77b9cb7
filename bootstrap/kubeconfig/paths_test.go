package kubeconfig

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLocate(t *testing.T) {
	tests := []struct {
		name     string
		goos     string
		env      map[string]string
		home     string
		explicit string
		want     Locations
	}{
		{"linux default", "linux", nil, "/home/ann", "", Locations{Files: []string{"/home/ann/.kube/config"}}},
		{"darwin default", "darwin", nil, "/Users/ann", "", Locations{Files: []string{"/Users/ann/.kube/config"}}},
		{"windows default", "windows", nil, `C:\Users\ann`, "", Locations{Files: []string{`C:\Users\ann\.kube\config`}}},
		{"windows home with trailing separator", "windows", nil, `C:\`, "", Locations{Files: []string{`C:\.kube\config`}}},
		{"linux home with trailing slash", "linux", nil, "/", "", Locations{Files: []string{"/.kube/config"}}},
		{"explicit wins over KUBECONFIG", "linux", map[string]string{"KUBECONFIG": "/a:/b"}, "/home/ann", "/x/cfg",
			Locations{Files: []string{"/x/cfg"}, Explicit: true}},
		{"explicit on windows", "windows", map[string]string{"KUBECONFIG": `C:\a;C:\b`}, `C:\Users\ann`, `D:\k\cfg`,
			Locations{Files: []string{`D:\k\cfg`}, Explicit: true}},
		{"linux list, empties and duplicates dropped", "linux", map[string]string{"KUBECONFIG": ":/a::/b:/a:"}, "/home/ann", "",
			Locations{Files: []string{"/a", "/b"}, FromEnv: true}},
		{"darwin list", "darwin", map[string]string{"KUBECONFIG": "/Users/ann/.kube/config:/Users/ann/cw"}, "/Users/ann", "",
			Locations{Files: []string{"/Users/ann/.kube/config", "/Users/ann/cw"}, FromEnv: true}},
		{"windows list splits on semicolon only", "windows", map[string]string{"KUBECONFIG": `C:\a\config;;D:\b\cw;C:\a\config`}, `C:\Users\ann`, "",
			Locations{Files: []string{`C:\a\config`, `D:\b\cw`}, FromEnv: true}},
		{"unix list keeps semicolons", "linux", map[string]string{"KUBECONFIG": "/a;b"}, "/h", "",
			Locations{Files: []string{"/a;b"}, FromEnv: true}},
		{"KUBECONFIG of separators only falls back", "linux", map[string]string{"KUBECONFIG": "::"}, "/h", "",
			Locations{Files: []string{"/h/.kube/config"}}},
		{"windows KUBECONFIG of separators only falls back", "windows", map[string]string{"KUBECONFIG": ";"}, `C:\h`, "",
			Locations{Files: []string{`C:\h\.kube\config`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Locate(tt.goos, envOf(tt.env), tt.home, tt.explicit)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Locate = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	existing := func(names ...string) func(string) bool {
		return func(p string) bool {
			for _, n := range names {
				if n == p {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		name   string
		locs   Locations
		exists func(string) bool
		want   string
	}{
		{"single missing file", Locations{Files: []string{"/h/.kube/config"}}, existing(), "/h/.kube/config"},
		{"explicit missing still wins", Locations{Files: []string{"/x"}, Explicit: true}, existing("/y"), "/x"},
		{"first existing of a list", Locations{Files: []string{"/a", "/b", "/c"}, FromEnv: true}, existing("/b", "/c"), "/b"},
		{"first of a list when all exist", Locations{Files: []string{"/a", "/b"}, FromEnv: true}, existing("/a", "/b"), "/a"},
		{"last of a list when none exists", Locations{Files: []string{"/a", "/b", "/c"}, FromEnv: true}, existing(), "/c"},
		{"windows list", Locations{Files: []string{`C:\a`, `C:\b`}, FromEnv: true}, existing(`C:\b`), `C:\b`},
		{"empty", Locations{}, existing(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.locs.Target(tt.exists); got != tt.want {
				t.Errorf("Target = %q, want %q", got, tt.want)
			}
		})
	}
}

type fakeInfo struct {
	dir  bool
	mode fs.FileMode
}

func (f fakeInfo) Name() string       { return "" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.dir }
func (f fakeInfo) Sys() any           { return nil }

func fakeStat(files map[string]fakeInfo) func(string) (fs.FileInfo, error) {
	return func(p string) (fs.FileInfo, error) {
		if fi, ok := files[p]; ok {
			return fi, nil
		}
		return nil, fs.ErrNotExist
	}
}

func TestKubectlHome(t *testing.T) {
	dir := fakeInfo{dir: true, mode: fs.ModeDir | 0o755}
	roDir := fakeInfo{dir: true, mode: fs.ModeDir | 0o555}
	file := fakeInfo{mode: 0o600}
	winEnv := map[string]string{"HOME": `H:\home`, "HOMEDRIVE": `C:`, "HOMEPATH": `\Users\ann`, "USERPROFILE": `C:\Users\ann.profile`}
	tests := []struct {
		name  string
		goos  string
		env   map[string]string
		files map[string]fakeInfo
		want  string
	}{
		{"linux uses HOME", "linux", map[string]string{"HOME": "/home/ann", "USERPROFILE": "/x"}, nil, "/home/ann"},
		{"darwin uses HOME", "darwin", map[string]string{"HOME": "/Users/ann"}, nil, "/Users/ann"},
		{"windows: folder holding .kube\\config first (HOMEDRIVE+HOMEPATH)", "windows", winEnv,
			map[string]fakeInfo{`C:\Users\ann\.kube\config`: file, `H:\home`: dir}, `C:\Users\ann`},
		{"windows: HOME holding .kube\\config beats the rest", "windows", winEnv,
			map[string]fakeInfo{`H:\home\.kube\config`: file, `C:\Users\ann\.kube\config`: file}, `H:\home`},
		{"windows: USERPROFILE holding .kube\\config", "windows", winEnv,
			map[string]fakeInfo{`C:\Users\ann.profile\.kube\config`: file, `H:\home`: dir}, `C:\Users\ann.profile`},
		{"windows: else first writable folder, USERPROFILE before HOMEDRIVE", "windows", winEnv,
			map[string]fakeInfo{`H:\home`: roDir, `C:\Users\ann.profile`: dir, `C:\Users\ann`: dir}, `C:\Users\ann.profile`},
		{"windows: else first existing", "windows", winEnv,
			map[string]fakeInfo{`C:\Users\ann`: roDir}, `C:\Users\ann`},
		{"windows: else first set", "windows", winEnv, nil, `H:\home`},
		{"windows: nothing set", "windows", nil, nil, ""},
		{"windows: HOMEDRIVE without HOMEPATH ignored", "windows", map[string]string{"HOMEDRIVE": "C:"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KubectlHome(tt.goos, envOf(tt.env), fakeStat(tt.files)); got != tt.want {
				t.Errorf("KubectlHome = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDownloadsDir(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			if s, ok := m[p]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		}
	}
	userDirs := `# This file is written by xdg-user-dirs-update
# XDG_DOWNLOAD_DIR="$HOME/commented"
XDG_DESKTOP_DIR="$HOME/Desktop"
XDG_DOWNLOAD_DIR="$HOME/Téléchargements"
`
	tests := []struct {
		name  string
		goos  string
		env   map[string]string
		home  string
		files map[string]string
		want  string
	}{
		{"darwin", "darwin", map[string]string{"USERPROFILE": `C:\x`}, "/Users/ann", nil, "/Users/ann/Downloads"},
		{"windows USERPROFILE", "windows", map[string]string{"USERPROFILE": `C:\Users\ann`}, `H:\`, nil, `C:\Users\ann\Downloads`},
		{"windows falls back to home", "windows", nil, `C:\Users\ann`, nil, `C:\Users\ann\Downloads`},
		{"linux without user-dirs", "linux", nil, "/home/ann", nil, "/home/ann/Downloads"},
		{"linux user-dirs in ~/.config", "linux", nil, "/home/ann",
			map[string]string{"/home/ann/.config/user-dirs.dirs": userDirs}, "/home/ann/Téléchargements"},
		{"linux user-dirs in XDG_CONFIG_HOME", "linux", map[string]string{"XDG_CONFIG_HOME": "/cfg"}, "/home/ann",
			map[string]string{"/cfg/user-dirs.dirs": `XDG_DOWNLOAD_DIR="/data/dl"`, "/home/ann/.config/user-dirs.dirs": userDirs}, "/data/dl"},
		{"linux relative XDG_CONFIG_HOME ignored", "linux", map[string]string{"XDG_CONFIG_HOME": "cfg"}, "/home/ann",
			map[string]string{"cfg/user-dirs.dirs": `XDG_DOWNLOAD_DIR="/wrong"`, "/home/ann/.config/user-dirs.dirs": userDirs}, "/home/ann/Téléchargements"},
		{"linux ${HOME}, spaces, escapes, last wins", "linux", nil, "/home/ann/",
			map[string]string{"/home/ann/.config/user-dirs.dirs": "XDG_DOWNLOAD_DIR=\"/first\"\n  XDG_DOWNLOAD_DIR = \"${HOME}/My \\\"Files\\\"/\"\n"}, `/home/ann/My "Files"`},
		{"linux download dir set to $HOME", "linux", nil, "/home/ann",
			map[string]string{"/home/ann/.config/user-dirs.dirs": `XDG_DOWNLOAD_DIR="$HOME/"`}, "/home/ann"},
		{"linux relative value ignored", "linux", nil, "/home/ann",
			map[string]string{"/home/ann/.config/user-dirs.dirs": `XDG_DOWNLOAD_DIR="Downloads2"`}, "/home/ann/Downloads"},
		{"linux other keys only", "linux", nil, "/home/ann",
			map[string]string{"/home/ann/.config/user-dirs.dirs": `XDG_MUSIC_DIR="$HOME/Music"`}, "/home/ann/Downloads"},
		{"freebsd uses XDG too", "freebsd", nil, "/home/ann",
			map[string]string{"/home/ann/.config/user-dirs.dirs": `XDG_DOWNLOAD_DIR="$HOME/dl"`}, "/home/ann/dl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DownloadsDir(tt.goos, envOf(tt.env), tt.home, files(tt.files)); got != tt.want {
				t.Errorf("DownloadsDir = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindDownloaded(t *testing.T) {
	dir := testutil.TempDir(t)
	if _, err := findIn(dir); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("findIn(empty) = %v, want ErrNotFound", err)
	}
	os.WriteFile(filepath.Join(dir, "cw-kubeconfig.yaml"), []byte("x"), 0o600)
	_, err := findIn(dir)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want *NotFoundError", err)
	}
	if want := filepath.Join(dir, "cw-kubeconfig"); !reflect.DeepEqual(nf.Looked, []string{want}) {
		t.Errorf("Looked = %v, want [%s]", nf.Looked, want)
	}
	if len(nf.Similar) != 1 || !strings.HasSuffix(nf.Similar[0], "cw-kubeconfig.yaml") {
		t.Errorf("Similar = %v", nf.Similar)
	}
	msg := err.Error()
	for _, want := range []string{"API Access", APIAccessURL, "admin", filepath.Join(dir, "cw-kubeconfig")} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	p := filepath.Join(dir, "cw-kubeconfig")
	os.WriteFile(p, []byte("x"), 0o600)
	if got, err := findIn(dir); err != nil || got.Path != p || len(got.Others) != 0 {
		t.Errorf("findIn = %+v, %v; want %q", got, err, p)
	}
	if got, err := FindDownloaded(p); err != nil || got != p {
		t.Errorf("FindDownloaded(explicit) = %q, %v", got, err)
	}
	if _, err := FindDownloaded(filepath.Join(dir, "nope")); !errors.As(err, &nf) || nf.Looked[0] != filepath.Join(dir, "nope") {
		t.Errorf("FindDownloaded(missing) = %v", err)
	}
	if _, err := FindDownloaded(dir); err == nil {
		t.Error("FindDownloaded(folder) succeeded")
	}
}

func TestFindDownloadedDefaultUsesXDG(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG user-dirs apply to Linux")
	}
	home := testutil.TempDir(t)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	os.MkdirAll(filepath.Join(home, ".config"), 0o755)
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte(`XDG_DOWNLOAD_DIR="$HOME/dl"`+"\n"), 0o644)
	os.MkdirAll(filepath.Join(home, "dl"), 0o755)
	want := filepath.Join(home, "dl", "cw-kubeconfig")
	os.WriteFile(want, []byte("x"), 0o600)
	if got, err := FindDownloaded(""); err != nil || got != want {
		t.Errorf("FindDownloaded(\"\") = %q, %v; want %q", got, err, want)
	}
}

func TestFindDownloadedExplicitMissing(t *testing.T) {
	missing := filepath.Join(testutil.TempDir(t), "cw-kubeconfig")
	_, err := FindDownloaded(missing)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.Explicit || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an explicit *NotFoundError", err)
	}
	if !strings.HasPrefix(err.Error(), missing+" does not exist") {
		t.Errorf("message %q does not lead with the missing path", err)
	}
}

// A newer download that the browser named "cw-kubeconfig (1)" wins over
// the old cw-kubeconfig; the others are named.
func TestFindDownloadsChoosesTheNewest(t *testing.T) {
	dir := testutil.TempDir(t)
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	files := map[string]time.Duration{
		"cw-kubeconfig": 0, "cw-kubeconfig (1)": 2 * time.Hour, "cw-kubeconfig-3": time.Hour,
		"cw-kubeconfig 2": 30 * time.Minute, "cw-kubeconfig.yaml": 5 * time.Hour, "cw-kubeconfig (1).crdownload": 6 * time.Hour,
	}
	for name, age := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, base.Add(age), base.Add(age))
	}
	got, err := findIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Download{Path: filepath.Join(dir, "cw-kubeconfig (1)"), Others: []string{
		filepath.Join(dir, "cw-kubeconfig-3"), filepath.Join(dir, "cw-kubeconfig 2"), filepath.Join(dir, "cw-kubeconfig"),
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findIn = %+v\nwant %+v", got, want)
	}

	// Pure ordering: a tie goes to the higher copy number; strangers drop.
	same := base
	order := NewestDownload([]DownloadCandidate{
		{"cw-kubeconfig", same}, {"cw-kubeconfig (2)", same}, {"cw-kubeconfig (10)", same}, {"notes", same.Add(time.Hour)},
		{"cw-kubeconfig (x)", same.Add(time.Hour)}, {"cw-kubeconfig-", same.Add(time.Hour)},
	})
	var names []string
	for _, c := range order {
		names = append(names, c.Name)
	}
	if strings.Join(names, "|") != "cw-kubeconfig (10)|cw-kubeconfig (2)|cw-kubeconfig" {
		t.Errorf("NewestDownload = %q", names)
	}
}
