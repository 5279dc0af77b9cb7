package bootstrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// A mirror that sends the headers of a release marker or a digest and then
// nothing: every small read is bounded by the stall timeout too.
func TestSmallReadsStall(t *testing.T) {
	for _, path := range []string{"/release/stable.txt", kubectlPath("v1.37.2") + ".sha256"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			for range 3 {
				m.QueueFaults(path, mirror.Fault{Stall: 30 * time.Second})
			}
			c := newClient(t, m, Options{StallTimeout: 500 * time.Millisecond, Retries: 1})
			start := time.Now()
			_, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
			took := time.Since(start)
			if !errors.Is(err, ErrStalled) {
				t.Fatalf("err = %v, want ErrStalled", err)
			}
			cdn := strings.TrimPrefix(m.CDNURL(), "https://")
			if want := "no data from " + cdn + " for 500ms"; !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
			if took > 5*time.Second {
				t.Errorf("took %s: the stall timeout did not bound the read", took)
			}
		})
	}
}

// The password of a mirror URL goes to the mirror as Basic auth, and
// nowhere else: not to the CDN host it redirects to, not into any error,
// log line or result, whatever fails.
func TestMirrorCredentialsNeverShow(t *testing.T) {
	const secret = "PASSWORD-hunter2-s3cr3t"
	m := newMirror(t, mirror.Options{})
	withCreds := strings.Replace(m.URL(), "https://", "https://alice:"+secret+"@", 1)
	var (
		mu  sync.Mutex
		out []string
	)
	record := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, s)
	}
	newC := func(base string) *Client {
		c, err := New(Options{BaseURL: base, HTTPClient: m.Client(), RetryBackoff: time.Millisecond, Retries: 1,
			Signature:    SignatureOptions{TrustedRoot: testRoot},
			StallTimeout: 300 * time.Millisecond, CacheDir: testutil.TempDir(t),
			Logf: func(f string, a ...any) { record(fmt.Sprintf(f, a...)) }})
		if err != nil {
			record(err.Error())
			return nil
		}
		return c
	}
	c := newC(withCreds)
	record(c.BaseURL())
	record(c.KubectlURL("v1.37.2", host))

	res, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	record(string(b))
	var sawAuth bool
	for _, r := range m.AllRequests() {
		if r.Front && strings.HasPrefix(r.Authorization, "Basic ") {
			sawAuth = true
		}
		if !r.Front && r.Authorization != "" {
			t.Errorf("the CDN host received credentials for %s", r.Path)
		}
	}
	if !sawAuth {
		t.Error("the mirror never received the credentials as Basic auth")
	}

	failures := map[string]func(){
		"no such version": func() {},
		"checksum mismatch": func() {
			m.Put(kubectlPath("v1.36.4"), []byte("tampered"))
		},
		"stalled marker": func() {
			for range 3 {
				m.QueueFaults("/release/stable-1.35.txt", mirror.Fault{Stall: 10 * time.Second})
			}
		},
		"bad marker": func() { m.SetMarker("latest", "<html>oops</html>") },
		"server error": func() {
			for range 3 {
				m.QueueFaults("/release/stable-1.36.txt", mirror.Fault{Status: 503})
			}
		},
	}
	specs := map[string]string{"no such version": "v1.99.0", "checksum mismatch": "1.36", "stalled marker": "1.35", "bad marker": "latest", "server error": "1.36"}
	for name, setup := range failures {
		setup()
		_, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: specs[name], Force: true})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		record(err.Error())
		var he *HTTPError
		if errors.As(err, &he) {
			record(he.URL)
		}
		var ce *ChecksumError
		if errors.As(err, &ce) {
			record(ce.URL)
		}
	}
	// A mirror that refuses connections, and one the URL policy refuses.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "https://alice:" + secret + "@" + ln.Addr().String()
	ln.Close()
	if dc := newC(dead); dc != nil {
		if _, err := dc.Resolve(context.Background(), "stable"); err != nil {
			record(err.Error())
		}
	}
	newC("http://alice:" + secret + "@mirror.example/k8s")
	if _, err := ParseMirror("https://alice:" + secret + "@mirror.example/k8s?x=1"); err != nil {
		record(err.Error())
	}

	mu.Lock()
	defer mu.Unlock()
	if len(out) < 10 {
		t.Fatalf("only %d outputs recorded", len(out))
	}
	for _, s := range out {
		if strings.Contains(s, secret) {
			t.Errorf("output holds the password: %s", s)
		}
	}
}

