package mirrorsync_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

var (
	linux   = bootstrap.Platform{OS: "linux", Arch: "amd64"}
	windows = bootstrap.Platform{OS: "windows", Arch: "amd64"}
	both    = []bootstrap.Platform{linux, windows}
)

// upstream is a signing fault mirror publishing v1.35.3, v1.36.4 and
// v1.37.2 for linux/amd64 and windows/amd64, with dl.k8s.io's markers.
type upstream struct {
	*mirror.Mirror
	root     *sigstore.TrustedRoot
	binaries map[string][]byte // by mirror path
}

var versions = []string{"v1.35.3", "v1.36.4", "v1.37.2"}

func newUpstream(t testing.TB, size int) *upstream {
	t.Helper()
	m := mirror.Start(mirror.Options{Sign: true})
	t.Cleanup(m.Close)
	root, err := sigstore.ParseTrustedRoot(m.TrustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{Mirror: m, root: root, binaries: map[string][]byte{}}
	for _, v := range versions {
		for _, p := range both {
			b := make([]byte, size)
			rand.Read(b)
			m.AddKubectl(v, p.OS, p.Arch, b)
			u.binaries[mirror.KubectlPath(v, p.OS, p.Arch)] = b
		}
		minor := v[1:strings.LastIndex(v, ".")]
		m.SetMarker("stable-"+minor, v)
	}
	m.SetMarker("stable", "v1.37.2")
	return u
}

func (u *upstream) opts(dir string, specs ...string) mirrorsync.Options {
	return mirrorsync.Options{
		Dir:        dir,
		Versions:   specs,
		Platforms:  both,
		From:       u.URL(),
		HTTPClient: u.Client(),
		Signature:  bootstrap.SignatureOptions{Mode: bootstrap.SignatureRequire, TrustedRoot: u.root},
	}
}

// binaryRequests counts the requests for binaries (not their companions).
func (u *upstream) binaryRequests() int {
	n := 0
	for _, r := range u.Requests() {
		if strings.HasSuffix(r.Path, "/kubectl") || strings.HasSuffix(r.Path, "/kubectl.exe") {
			n++
		}
	}
	return n
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tempFiles lists leftover temp files anywhere under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".tmp") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// partlyWritten reports whether a temp file under dir holds some bytes:
// a download is under way.
func partlyWritten(t *testing.T, dir string) bool {
	for _, p := range tempFiles(t, dir) {
		if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
			return true
		}
	}
	return false
}

func wantMarkers(t *testing.T, root string, want map[string]string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(root, "release"))
	got := map[string]string{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".txt") {
			got[strings.TrimSuffix(e.Name(), ".txt")] = readFile(t, filepath.Join(root, "release", e.Name()))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("markers:\n got %v\nwant %v", got, want)
	}
}

var allMarkers = map[string]string{
	"stable": "v1.37.2", "stable-1": "v1.37.2", "latest": "v1.37.2", "latest-1": "v1.37.2",
	"stable-1.35": "v1.35.3", "latest-1.35": "v1.35.3",
	"stable-1.36": "v1.36.4", "latest-1.36": "v1.36.4",
	"stable-1.37": "v1.37.2", "latest-1.37": "v1.37.2",
}

