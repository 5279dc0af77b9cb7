//go:build unix

package kubeconfig

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// The user's uid and gid in the sudo tests: someone other than root.
const userUID, userGID = 4321, 4322

func ownerOf(t *testing.T, path string) (uid, gid int, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid), fi.Mode().Perm()
}

// sudoHome is a home folder owned by the user, traversable by them.
func sudoHome(t *testing.T) *importEnv {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test plays sudo with a home owned by another uid")
	}
	e := newImportEnv(t)
	os.Chmod(e.home, 0o755)
	for _, p := range []string{e.home, e.downloads} {
		if err := os.Chown(p, userUID, userGID); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Run as root (sudo keeping HOME), an import keeps the user's file, its
// backup and a folder it creates the user's, with their mode; the real
// kubectl, run as the user, can still read and write it.
func TestImportAsRootKeepsOwner(t *testing.T) {
	e := sudoHome(t)
	kube := filepath.Dir(e.kubeconfig)
	src := e.download(t, "coreweave.yaml")

	// No ~/.kube yet: created for the user.
	if _, err := Import(context.Background(), e.opts(src)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{kube, e.kubeconfig} {
		if uid, gid, _ := ownerOf(t, p); uid != userUID || gid != userGID {
			t.Errorf("%s owned by %d:%d, want the user's %d:%d", p, uid, gid, userUID, userGID)
		}
	}
	if _, _, mode := ownerOf(t, e.kubeconfig); mode != 0o600 {
		t.Errorf("new file mode %v, want 0600", mode)
	}

	// An existing file with the user's own mode keeps owner and mode; its
	// backup is the user's too, and private (0600) whatever that mode.
	os.Chmod(e.kubeconfig, 0o640)
	opts := e.opts(copyInto(t, "testdata/corpus/coreweave-other-org.yaml", e.downloads, "b"))
	opts.Policy = ConflictReplace
	res, err := Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{e.kubeconfig: 0o640, res.Backup: 0o600} {
		if uid, gid, mode := ownerOf(t, p); uid != userUID || gid != userGID || mode != want {
			t.Errorf("%s: %d:%d %v, want %d:%d %04o", p, uid, gid, mode, userUID, userGID, want)
		}
	}

	bin := kubectlForUser(t)
	if bin == "" {
		return
	}
	for _, args := range [][]string{{"config", "view"}, {"config", "set-context", "mine", "--cluster=coreweave"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"HOME=" + e.home}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: userUID, Gid: userGID}}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("kubectl %v as the user after a sudo import: %v\n%s", args, err, out)
		}
	}
}

// kubectlForUser copies the real kubectl where the user may run it, or
// returns "" when KUBEBOOT_TEST_KUBECTL is unset.
func kubectlForUser(t *testing.T) string {
	p := os.Getenv("KUBEBOOT_TEST_KUBECTL")
	if p == "" {
		t.Log("KUBEBOOT_TEST_KUBECTL is not set: the real kubectl part is skipped")
		return ""
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	dst := filepath.Join(dir, "kubectl")
	in, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return dst
}

// Run as root with the user's HOME (sudo), List and Use leave the summary
// folder they create under the user's cache, and the summaries in it, the
// user's, and Use's backup link keeps the user's file as it was.
func TestSummariesAsRootKeepOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test plays sudo with a home owned by another uid")
	}
	opts, config := cachedEnv(t, "multi.yaml")
	home := opts.Home
	for _, p := range []string{home, filepath.Dir(config), config} {
		if err := os.Chown(p, userUID, userGID); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(home, 0o755)
	if _, err := List(opts); err != nil {
		t.Fatal(err)
	}
	r, err := Use(context.Background(), "prod-alice", opts)
	if err != nil {
		t.Fatal(err)
	}
	check := []string{filepath.Join(home, ".cache"), filepath.Join(home, ".cache", "kubeboot"), opts.CacheDir, config, r.Edit.Written[0].Backup}
	for _, f := range summaryFiles(t, opts.CacheDir) {
		check = append(check, filepath.Join(opts.CacheDir, f))
	}
	for _, p := range check {
		if uid, gid, _ := ownerOf(t, p); uid != userUID || gid != userGID {
			t.Errorf("%s owned by %d:%d, want the user's %d:%d", p, uid, gid, userUID, userGID)
		}
	}
}
