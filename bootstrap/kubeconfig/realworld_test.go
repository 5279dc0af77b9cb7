package kubeconfig

// Tests of Import the way people's machines are: kubectl's lock, sudo,
// symlinked folders, backups that pile up, files rewritten in place.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// A relative symlink inside a symlinked folder is resolved from the real
// folder, as the kernel (and so kubectl) resolves it, not lexically.
func TestImportRelativeLinkInLinkedFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	e := newImportEnv(t)
	// ~/.kube -> ~/dotfiles/kube (a symlinked folder) and
	// ~/.kube/config -> ../kubeconfigs/main, which the kernel reads as
	// ~/dotfiles/kubeconfigs/main; lexically it would be ~/kubeconfigs/main.
	dot := filepath.Join(e.home, "dotfiles")
	real := copyInto(t, "testdata/corpus/multi.yaml", filepath.Join(dot, "kubeconfigs"), "main")
	os.MkdirAll(filepath.Join(dot, "kube"), 0o700)
	if err := os.Symlink(filepath.Join(dot, "kube"), filepath.Join(e.home, ".kube")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../kubeconfigs/main", filepath.Join(dot, "kube", "config")); err != nil {
		t.Fatal(err)
	}
	before := mustLoad(t, real)
	res, err := Import(context.Background(), e.opts(e.download(t, "coreweave.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	if res.File != real {
		t.Errorf("File = %s, want %s (where the kernel resolves the link)", res.File, real)
	}
	if _, err := os.Lstat(filepath.Join(e.home, "kubeconfigs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a lexically resolved folder was created: %v", err)
	}
	got := mustLoad(t, filepath.Join(e.home, ".kube", "config")) // what kubectl opens
	if !got.has(KindContext, "coreweave") {
		t.Error("the file kubectl reads did not get the context")
	}
	for _, c := range before.Contexts {
		if !got.has(KindContext, c.Name) {
			t.Errorf("context %s lost", c.Name)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dot, "kube", "config")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
}

// Backups: the newest DefaultKeepBackups stay; nothing that is not one of
// Import's backups of this file is ever removed.
func TestImportPrunesBackups(t *testing.T) {
	e := newImportEnv(t)
	kube := filepath.Dir(e.kubeconfig)
	copyInto(t, "testdata/corpus/multi.yaml", kube, "config")
	// Look-alikes that must survive.
	keep := []string{
		"config.kubeboot-backup-notes", "config.kubeboot-backup-20200101T000000Z.txt", "config.bak",
		"other.kubeboot-backup-20200101T000000Z", "config.kubeboot-backup-20200101T000000Z-x",
	}
	for _, n := range keep {
		os.WriteFile(filepath.Join(kube, n), []byte("mine"), 0o600)
	}
	// An old backup that is a folder, and a symlink named like one.
	os.Mkdir(filepath.Join(kube, "config.kubeboot-backup-20200101T000001Z"), 0o700)
	keep = append(keep, "config.kubeboot-backup-20200101T000001Z")
	link := filepath.Join(kube, "config.kubeboot-backup-20200101T000002Z")
	// Windows (and Wine) may refuse a symlink, or show it as a plain file.
	if os.Symlink("config.bak", link) == nil {
		if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			keep = append(keep, filepath.Base(link))
		} else {
			os.Remove(link)
		}
	}

	srcs := []string{e.download(t, "coreweave.yaml"), copyInto(t, "testdata/corpus/coreweave-other-org.yaml", e.downloads, "b")}
	for i := 0; i < 9; i++ {
		opts := e.opts(srcs[i%2])
		opts.Policy = ConflictReplace
		n := i
		// Two imports in the same second share a stamp: -2 suffix.
		opts.Now = func() time.Time { return time.Date(2026, 12, 1, 10, 0, n/2, 0, time.UTC) }
		if _, err := Import(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
	}
	var backups []string
	entries, _ := os.ReadDir(kube)
	for _, en := range entries {
		if backupRE().MatchString(strings.TrimPrefix(en.Name(), "config")) && en.Type().IsRegular() {
			backups = append(backups, en.Name())
		}
	}
	sort.Strings(backups)
	want := []string{
		"config.kubeboot-backup-20261201T100002Z", "config.kubeboot-backup-20261201T100002Z-2",
		"config.kubeboot-backup-20261201T100003Z", "config.kubeboot-backup-20261201T100003Z-2",
		"config.kubeboot-backup-20261201T100004Z",
	}
	if strings.Join(backups, " ") != strings.Join(want, " ") {
		t.Errorf("backups kept:\n%s\nwant the newest five:\n%s", strings.Join(backups, "\n"), strings.Join(want, "\n"))
	}
	for _, n := range keep {
		if _, err := os.Lstat(filepath.Join(kube, n)); err != nil {
			t.Errorf("%s (not a kubeboot backup) was removed", n)
		}
	}

	// KeepBackups < 0 keeps them all; 2 keeps two.
	opts := e.opts(srcs[1])
	opts.Policy, opts.KeepBackups = ConflictReplace, 2
	opts.Now = func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }
	if _, err := Import(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(kube, "config.kubeboot-backup-2026*"))
	if len(matches) != 2 {
		t.Errorf("KeepBackups 2 left %v", matches)
	}
}

// kubectl's <file>.lock is waited for, then taken: Import does not read or
// write while kubectl holds it, and removes its own afterwards.
func TestImportWaitsForKubectlLock(t *testing.T) {
	e := newImportEnv(t)
	copyInto(t, "testdata/corpus/multi.yaml", filepath.Dir(e.kubeconfig), "config")
	lock := e.kubeconfig + ".lock"
	if err := os.WriteFile(lock, nil, 0); err != nil { // as client-go creates it
		t.Fatal(err)
	}
	src := e.download(t, "coreweave.yaml")
	// While kubectl holds the lock, it rewrites the file; the import must
	// see that version.
	go func() {
		time.Sleep(300 * time.Millisecond)
		b := readFile(t, e.kubeconfig)
		b = append(b, []byte("preferences: {colors: true}\n")...)
		os.WriteFile(e.kubeconfig, b, 0o600)
		os.Remove(lock)
	}()
	opts := e.opts(src)
	opts.LockTimeout = 20 * time.Second
	start := time.Now()
	if _, err := Import(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 250*time.Millisecond {
		t.Errorf("Import finished in %v while kubectl held its lock", time.Since(start))
	}
	got := mustLoad(t, e.kubeconfig)
	if !got.has(KindContext, "coreweave") || !strings.Contains(string(got.other["preferences"]), "colors") {
		t.Errorf("lost either kubectl's write or the import:\n%s", readFile(t, e.kubeconfig))
	}
	if _, err := os.Lstat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left after the import: %v", lock, err)
	}

	// A lock that stays: a *LockError naming kubectl, the file untouched.
	os.WriteFile(lock, nil, 0)
	before := readFile(t, e.kubeconfig)
	opts = e.opts(copyInto(t, "testdata/corpus/coreweave-other-org.yaml", e.downloads, "b"))
	opts.Policy, opts.LockTimeout = ConflictReplace, 200*time.Millisecond
	_, err := Import(context.Background(), opts)
	var le *LockError
	if !errors.As(err, &le) || !errors.Is(err, ErrLockTimeout) || le.Holder != HolderKubectl || le.Lock != lock {
		t.Fatalf("err = %#v, want a *LockError for kubectl's %s", err, lock)
	}
	if string(readFile(t, e.kubeconfig)) != string(before) {
		t.Error("the file changed although the lock was never free")
	}
	if _, err := os.Lstat(lock); err != nil {
		t.Error("kubectl's lock was removed by the import that timed out")
	}

	// A lock with kubeboot's marker, left by a killed import (no process
	// holds its OS lock), is removed.
	os.WriteFile(lock, []byte(lockMarker+"99999\n"), 0o600)
	if _, err := Import(context.Background(), opts); err != nil {
		t.Fatalf("stale kubeboot lock: %v", err)
	}
	if _, err := os.Lstat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale lock still there: %v", err)
	}
}

// A file truncated by a writer that rewrites in place is not an empty
// kubeconfig.
func TestReadSettledRereadsATruncatedFile(t *testing.T) {
	path := filepath.Join(testutil.TempDir(t), "config")
	os.WriteFile(path, nil, 0o600)
	go func() {
		time.Sleep(40 * time.Millisecond)
		os.WriteFile(path, []byte("current-context: x\n"), 0o600)
	}()
	got, err := readSettled(context.Background(), path, func(string, ...any) {})
	if err != nil || string(got) != "current-context: x\n" {
		t.Fatalf("readSettled = %q, %v; want the rewritten content", got, err)
	}
	// A file that stays empty is empty.
	os.WriteFile(path, nil, 0o600)
	if got, err := readSettled(context.Background(), path, func(string, ...any) {}); err != nil || len(got) != 0 {
		t.Fatalf("readSettled of an empty file = %q, %v", got, err)
	}
}
