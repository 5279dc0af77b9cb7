package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

var host = HostPlatform()

func kubectlPath(v string) string { return mirror.KubectlPath(v, host.OS, host.Arch) }

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestInstallFreshRunsAndReportsVersion(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	dir := filepath.Join(testutil.TempDir(t), "bin") // missing: created
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Version != "v1.37.2" || res.SHA256 != sha(standins["v1.37.2"]) {
		t.Fatalf("result = %+v", res)
	}
	if res.Path != filepath.Join(dir, host.Executable()) {
		t.Errorf("path = %s", res.Path)
	}
	fi, err := os.Stat(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o755 {
		t.Errorf("mode = %v, want 0755", fi.Mode().Perm())
	}
	out, err := exec.Command(res.Path, "version", "--client").Output()
	if err != nil || !strings.Contains(string(out), "v1.37.2") {
		t.Fatalf("installed kubectl says %q, %v", out, err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

func TestInstallIsIdempotentAndForceReinstalls(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: "1.36"}); err != nil {
		t.Fatal(err)
	}
	before := kubectlRequests(m)
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: "1.36"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || res.Bytes != 0 || res.Version != "v1.36.4" {
		t.Errorf("second install = %+v, want unchanged", res)
	}
	if n := kubectlRequests(m) - before; n != 0 {
		t.Errorf("an up-to-date install fetched the binary %d times", n)
	}
	res, err = c.Install(context.Background(), InstallRequest{Dir: dir, Version: "1.36", Force: true})
	if err != nil || !res.Changed || kubectlRequests(m)-before != 1 {
		t.Fatalf("forced install = %+v, %v; binary fetched %d times", res, err, kubectlRequests(m)-before)
	}
	// A different version replaces the file.
	res, err = c.Install(context.Background(), InstallRequest{Dir: dir, Version: "v1.37.2"})
	if err != nil || !res.Changed {
		t.Fatalf("upgrade = %+v, %v", res, err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

// installOver puts an "old kubectl" in a folder and returns its bytes.
func installOver(t *testing.T) (dir string, old []byte) {
	dir = testutil.TempDir(t)
	old = []byte("#!/bin/sh\necho old kubectl\n")
	if err := os.WriteFile(filepath.Join(dir, host.Executable()), old, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, old
}

func TestCorruptBinaryIsNotInstalled(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	good := standins["v1.37.2"]
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	m.Put(kubectlPath("v1.37.2"), bad)
	c := newClient(t, m, Options{})
	dir, old := installOver(t)
	_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	var ce *ChecksumError
	if !errors.As(err, &ce) || !errors.Is(err, ErrVerification) {
		t.Fatalf("got %v, want a *ChecksumError matching ErrVerification", err)
	}
	if ce.Want != sha(good) || ce.Got != sha(bad) || !strings.HasSuffix(ce.URL, kubectlPath("v1.37.2")) {
		t.Errorf("error = %+v", ce)
	}
	for _, s := range []string{ce.URL, ce.Want, ce.Got} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %s", err, s)
		}
	}
	assertOnlyFile(t, dir, host.Executable(), old)
}

func TestDigestFormats(t *testing.T) {
	good := standins["v1.37.2"]
	d := sha(good)
	for name, body := range map[string]string{
		"bare":          d,
		"newline":       d + "\n",
		"upper case":    strings.ToUpper(d),
		"with filename": d + "  " + host.Executable() + "\n",
		"binary mode":   d + " *" + host.Executable(),
	} {
		t.Run(name, func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			m.Put(kubectlPath("v1.37.2")+".sha256", []byte(body))
			c := newClient(t, m, Options{})
			res, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
			if err != nil || res.SHA256 != d {
				t.Fatalf("got %+v, %v", res, err)
			}
		})
	}
	for name, body := range map[string]string{
		"empty":          "",
		"short":          d[:63],
		"not hex":        strings.Repeat("g", 64),
		"other file":     d + "  kubeadm",
		"three fields":   d + " kubectl extra",
		"sha512 instead": d + d,
		"html":           "<html>404</html>",
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			m.Put(kubectlPath("v1.37.2")+".sha256", []byte(body))
			c := newClient(t, m, Options{})
			dir, old := installOver(t)
			_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
			if !errors.Is(err, ErrBadDigest) || !errors.Is(err, ErrVerification) {
				t.Fatalf("got %v, want ErrBadDigest", err)
			}
			if kubectlRequests(m) != 0 {
				t.Error("the binary was downloaded despite an unusable digest")
			}
			assertOnlyFile(t, dir, host.Executable(), old)
		})
	}
}

func TestResumesTruncatedBody(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults(p, mirror.Fault{CutAfter: 300_000}, mirror.Fault{CutAfter: 200_000})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
	var ranges []string
	for _, r := range m.Requests() {
		if r.Path == p {
			ranges = append(ranges, r.Range)
		}
	}
	want := []string{"", "bytes=300000-", "bytes=500000-"}
	if strings.Join(ranges, ",") != strings.Join(want, ",") {
		t.Errorf("requests carried ranges %q, want %q", ranges, want)
	}
	if res.Bytes != int64(len(standins["v1.37.2"])) {
		t.Errorf("bytes = %d", res.Bytes)
	}
}

func TestResumesAfterConnectionReset(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults(p, mirror.Fault{CutAfter: 400_000, Reset: true}, mirror.Fault{CutAfter: 400_000, Reset: true})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
	// A reset may lose bytes in flight, so offsets vary; they must grow.
	var starts []int
	for _, r := range m.Requests() {
		if r.Path != p {
			continue
		}
		var n int
		fmt.Sscanf(r.Range, "bytes=%d-", &n)
		starts = append(starts, n)
	}
	if len(starts) != 3 || starts[0] != 0 || starts[1] <= 0 || starts[2] <= starts[1] {
		t.Errorf("resume offsets %v, want 0 then two growing offsets", starts)
	}
}

func TestServerIgnoringRangeStartsOver(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults(p, mirror.Fault{CutAfter: 300_000}, mirror.Fault{IgnoreRange: true})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

func TestRetriesServerErrors(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults("/release/stable.txt", mirror.Fault{Status: 503})
	m.QueueFaults(p+".sha256", mirror.Fault{Status: 502})
	m.QueueFaults(p, mirror.Fault{Status: 500}, mirror.Fault{Status: 503})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

func TestGivesUpAfterRetries(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults(p, mirror.Fault{Status: 503}, mirror.Fault{Status: 503}, mirror.Fault{Status: 503})
	c := newClient(t, m, Options{Retries: 2})
	dir, old := installOver(t)
	_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 {
		t.Fatalf("got %v, want the final 503", err)
	}
	if n := kubectlRequests(m); n != 3 {
		t.Errorf("binary requested %d times, want 1 + 2 retries", n)
	}
	assertOnlyFile(t, dir, host.Executable(), old)
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	_, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.29.0"})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "not published") {
		t.Fatalf("got %v, want a not-published error matching fs.ErrNotExist", err)
	}
	seen := map[string]int{}
	for _, r := range m.Requests() {
		if seen[r.Path]++; seen[r.Path] > 1 {
			t.Errorf("%s was asked for again after a 404", r.Path)
		}
	}
	if seen[kubectlPath("v1.29.0")+".sha256"] != 1 {
		t.Errorf("requests %v, want the digest asked for once", seen)
	}
}

func TestStalledDownloadIsRetried(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults(p, mirror.Fault{StallAfter: 100_000, Stall: 10 * time.Second})
	c := newClient(t, m, Options{StallTimeout: 300 * time.Millisecond})
	dir := testutil.TempDir(t)
	start := time.Now()
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s: the stall was waited out instead of aborted", d)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

func TestStallOnEveryAttemptFails(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	stall := mirror.Fault{StallAfter: 0, Stall: 10 * time.Second}
	m.QueueFaults(p, stall, stall)
	c := newClient(t, m, Options{StallTimeout: 200 * time.Millisecond, Retries: 1})
	dir, old := installOver(t)
	_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("got %v, want ErrStalled", err)
	}
	assertOnlyFile(t, dir, host.Executable(), old)
}

func TestContextBoundsEverything(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	p := kubectlPath("v1.37.2")
	m.QueueFaults(p, mirror.Fault{StallAfter: 1000, Stall: 10 * time.Second})
	c := newClient(t, m, Options{StallTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	dir, old := installOver(t)
	_, err := c.Install(ctx, InstallRequest{Dir: dir})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
	assertOnlyFile(t, dir, host.Executable(), old)
}

func TestRedirectToPlainHTTPIsRefused(t *testing.T) {
	plain := newMirror(t, mirror.Options{PlainHTTP: true, NoRedirect: true})
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL()+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(front.Close)
	c := newClient(t, plain, Options{BaseURL: front.URL, HTTPClient: front.Client()})
	_, err := c.Resolve(context.Background(), "stable")
	if !errors.Is(err, ErrInsecureURL) || !strings.Contains(err.Error(), "from https down to http") {
		t.Fatalf("got %v, want ErrInsecureURL", err)
	}
	if len(plain.Requests()) != 0 {
		t.Error("the plain-http server was contacted")
	}
}

func TestMirrorURLRules(t *testing.T) {
	for _, ok := range []string{"https://dl.k8s.io", "https://mirror.example.com/k8s/", "http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80"} {
		if _, err := ParseMirror(ok); err != nil {
			t.Errorf("ParseMirror(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"http://dl.k8s.io", "http://10.0.0.1", "ftp://dl.k8s.io", "dl.k8s.io", "http://127.0.0.1.example.com"} {
		if _, err := ParseMirror(bad); err == nil {
			t.Errorf("ParseMirror(%q) accepted", bad)
		}
	}
	if _, err := New(Options{BaseURL: "http://mirror.corp"}); !errors.Is(err, ErrInsecureURL) || !strings.Contains(err.Error(), "use https") {
		t.Errorf("New with a plain-http mirror: %v", err)
	}
}

func TestPlainHTTPOnLoopbackWorks(t *testing.T) {
	m := newMirror(t, mirror.Options{PlainHTTP: true})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

func TestUnsupportedPlatform(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	_, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Platform: Platform{"linux", "386"}})
	if !errors.Is(err, ErrUnsupportedPlatform) || !strings.Contains(err.Error(), "windows/arm64") {
		t.Fatalf("got %v, want ErrUnsupportedPlatform naming the matrix", err)
	}
	if len(m.Requests()) != 0 {
		t.Error("an unsupported platform still contacted the mirror")
	}
}

func TestInstallsForOtherPlatforms(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	win := []byte("MZ fake windows kubectl")
	m.AddKubectl("v1.37.2", "windows", "arm64", win)
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir, Platform: Platform{"windows", "arm64"}})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(res.Path) != "kubectl.exe" || !strings.HasSuffix(res.URL, "/bin/windows/arm64/kubectl.exe") {
		t.Errorf("result = %+v", res)
	}
	assertOnlyFile(t, dir, "kubectl.exe", win)
}

func TestReadOnlyDestination(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("folder permissions work differently on Windows")
	}
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	dir, old := installOver(t)
	testutil.MakeReadOnly(t, dir)
	_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("got %v, want a permission error naming %s", err, dir)
	}
	if kubectlRequests(m) != 0 {
		t.Error("downloaded although the folder cannot be written")
	}
	assertOnlyFile(t, dir, host.Executable(), old)
}

// Leftover temp files are removed whatever their age, in folders whose
// names a glob would misread.
func TestStaleTempFilesAreSwept(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	names := []string{"bin", "bin[1]", "my bin *?", "bïn 日本"}
	if runtime.GOOS == "windows" {
		names[2] = "my bin [a-z]" // Windows refuses * and ? in names
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testutil.TempDir(t), name)
			os.MkdirAll(dir, 0o755)
			old := []byte("#!/bin/sh\necho old kubectl\n")
			os.WriteFile(filepath.Join(dir, host.Executable()), old, 0o755)
			// Just written: a run killed a moment ago left it.
			stale := filepath.Join(dir, "."+host.Executable()+".kubeboot-123.tmp")
			if err := os.WriteFile(stale, []byte("half a kubectl"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
				t.Fatal(err)
			}
			assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
		})
	}
}

