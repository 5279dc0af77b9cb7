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

// A link is judged as itself (who made it, where) before its target: a
// link another user planted in a sticky shared folder pins nothing, even
// to root's file; a root file anyone may write pins nothing; a link of
// one's own to a good file pins.
func TestPinLinksAndWritableFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown files to another user")
	}
	base := testutil.TempDir(t)
	os.Chmod(base, 0o755)
	write(t, filepath.Join(base, ".tool-versions"), "kubectl 1.31.0\n") // root's
	elsewhere := filepath.Join(base, "elsewhere")
	os.Mkdir(elsewhere, 0o755)
	rootPin := filepath.Join(elsewhere, ".tool-versions")
	write(t, rootPin, "kubectl 1.20.0\n") // root's, a good file
	shared := filepath.Join(base, "shared")
	os.Mkdir(shared, 0o777)
	os.Chmod(shared, 0o777|os.ModeSticky)
	project := filepath.Join(shared, "project")
	os.Mkdir(project, 0o755)
	planted := filepath.Join(shared, ".tool-versions")
	if err := os.Symlink(rootPin, planted); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(planted, 12345, 12345); err != nil {
		t.Fatal(err)
	}
	p, notes, err := findPinSoon(t, project)
	if err != nil || p == nil || p.Spec != "1.31.0" {
		t.Fatalf("another user's link in the shared parent pinned: %+v, %v", p, err)
	}
	if got := strings.Join(notes, "\n"); !strings.Contains(got, planted) || !strings.Contains(got, "belongs to owner 12345") {
		t.Errorf("notes: %q", notes)
	}
	// root's file, writable by all: passed over.
	loose := filepath.Join(project, "mise.toml")
	write(t, loose, "[tools]\nkubectl = \"1.19\"\n")
	os.Chmod(loose, 0o666)
	if p, notes, err := findPinSoon(t, project); err != nil || p == nil || p.Spec != "1.31.0" || !strings.Contains(strings.Join(notes, "\n"), "may be changed by other users") {
		t.Errorf("a file anyone may write: %+v, %v, %q", p, err, notes)
	}
	os.Remove(loose)
	// One's own link (relative) to a good file: followed.
	if err := os.Symlink("../../elsewhere/.tool-versions", filepath.Join(project, ".tool-versions")); err != nil {
		t.Fatal(err)
	}
	if p, _, err := findPinSoon(t, project); err != nil || p == nil || p.Spec != "1.20.0" || p.Source != filepath.Join(project, ".tool-versions") {
		t.Errorf("own link: %+v, %v", p, err)
	}
	// ... but not when its target may be changed by others.
	os.Chmod(rootPin, 0o666)
	if p, notes, err := findPinSoon(t, project); err != nil || p == nil || p.Spec != "1.31.0" || !strings.Contains(strings.Join(notes, "\n"), "links to "+rootPin) {
		t.Errorf("own link to a loose file: %+v, %v, %q", p, err, notes)
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
	// Another user's link in the shared folder, to a file in their own
	// private folder: passed over, not "permission denied".
	private := filepath.Join(base, "private")
	os.Mkdir(private, 0o700)
	write(t, filepath.Join(private, "pin"), "[tools]\nkubectl = \"1.21\"\n")
	os.Chown(filepath.Join(private, "pin"), 1000, 1000)
	os.Chown(private, 1000, 1000)
	link := filepath.Join(tmp, ".mise.toml")
	os.Symlink(filepath.Join(private, "pin"), link)
	os.Lchown(link, 1000, 1000)
	if p, e, notes := find(); e != "" || p == nil || p.Spec != "1.31.0" || !strings.Contains(strings.Join(notes, "\n"), link) {
		t.Fatalf("another user's link to their private file: %+v %q %q", p, e, notes)
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
