package trust

import (
	"io/fs"
	"testing"
)

func TestReason(t *testing.T) {
	unix := Owners{Self: "1000", Roots: []string{"0"}}
	win := Owners{Self: "S-1-5-21-1", Roots: []string{"S-1-5-18"}, NoOwnerIsMine: true, NoModes: true}
	for _, c := range []struct {
		name  string
		o     Owners
		owner string
		mode  fs.FileMode
		ok    bool
	}{
		{"mine", unix, "1000", 0o644, true},
		{"root's", unix, "0", 0o755 | fs.ModeDir, true},
		{"another user's", unix, "1001", 0o600, false},
		{"unknown owner on Unix", unix, "", 0o600, false},
		{"writable by all", unix, "1000", 0o666, false},
		{"root's group-writable", unix, "0", 0o664, false},
		{"my own group-writable", unix, "1000", 0o664, true},
		{"sticky folder writable by all", unix, "0", 0o777 | fs.ModeDir | fs.ModeSticky, true},
		{"folder writable by all", unix, "0", 0o777 | fs.ModeDir, false},
		{"a link's own bits", unix, "1000", 0o777 | fs.ModeSymlink, true},
		{"Windows: mine", win, "S-1-5-21-1", 0o666, true},
		{"Windows: SYSTEM's", win, "S-1-5-18", 0o666, true},
		{"Windows: another user's", win, "S-1-5-21-2", 0o444, false},
		{"Windows: no owner (FAT)", win, "", 0o666, true},
	} {
		if got := c.o.Reason("it", c.owner, c.mode) == ""; got != c.ok {
			t.Errorf("%s: trusted = %v, want %v (%q)", c.name, got, c.ok, c.o.Reason("it", c.owner, c.mode))
		}
	}
}
