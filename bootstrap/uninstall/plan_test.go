package uninstall

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestPlanFile(t *testing.T) {
	d1, d2 := strings.Repeat("a", 64), strings.Repeat("b", 64)
	rec := &Record{Tool: "kubectl", Version: "v1.36.4", SHA256: d1}
	paths := map[string]string{
		"linux":   "/home/me/.local/bin/kubectl",
		"darwin":  "/Users/me [x]/.local/bin/kubectl",
		"windows": `C:\Users\Zoë\AppData\Local\Programs\kubeboot\bin\kubectl.exe`,
	}
	owners := map[string]pkgmgr.Ownership{
		"linux":   {Manager: pkgmgr.Dpkg, Package: "kubernetes-client"},
		"darwin":  {Manager: pkgmgr.Homebrew, Package: "kubernetes-cli"},
		"windows": {Manager: pkgmgr.Scoop, Package: "kubectl"},
	}
	for goos, path := range paths {
		tests := []struct {
			name   string
			c      Candidate
			action Action // "" for no step
			reason string // a part of the reason
		}{
			{"installed and unchanged", Candidate{Kind: Regular, SHA256: d1, Record: rec}, Remove, "installed by kubeboot (kubectl v1.36.4)"},
			{"replaced by the user", Candidate{Kind: Regular, SHA256: d2, Record: rec}, Leave, "bytes are not what kubeboot installed"},
			{"a link in its place", Candidate{Kind: Link, LinkTarget: "/opt/k/kubectl", Record: rec}, Leave, "neither the link nor what it leads to"},
			{"a folder in its place", Candidate{Kind: Other, Record: rec}, Leave, "not a regular file"},
			{"no record (an older kubeboot's)", Candidate{Kind: Regular, SHA256: d1}, Leave, "no record that kubeboot installed it"},
			{"record not trusted", Candidate{Kind: Regular, SHA256: d1, Record: rec, RecordDistrust: "it belongs to owner 65534"}, Leave, "not trusted: it belongs to owner 65534"},
			{"unreadable", Candidate{Kind: Regular, Record: rec, ReadErr: "permission denied"}, Leave, "cannot be read"},
			{"a package manager's", Candidate{Kind: Regular, SHA256: d1, Record: rec, Owner: owners[goos]}, Leave, "uninstall it with " + owners[goos].Manager.String()},
			{"kubeboot itself", Candidate{Kind: Regular, SHA256: d1, Record: rec, Self: true}, Leave, "kubeboot itself"},
			{"gone, recorded", Candidate{Kind: Absent, Record: rec}, Forget, "record is dropped"},
			{"gone, untrusted record", Candidate{Kind: Absent, Record: rec, RecordDistrust: "x"}, "", ""},
			{"never there", Candidate{Kind: Absent}, "", ""},
		}
		for _, tt := range tests {
			tt.c.Path, tt.c.Tool = path, "kubectl"
			s, ok := PlanFile(tt.c)
			if !ok {
				if tt.action != "" {
					t.Errorf("%s/%s: no step, want %s", goos, tt.name, tt.action)
				}
				continue
			}
			if s.Action != tt.action || !strings.Contains(s.Reason, tt.reason) || s.Path != path {
				t.Errorf("%s/%s: %s %q (%s), want %s with %q", goos, tt.name, s.Action, s.Reason, s.Path, tt.action, tt.reason)
			}
			if (s.Action == Remove) != (s.SHA256 == d1) {
				t.Errorf("%s/%s: the digest to check again is %q", goos, tt.name, s.SHA256)
			}
		}
	}
}

// A program that is running on Windows cannot be deleted: said as such,
// with what to do, on any OS the rule is run on.
func TestRemoveFailure(t *testing.T) {
	tests := []struct {
		goos string
		err  error
		want string
	}{
		{"windows", &fs.PathError{Op: "remove", Path: `C:\k\kubectl.exe`, Err: syscall.Errno(5)}, "running or open in another program"},
		{"windows", &fs.PathError{Op: "remove", Path: `C:\k\kubectl.exe`, Err: syscall.Errno(32)}, "close it"},
		{"linux", &fs.PathError{Op: "remove", Path: "/usr/local/bin/kubectl", Err: os.ErrPermission}, "run uninstall as the user who installed it"},
		{"linux", fmt.Errorf("remove: %w", errors.New("disk on fire")), "disk on fire"},
	}
	for _, tt := range tests {
		if got := RemoveFailure(tt.goos, tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("RemoveFailure(%s, %v) = %q, want %q in it", tt.goos, tt.err, got, tt.want)
		}
	}
}

func TestPlanPathEntry(t *testing.T) {
	dir := `C:\Users\Zoë\AppData\Local\Programs\kubeboot\bin`
	tests := []struct {
		name   string
		added  bool
		needed []string
		action Action // "" for no step
		reason string
	}{
		{"added, nothing left", true, nil, Remove, "nothing of kubeboot's stays"},
		{"added, kubeboot itself there", true, []string{"kubeboot.exe"}, Leave, "kubeboot.exe stays"},
		{"added, a program left", true, []string{"helm.exe", "kubectl.exe"}, Leave, "helm.exe, kubectl.exe stays"},
		{"the user's own entry", false, nil, "", ""},
	}
	for _, tt := range tests {
		s, ok := PlanPathEntry(dir, tt.added, tt.needed)
		if ok != (tt.action != "") || (ok && (s.Action != tt.action || !strings.Contains(s.Reason, tt.reason) || s.Kind != PathEntry || s.Path != dir)) {
			t.Errorf("%s: %+v, %v", tt.name, s, ok)
		}
	}
}

// What stays in a folder after a plan: recorded programs not removed, and
// kubeboot itself; everything, when the record is not trusted.
func TestStillNeeded(t *testing.T) {
	dir := testutil.TempDir(t)
	put(t, dir, "kubectl", "kubectl", "k")
	put(t, dir, "helm", "helm", "h")
	put(t, dir, "kubeboot", "kubeboot", "me")
	self := filepath.Join(dir, "kubeboot")
	steps := []Step{{Kind: Program, Path: filepath.Join(dir, "kubectl"), Action: Remove}, {Kind: Program, Path: filepath.Join(dir, "helm"), Action: Leave}}
	if got := strings.Join(stillNeeded(dir, steps, self), ","); got != "helm,kubeboot" {
		t.Errorf("stillNeeded = %q", got)
	}
	steps[1].Action = Remove
	if got := stillNeeded(dir, steps, filepath.Join(testutil.TempDir(t), "kubeboot")); strings.Join(got, ",") != "kubeboot" {
		t.Errorf("with kubeboot's record but another self: %q", got)
	}
}