func TestSyncBuildsVerifiedTreeAndRerunFetchesNothing(t *testing.T) {
	u := newUpstream(t, 256<<10)
	dir := filepath.Join(t.TempDir(), "mirror [corp] ü")
	ctx := context.Background()
	// Three kinds of spec: a marker, a minor, an exact version.
	rep, err := mirrorsync.Sync(ctx, u.opts(dir, "stable", "1.36", "v1.35.3", "v1.37.2"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Versions) != fmt.Sprint(versions) {
		t.Fatalf("versions %v", rep.Versions)
	}
	if len(rep.Files) != 6 {
		t.Fatalf("%d files", len(rep.Files))
	}
	for _, f := range rep.Files {
		if f.Status != mirrorsync.Fetched || f.Signature == nil || !f.Signature.Verified {
			t.Errorf("%s %s: %s %+v %v", f.Version, f.OSArch, f.Status, f.Signature, f.Err)
		}
		p := mirror.KubectlPath(f.Version, f.Platform.OS, f.Platform.Arch)
		if want := filepath.Join(dir, filepath.FromSlash(p)); f.Path != want {
			t.Errorf("path %s, want %s", f.Path, want)
		}
		if !bytes.Equal([]byte(readFile(t, f.Path)), u.binaries[p]) {
			t.Errorf("%s differs from upstream", f.Path)
		}
		if got := strings.TrimSpace(readFile(t, f.Path+".sha256")); got != f.SHA256 {
			t.Errorf("%s.sha256 = %q, want %s", f.Path, got, f.SHA256)
		}
		for _, ext := range []string{".sig", ".cert"} {
			if !bytes.Equal([]byte(readFile(t, f.Path+ext)), u.file(t, p+ext)) {
				t.Errorf("%s%s differs from upstream", f.Path, ext)
			}
		}
	}
	wantMarkers(t, dir, allMarkers)
	if n := u.binaryRequests(); n != 6 {
		t.Errorf("%d binary requests, want 6", n)
	}

	before := len(u.Requests())
	rep, err = mirrorsync.Sync(ctx, u.opts(dir, "stable", "1.36", "v1.35.3"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Status != mirrorsync.Present || f.Bytes != 0 || !f.Signature.Verified {
			t.Errorf("rerun: %s %s: %s, %d bytes", f.Version, f.OSArch, f.Status, f.Bytes)
		}
	}
	for _, r := range u.Requests()[before:] {
		if !strings.HasSuffix(r.Path, ".txt") {
			t.Errorf("rerun requested %s; only markers were to be read", r.Path)
		}
	}
	wantMarkers(t, dir, allMarkers)
	if _, err := mirrorsync.Verify(ctx, dir, u.opts("")); err != nil {
		t.Errorf("Verify of a fresh tree: %v", err)
	}
}

func (u *upstream) file(t *testing.T, path string) []byte {
	t.Helper()
	b, ok := u.File(path)
	if !ok {
		t.Fatalf("upstream has no %s", path)
	}
	return b
}

func TestSyncRefusesCorruptAndSwappedBinariesAndCompletesTheRest(t *testing.T) {
	u := newUpstream(t, 64<<10)
	dir := t.TempDir()
	// v1.37.2 for linux: the bytes differ from the published digest.
	corrupt := mirror.KubectlPath("v1.37.2", "linux", "amd64")
	u.Put(corrupt, append([]byte("corrupt"), u.binaries[corrupt][7:]...))
	// v1.36.4 for windows: another binary with a matching .sha256, the
	// compromised-mirror case only the signature catches.
	swapped := mirror.KubectlPath("v1.36.4", "windows", "amd64")
	evil := []byte("not kubectl at all")
	sig := u.file(t, swapped+".sig")
	cert := u.file(t, swapped+".cert")
	u.AddKubectl("v1.36.4", "windows", "amd64", evil) // re-signs: put the old signature back
	u.Put(swapped+".sig", sig)
	u.Put(swapped+".cert", cert)

	rep, err := mirrorsync.Sync(context.Background(), u.opts(dir, versions...))
	if !errors.Is(err, bootstrap.ErrVerification) {
		t.Fatalf("err = %v, want ErrVerification", err)
	}
	var serr *mirrorsync.Error
	if !errors.As(err, &serr) || len(serr.Errors) != 2 {
		t.Fatalf("err = %#v, want two failures", err)
	}
	var ce *bootstrap.ChecksumError
	var se *bootstrap.SignatureError
	if !errors.As(err, &ce) || !errors.As(err, &se) {
		t.Errorf("want a checksum and a signature failure: %v", err)
	}
	failed := map[string]bool{}
	for _, f := range rep.Failed() {
		failed[f.Version+" "+f.OSArch] = true
		if _, err := os.Stat(f.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was published: %v", f.Path, err)
		}
		for _, ext := range []string{".sha256", ".sig", ".cert"} {
			if _, err := os.Stat(f.Path + ext); err == nil {
				t.Errorf("%s%s was published", f.Path, ext)
			}
		}
	}
	if !failed["v1.37.2 linux/amd64"] || !failed["v1.36.4 windows/amd64"] || len(failed) != 2 {
		t.Errorf("failed: %v", failed)
	}
	if se.URL == "" {
		t.Error("signature error names no file")
	}
	for _, f := range rep.Files {
		if !failed[f.Version+" "+f.OSArch] && f.Status != mirrorsync.Fetched {
			t.Errorf("%s %s: %s", f.Version, f.OSArch, f.Status)
		}
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	// Only v1.35.3 is whole: the markers name nothing else.
	wantMarkers(t, dir, map[string]string{
		"stable": "v1.35.3", "stable-1": "v1.35.3", "latest": "v1.35.3", "latest-1": "v1.35.3",
		"stable-1.35": "v1.35.3", "latest-1.35": "v1.35.3",
	})
	// Verify names the two missing files, and nothing else: the markers
	// are right for what the tree holds.
	vrep, err := mirrorsync.Verify(context.Background(), dir, u.opts(""))
	var ierr *mirrorsync.IncompleteError
	if !errors.Is(err, mirrorsync.ErrIncomplete) || !errors.As(err, &ierr) || errors.Is(err, mirrorsync.ErrStaleMarker) {
		t.Errorf("Verify of the partial tree: %v", err)
	}
	if vrep != nil {
		var missing []string
		for _, f := range vrep.Failed() {
			missing = append(missing, f.Version+" "+f.OSArch)
		}
		if fmt.Sprint(missing) != "[v1.36.4 windows/amd64 v1.37.2 linux/amd64]" {
			t.Errorf("Verify reports %v missing", missing)
		}
	}

	// Upstream repaired: the rerun fetches just the two files.
	u.Put(corrupt, u.binaries[corrupt])
	u.AddKubectl("v1.36.4", "windows", "amd64", u.binaries[swapped])
	before := u.binaryRequests()
	if _, err := mirrorsync.Sync(context.Background(), u.opts(dir, versions...)); err != nil {
		t.Fatal(err)
	}
	if n := u.binaryRequests() - before; n != 2 {
		t.Errorf("%d binary requests, want 2", n)
	}
	wantMarkers(t, dir, allMarkers)
}

func TestSyncInterruptedResumes(t *testing.T) {
	u := newUpstream(t, 512<<10)
	dir := t.TempDir()
	slow := mirror.KubectlPath("v1.37.2", "windows", "amd64")
	u.QueueFaults(slow, mirror.Fault{StallAfter: 100 << 10, Stall: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := mirrorsync.Sync(ctx, u.opts(dir, versions...))
		done <- err
	}()
	// Cancel once the slow download is under way, part of it written.
	deadline := time.Now().Add(20 * time.Second)
	for !partlyWritten(t, filepath.Join(dir, "release", "v1.37.2", "bin", "windows")) {
		if time.Now().After(deadline) {
			t.Fatal("the slow download never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t0 := time.Now()
	cancel()
	err := <-done
	t.Logf("cancelled sync returned after %v", time.Since(t0))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(slow))); err == nil {
		t.Fatal("the interrupted binary was published")
	}
	if _, err := os.Stat(filepath.Join(dir, "release", "stable.txt")); err == nil {
		t.Fatal("an interrupted sync wrote markers")
	}
	// What kill -9 leaves: a temp file beside the binary.
	leftover := filepath.Join(dir, filepath.FromSlash(slow[:strings.LastIndex(slow, "/")]), ".kubectl.exe.kubeboot-123.tmp")
	if err := os.WriteFile(leftover, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}

	t0 = time.Now()
	rep, err := mirrorsync.Sync(context.Background(), u.opts(dir, versions...))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resumed sync took %v", time.Since(t0))
	fetched := 0
	for _, f := range rep.Files {
		if f.Status == mirrorsync.Fetched {
			fetched++
		}
	}
	if fetched == 0 || fetched == 6 {
		t.Errorf("resumed run fetched %d files; want only those the first run did not finish", fetched)
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	wantMarkers(t, dir, allMarkers)
}

func TestVerifyCatchesTamperedFilesAndStaleMarkers(t *testing.T) {
	u := newUpstream(t, 64<<10)
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := mirrorsync.Sync(ctx, u.opts(dir, versions...)); err != nil {
		t.Fatal(err)
	}
	local := func(v string, p bootstrap.Platform) string {
		return filepath.Join(dir, filepath.FromSlash(mirror.KubectlPath(v, p.OS, p.Arch)))
	}
	// One byte of a binary changed.
	f, err := os.OpenFile(local("v1.35.3", linux), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{'X'}, 10)
	f.Close()
	// A binary and its .sha256 swapped together: only the signature tells.
	evil := []byte("swapped")
	os.WriteFile(local("v1.36.4", windows), evil, 0o755)
	os.WriteFile(local("v1.36.4", windows)+".sha256", []byte(sha256hex(evil)), 0o644)
	// A marker left behind by hand.
	os.WriteFile(filepath.Join(dir, "release", "stable-1.37.txt"), []byte("v1.37.1"), 0o644)

	rep, err := mirrorsync.Verify(ctx, dir, u.opts(""))
	if !errors.Is(err, bootstrap.ErrVerification) {
		t.Fatalf("err = %v, want ErrVerification", err)
	}
	var ce *bootstrap.ChecksumError
	var se *bootstrap.SignatureError
	if !errors.As(err, &ce) || !errors.As(err, &se) || !errors.Is(err, mirrorsync.ErrStaleMarker) {
		t.Errorf("want a checksum, a signature and a marker failure: %v", err)
	}
	if got := len(rep.Failed()); got != 2 {
		t.Errorf("%d failed files, want 2", got)
	}
	stale := map[string]bool{}
	for _, m := range rep.Markers {
		if m.Err != nil {
			stale[m.Name] = true
		}
	}
	// stable-1.37 is wrong by hand; stable-1.35 and stable-1.36 (and
	// their latest twins) name versions that no longer verify.
	for _, n := range []string{"stable-1.37", "stable-1.35", "latest-1.35", "stable-1.36", "latest-1.36"} {
		if !stale[n] {
			t.Errorf("marker %s not reported; reported %v", n, stale)
		}
	}
	if stale["stable"] {
		t.Error("stable.txt names v1.37.2, which is whole, but was reported")
	}

	// A sync repairs the tree from upstream.
	if _, err := mirrorsync.Sync(ctx, u.opts(dir, versions...)); err != nil {
		t.Fatal(err)
	}
	if _, err := mirrorsync.Verify(ctx, dir, u.opts("")); err != nil {
		t.Errorf("after the repairing sync: %v", err)
	}
}

func TestSyncKubesprayLayout(t *testing.T) {
	u := newUpstream(t, 16<<10)
	dir := t.TempDir()
	o := u.opts(dir, "1.36")
	o.Layout = mirrorsync.LayoutKubespray
	o.Platforms = []bootstrap.Platform{linux}
	rep, err := mirrorsync.Sync(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "dl.k8s.io", "release", "v1.36.4", "bin", "linux", "amd64", "kubectl")
	if rep.Files[0].Path != want || rep.Root != filepath.Join(dir, "dl.k8s.io") {
		t.Fatalf("path %s, root %s", rep.Files[0].Path, rep.Root)
	}
	if _, err := os.Stat(want); err != nil {
		t.Fatal(err)
	}
	if _, err := mirrorsync.Verify(context.Background(), dir, o); err != nil {
		t.Error(err)
	}
}

func TestSyncBadOptions(t *testing.T) {
	u := newUpstream(t, 16)
	for name, o := range map[string]mirrorsync.Options{
		"no dir":      {Versions: []string{"stable"}, From: u.URL()},
		"no versions": {Dir: t.TempDir(), From: u.URL()},
		"bad layout":  {Dir: t.TempDir(), Versions: []string{"stable"}, Layout: "wget"},
	} {
		if _, err := mirrorsync.Sync(context.Background(), o); !errors.Is(err, bootstrap.ErrInvalidOption) {
			t.Errorf("%s: %v", name, err)
		}
	}
	o := u.opts(t.TempDir(), "stable")
	o.Platforms = []bootstrap.Platform{{OS: "linux", Arch: "386"}}
	if _, err := mirrorsync.Sync(context.Background(), o); !errors.Is(err, bootstrap.ErrUnsupportedPlatform) {
		t.Errorf("386: %v", err)
	}
	if _, err := mirrorsync.Sync(context.Background(), u.opts(t.TempDir(), "not a version")); !errors.Is(err, bootstrap.ErrInvalidVersionSpec) {
		t.Errorf("bad spec: %v", err)
	}
}

func TestConcurrentSyncsShareTheWork(t *testing.T) {
	u := newUpstream(t, 256<<10)
	dir := t.TempDir()
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := mirrorsync.Sync(context.Background(), u.opts(dir, versions...))
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := u.binaryRequests(); n != 6 {
		t.Errorf("%d binary requests for 6 files: concurrent syncs must not download a file twice", n)
	}
	if _, err := mirrorsync.Verify(context.Background(), dir, u.opts("")); err != nil {
		t.Error(err)
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestSyncNeverShowsMirrorCredentials(t *testing.T) {
	u := newUpstream(t, 16<<10)
	corrupt := mirror.KubectlPath("v1.37.2", "linux", "amd64")
	u.Put(corrupt, []byte("corrupt"))
	var logs strings.Builder
	o := u.opts(t.TempDir(), versions...)
	o.From = strings.Replace(u.URL(), "https://", "https://mirror-user:s3cret-pw@", 1)
	o.Logf = func(f string, a ...any) { fmt.Fprintf(&logs, f+"\n", a...) }
	rep, err := mirrorsync.Sync(context.Background(), o)
	if !errors.Is(err, bootstrap.ErrVerification) {
		t.Fatalf("err = %v", err)
	}
	js, _ := json.Marshal(rep)
	for what, s := range map[string]string{"error": err.Error(), "report": string(js), "logs": logs.String()} {
		if strings.Contains(s, "s3cret-pw") {
			t.Errorf("the password is in the %s: %s", what, s)
		}
	}
	if !strings.Contains(err.Error(), "mirror-user:xxxxx@") && !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("the error does not name the mirror: %v", err)
	}
}