// An endless body, and a body announced larger than the cap, stop without
// filling the disk; nothing is installed and no temp file stays.
func TestOversizedDownloadsStop(t *testing.T) {
	t.Run("endless", func(t *testing.T) {
		m := newMirror(t, mirror.Options{})
		m.QueueFaults(kubectlPath("v1.37.2"), mirror.Fault{Endless: true})
		c := newClient(t, m, Options{MaxDownloadBytes: 16 << 20})
		dir, old := installOver(t)
		_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
		if !errors.Is(err, ErrDownloadTooLarge) || !strings.Contains(err.Error(), "without an end") {
			t.Fatalf("err = %v, want ErrDownloadTooLarge", err)
		}
		assertOnlyFile(t, dir, host.Executable(), old)
	})
	t.Run("announced too large", func(t *testing.T) {
		m := newMirror(t, mirror.Options{})
		c := newClient(t, m, Options{MaxDownloadBytes: int64(len(standins["v1.37.2"]) - 1)})
		dir, old := installOver(t)
		_, err := c.Install(context.Background(), InstallRequest{Dir: dir})
		if !errors.Is(err, ErrDownloadTooLarge) || !strings.Contains(err.Error(), "announces") {
			t.Fatalf("err = %v, want ErrDownloadTooLarge", err)
		}
		assertOnlyFile(t, dir, host.Executable(), old)
		if n := kubectlRequests(m); n != 1 {
			t.Errorf("an oversized download was retried: %d requests", n)
		}
	})
}

// Right after a release, stable.txt can name a version some CDN edges do
// not have yet: a marker or constraint falls back to the newest published
// patch of that minor and says so; an exact version never falls back.
func TestMarkerAheadOfTheCDNFallsBack(t *testing.T) {
	cases := []struct {
		name, spec  string
		digestOnly  bool // v1.37.3's .sha256 is there, its binary is not
		want        string
		wantFrom    string
		wantMissing bool
	}{
		{name: "stable, nothing published", spec: "stable", want: "v1.37.2", wantFrom: "v1.37.3"},
		{name: "stable, binary missing", spec: "stable", digestOnly: true, want: "v1.37.2", wantFrom: "v1.37.3"},
		{name: "minor marker", spec: "1.37", want: "v1.37.2", wantFrom: "v1.37.3"},
		{name: "constraint", spec: ">=1.37, <1.38", want: "v1.37.2", wantFrom: "v1.37.3"},
		{name: "constraint excluding the fallback", spec: ">=1.37.3", wantMissing: true},
		{name: "exact version", spec: "v1.37.3", wantMissing: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			m.SetMarker("stable", "v1.37.3")
			m.SetMarker("stable-1.37", "v1.37.3")
			if tc.digestOnly {
				m.Put(kubectlPath("v1.37.3")+".sha256", []byte(sha([]byte("v1.37.3 kubectl"))))
			}
			var notes []string
			c := newClient(t, m, Options{})
			c.opts.Logf = func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }
			res, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: tc.spec})
			if tc.wantMissing {
				if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "v1.37.3") {
					t.Fatalf("err = %v, want not-exist for v1.37.3", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Version != tc.want || res.FallbackFrom != tc.wantFrom {
				t.Fatalf("installed %s (fallback from %q), want %s from %s", res.Version, res.FallbackFrom, tc.want, tc.wantFrom)
			}
			b, _ := json.Marshal(res)
			if !strings.Contains(string(b), `"fallbackFrom":"v1.37.3"`) {
				t.Errorf("JSON %s lacks fallbackFrom", b)
			}
			if !strings.Contains(strings.Join(notes, "\n"), "v1.37.3 is not published") {
				t.Errorf("no note of the fallback in %q", notes)
			}
		})
	}
}

