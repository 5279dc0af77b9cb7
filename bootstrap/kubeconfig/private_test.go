package kubeconfig

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestPrivateRoot(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		goos string
		env  func(string) string
		home string
		want []string // nil for an error
	}{
		{"linux", env("XDG_RUNTIME_DIR", "/run/user/1000", "XDG_CACHE_HOME", "/c"), "/home/u", []string{"/run/user/1000/kubeboot/shells", "/c/kubeboot/shells"}},
		{"linux", env("XDG_RUNTIME_DIR", "/run/user/1000"), "/home/u", []string{"/run/user/1000/kubeboot/shells", "/home/u/.cache/kubeboot/shells"}},
		{"linux", env("XDG_RUNTIME_DIR", "/run/user/1000"), "", []string{"/run/user/1000/kubeboot/shells"}},
		{"linux", env("XDG_RUNTIME_DIR", "relative", "XDG_CACHE_HOME", "/c"), "/home/u", []string{"/c/kubeboot/shells"}},
		{"linux", env(), "/home/u", []string{"/home/u/.cache/kubeboot/shells"}},
		{"freebsd", env("XDG_CACHE_HOME", "rel"), "/home/u", []string{"/home/u/.cache/kubeboot/shells"}},
		{"linux", env(), "", nil},
		{"darwin", env("XDG_RUNTIME_DIR", "/tmp/x"), "/Users/u", []string{"/Users/u/Library/Caches/kubeboot/shells"}},
		{"windows", env("LOCALAPPDATA", `C:\Users\u\AppData\Local`, "XDG_RUNTIME_DIR", "/x"), `C:\Users\u`, []string{`C:\Users\u\AppData\Local\kubeboot\shells`}},
		{"windows", env("LOCALAPPDATA", `relative`), `C:\Users\u`, nil},
		{"windows", env(), `C:\Users\u`, nil},
	}
	for _, tt := range tests {
		got, err := PrivateRoots(tt.goos, tt.env, tt.home)
		if !slices.Equal(got, tt.want) || (err != nil) != (tt.want == nil) {
			t.Errorf("%s %q: %q, %v; want %q", tt.goos, tt.home, got, err, tt.want)
		}
	}
}

func TestPrivateDirProblem(t *testing.T) {
	const me = 1000
	for _, tt := range []struct {
		goos  string
		mode  os.FileMode
		mask  os.FileMode
		uid   int
		known bool
		euid  int
		want  string
	}{
		{"linux", os.ModeDir | 0o700, 0o077, me, true, me, ""},
		{"linux", os.ModeDir | 0o755, 0o022, me, true, me, ""},
		{"linux", os.ModeDir | 0o755, 0o077, me, true, me, "wide"},
		{"linux", os.ModeDir | 0o775, 0o022, me, true, me, "wide"},
		{"linux", os.ModeDir | 0o1777, 0o022, me, true, me, "wide"},
		{"linux", os.ModeSymlink | 0o777, 0o022, me, true, me, "link"},
		{"linux", 0o600, 0o022, me, true, me, "link"},
		{"linux", os.ModeDir | 0o700, 0o022, 65534, true, me, "owner"},
		// Root owns its folders like anyone else: another uid's is refused.
		{"linux", os.ModeDir | 0o700, 0o022, 65534, true, 0, "owner"},
		{"linux", os.ModeDir | 0o700, 0o022, 0, true, 0, ""},
		{"darwin", os.ModeDir | 0o700, 0o022, 0, true, me, "owner"},
		{"windows", os.ModeDir | 0o777, 0o077, -1, false, -1, ""},
		{"windows", os.ModeSymlink, 0o077, -1, false, -1, "link"},
	} {
		if got := privateDirProblem(tt.goos, tt.mode, tt.mask, tt.uid, tt.known, tt.euid); got != tt.want {
			t.Errorf("%+v: %q", tt, got)
		}
	}
}

