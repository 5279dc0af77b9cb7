package selfupdate_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf/tuftest"
	"github.com/kubeboot/kubeboot/bootstrap/selfupdate"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/releasetest"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

const token = "ghp_FAKEtoken0123456789abcdefABCDEF"

var linux = bootstrap.Platform{OS: "linux", Arch: "amd64"}

// release publishes tag with an archive of exe for each platform and a
// matching checksums.txt, and returns the assets.
func release(t *testing.T, g *releasetest.GitHub, tag string, latest bool, exe []byte, platforms ...bootstrap.Platform) map[string][]byte {
	t.Helper()
	assets := map[string][]byte{}
	for _, p := range platforms {
		assets[releasetest.ArchiveName(p.OS, p.Arch)] = releasetest.Archive(t, p.OS, exe)
	}
	assets[selfupdate.ChecksumsName] = releasetest.Checksums(assets)
	releasetest.Sign(t, releaseCA(t), tag, assets)
	g.AddRelease(tag, assets, latest)
	return assets
}

// releaseCA is the test's stand-in for Sigstore's public-good CA, which
// signs releases in production; releaseRoot trusts it.
var testReleaseCA *sigtest.CA

func releaseCA(t *testing.T) *sigtest.CA {
	if testReleaseCA == nil {
		testReleaseCA = sigtest.NewCA(t, sigtest.Options{})
	}
	return testReleaseCA
}

