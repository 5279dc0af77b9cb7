package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// storeNow records sha for the file at path under its identity now.
func storeNow(c *digestCache, path, sha string) {
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	if id, ok := identityOf(fi); ok {
		c.store(path, id, sha)
	}
}

// A kubectl replaced while it is being hashed must not leave the new file's
// identity paired with the old file's digest: every later run would then
// call the new file up to date.
func TestDigestCacheNeverPairsANewFileWithAnOldDigest(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the digest cache is off on Windows")
	}
	dir := testutil.TempDir(t)
	c := &digestCache{memo[cacheEntry]{path: filepath.Join(dir, "cache", "digests.json")}}
	file := filepath.Join(dir, "kubectl")
	oldBytes, newBytes := []byte("the kubectl being hashed"), []byte("the kubectl that replaced it")
	os.WriteFile(file, oldBytes, 0o755)
	fileid.TestHookHashing = func(string) {
		next := filepath.Join(dir, "next")
		os.WriteFile(next, newBytes, 0o755)
		if err := os.Rename(next, file); err != nil {
			t.Error(err)
		}
	}
	defer func() { fileid.TestHookHashing = nil }()
	if got := c.currentDigest(file); got != sha(oldBytes) {
		t.Fatalf("digest = %s, want that of the file opened (%s)", got, sha(oldBytes))
	}
	fileid.TestHookHashing = nil
	if got, ok := c.lookup(file); ok && got != sha(newBytes) {
		t.Fatalf("the cache says the replacing file has the old file's digest %s", got)
	}
	if got := c.currentDigest(file); got != sha(newBytes) {
		t.Fatalf("digest of the new file = %s, want %s", got, sha(newBytes))
	}

	// Rewritten in place while hashed: nothing is cached at all.
	fileid.TestHookHashing = func(string) {
		time.Sleep(10 * time.Millisecond)
		os.WriteFile(file, []byte("rewritten in place!!!!!!!!!!"), 0o755)
	}
	os.WriteFile(file, oldBytes, 0o755)
	c.currentDigest(file)
	fileid.TestHookHashing = nil
	if got, ok := c.lookup(file); ok {
		t.Fatalf("a file rewritten while hashed was cached as %s", got)
	}
}

func TestDigestCacheTrustsOnlyUnchangedFiles(t *testing.T) {
	dir := testutil.TempDir(t)
	c := &digestCache{memo[cacheEntry]{path: filepath.Join(dir, "cache", "digests.json")}}
	file := filepath.Join(dir, "kubectl")
	os.WriteFile(file, []byte("version one"), 0o755)
	storeNow(c, file, "digest-one")
	if runtime.GOOS == "windows" {
		// No trustworthy identity there: the cache must never answer.
		if _, ok := c.lookup(file); ok {
			t.Fatal("the digest cache answered on Windows")
		}
		return
	}
	if got, ok := c.lookup(file); !ok || got != "digest-one" {
		t.Fatalf("lookup after store = %q, %v", got, ok)
	}
	// Same size, same modification time, other bytes: the change time (or
	// inode) still gives it away.
	fi, _ := os.Stat(file)
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(file, []byte("version two"), 0o755)
	os.Chtimes(file, fi.ModTime(), fi.ModTime())
	if got, ok := c.lookup(file); ok {
		t.Fatalf("a rewritten file was trusted: %q", got)
	}
	// A corrupt cache file is an empty cache.
	os.WriteFile(c.path, []byte("{not json"), 0o600)
	if _, ok := c.lookup(file); ok {
		t.Fatal("a corrupt cache answered")
	}
	storeNow(c, file, "digest-two")
	if got, ok := c.lookup(file); !ok || got != "digest-two" {
		t.Fatalf("store over a corrupt cache: %q, %v", got, ok)
	}
	// Entries of deleted files are dropped at the next store.
	gone := filepath.Join(dir, "gone")
	os.WriteFile(gone, []byte("x"), 0o755)
	storeNow(c, gone, "digest-gone")
	os.Remove(gone)
	storeNow(c, file, "digest-three")
	if n := len(c.load()); n != 1 {
		t.Errorf("cache holds %d entries after a file vanished, want 1", n)
	}
	// Disabled cache: never answers.
	if _, ok := (&digestCache{}).lookup(file); ok {
		t.Fatal("a disabled cache answered")
	}
}

// A kubectl swapped behind kubeboot's back (same size, time put back) is
// reinstalled, not reported as up to date from the cache.
func TestInstallDoesNotTrustCacheForSwappedFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the change time is a Unix notion")
	}
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	good := standins["v1.37.2"]
	bad := append([]byte(nil), good...)
	bad[100] ^= 1
	fi, _ := os.Stat(res.Path)
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(res.Path, bad, 0o755)
	os.Chtimes(res.Path, fi.ModTime(), fi.ModTime())
	again, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Changed {
		t.Fatal("a swapped kubectl was reported up to date")
	}
	if got, _ := os.ReadFile(res.Path); string(got) != string(good) {
		t.Fatal("the swapped kubectl was not replaced")
	}
	// And an untouched one is up to date without downloading.
	before := kubectlRequests(m)
	if r, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil || r.Changed || kubectlRequests(m) != before {
		t.Fatalf("rerun: %+v, %v", r, err)
	}
}
