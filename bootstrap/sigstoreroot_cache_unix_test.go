//go:build unix

package bootstrap

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"net/http/httptest"
)

// Root running kubeboot with a user's cache folder (sudo keeping HOME):
// the folders it makes for the kept trust root are root's own, 0700, not
// the user's (as the parent's owner would have it), so the user cannot
// swap the copy root then trusts; and a kept copy in folders of another
// user's (as an earlier version made them) is not used.
func TestKeptTrustRootOfAnotherUserIsNotUsed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to play two users")
	}
	good, evil := sigtest.NewCA(t, sigtest.Options{}), sigtest.NewCA(t, sigtest.Options{})
	repo, _ := tuftest.New(t, good.TrustedRootJSON())
	srv := httptest.NewServer(repo.Handler())
	t.Cleanup(srv.Close)
	home, err := os.MkdirTemp("", "kubeboot home")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	os.Chmod(home, 0o755)
	os.Chown(home, 65534, 65534)
	opts := Options{CacheDir: filepath.Join(home, "cache", "kubeboot"), Signature: SignatureOptions{TUFURL: srv.URL, TUFRoot: repo.Root1}}
	if pub, err := publishedBy(t, opts, good); err != nil || !pub.Signature.Verified {
		t.Fatalf("the repository's own CA: %v", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(opts.CacheDir, "sigstore-tuf", "*"))
	if len(dirs) != 1 {
		t.Fatalf("cache holds %v", dirs)
	}
	for _, d := range []string{filepath.Join(home, "cache"), opts.CacheDir, filepath.Dir(dirs[0]), dirs[0]} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: owner %d, mode %v; want root's, 0700", d, st.Uid, fi.Mode().Perm())
		}
	}
	// As an earlier version left it: the user's folders. The user swaps
	// the copy for their CA's, with a state that would verify.
	own, _ := tuftest.New(t, evil.TrustedRootJSON())
	_ = own
	filepath.WalkDir(filepath.Join(home, "cache"), func(p string, _ fs.DirEntry, _ error) error { return os.Chown(p, 65534, 65534) })
	evilFile := filepath.Join(home, "evil.json")
	os.WriteFile(evilFile, evil.TrustedRootJSON(), 0o644)
	cmd := exec.Command("sh", "-c", `cp "$1" "$2.new" && mv "$2.new" "$2"`, "sh", evilFile, filepath.Join(dirs[0], "trusted_root.json"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the other user could not write their own folder: %v: %s", err, out)
	}
	if pub, err := publishedBy(t, opts, evil); err == nil && pub.Signature != nil && pub.Signature.Verified {
		t.Fatalf("a kubectl signed by another user's CA verified through the copy that user put in %s", dirs[0])
	}
}
