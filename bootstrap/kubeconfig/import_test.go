package kubeconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 28, 23, 23, 5, 0, time.UTC) }

// importEnv is a home folder with a Downloads folder and no KUBECONFIG.
type importEnv struct {
	home, kubeconfig, downloads string
	logs                        []string
	mu                          sync.Mutex
}

func newImportEnv(t *testing.T) *importEnv {
	home := testutil.TempDir(t)
	e := &importEnv{home: home, kubeconfig: filepath.Join(home, ".kube", "config"), downloads: filepath.Join(home, "Downloads")}
	os.MkdirAll(e.downloads, 0o755)
	return e
}

func (e *importEnv) opts(src string) ImportOptions {
	return ImportOptions{
		Source: src, Now: fixedNow, Home: e.home,
		Getenv: func(string) string { return "" },
		Logf: func(f string, a ...any) {
			e.mu.Lock()
			e.logs = append(e.logs, fmt.Sprintf(f, a...))
			e.mu.Unlock()
		},
	}
}

func (e *importEnv) download(t *testing.T, corpus string) string {
	return copyInto(t, filepath.Join("testdata", "corpus", corpus), e.downloads, "cw-kubeconfig")
}

func TestImportIntoMissingKube(t *testing.T) {
	e := newImportEnv(t)
	src := e.download(t, "coreweave.yaml")
	res, err := Import(context.Background(), e.opts(src))
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != e.kubeconfig || res.File != e.kubeconfig || !res.Written || !res.Created || res.Backup != "" {
		t.Errorf("result = %+v", res)
	}
	if res.Context != "coreweave" || res.PreviousContext != "" {
		t.Errorf("context = %q (previous %q)", res.Context, res.PreviousContext)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(filepath.Dir(e.kubeconfig))
		if fi.Mode().Perm() != 0o700 {
			t.Errorf(".kube mode = %v, want 0700", fi.Mode().Perm())
		}
		fi, _ = os.Stat(e.kubeconfig)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("config mode = %v, want 0600", fi.Mode().Perm())
		}
	}
	got := mustLoad(t, e.kubeconfig)
	want := mustLoad(t, src)
	for _, k := range Kinds {
		for _, w := range want.Entries(k) {
			if g, ok := got.Lookup(k, w.Name); !ok || !sameEntry(k, g, w) {
				t.Errorf("%s %q not written as imported", k, w.Name)
			}
		}
	}
	if tok, err := Token(got, ""); err != nil || !strings.HasPrefix(tok, "FAKE-CW-TOKEN-0000") {
		t.Errorf("token after import: %v", err)
	}
	// Only the config: no lock or temp file left behind.
	entries, _ := os.ReadDir(filepath.Dir(e.kubeconfig))
	for _, ent := range entries {
		if ent.Name() != "config" {
			t.Errorf("unexpected file %s", ent.Name())
		}
	}
}

func TestImportBacksUpOnlyWhenChanging(t *testing.T) {
	e := newImportEnv(t)
	copyInto(t, "testdata/corpus/multi.yaml", filepath.Dir(e.kubeconfig), "config")
	before := readFile(t, e.kubeconfig)
	src := e.download(t, "coreweave.yaml")
	res, err := Import(context.Background(), e.opts(src))
	if err != nil {
		t.Fatal(err)
	}
	wantBackup := e.kubeconfig + ".kubeboot-backup-20261128T232305Z"
	if res.Backup != wantBackup || !res.Written || res.Created {
		t.Fatalf("result = %+v", res)
	}
	if !bytes.Equal(readFile(t, wantBackup), before) {
		t.Error("backup differs from the previous file")
	}
	if fi, _ := os.Stat(wantBackup); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", fi.Mode().Perm())
	}
	if res.PreviousContext != "staging-alice" || res.Context != "coreweave" {
		t.Errorf("contexts: %q → %q", res.PreviousContext, res.Context)
	}
	out := mustLoad(t, e.kubeconfig)
	assertEveryEntrySurvives(t, mustLoad(t, wantBackup), mustLoad(t, src), out, res.Changes)

	// The same import again changes nothing and makes no backup.
	after := readFile(t, e.kubeconfig)
	res, err = Import(context.Background(), e.opts(src))
	if err != nil {
		t.Fatal(err)
	}
	if res.Written || res.Backup != "" || !res.Changes.Empty() {
		t.Errorf("second import: %+v", res)
	}
	if !bytes.Equal(readFile(t, e.kubeconfig), after) {
		t.Error("a no-op import rewrote the file")
	}
	backups, _ := filepath.Glob(e.kubeconfig + ".kubeboot-backup-*")
	if len(backups) != 1 {
		t.Errorf("backups = %v", backups)
	}

	// A changing import with the same clock gets a unique backup name.
	opts := e.opts(e.download(t, "eks.yaml"))
	res, err = Import(context.Background(), opts)
	if err != nil || res.Backup != wantBackup+"-2" {
		t.Errorf("third import: %+v, %v", res, err)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	e := newImportEnv(t)
	src := e.download(t, "coreweave.yaml")
	opts := e.opts(src)
	opts.DryRun = true
	res, err := Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Written || !res.DryRun || res.Context != "coreweave" || len(res.Changes.Contexts.Added) != 1 {
		t.Errorf("dry run result = %+v", res)
	}
	if _, err := os.Stat(filepath.Dir(e.kubeconfig)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run created %s", filepath.Dir(e.kubeconfig))
	}

	copyInto(t, "testdata/corpus/multi.yaml", filepath.Dir(e.kubeconfig), "config")
	before := readFile(t, e.kubeconfig)
	res, err = Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Backup == "" || !res.Written {
		t.Errorf("dry run should announce the backup: %+v", res)
	}
	entries, _ := os.ReadDir(filepath.Dir(e.kubeconfig))
	if len(entries) != 1 || !bytes.Equal(readFile(t, e.kubeconfig), before) {
		t.Errorf("dry run touched the folder: %d entries", len(entries))
	}
}