// TestKillDuringDownload kills a real installing process with SIGKILL
// mid-body: the old kubectl must survive, and the next run must remove the
// temp file the killed one left.
func TestKillDuringDownload(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	if dir := os.Getenv("KUBEBOOT_TEST_KILL_CHILD_DIR"); dir != "" {
		c, err := New(Options{BaseURL: os.Getenv("KUBEBOOT_TEST_KILL_CHILD_URL"), StallTimeout: time.Minute,
			Signature: SignatureOptions{Mode: SignatureOff}})
		if err != nil {
			t.Fatal(err)
		}
		c.Install(context.Background(), InstallRequest{Dir: dir})
		t.Fatal("the install should have hung until killed")
	}
	m := newMirror(t, mirror.Options{})
	m.QueueFaults(kubectlPath("v1.37.2"), mirror.Fault{StallAfter: 200_000, Stall: time.Minute})
	certFile := filepath.Join(testutil.TempDir(t), "ca.pem")
	os.WriteFile(certFile, m.CertPEM(), 0o600)
	dir, old := installOver(t)

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringDownload$")
	cmd.Env = append(os.Environ(), "KUBEBOOT_TEST_KILL_CHILD_DIR="+dir,
		"KUBEBOOT_TEST_KILL_CHILD_URL="+m.URL(), "SSL_CERT_FILE="+certFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var temp string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && temp == ""; time.Sleep(20 * time.Millisecond) {
		matches, _ := filepath.Glob(filepath.Join(dir, "."+host.Executable()+".kubeboot-*.tmp"))
		if len(matches) == 1 {
			if fi, err := os.Stat(matches[0]); err == nil && fi.Size() >= 200_000 {
				temp = matches[0]
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if temp == "" {
		t.Fatal("the child never got half-way through the download")
	}
	got, _ := os.ReadFile(filepath.Join(dir, host.Executable()))
	if string(got) != string(old) {
		t.Fatal("the old kubectl changed when the install was killed")
	}
	// The very next run removes it, however young it is.
	c := newClient(t, m, Options{})
	if _, err := c.Install(context.Background(), InstallRequest{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}

// A run that is between verifying its temp file and renaming it (a slow
// fsync, say) holds the folder: a concurrent run waits, and never sweeps
// the first one's verified temp file.
func TestConcurrentRunNeverSweepsALiveRunsTempFile(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	dir := testutil.TempDir(t)
	second := make(chan error, 1)
	var sawTemp bool
	exeinstall.TestHookBeforeReplace = func(tmp string) {
		exeinstall.TestHookBeforeReplace = nil // only the first run pauses
		go func() {
			_, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: "1.36", Force: true})
			second <- err
		}()
		time.Sleep(6 * time.Second) // longer than any age rule
		_, err := os.Stat(tmp)
		sawTemp = err == nil
		select {
		case err := <-second:
			t.Errorf("the second run finished (%v) while the first held the folder", err)
		default:
		}
	}
	defer func() { exeinstall.TestHookBeforeReplace = nil }()
	res, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: "v1.37.2"})
	if err != nil || !res.Changed {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	if !sawTemp {
		t.Error("the first run's verified temp file vanished while it held the lock")
	}
	if err := <-second; err != nil {
		t.Fatalf("second run: %v", err)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.36.4"])
}

// Eight first installs of one version into one empty folder at once: they
// serialise on the folder's lock, one downloads, the others find it done.
func TestConcurrentInstallsDownloadOnce(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	dir := testutil.TempDir(t)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			c := newClient(t, m, Options{})
			_, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: "v1.37.2"})
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := kubectlRequests(m); n != 1 {
		t.Errorf("8 concurrent installs downloaded kubectl %d times, want 1", n)
	}
	assertOnlyFile(t, dir, host.Executable(), standins["v1.37.2"])
}
