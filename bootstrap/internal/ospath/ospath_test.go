package ospath

import (
	"reflect"
	"testing"
)

func TestJoinDirBase(t *testing.T) {
	tests := []struct {
		goos      string
		elem      []string
		join, dir string
		base      string
	}{
		{"linux", []string{"/home/ana", ".local", "bin"}, "/home/ana/.local/bin", "/home/ana/.local", "bin"},
		{"darwin", []string{"/Users/ana/", "/Downloads"}, "/Users/ana/Downloads", "/Users/ana", "Downloads"},
		{"windows", []string{`C:\Users\Ana Díaz\`, `AppData/Local`, "kubectl.exe"}, `C:\Users\Ana Díaz\AppData\Local\kubectl.exe`, `C:\Users\Ana Díaz\AppData\Local`, "kubectl.exe"},
	}
	for _, tt := range tests {
		j := Join(tt.goos, tt.elem...)
		if j != tt.join || Dir(tt.goos, j) != tt.dir || Base(tt.goos, j) != tt.base {
			t.Errorf("%s %q: Join %q Dir %q Base %q", tt.goos, tt.elem, j, Dir(tt.goos, j), Base(tt.goos, j))
		}
	}
}

func TestWithinAndSameDir(t *testing.T) {
	if rest, ok := Within("darwin", "/opt/Homebrew/Cellar/kubernetes-cli/1.37.2/bin/kubectl", "/opt/homebrew/Cellar"); !ok || !reflect.DeepEqual(rest, []string{"kubernetes-cli", "1.37.2", "bin", "kubectl"}) {
		t.Errorf("darwin Within = %v, %v", rest, ok)
	}
	if _, ok := Within("linux", "/opt/Homebrew/bin/kubectl", "/opt/homebrew"); ok {
		t.Error("linux paths are case-sensitive")
	}
	if _, ok := Within("linux", "opt/x", "/opt"); ok {
		t.Error("a relative path is not within an absolute one")
	}
	if !SameDir("windows", `c:\tools\`, `C:/Tools`) || SameDir("linux", "/a/b/", "/a/B") || !SameDir("linux", "/a/b/", "/a/b") {
		t.Error("SameDir")
	}
	if ExeName("windows", "kubectl") != "kubectl.exe" || ExeName("darwin", "kubectl") != "kubectl" {
		t.Error("ExeName")
	}
}
