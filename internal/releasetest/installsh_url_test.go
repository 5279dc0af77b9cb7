package releasetest

import (
	"bytes"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInstallShPlainHTTPOnlyToLoopback: plain http is decided from the
// URL's host, after any user:password@ and without the port, so a URL
// that only starts like a loopback one is refused before any request.
func TestInstallShPlainHTTPOnlyToLoopback(t *testing.T) {
	skipUnlessUnix(t)
	for _, url := range []string{
		"http://127.0.0.1:x@other-host.invalid/releases",
		"http://localhost:1@other-host.invalid/releases",
		"http://localhost.invalid/releases",
		"http://127.0.0.1.nip.invalid/releases",
		"ftp://127.0.0.1/releases",
	} {
		t.Run(url, func(t *testing.T) {
			r := runInstallSh(t, release(t), pathWithoutCosign(t), "KUBEBOOT_RELEASE_URL="+url)
			wantRefused(t, r, "must use https (plain http only to a loopback host")
			if strings.Contains(r.stderr, "cannot download") {
				t.Errorf("a request was made before the refusal:\n%s", r.stderr)
			}
		})
	}
	for _, url := range []string{
		"$SERVER/releases",
		"http://someone:secret@$HOSTPORT/releases",
		"http://token@$HOSTPORT/releases",
	} {
		t.Run(url, func(t *testing.T) {
			r := runInstallSh(t, release(t), pathWithoutCosign(t), "KUBEBOOT_RELEASE_URL="+url)
			if r.code != 0 {
				t.Fatalf("a loopback URL was refused: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// TestInstallShNeverPrintsCredentials: whatever fails, no message of
// install.sh (or of what it runs) shows the password or the token of
// KUBEBOOT_RELEASE_URL; the URL it shows names the host.
func TestInstallShNeverPrintsCredentials(t *testing.T) {
	skipUnlessUnix(t)
	const secret = "pa55-w0rd"
	withPassword := "http://ci-user:" + secret + "@$HOSTPORT/releases"
	withToken := "http://" + secret + "@$HOSTPORT/releases"
	for what, tc := range map[string]struct {
		url    string
		change func(map[string][]byte)
		cosign int // -1: no cosign
		ok     bool
	}{
		"success":            {url: withPassword, cosign: -1, ok: true},
		"token success":      {url: withToken, cosign: -1, ok: true},
		"no checksums.txt":   {url: withPassword, cosign: -1, change: func(f map[string][]byte) { delete(f, "checksums.txt") }},
		"token no checksums": {url: withToken, cosign: -1, change: func(f map[string][]byte) { delete(f, "checksums.txt") }},
		"corrupted archive": {url: withPassword, cosign: -1, change: func(f map[string][]byte) {
			for k, v := range f {
				if strings.HasSuffix(k, ".tar.gz") {
					f[k] = append(bytes.Clone(v), 0)
				}
			}
		}},
		"no archive": {url: withPassword, cosign: -1, change: func(f map[string][]byte) {
			for k := range f {
				if strings.HasSuffix(k, ".tar.gz") {
					delete(f, k)
				}
			}
		}},
		"no bundle":             {url: withPassword, cosign: 0},
		"cosign rejects":        {url: withPassword, cosign: 1},
		"plain http elsewhere":  {url: "http://ci-user:" + secret + "@other-host.invalid/releases", cosign: -1},
		"token, http elsewhere": {url: "http://" + secret + "@other-host.invalid/releases", cosign: -1},
	} {
		t.Run(what, func(t *testing.T) {
			files := release(t)
			if tc.cosign >= 0 && what != "no bundle" {
				files = signedRelease(t)
			}
			if tc.change != nil {
				tc.change(files)
			}
			path := pathWithoutCosign(t)
			if tc.cosign >= 0 {
				path, _, _ = fakeCosign(t, tc.cosign, "Error: verifying the bundle")
			}
			r := runInstallSh(t, files, path, "KUBEBOOT_RELEASE_URL="+tc.url)
			if (r.code == 0) != tc.ok {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			out := r.stdout + r.stderr
			if strings.Contains(out, secret) {
				t.Errorf("the secret is in the output:\n%s", out)
			}
			if strings.Contains(r.stderr, "cannot download") && !strings.Contains(r.stderr, "cannot download http://redacted@127.0.0.1:") {
				t.Errorf("the failed download does not show the (redacted) URL with its host:\n%s", r.stderr)
			}
		})
	}
}

// TestInstallShBoundedOnASilentServer: a release server that accepts and
// never answers costs a bounded wait (KUBEBOOT_INSTALL_TIMEOUT per try,
// with curl and with wget), and the failure names the URL.
func TestInstallShBoundedOnASilentServer(t *testing.T) {
	skipUnlessUnix(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	url := "http://" + l.Addr().String() + "/releases"
	for _, tool := range []string{"curl", "wget"} {
		t.Run(tool, func(t *testing.T) {
			if _, err := exec.LookPath(tool); err != nil {
				t.Skip("no " + tool)
			}
			path := pathWithoutCosign(t)
			if tool == "wget" {
				path = PathWithout(t, "curl", "cosign")
			}
			start := time.Now()
			r := runInstallSh(t, release(t), path, "KUBEBOOT_RELEASE_URL="+url, "KUBEBOOT_INSTALL_TIMEOUT=1")
			took := time.Since(start)
			t.Logf("%s gave up after %v", tool, took.Round(100*time.Millisecond))
			if took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			wantRefused(t, r, "cannot download "+url+"/checksums.txt")
		})
	}
}

// TestInstallShRedactsEveryFormOfCredentials: whatever precedes the last
// '@' before the host (a password holding '/', '?' or '#', a token without
// a scheme), the query string and the fragment of KUBEBOOT_RELEASE_URL
// appear in no message, whether the URL is refused or its download fails;
// a URL whose user name or password holds an unencoded '/', '?' or '#' is
// refused without naming its user name as the host.
func TestInstallShRedactsEveryFormOfCredentials(t *testing.T) {
	skipUnlessUnix(t)
	for _, tc := range []struct {
		url     string
		secrets []string
	}{
		{"http://u:PA/SSW0RD@127.0.0.1:1/r", []string{"PA/SSW0RD", "SSW0RD"}},
		{"https://u:PA?SSW0RD@127.0.0.1:1/r", []string{"PA?SSW0RD", "SSW0RD"}},
		{"https://u:PA#SSW0RD@127.0.0.1:1/r", []string{"PA#SSW0RD", "SSW0RD"}},
		{"http://t0ken/s3cret@$HOSTPORT/releases", []string{"t0ken", "s3cret"}},
		{"http://t0ken-s3cret/x@other-host.invalid/releases", []string{"t0ken-s3cret"}},
		{"t0ken-s3cret@127.0.0.1/releases", []string{"t0ken-s3cret"}},
		{"$SERVER/releases?token=qu3ry-s3cret", []string{"qu3ry-s3cret"}},
		{"$SERVER/releases#fr4gment-s3cret", []string{"fr4gment-s3cret"}},
		{"http://other-host.invalid/releases?token=qu3ry-s3cret", []string{"qu3ry-s3cret"}},
	} {
		t.Run(tc.url, func(t *testing.T) {
			r := runInstallSh(t, release(t), pathWithoutCosign(t), "KUBEBOOT_RELEASE_URL="+tc.url)
			if r.code == 0 {
				t.Fatalf("exit 0\n%s", r.stderr)
			}
			for _, secret := range tc.secrets {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("%q is in the output:\n%s%s", secret, r.stdout, r.stderr)
				}
			}
			if !strings.Contains(r.stderr, "install.sh: ") {
				t.Errorf("no message of install.sh:\n%s", r.stderr)
			}
		})
	}
}