func TestNewPrivateModesAndContent(t *testing.T) {
	files, _, _ := extractList(t)
	x, err := Extract(files, "b", "ns1")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(ownBase(t), "shells")
	if err := os.Mkdir(root, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(root, 0o777) // a root others may write in is narrowed to 0700
	p, err := NewPrivate(root, x.Config, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if dir, ok := PrivateDirOf(root, p.File); !ok || dir != p.Dir {
		t.Errorf("PrivateDirOf(%s) = %q, %v", p.File, dir, ok)
	}
	back := mustLoad(t, p.File)
	if !Equal(back, x.Config) {
		t.Error("the private file does not hold the extracted config")
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{root: 0o700, p.Dir: 0o700, p.File: 0o600, filepath.Join(p.Dir, privateOwnerFile): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
			}
		}
	}
	if err := p.AddOwner(12345); err != nil {
		t.Fatal(err)
	}
	if pids, ok := readOwners(filepath.Join(p.Dir, privateOwnerFile)); !ok || !slices.Equal(pids, []int{os.Getpid(), 12345}) {
		t.Errorf("owners %v, %v", pids, ok)
	}
	if err := p.Remove(); err != nil && !testutil.UnderWine() { // Wine 8 cannot RemoveAll (see testutil.TempDir)
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Dir); !os.IsNotExist(err) && !testutil.UnderWine() {
		t.Error("the folder is still there")
	}
}

func TestPrivateDirOf(t *testing.T) {
	root := filepath.Join("/r", "shells")
	for file, want := range map[string]bool{
		filepath.Join(root, "shell-1", "config"):            true,
		filepath.Join(root, "shell-1", "x", "..", "config"): true,
		filepath.Join(root, "shell-1", "other"):             false,
		filepath.Join(root, "other-1", "config"):            false,
		filepath.Join("/elsewhere", "shell-1", "config"):    false,
		filepath.Join(root, "a", "shell-1", "config"):       false,
		"": false,
	} {
		if _, ok := PrivateDirOf(root, file); ok != want {
			t.Errorf("PrivateDirOf(%q) = %v, want %v", file, ok, want)
		}
	}
}

// A folder is swept only when every process it is kept for has exited;
// one being made (no marker yet) is left alone for a minute; nothing but
// shell-… folders is touched.
func TestSweepPrivate(t *testing.T) {
	root := filepath.Join(ownBase(t), "shells")
	cfg := NewConfig("")
	mk := func(pids ...int) *Private {
		p, err := NewPrivate(root, cfg, pids...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	live := map[int]bool{10: true, 21: true}
	alive := func(pid int) bool { return live[pid] }
	allDead := mk(11, 12)
	oneLive := mk(11, 21)
	owner := mk(10)
	fresh := filepath.Join(root, "shell-making")
	old := filepath.Join(root, "shell-old")
	foreign := filepath.Join(root, "keep-me")
	badMarker := filepath.Join(root, "shell-badmarker")
	for _, d := range []string{fresh, old, foreign, badMarker} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(badMarker, privateOwnerFile), []byte("pid 10\n"), 0o600) // no header
	now := time.Now()
	past := now.Add(-2 * privateGrace)
	for _, d := range []string{old, foreign, badMarker} {
		os.Chtimes(d, past, past)
	}
	removed, err := sweepPrivate(root, now, alive)
	if testutil.UnderWine() {
		t.Skipf("Wine 8 cannot RemoveAll (see testutil.TempDir): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	want := []string{allDead.Dir, badMarker, old}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for _, d := range []string{oneLive.Dir, owner.Dir, fresh, foreign} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed", d)
		}
	}
	// The real check: this process is alive, a reaped child is not.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !processAlive(os.Getpid()) || processAlive(cmd.Process.Pid) {
		t.Errorf("processAlive: self %v, exited child %v", processAlive(os.Getpid()), processAlive(cmd.Process.Pid))
	}
	gone := mk(cmd.Process.Pid)
	mine := mk(os.Getpid())
	if removed, err := SweepPrivate(root, now); err != nil || !slices.Contains(removed, gone.Dir) || slices.Contains(removed, mine.Dir) {
		t.Errorf("SweepPrivate: %v, %v", removed, err)
	}
	if removed, err := SweepPrivate(filepath.Join(root, "nonexistent"), now); err != nil || len(removed) != 0 {
		t.Errorf("a missing root: %v, %v", removed, err)
	}
}

// A root that is a link (planted by someone to catch the credentials) is
// refused, and nothing is written through it.
func TestPrivateRootLinkRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	// A base of one's own (the temp folder's parent, /tmp, may be written
	// by others, which is refused before the link is seen).
	dir := filepath.Join(testutil.TempDir(t), "base")
	os.Mkdir(dir, 0o700)
	target := filepath.Join(dir, "elsewhere")
	os.Mkdir(target, 0o777)
	root := filepath.Join(dir, "shells")
	if err := os.Symlink(target, root); err != nil {
		t.Fatal(err)
	}
	_, err := NewPrivate(root, NewConfig(""), os.Getpid())
	if !errors.Is(err, ErrUnsafePrivateRoot) || !strings.Contains(err.Error(), root) {
		t.Fatalf("error %v", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Errorf("written through the link: %v", entries)
	}
	if _, err := SweepPrivate(root, time.Now()); !errors.Is(err, ErrUnsafePrivateRoot) {
		t.Errorf("sweep through a link: %v", err)
	}
}

// ownBase is a folder of the test's own to put a private root in: the temp
// folder's parent (/tmp) may be written by others, which the private root
// refuses.
func ownBase(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(testutil.TempDir(t), "base")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}