func releaseRoot(t *testing.T) *sigstore.TrustedRoot {
	r, err := sigstore.ParseTrustedRoot(releaseCA(t).TrustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newUpdater(t *testing.T, g *releasetest.GitHub, p bootstrap.Platform, tok string) *selfupdate.Updater {
	t.Helper()
	u, err := selfupdate.New(selfupdate.Options{APIURL: g.APIURL(), Token: tok, Platform: p, TrustedRoot: releaseRoot(t)})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// oldExe writes the "installed" executable, mode 0755, in a folder of its
// own (testutil.TempDir: t.TempDir's cleanup fails under Wine) and returns
// its path.
func oldExe(t *testing.T, name string) (string, []byte) {
	t.Helper()
	content := []byte("#!old kubeboot v1.0.0\n")
	path := filepath.Join(testutil.TempDir(t), name)
	if err := os.WriteFile(path, content, 0o755); err != nil {
		t.Fatal(err)
	}
	return path, content
}

func TestFindAndApplyLatest(t *testing.T) {
	g := releasetest.NewGitHub(t)
	release(t, g, "v1.0.0", false, []byte("v1.0.0 binary"), linux)
	release(t, g, "v1.1.0", true, []byte("v1.1.0 binary"), linux, bootstrap.Platform{OS: "darwin", Arch: "arm64"})
	u := newUpdater(t, g, linux, token)
	ctx := context.Background()

	rel, err := u.Find(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Tag != "v1.1.0" || rel.Version != "1.1.0" || rel.Archive.Name != "kubeboot_linux_amd64.tar.gz" {
		t.Fatalf("latest = %+v", rel)
	}
	if !selfupdate.Newer("1.0.0", rel) || !selfupdate.Newer("dev", rel) || selfupdate.Newer("v1.1.0", rel) || selfupdate.Newer("1.2.0", rel) {
		t.Error("Newer compares versions wrongly")
	}
	exe, _ := oldExe(t, exeName("kubeboot"))
	res, err := u.Apply(ctx, rel, exe)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(exe)
	if string(got) != "v1.1.0 binary" || res.Version != "1.1.0" || res.Path != exe {
		t.Fatalf("after Apply: %q, %+v", got, res)
	}
	checkExecutable(t, exe)
	if entries := testutil.Names(filepath.Dir(exe), bootstrap.InstallLockName, bootstrap.InstallRecordName); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the executable", len(entries))
	}

	// A pinned older version, and the token only ever sent to API paths.
	rel, err = u.Find(ctx, "1.0.0")
	if err != nil || rel.Tag != "v1.0.0" {
		t.Fatalf("Find(1.0.0) = %+v, %v", rel, err)
	}
	for _, r := range g.Requests() {
		api := strings.HasPrefix(r.Path, "/repos/")
		if api && r.Authorization != "Bearer "+token {
			t.Errorf("API request %s had Authorization %q", r.Path, r.Authorization)
		}
		if !api && r.Authorization != "" {
			t.Errorf("download %s carried credentials", r.Path)
		}
	}
}

// exeName is name as an executable's file name on this OS.
func exeName(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// checkExecutable checks that the executable oldExe wrote is still one
// after Apply, by the OS's rule. On Unix that is the execute bits: its
// 0755 mode is kept. Windows has no execute bits (Go reports 0666, or 0444
// with the read-only attribute): a .exe name makes a program, and the file
// must stay writable so that the next update can replace it.
func checkExecutable(t *testing.T, exe string) {
	t.Helper()
	fi, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if fi.Mode().Perm() != 0o755 {
			t.Errorf("mode = %v, want 0755 kept", fi.Mode().Perm())
		}
		return
	}
	if !strings.EqualFold(filepath.Ext(exe), ".exe") {
		t.Errorf("%s: not a .exe name, so not executable on Windows", exe)
	}
	if fi.Mode().Perm() != 0o666 {
		t.Errorf("mode = %v, want 0666 (writable, not read-only)", fi.Mode().Perm())
	}
}

func TestApplyWindowsZip(t *testing.T) {
	g := releasetest.NewGitHub(t)
	win := bootstrap.Platform{OS: "windows", Arch: "arm64"}
	release(t, g, "v2.0.0", true, []byte("MZ new"), win)
	u := newUpdater(t, g, win, "")
	rel, err := u.Find(context.Background(), "latest")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := oldExe(t, "kubeboot.exe")
	if _, err := u.Apply(context.Background(), rel, exe); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(exe); string(got) != "MZ new" {
		t.Fatalf("exe holds %q", got)
	}
	checkExecutable(t, exe)
	for _, r := range g.Requests() {
		if r.Authorization != "" {
			t.Errorf("no token set, yet %s had Authorization", r.Path)
		}
	}
}

// The verification failures all leave the executable byte-identical and
// the folder clean.
func TestApplyRefusesUnverified(t *testing.T) {
	resign := func(a map[string][]byte) { releasetest.Sign(t, releaseCA(t), "v1.1.0", a) }
	other := sigtest.NewCA(t, sigtest.Options{})
	cases := map[string]struct {
		corrupt func(assets map[string][]byte)
		kind    error
	}{
		"checksum mismatch": {func(a map[string][]byte) {
			arc := a["kubeboot_linux_amd64.tar.gz"]
			arc[len(arc)/2] ^= 0xff
		}, bootstrap.ErrChecksumMismatch},
		"missing checksum line": {func(a map[string][]byte) {
			a[selfupdate.ChecksumsName] = releasetest.Checksums(map[string][]byte{"kubeboot_darwin_arm64.tar.gz": []byte("x")})
			resign(a)
		}, selfupdate.ErrNoChecksum},
		"malformed checksum line": {func(a map[string][]byte) {
			a[selfupdate.ChecksumsName] = []byte("not-hex  kubeboot_linux_amd64.tar.gz\n")
			resign(a)
		}, selfupdate.ErrNoChecksum},
		"conflicting checksum lines": {func(a map[string][]byte) {
			a[selfupdate.ChecksumsName] = append(a[selfupdate.ChecksumsName],
				[]byte(strings.Repeat("0", 64)+"  kubeboot_linux_amd64.tar.gz\n")...)
			resign(a)
		}, selfupdate.ErrNoChecksum},
		"no signature": {func(a map[string][]byte) {
			delete(a, selfupdate.BundleName)
		}, selfupdate.ErrNotSigned},
		"checksums changed after signing": {func(a map[string][]byte) {
			a[selfupdate.ChecksumsName] = append(a[selfupdate.ChecksumsName], []byte(strings.Repeat("1", 64)+"  extra.tar.gz\n")...)
		}, sigstore.ErrSignature},
		"signed by another tag's workflow": {func(a map[string][]byte) {
			sum := sha256.Sum256(a[selfupdate.ChecksumsName])
			a[selfupdate.BundleName] = releaseCA(t).Bundle(t, sum[:], releasetest.ReleaseSigner("v9.9.9"), sigtest.BundleOptions{})
		}, sigstore.ErrIdentity},
		"signed by another CA": {func(a map[string][]byte) {
			releasetest.Sign(t, other, "v1.1.0", a)
		}, sigstore.ErrCertificate},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := releasetest.NewGitHub(t)
			assets := release(t, g, "v1.1.0", false, []byte("new"), linux)
			tc.corrupt(assets)
			g.AddRelease("v1.1.0", assets, true) // the assets as corrupted
			u := newUpdater(t, g, linux, "")
			rel, err := u.Find(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			exe, before := oldExe(t, "kubeboot")
			_, err = u.Apply(context.Background(), rel, exe)
			if !errors.Is(err, bootstrap.ErrVerification) {
				t.Fatalf("err = %v, want one matching bootstrap.ErrVerification", err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
			after, _ := os.ReadFile(exe)
			if !bytes.Equal(before, after) {
				t.Fatal("the executable changed")
			}
			if entries := testutil.Names(filepath.Dir(exe), bootstrap.InstallLockName); len(entries) != 1 {
				t.Errorf("folder holds %d entries, want only the executable", len(entries))
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	g := releasetest.NewGitHub(t)
	ctx := context.Background()
	u := newUpdater(t, g, linux, "")
	if _, err := u.Find(ctx, ""); !errors.Is(err, selfupdate.ErrNoRelease) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no release at all: err = %v", err)
	}
	release(t, g, "v1.1.0", true, []byte("new"), linux)
	if _, err := u.Find(ctx, "v9.9.9"); !errors.Is(err, selfupdate.ErrNoRelease) {
		t.Errorf("unknown tag: err = %v", err)
	}
	s390x := bootstrap.Platform{OS: "linux", Arch: "s390x"}
	_, err := newUpdater(t, g, s390x, "").Find(ctx, "")
	var ae *selfupdate.AssetError
	if !errors.Is(err, selfupdate.ErrNoAsset) || !errors.As(err, &ae) || ae.Platform != s390x {
		t.Fatalf("no asset for the platform: err = %v", err)
	}
	if !strings.Contains(err.Error(), "kubeboot_linux_s390x.tar.gz") || !strings.Contains(err.Error(), "kubeboot_linux_amd64.tar.gz") {
		t.Errorf("message %q names neither the wanted nor the available assets", err)
	}
}

func TestRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "4102444800")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"API rate limit exceeded"}`))
	}))
	defer srv.Close()
	u, err := selfupdate.New(selfupdate.Options{APIURL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Find(context.Background(), "")
	if !errors.Is(err, selfupdate.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("the error message holds the token")
	}
}

func TestNewRefusesPlainHTTP(t *testing.T) {
	_, err := selfupdate.New(selfupdate.Options{APIURL: "http://ghe.example.com/api/v3/"})
	if !errors.Is(err, bootstrap.ErrInsecureURL) {
		t.Fatalf("err = %v, want ErrInsecureURL", err)
	}
}

func TestDownloadRefusesInsecureAssetURL(t *testing.T) {
	// A release whose asset URLs point at plain http off loopback.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"tag_name":"v1.1.0","assets":[
			{"name":"kubeboot_linux_amd64.tar.gz","browser_download_url":"http://downloads.example.com/a.tar.gz"},
			{"name":"checksums.txt","browser_download_url":"http://downloads.example.com/checksums.txt"}]}`))
	}))
	defer srv.Close()
	u, err := selfupdate.New(selfupdate.Options{APIURL: srv.URL, Platform: linux})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := u.Find(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := oldExe(t, "kubeboot")
	if _, err := u.Apply(context.Background(), rel, exe); !errors.Is(err, bootstrap.ErrInsecureURL) {
		t.Fatalf("err = %v, want ErrInsecureURL", err)
	}
}