func TestImportConflictFailsAndKeepsOriginal(t *testing.T) {
	e := newImportEnv(t)
	copyInto(t, "testdata/corpus/coreweave.yaml", filepath.Dir(e.kubeconfig), "config")
	before := readFile(t, e.kubeconfig)
	_, err := Import(context.Background(), e.opts(e.download(t, "coreweave-other-org.yaml")))
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	assertNoSecret(t, "conflict error", err.Error())
	if !bytes.Equal(readFile(t, e.kubeconfig), before) {
		t.Error("a failed import changed the file")
	}
	if b, _ := filepath.Glob(e.kubeconfig + ".kubeboot-backup-*"); len(b) != 0 {
		t.Errorf("backup made for a failed import: %v", b)
	}

	opts := e.opts(e.download(t, "coreweave-other-org.yaml"))
	opts.Policy = ConflictRename
	res, err := Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Context != "coreweave-2" || res.PreviousContext != "coreweave" {
		t.Errorf("selected %q after rename, previous %q", res.Context, res.PreviousContext)
	}
	out := mustLoad(t, e.kubeconfig)
	if tok, _ := Token(out, ""); !strings.HasPrefix(tok, "FAKE-CW-TOKEN-1111") {
		t.Error("the renamed context does not reach the new token")
	}
	if tok, _ := Token(out, "coreweave"); !strings.HasPrefix(tok, "FAKE-CW-TOKEN-0000") {
		t.Error("the old context lost its token")
	}
}

func TestImportContextSelection(t *testing.T) {
	e := newImportEnv(t)
	copyInto(t, "testdata/corpus/coreweave.yaml", filepath.Dir(e.kubeconfig), "config")
	ctx := context.Background()

	opts := e.opts(e.download(t, "multi.yaml"))
	res, err := Import(ctx, opts)
	if err != nil || res.Context != "staging-alice" {
		t.Errorf("default selection = %q, %v; want the incoming current-context", res.Context, err)
	}
	opts.Context = "coreweave" // defined by the target only
	if res, err = Import(ctx, opts); err != nil || res.Context != "coreweave" || !res.Written {
		t.Errorf("explicit existing context: %+v, %v", res, err)
	}
	opts.Context = "ghost"
	before := readFile(t, e.kubeconfig)
	if _, err = Import(ctx, opts); !errors.Is(err, ErrUnknownContext) {
		t.Errorf("unknown context: %v", err)
	}
	if !bytes.Equal(before, readFile(t, e.kubeconfig)) {
		t.Error("a failed selection changed the file")
	}
	opts.Context = "prod-alice"
	opts.NoSwitch = true
	if res, err = Import(ctx, opts); err != nil || res.Context != "coreweave" || res.Written {
		t.Errorf("no-switch: %+v, %v", res, err)
	}
	if mustLoad(t, e.kubeconfig).CurrentContext != "coreweave" {
		t.Error("no-switch switched")
	}
}

func TestImportSymlinkStaysSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	e := newImportEnv(t)
	real := copyInto(t, "testdata/corpus/multi.yaml", filepath.Join(e.home, "dotfiles"), "kubeconfig")
	os.MkdirAll(filepath.Dir(e.kubeconfig), 0o700)
	if err := os.Symlink("../dotfiles/kubeconfig", e.kubeconfig); err != nil {
		t.Fatal(err)
	}
	res, err := Import(context.Background(), e.opts(e.download(t, "coreweave.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	if res.File != filepath.Join(e.kubeconfig, "..", "..", "dotfiles", "kubeconfig") && res.File != filepath.Join(filepath.Dir(e.kubeconfig), "../dotfiles/kubeconfig") {
		t.Errorf("File = %q", res.File)
	}
	fi, err := os.Lstat(e.kubeconfig)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the kubeconfig is no longer a symlink: %v %v", fi.Mode(), err)
	}
	if !mustLoad(t, real).has(KindContext, "coreweave") {
		t.Error("the link's target was not updated")
	}
	if _, err := os.Stat(real + ".kubeboot-backup-20261128T232305Z"); err != nil {
		t.Errorf("backup not beside the real file: %v", err)
	}
}

func TestImportKubeconfigListTarget(t *testing.T) {
	e := newImportEnv(t)
	a := filepath.Join(e.home, "a", "config")
	b := copyInto(t, "testdata/corpus/multi.yaml", filepath.Join(e.home, "b"), "config")
	opts := e.opts(e.download(t, "coreweave.yaml"))
	opts.Getenv = func(k string) string {
		if k == "KUBECONFIG" {
			return a + string(os.PathListSeparator) + b
		}
		return ""
	}
	res, err := Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != b {
		t.Errorf("target = %q, want the first existing file %q", res.Target, b)
	}
	if _, err := os.Stat(a); err == nil {
		t.Error("created the missing first file")
	}
}

func TestImportInvalidFilesKeepOriginal(t *testing.T) {
	e := newImportEnv(t)
	dir := filepath.Dir(e.kubeconfig)
	os.MkdirAll(dir, 0o700)
	os.WriteFile(e.kubeconfig, []byte("clusters:\n- name: x\n  cluster: {server: https://x}\n   oops: 1\n"), 0o600)
	before := readFile(t, e.kubeconfig)
	_, err := Import(context.Background(), e.opts(e.download(t, "coreweave.yaml")))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Path != e.kubeconfig || pe.Line == 0 {
		t.Errorf("invalid target: %v", err)
	}
	if !bytes.Equal(before, readFile(t, e.kubeconfig)) {
		t.Error("changed")
	}
	bad := copyInto(t, "testdata/invalid/unterminated-quote.yaml", e.downloads, "cw-kubeconfig")
	_, err = Import(context.Background(), e.opts(bad))
	if !errors.As(err, &pe) || pe.Path != bad {
		t.Errorf("invalid source: %v", err)
	}
	assertNoSecret(t, "error", err.Error())
	_, err = Import(context.Background(), e.opts(filepath.Join(e.downloads, "missing")))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing source: %v", err)
	}
}

func TestImportReadOnlyFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows ignores the read-only attribute on folders; only an ACL keeps files out")
	}
	e := newImportEnv(t)
	dir := filepath.Dir(e.kubeconfig)
	copyInto(t, "testdata/corpus/multi.yaml", dir, "config")
	before := readFile(t, e.kubeconfig)
	src := e.download(t, "coreweave.yaml")
	testutil.MakeReadOnly(t, dir)
	_, err := Import(context.Background(), e.opts(src))
	if err == nil {
		t.Fatal("import into a read-only folder succeeded")
	}
	if !bytes.Equal(before, readFile(t, e.kubeconfig)) {
		t.Error("original changed")
	}
	// Once more, in a fresh folder: still nothing changes.
	os.Chmod(dir, 0o755)
	e2 := newImportEnv(t)
	dir2 := filepath.Dir(e2.kubeconfig)
	copyInto(t, "testdata/corpus/multi.yaml", dir2, "config")
	testutil.MakeReadOnly(t, dir2)
	if _, err := Import(context.Background(), e2.opts(e2.download(t, "coreweave.yaml"))); err == nil {
		t.Fatal("import with a read-only folder succeeded")
	}
	if !bytes.Equal(before, readFile(t, e2.kubeconfig)) {
		t.Error("original changed")
	}
}

