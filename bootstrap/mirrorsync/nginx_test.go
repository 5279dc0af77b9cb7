package mirrorsync_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// nginx serves tree over TLS on a free loopback port with a certificate
// made for the test, as a child process stopped at cleanup. It returns the
// base URL and a client that trusts the certificate.
func nginx(t *testing.T, tree string) (string, *http.Client) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx is not installed (apt-get install nginx-light; .ci/run installs it): skipping the real-web-server test")
	}
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubeboot test nginx"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read the test's private temp folders
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 64; }
http {
	access_log %[2]s/access.log;
	client_body_temp_path %[2]s/client_body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	types { text/plain txt sha256; }
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:%[3]d ssl;
		ssl_certificate %[4]q;
		ssl_certificate_key %[5]q;
		root %[6]q;
		location ~ \.txt$ { add_header Cache-Control "max-age=60"; }
	}
}
`, user, dir, port, certFile, keyFile, tree)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	cmd := exec.Command(bin, "-p", dir, "-c", "nginx.conf", "-g", "daemon off;")
	out, _ := os.Create(filepath.Join(dir, "stderr.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case err := <-exited:
			logs, _ := os.ReadFile(filepath.Join(dir, "stderr.log"))
			elog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s\n%s", err, logs, elog)
		default:
		}
		if resp, err := hc.Get(base + "/release/stable.txt"); err == nil {
			resp.Body.Close()
			return base, hc
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not answer within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNginxServesSyncedTreeToInstall(t *testing.T) {
	u := newUpstream(t, 1<<20)
	tree := filepath.Join(t.TempDir(), "k8s mirror")
	ctx := context.Background()
	if _, err := mirrorsync.Sync(ctx, u.opts(tree, versions...)); err != nil {
		t.Fatal(err)
	}
	base, hc := nginx(t, tree)
	c, err := bootstrap.New(bootstrap.Options{
		BaseURL: base, HTTPClient: hc, NoDigestCache: true,
		Signature: bootstrap.SignatureOptions{Mode: bootstrap.SignatureRequire, TrustedRoot: u.root},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec, want string
		p          bootstrap.Platform
	}{{"stable", "v1.37.2", linux}, {"1.36", "v1.36.4", windows}, {"v1.35.3", "v1.35.3", linux}} {
		dir := t.TempDir()
		res, err := c.Install(ctx, bootstrap.InstallRequest{Version: tc.spec, Dir: dir, Platform: tc.p})
		if err != nil {
			t.Fatalf("install %s from nginx: %v", tc.spec, err)
		}
		if res.Version != tc.want || !res.Changed || res.Signature == nil || !res.Signature.Verified ||
			res.Signature.Identity != "krel-staging@k8s-releng-prod.iam.gserviceaccount.com" {
			t.Errorf("%s: %+v %+v", tc.spec, res, res.Signature)
		}
		if !strings.HasPrefix(res.URL, base+"/release/") {
			t.Errorf("installed from %s", res.URL)
		}
		got, _ := os.ReadFile(res.Path)
		if string(got) != string(u.binaries[mirror.KubectlPath(tc.want, tc.p.OS, tc.p.Arch)]) {
			t.Errorf("%s: installed bytes differ from upstream", tc.spec)
		}
	}

	// A binary tampered with on the web server is refused by the client.
	p := filepath.Join(tree, filepath.FromSlash(mirror.KubectlPath("v1.37.2", "linux", "amd64")))
	os.WriteFile(p, []byte("tampered"), 0o755)
	os.WriteFile(p+".sha256", []byte(sha256hex([]byte("tampered"))), 0o644)
	if _, err := c.Install(ctx, bootstrap.InstallRequest{Version: "v1.37.2", Dir: t.TempDir(), Platform: linux}); err == nil ||
		!strings.Contains(err.Error(), "signature") {
		t.Errorf("tampered file on nginx: %v", err)
	}
}

// TestSyncTiming measures a sync of 3 versions x 2 platforms from the
// loopback mirror, and its rerun. KUBEBOOT_SYNC_MB sets the binary size
// (default 16 MiB; kubectl is about 62 MB).
func TestSyncTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	mb := 16
	fmt.Sscan(os.Getenv("KUBEBOOT_SYNC_MB"), &mb)
	u := newUpstream(t, mb<<20)
	dir := t.TempDir()
	ctx := context.Background()
	start := time.Now()
	if _, err := mirrorsync.Sync(ctx, u.opts(dir, versions...)); err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	requests := len(u.Requests())
	start = time.Now()
	if _, err := mirrorsync.Sync(ctx, u.opts(dir, versions...)); err != nil {
		t.Fatal(err)
	}
	rerun := time.Since(start)
	t.Logf("sync 3 versions x 2 platforms of %d MiB: %v (%d requests); rerun %v (%d requests, %d of binaries)",
		mb, first.Round(time.Millisecond), requests, rerun.Round(time.Millisecond), len(u.Requests())-requests, u.binaryRequests()-6)
}