func TestApplyRejectsArchiveWithoutBinary(t *testing.T) {
	// A signed release whose archive is not gzip, or holds a second
	// kubeboot in a folder or a member that climbs out: each is refused
	// as unverifiable, the executable kept.
	twoBinaries := zipOf(t, map[string]string{"kubeboot.exe": "one", "bin/kubeboot.exe": "two"})
	slip := zipOf(t, map[string]string{"kubeboot.exe": "one", "../../evil.exe": "two"})
	for _, tt := range []struct {
		name    string
		p       bootstrap.Platform
		archive []byte
	}{
		{"kubeboot_linux_amd64.tar.gz", linux, []byte("not gzip")},
		{"kubeboot_windows_amd64.zip", bootstrap.Platform{OS: "windows", Arch: "amd64"}, twoBinaries},
		{"kubeboot_windows_amd64.zip", bootstrap.Platform{OS: "windows", Arch: "amd64"}, slip},
	} {
		g := releasetest.NewGitHub(t)
		assets := map[string][]byte{tt.name: tt.archive}
		assets[selfupdate.ChecksumsName] = releasetest.Checksums(assets)
		releasetest.Sign(t, releaseCA(t), "v1.1.0", assets)
		g.AddRelease("v1.1.0", assets, true)
		u := newUpdater(t, g, tt.p, "")
		rel, err := u.Find(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		exe, before := oldExe(t, "kubeboot")
		_, err = u.Apply(context.Background(), rel, exe)
		if !errors.Is(err, selfupdate.ErrBadArchive) || !errors.Is(err, bootstrap.ErrVerification) {
			t.Fatalf("%s: err = %v, want ErrBadArchive, a verification error", tt.name, err)
		}
		if after, _ := os.ReadFile(exe); !bytes.Equal(before, after) {
			t.Fatal("the executable changed")
		}
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// go-github sets the token on every request it sends, redirects included:
// a redirect from the API host to another host must not carry it.
func TestTokenGoesOnlyToTheAPIHost(t *testing.T) {
	g := releasetest.NewGitHub(t)
	release(t, g, "v1.1.0", true, []byte("v1.1.0 binary"), linux)
	var (
		mu    sync.Mutex
		front []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		front = append(front, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Redirect(w, r, g.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	findAndApply(t, selfupdate.Options{APIURL: api.URL + "/", Token: token, Platform: linux, TrustedRoot: releaseRoot(t)})
	mu.Lock()
	defer mu.Unlock()
	if len(front) == 0 || front[0] != "Bearer "+token {
		t.Errorf("the API host saw Authorization %q, want the token", front)
	}
	for _, r := range g.Requests() {
		if r.Authorization != "" {
			t.Errorf("%s on the other host received Authorization %q", r.Path, r.Authorization)
		}
	}
}

// The archive download is resumed after a broken connection, as kubectl's
// is, rather than failing the update.
func TestApplyResumesABrokenArchiveDownload(t *testing.T) {
	g := releasetest.NewGitHub(t)
	exeBytes := bytes.Repeat([]byte("kubeboot v1.1.0 "), 64<<10)
	release(t, g, "v1.1.0", true, exeBytes, linux)
	g.Cut("kubeboot_linux_amd64.tar.gz", 2000)
	exe := findAndApply(t, selfupdate.Options{APIURL: g.APIURL(), Platform: linux, RetryBackoff: time.Millisecond, TrustedRoot: releaseRoot(t)})
	if got, _ := os.ReadFile(exe); !bytes.Equal(got, exeBytes) {
		t.Fatal("the executable is not the release's")
	}
	resumed := false
	for _, r := range g.Requests() {
		if strings.HasSuffix(r.Path, ".tar.gz") && r.Range == "bytes=2000-" {
			resumed = true
		}
	}
	if !resumed {
		t.Errorf("no Range request resumed the archive: %+v", g.Requests())
	}
}

// findAndApply updates a fresh "old" kubeboot to the latest release with
// opts and returns its path.
func findAndApply(t *testing.T, opts selfupdate.Options) string {
	t.Helper()
	u, err := selfupdate.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := u.Find(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := oldExe(t, "kubeboot")
	if _, err := u.Apply(context.Background(), rel, exe); err != nil {
		t.Fatal(err)
	}
	return exe
}

// A request for release v1.1.0 answered with the genuinely signed v1.0.0
// is refused before anything is downloaded: the signature vouches for
// v1.0.0's tag, not for the one asked.
func TestFindRefusesAnotherTag(t *testing.T) {
	g := releasetest.NewGitHub(t)
	release(t, g, "v1.0.0", true, []byte("v1.0.0 binary"), linux)
	g.Alias("v1.1.0", "v1.0.0")
	u := newUpdater(t, g, linux, "")
	rel, err := u.Find(context.Background(), "1.1.0")
	var te *selfupdate.TagError
	if !errors.As(err, &te) || !errors.Is(err, selfupdate.ErrTagMismatch) || !errors.Is(err, bootstrap.ErrVerification) ||
		te.Want != "v1.1.0" || te.Got != "v1.0.0" {
		t.Fatalf("Find(1.1.0) = %+v, %v; want a *TagError v1.1.0/v1.0.0", rel, err)
	}
	for _, r := range g.Requests() {
		if strings.Contains(r.Path, "/download/") {
			t.Errorf("downloaded %s after the API answered another release", r.Path)
		}
	}
	// The release itself is fine when asked for by its own tag.
	if rel, err := u.Find(context.Background(), "v1.0.0"); err != nil || rel.Tag != "v1.0.0" {
		t.Fatalf("Find(v1.0.0) = %+v, %v", rel, err)
	}
}

// A release signed after the public-good instance moved to Rekor v2: a
// hashedrekord 0.0.2 entry with an inclusion proof and an RFC 3161
// timestamp, no signed entry timestamp. It installs.
func TestApplyRekorV2Release(t *testing.T) {
	g := releasetest.NewGitHub(t)
	assets := map[string][]byte{releasetest.ArchiveName("linux", "amd64"): releasetest.Archive(t, "linux", []byte("v1.2.0 binary"))}
	assets[selfupdate.ChecksumsName] = releasetest.Checksums(assets)
	sum := sha256.Sum256(assets[selfupdate.ChecksumsName])
	assets[selfupdate.BundleName] = releaseCA(t).Bundle(t, sum[:], releasetest.ReleaseSigner("v1.2.0"), sigtest.BundleOptions{RekorV2: true})
	if !bytes.Contains(assets[selfupdate.BundleName], []byte(`"0.0.2"`)) || bytes.Contains(assets[selfupdate.BundleName], []byte("inclusionPromise")) {
		t.Fatal("the bundle is not a Rekor v2 one")
	}
	g.AddRelease("v1.2.0", assets, true)
	u := newUpdater(t, g, linux, "")
	rel, err := u.Find(context.Background(), "v1.2.0")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := oldExe(t, exeName("kubeboot"))
	if _, err := u.Apply(context.Background(), rel, exe); err != nil {
		t.Fatalf("Rekor v2 release: %v", err)
	}
	if got, _ := os.ReadFile(exe); string(got) != "v1.2.0 binary" {
		t.Fatalf("executable holds %q", got)
	}
}

// A release signed under a Fulcio CA that reached the trusted root through
// Sigstore's TUF repository (a rotated root.json, new targets naming the
// new CA's trusted_root.json) verifies under the root the client refreshes
// (TrustedRootFunc: bootstrap.Client.SigstoreRoot, install's refresh), and
// not under the embedded root or the one the repository held before.
func TestApplyUnderRefreshedRoot(t *testing.T) {
	oldRoot := releaseCA(t).TrustedRootJSON()
	repo, keys := tuftest.New(t, oldRoot)
	newCA := sigtest.NewCA(t, sigtest.Options{})
	repo.Files["2.root.json"] = tuftest.Sign(t, tuftest.RootSigned(t, 2, keys, repo.Online), keys...)
	repo.Target = newCA.TrustedRootJSON()
	repo.Publish(t, 11, 6, 4)
	var asked sync.Map
	tufSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.Path, true)
		repo.Handler().ServeHTTP(w, r)
	}))
	defer tufSrv.Close()

	g := releasetest.NewGitHub(t)
	assets := map[string][]byte{releasetest.ArchiveName("linux", "amd64"): releasetest.Archive(t, "linux", []byte("v1.3.0 binary"))}
	assets[selfupdate.ChecksumsName] = releasetest.Checksums(assets)
	releasetest.Sign(t, newCA, "v1.3.0", assets)
	g.AddRelease("v1.3.0", assets, true)

	client, err := bootstrap.New(bootstrap.Options{CacheDir: testutil.TempDir(t),
		Signature: bootstrap.SignatureOptions{TUFURL: tufSrv.URL, TUFRoot: repo.Root1}})
	if err != nil {
		t.Fatal(err)
	}
	old, err := sigstore.ParseTrustedRoot(oldRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts selfupdate.Options
		ok   bool
	}{
		{"embedded root", selfupdate.Options{}, false},
		{"the repository's earlier root", selfupdate.Options{TrustedRoot: old}, false},
		{"refreshed root", selfupdate.Options{TrustedRootFunc: client.SigstoreRoot}, true},
	} {
		c.opts.APIURL, c.opts.Platform = g.APIURL(), linux
		u, err := selfupdate.New(c.opts)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := u.Find(context.Background(), "v1.3.0")
		if err != nil {
			t.Fatal(err)
		}
		exe, content := oldExe(t, exeName("kubeboot"))
		_, err = u.Apply(context.Background(), rel, exe)
		got, _ := os.ReadFile(exe)
		switch {
		case c.ok && (err != nil || string(got) != "v1.3.0 binary"):
			t.Errorf("%s: %v; executable holds %q", c.name, err, got)
		case !c.ok && (!errors.Is(err, selfupdate.ErrNotSigned) || string(got) != string(content)):
			t.Errorf("%s: err = %v, want ErrNotSigned; executable holds %q", c.name, err, got)
		}
	}
	if _, ok := asked.Load("/2.root.json"); !ok {
		t.Error("the TUF repository was not asked for the rotated root")
	}
}