func TestImportLockTimeout(t *testing.T) {
	e := newImportEnv(t)
	dir := filepath.Dir(e.kubeconfig)
	copyInto(t, "testdata/corpus/multi.yaml", dir, "config")
	// Another kubeboot is writing: it holds the OS lock of the kubeconfig
	// itself (none on Windows) and kubectl's lock, with its pid in it.
	locks := &osLocks{}
	defer locks.release()
	if err := locks.lockFile(context.Background(), e.kubeconfig, newLockWait(time.Second, nil), t.Logf); err != nil {
		t.Fatal(err)
	}
	release, err := lockKubectl(context.Background(), []string{e.kubeconfig}, newLockWait(time.Second, nil), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	opts := e.opts(e.download(t, "coreweave.yaml"))
	opts.LockTimeout = 150 * time.Millisecond
	start := time.Now()
	_, err = Import(context.Background(), opts)
	var le *LockError
	if !errors.Is(err, ErrLockTimeout) || !errors.As(err, &le) || le.Holder != HolderKubeboot || le.PID != os.Getpid() ||
		(le.Lock != e.kubeconfig && le.Lock != KubectlLockName(e.kubeconfig)) || !strings.Contains(err.Error(), fmt.Sprintf("held by kubeboot pid %d", os.Getpid())) {
		t.Fatalf("err = %v, want ErrLockTimeout naming the lock and the kubeboot holding it", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("waited %v", d)
	}
	// Cancelling the caller's context is not a lock timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	opts.LockTimeout = time.Minute
	if _, err = Import(ctx, opts); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrLockTimeout) {
		t.Errorf("cancelled: %v", err)
	}
	release()
	locks.release()
	if _, err := Import(context.Background(), opts); err != nil {
		t.Errorf("after unlock: %v", err)
	}
}

func TestImportConcurrent(t *testing.T) {
	e := newImportEnv(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		src := filepath.Join(e.downloads, fmt.Sprintf("cw-%d", i))
		doc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c%d, cluster: {server: "https://c%d.example.com"}}]
users: [{name: u%d, user: {token: FAKE-CW-TOKEN-%d}}]
contexts: [{name: ctx%d, context: {cluster: c%d, user: u%d}}]
current-context: ctx%d
`, i, i, i, i, i, i, i, i)
		os.WriteFile(src, []byte(doc), 0o600)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			opts := e.opts(src)
			opts.LockTimeout = time.Minute
			opts.KeepBackups = -1
			_, errs[i] = Import(context.Background(), opts)
		}(i)
	}
	wg.Wait()
	out := mustLoad(t, e.kubeconfig)
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Errorf("import %d: %v", i, errs[i])
		}
		for _, ref := range []Ref{{KindCluster, fmt.Sprintf("c%d", i)}, {KindUser, fmt.Sprintf("u%d", i)}, {KindContext, fmt.Sprintf("ctx%d", i)}} {
			if !out.has(ref.Kind, ref.Name) {
				t.Errorf("%v lost", ref)
			}
		}
	}
	backups, _ := filepath.Glob(e.kubeconfig + ".kubeboot-backup-*")
	if len(backups) != n-1 {
		t.Errorf("%d backups, want %d (one per import after the first)", len(backups), n-1)
	}
}

func TestImportResultJSONHasNoSecrets(t *testing.T) {
	for _, f := range corpusFiles(t) {
		e := newImportEnv(t)
		copyInto(t, "testdata/corpus/multi.yaml", filepath.Dir(e.kubeconfig), "config")
		opts := e.opts(copyInto(t, f, e.downloads, "cw-kubeconfig"))
		opts.Policy = ConflictRename
		res, err := Import(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		assertNoSecret(t, "ImportResult JSON", string(b))
		assertNoSecret(t, "log", strings.Join(e.logs, "\n"))
		if !strings.Contains(string(b), `"target"`) || strings.Contains(string(b), "merged") {
			t.Errorf("JSON = %s", b)
		}
	}
}

// DownloadsDir replaces the Downloads folder of this process, so that a
// caller with its own view of the home folder finds the file there; a
// missing file names that folder.
func TestImportDownloadsDir(t *testing.T) {
	e := newImportEnv(t)
	elsewhere := filepath.Join(e.home, "My Downloads [old]")
	os.MkdirAll(elsewhere, 0o755)
	opts := e.opts("")
	opts.DownloadsDir = elsewhere
	opts.DryRun = true
	_, err := Import(context.Background(), opts)
	var nf *NotFoundError
	if !errors.As(err, &nf) || len(nf.Looked) != 1 || nf.Looked[0] != filepath.Join(elsewhere, DownloadedName) {
		t.Fatalf("no file: %v", err)
	}
	want := copyInto(t, filepath.Join("testdata", "corpus", "coreweave.yaml"), elsewhere, DownloadedName)
	res, err := Import(context.Background(), opts)
	if err != nil || res.Source != want {
		t.Fatalf("Import = %+v, %v; want source %s", res, err, want)
	}
}