// Homebrew's kubectl is a link into its Cellar: kubeboot never writes it.
// A named folder is refused; a defaulted one moves to the per-user folder.
func TestNeverReplacesAPackageManagersKubectl(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Homebrew's layout; symlinks need privileges on Windows")
	}
	setup := func(t *testing.T) (prefixBin, cellarFile, userDir string) {
		root := testutil.TempDir(t)
		cellar := filepath.Join(root, "usr", "local", "Cellar", "kubernetes-cli", "1.35.0", "bin")
		prefixBin = filepath.Join(root, "usr", "local", "bin")
		os.MkdirAll(cellar, 0o755)
		os.MkdirAll(prefixBin, 0o755)
		cellarFile = filepath.Join(cellar, "kubectl")
		os.WriteFile(cellarFile, []byte("#!/bin/sh\necho homebrew kubectl\n"), 0o755)
		if err := os.Symlink("../Cellar/kubernetes-cli/1.35.0/bin/kubectl", filepath.Join(prefixBin, "kubectl")); err != nil {
			t.Fatal(err)
		}
		return prefixBin, cellarFile, filepath.Join(root, "home", ".local", "bin")
	}
	unchanged := func(t *testing.T, prefixBin, cellarFile string) {
		t.Helper()
		link, err := os.Readlink(filepath.Join(prefixBin, "kubectl"))
		if err != nil || link != "../Cellar/kubernetes-cli/1.35.0/bin/kubectl" {
			t.Errorf("Homebrew's link is now %q, %v", link, err)
		}
		if b, _ := os.ReadFile(cellarFile); string(b) != "#!/bin/sh\necho homebrew kubectl\n" {
			t.Errorf("the Cellar file changed")
		}
	}

	t.Run("named folder", func(t *testing.T) {
		prefixBin, cellarFile, _ := setup(t)
		m := newMirror(t, mirror.Options{})
		c := newClient(t, m, Options{})
		_, err := c.Install(context.Background(), InstallRequest{Dir: prefixBin, Version: "1.36"})
		var me *ManagedTargetError
		if !errors.As(err, &me) || !errors.Is(err, ErrManagedTarget) || me.Owner.Manager.String() != "Homebrew" || me.Owner.Package != "kubernetes-cli" {
			t.Fatalf("err = %v, want a *ManagedTargetError for Homebrew's kubernetes-cli", err)
		}
		unchanged(t, prefixBin, cellarFile)
		if kubectlRequests(m) != 0 {
			t.Error("downloaded although nothing may be written")
		}
	})
	t.Run("defaulted folder", func(t *testing.T) {
		prefixBin, cellarFile, userDir := setup(t)
		m := newMirror(t, mirror.Options{})
		c := newClient(t, m, Options{})
		c.installDirs = func() (string, string, error) { return prefixBin, userDir, nil }
		res, err := c.Install(context.Background(), InstallRequest{Version: "1.36"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Path != filepath.Join(userDir, "kubectl") || res.LeftAlone == nil || res.LeftAlone.Path != filepath.Join(prefixBin, "kubectl") {
			t.Fatalf("result = %+v, want an install into %s leaving Homebrew's alone", res, userDir)
		}
		unchanged(t, prefixBin, cellarFile)
		assertOnlyFile(t, userDir, "kubectl", standins["v1.36.4"])
	})
	t.Run("force overwrite", func(t *testing.T) {
		prefixBin, cellarFile, _ := setup(t)
		m := newMirror(t, mirror.Options{})
		c := newClient(t, m, Options{})
		if _, err := c.Install(context.Background(), InstallRequest{Dir: prefixBin, Version: "1.36", ForceOverwrite: true}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(filepath.Join(prefixBin, "kubectl")); err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("with ForceOverwrite the link should be replaced by the file: %v", err)
		}
		if b, _ := os.ReadFile(cellarFile); string(b) != "#!/bin/sh\necho homebrew kubectl\n" {
			t.Errorf("the Cellar file changed: the link was written through")
		}
	})
}
