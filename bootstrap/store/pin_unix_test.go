//go:build unix

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// findPinSoon is FindPin with a bound: a FIFO must not block it.
func findPinSoon(t *testing.T, dir string) (*Pin, []string, error) {
	t.Helper()
	type res struct {
		p   *Pin
		err error
	}
	var notes []string
	done := make(chan res, 1)
	go func() {
		p, err := FindPin(dir, PinOptions{Logf: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }})
		done <- res{p, err}
	}()
	select {
	case r := <-done:
		return r.p, notes, r.err
	case <-time.After(5 * time.Second):
		t.Fatalf("FindPin(%s) still waiting after 5 s", dir)
		return nil, nil, nil
	}
}

// Pin files of another user, and files that are not regular, are passed
// over with a note; the search goes on upwards. Run as root, with files
// chowned to another uid.
func TestPinFilesOfOthersPassedOver(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown files to another user")
	}
	base := testutil.TempDir(t)
	os.Chmod(base, 0o755)
	write(t, filepath.Join(base, ".tool-versions"), "kubectl 1.31.0\n") // root's
	shared := filepath.Join(base, "shared [tmp] ü")
	os.Mkdir(shared, 0o777)
	os.Chmod(shared, 0o777|os.ModeSticky)
	project := filepath.Join(shared, "project")
	os.Mkdir(project, 0o755)
	planted := filepath.Join(shared, ".tool-versions")
	write(t, planted, "kubectl 1.30.0\n")
	if err := os.Chown(planted, 12345, 12345); err != nil {
		t.Fatal(err)
	}
	p, notes, err := findPinSoon(t, project)
	if err != nil || p == nil || p.Spec != "1.31.0" || p.Source != filepath.Join(base, ".tool-versions") {
		t.Fatalf("with another user's pin in the shared parent: %+v, %v", p, err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], planted) || !strings.Contains(notes[0], "belongs to owner 12345") {
		t.Errorf("notes: %q", notes)
	}

	// root's file in another user's folder: the folder decides.
	theirs := filepath.Join(shared, "theirs")
	os.Mkdir(theirs, 0o755)
	write(t, filepath.Join(theirs, "mise.toml"), "[tools]\nkubectl = \"1.29\"\n")
	os.Chown(theirs, 12345, 12345)
	if p, notes, err := findPinSoon(t, theirs); err != nil || p == nil || p.Spec != "1.31.0" || len(notes) != 2 || !strings.Contains(notes[0], "its folder belongs to owner 12345") {
		t.Errorf("in another user's folder: %+v, %v, %q", p, err, notes)
	}

	// Not regular files: a FIFO (no writer ever comes) and a link to
	// /dev/zero.
	if err := syscall.Mkfifo(filepath.Join(project, ".mise.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(project, "mise.toml")); err != nil {
		t.Fatal(err)
	}
	p, notes, err = findPinSoon(t, project)
	if err != nil || p == nil || p.Spec != "1.31.0" {
		t.Fatalf("FIFO and /dev/zero: %+v, %v", p, err)
	}
	if got := strings.Join(notes, "\n"); !strings.Contains(got, "named pipe") || !strings.Contains(got, "character device") {
		t.Errorf("notes: %q", notes)
	}
}

// As another user (setpriv, as on a shared machine): root's pin counts,
// the user's own counts, another user's is passed over even when it cannot
// be read, and the user's own unreadable file is an error naming it.
func TestPinsAsAnotherUser(t *testing.T) {
	if os.Getenv("KUBEBOOT_PIN_HELPER") != "" {
		t.Skip("helper")
	}
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv")
	}
	// The test binary, where uid 65534 may run it.
	bindir := testutil.TempDir(t)
	os.Chmod(bindir, 0o755)
	self, _ := os.Executable()
	bin := filepath.Join(bindir, "store.test")
	copyExe(t, self, bin)

	base := testutil.TempDir(t)
	os.Chmod(base, 0o755)
	write(t, filepath.Join(base, ".tool-versions"), "kubectl 1.31.0\n") // root's
	tmp := filepath.Join(base, "tmp")
	os.Mkdir(tmp, 0o777)
	os.Chmod(tmp, 0o777|os.ModeSticky)
	write(t, filepath.Join(tmp, ".tool-versions"), "kubectl 1.30.0\n")
	os.Chown(filepath.Join(tmp, ".tool-versions"), 1000, 1000)
	work := filepath.Join(tmp, "work")
	os.Mkdir(work, 0o755)
	os.Chown(work, 65534, 65534)

	find := func() (p *Pin, errText string, notes []string) {
		t.Helper()
		cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-test.run=^TestPinHelper$")
		cmd.Env = []string{"KUBEBOOT_PIN_HELPER=" + work, "TMPDIR=" + tmp}
		out, err := cmd.Output()
		var r pinHelperResult
		if jerr := json.Unmarshal(out, &r); err != nil || jerr != nil {
			t.Fatalf("helper: %v %v\n%s", err, jerr, out)
		}
		return r.Pin, r.Err, r.Notes
	}
	// Nothing of the user's: root's pin, another user's passed over.
	p, e, notes := find()
	if e != "" || p == nil || p.Spec != "1.31.0" || len(notes) != 1 || !strings.Contains(notes[0], "belongs to owner 1000, not to you (65534)") {
		t.Fatalf("root's pin: %+v %q %q", p, e, notes)
	}
	// The user's own.
	own := filepath.Join(work, "mise.toml")
	write(t, own, "[tools]\nkubectl = \"1.36\"\n")
	os.Chown(own, 65534, 65534)
	if p, e, _ := find(); e != "" || p == nil || p.Spec != "1.36" || p.Source != own {
		t.Errorf("own pin: %+v %q", p, e)
	}
	// Another user's unreadable file beside it is passed over, not an error.
	secret := filepath.Join(work, ".mise.toml")
	write(t, secret, "[tools]\nkubectl = \"1.20\"\n")
	os.Chown(secret, 1000, 1000)
	os.Chmod(secret, 0o600)
	if p, e, notes := find(); e != "" || p == nil || p.Spec != "1.36" || len(notes) == 0 || !strings.Contains(notes[0], secret) {
		t.Errorf("another user's unreadable pin: %+v %q %q", p, e, notes)
	}
	// The user's own unreadable file: an error naming it.
	os.Chown(secret, 65534, 65534)
	os.Chmod(secret, 0o000)
	if p, e, _ := find(); p != nil || !strings.Contains(e, secret+": cannot read it: permission denied") {
		t.Errorf("own unreadable pin: %+v %q", p, e)
	}
}

type pinHelperResult struct {
	Pin   *Pin
	Err   string
	Notes []string
}

// TestPinHelper is TestPinsAsAnotherUser's child: FindPin as JSON.
func TestPinHelper(t *testing.T) {
	dir := os.Getenv("KUBEBOOT_PIN_HELPER")
	if dir == "" {
		t.Skip("run by TestPinsAsAnotherUser")
	}
	var r pinHelperResult
	p, err := FindPin(dir, PinOptions{Logf: func(f string, a ...any) { r.Notes = append(r.Notes, fmt.Sprintf(f, a...)) }})
	r.Pin = p
	if err != nil {
		r.Err = err.Error()
		if !errors.Is(err, ErrBadPin) {
			r.Err = "not ErrBadPin: " + r.Err
		}
	}
	json.NewEncoder(os.Stdout).Encode(r)
	os.Exit(0) // nothing else on stdout
}

func copyExe(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
