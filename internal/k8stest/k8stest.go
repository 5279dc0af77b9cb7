// Package k8stest runs a real etcd and kube-apiserver on loopback for tests,
// with known users and objects:
//
//   - Admin: a token user in system:masters;
//   - Blank: a token user with no RBAC binding at all (authenticated, allowed
//     nothing beyond what every authenticated user may do);
//   - Tenant: a token user bound to a Role that may list secrets in
//     namespace TenantNamespace only;
//   - CertUser: a client-certificate user in system:masters.
//
// The binaries come from KUBEBOOT_TEST_APISERVER, KUBEBOOT_TEST_ETCD and
// KUBEBOOT_TEST_KUBECTL (scripts/k8s-tools.sh builds them); tests call Skip
// first, which skips under -short or when they are unset. Start one Server
// per test package (TestMain, or lazily from one test) and Stop it, or
// share one per test process with Shared. Stop kills the processes and
// removes every file. Should the test process exit without Stop, however it
// exits, a watchdog shell kills the processes and removes the files.
package k8stest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// Environment variables naming the binaries.
const (
	EnvAPIServer = "KUBEBOOT_TEST_APISERVER"
	EnvEtcd      = "KUBEBOOT_TEST_ETCD"
	EnvKubectl   = "KUBEBOOT_TEST_KUBECTL"
)

// Namespaces and names the server is populated with.
const (
	TenantNamespace = "tenant-a"
	OtherNamespace  = "tenant-b"
	// ServerName is a DNS name in the serving certificate besides IP
	// 127.0.0.1; "localhost" is deliberately not in it.
	ServerName = "apiserver.kubeboot.test"
)

// Secrets lists the secrets created in each namespace.
var Secrets = map[string][]string{
	TenantNamespace: {"app-db", "app-api", "registry-pull"},
	OtherNamespace:  {"other-db", "other-api"},
}

// User is one of the server's users.
type User struct {
	// Entry is the name of the kubeconfig user entry ("token-admin").
	Entry string
	// Username and Groups are what the server should report.
	Username string
	Groups   []string
	// Token, or ClientCertPEM and ClientKeyPEM, authenticate the user.
	Token                       string
	ClientCertPEM, ClientKeyPEM []byte
}

// Server is a running etcd and kube-apiserver.
type Server struct {
	URL     string // https://127.0.0.1:PORT
	CAPEM   []byte // the CA of the serving certificate and of client certificates
	CAFile  string
	Version string // the server's gitVersion, as /version reports it

	Admin, Blank, Tenant, CertUser User

	// Dir holds the server's files; it is removed by Stop.
	Dir string

	procs []*proc
	admin *http.Client
}

type proc struct {
	name string
	cmd  *exec.Cmd
	keep *os.File // write end of the watchdog pipe
	done chan struct{}
	log  string
}

// Skip skips tb under -short or when the binaries are not configured.
func Skip(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("skipped under -short: needs a real kube-apiserver and etcd")
	}
	if reason := Missing(); reason != "" {
		tb.Skip(reason)
	}
}

// Missing returns why the binaries cannot be used, or "".
func Missing() string {
	for _, env := range []string{EnvAPIServer, EnvEtcd, EnvKubectl} {
		p := os.Getenv(env)
		if p == "" {
			return env + " is not set: run `make test`, or set " + EnvAPIServer + ", " + EnvEtcd + " and " + EnvKubectl +
				" to the binaries scripts/k8s-tools.sh builds, to run the tests against a real API server"
		}
		if !filepath.IsAbs(p) {
			return env + "=" + p + " must be an absolute path"
		}
		if _, err := os.Stat(p); err != nil {
			return env + ": " + err.Error()
		}
	}
	return ""
}

var shared struct {
	once sync.Once
	s    *Server
	err  error
}

// Shared returns a server shared by every test of the process, started on
// first use; it calls Skip first. It is never stopped explicitly: when the
// test process exits, the watchdog kills its processes and removes its
// files. Tests must not change its users or objects.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	Skip(tb)
	shared.once.Do(func() { shared.s, shared.err = Start(context.Background()) })
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.s
}

// Kubectl returns the path of the real kubectl from KUBEBOOT_TEST_KUBECTL.
func Kubectl() string { return os.Getenv(EnvKubectl) }

// Start starts etcd and kube-apiserver, waits until the API server is ready
// and creates the namespaces, RBAC objects and secrets described in the
// package documentation. ctx bounds the start only.
func Start(ctx context.Context) (s *Server, err error) {
	if reason := Missing(); reason != "" {
		return nil, errors.New(reason)
	}
	dir, err := os.MkdirTemp("", "k8stest-")
	if err != nil {
		return nil, err
	}
	s = &Server{Dir: dir}
	defer func() {
		if err != nil {
			s.Stop()
			s = nil
		}
	}()
	if err := s.writeFiles(); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdClient := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	etcdPeer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	s.URL = "https://127.0.0.1:" + strconv.Itoa(ports[2])

	etcd, err := s.start("etcd", os.Getenv(EnvEtcd),
		"--name=k8stest",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdClient, "--advertise-client-urls="+etcdClient,
		"--listen-peer-urls="+etcdPeer, "--initial-advertise-peer-urls="+etcdPeer,
		"--initial-cluster=k8stest="+etcdPeer,
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return nil, err
	}
	if err := s.waitFor(ctx, etcd, http.DefaultClient, etcdClient+"/health"); err != nil {
		return nil, err
	}
	f := func(name string) string { return filepath.Join(dir, name) }
	api, err := s.start("kube-apiserver", os.Getenv(EnvAPIServer),
		"--etcd-servers="+etcdClient,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(ports[2]),
		"--tls-cert-file="+f("serving.crt"), "--tls-private-key-file="+f("serving.key"),
		"--client-ca-file="+f("ca.crt"),
		"--token-auth-file="+f("tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+f("sa.key"), "--service-account-signing-key-file="+f("sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--endpoint-reconciler-type=none",
		"--cert-dir="+f("certs"),
		"--v=0")
	if err != nil {
		return nil, err
	}
	s.admin = s.client(s.Admin.Token)
	if err := s.waitFor(ctx, api, s.admin, s.URL+"/readyz"); err != nil {
		return nil, err
	}
	if err := s.populate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop kills the processes and removes the server's files. It is safe to
// call more than once.
func (s *Server) Stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		p := s.procs[i]
		p.keep.Close()
		killGroup(p.cmd)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
	}
	s.procs = nil
	if s.Dir != "" {
		os.RemoveAll(s.Dir)
	}
}

func (s *Server) start(name, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(s.Dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := command(s.Dir, bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r, logFile, logFile
	cmd.Dir = s.Dir
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, keep: w, done: make(chan struct{}), log: logPath}
	go func() { cmd.Wait(); close(p.done) }()
	s.procs = append(s.procs, p)
	return p, nil
}

// waitFor polls url until it answers 200, p exits, or ctx ends.
func (s *Server) waitFor(ctx context.Context, p *proc, c *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := c.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready:\n%s", p.name, tail(p.log))
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w\n%s", p.name, url, ctx.Err(), tail(p.log))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writeFiles creates the CA, certificates, service-account key and token
// file in s.Dir.
func (s *Server) writeFiles() error {
	ca, err := NewCA("k8stest-ca")
	if err != nil {
		return err
	}
	s.CAPEM = ca.CertPEM
	s.CAFile = filepath.Join(s.Dir, "ca.crt")
	servingCert, servingKey, err := ca.Issue(CertSpec{CommonName: "kube-apiserver",
		DNSNames: []string{ServerName}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		return err
	}
	s.Admin = User{Entry: "token-admin", Username: "admin", Groups: []string{"system:masters", "system:authenticated"}, Token: randomToken()}
	s.Blank = User{Entry: "token-blank", Username: "blank-user", Groups: []string{"system:authenticated"}, Token: randomToken()}
	s.Tenant = User{Entry: "token-tenant", Username: "tenant-user", Groups: []string{"tenants", "system:authenticated"}, Token: randomToken()}
	s.CertUser = User{Entry: "cert-user", Username: "cert-user", Groups: []string{"system:masters", "system:authenticated"}}
	if s.CertUser.ClientCertPEM, s.CertUser.ClientKeyPEM, err = ca.Issue(CertSpec{CommonName: "cert-user",
		Organization: []string{"system:masters"}, Client: true}); err != nil {
		return err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	saDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return err
	}
	tokens := fmt.Sprintf("%s,admin,uid-admin,\"system:masters\"\n%s,blank-user,uid-blank\n%s,tenant-user,uid-tenant,\"tenants\"\n",
		s.Admin.Token, s.Blank.Token, s.Tenant.Token)
	for name, data := range map[string][]byte{
		"ca.crt": ca.CertPEM, "serving.crt": servingCert, "serving.key": servingKey,
		"sa.key": pemBlock("EC PRIVATE KEY", saDER), "tokens.csv": []byte(tokens),
		"client.crt": s.CertUser.ClientCertPEM, "client.key": s.CertUser.ClientKeyPEM,
	} {
		if err := os.WriteFile(filepath.Join(s.Dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// ClientCertFile and ClientKeyFile are CertUser's certificate and key as
// files.
func (s *Server) ClientCertFile() string { return filepath.Join(s.Dir, "client.crt") }
func (s *Server) ClientKeyFile() string  { return filepath.Join(s.Dir, "client.key") }

func (s *Server) client(token string) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &bearer{token: token, next: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool},
		}},
	}
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// populate creates the namespaces, RBAC objects and secrets as admin.
func (s *Server) populate(ctx context.Context) error {
	var objs []struct{ path, body string }
	add := func(path, body string) { objs = append(objs, struct{ path, body string }{path, body}) }
	for _, ns := range []string{TenantNamespace, OtherNamespace} {
		add("/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`)
	}
	rbac := "/apis/rbac.authorization.k8s.io/v1/namespaces/" + TenantNamespace
	add(rbac+"/roles", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"secret-reader"},
		"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["list","get"]}]}`)
	add(rbac+"/rolebindings", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"tenant-user-secret-reader"},
		"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"secret-reader"},
		"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"tenant-user"}]}`)
	for _, ns := range []string{TenantNamespace, OtherNamespace} {
		for _, name := range Secrets[ns] {
			add("/api/v1/namespaces/"+ns+"/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"`+name+`"},
				"stringData":{"password":"k8stest-secret-value"}}`)
		}
	}
	for _, o := range objs {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+o.path, strings.NewReader(o.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.admin.Do(req)
		if err != nil {
			return fmt.Errorf("create %s: %w", o.path, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("create %s: %s: %s", o.path, resp.Status, body)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/version", nil)
	resp, err := s.admin.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var v struct{ GitVersion string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.GitVersion == "" {
		return fmt.Errorf("read /version: %v", err)
	}
	s.Version = v.GitVersion
	return nil
}

// KubeconfigYAML returns a kubeconfig in the shape CoreWeave hands out:
// cluster "coreweave" (this server, CA embedded), user u.Entry with its
// token or client certificate embedded, context "coreweave" with namespace
// (none when empty), selected.
func (s *Server) KubeconfigYAML(u User, namespace string) []byte {
	user := map[string]any{}
	if u.Token != "" {
		user["token"] = u.Token
	}
	if u.ClientCertPEM != nil {
		user["client-certificate-data"] = base64.StdEncoding.EncodeToString(u.ClientCertPEM)
		user["client-key-data"] = base64.StdEncoding.EncodeToString(u.ClientKeyPEM)
	}
	ctx := map[string]any{"cluster": "coreweave", "user": u.Entry}
	if namespace != "" {
		ctx["namespace"] = namespace
	}
	doc := map[string]any{
		"apiVersion": "v1", "kind": "Config", "preferences": map[string]any{},
		"clusters": []any{map[string]any{"name": "coreweave", "cluster": map[string]any{
			"server": s.URL, "certificate-authority-data": base64.StdEncoding.EncodeToString(s.CAPEM)}}},
		"users":           []any{map[string]any{"name": u.Entry, "user": user}},
		"contexts":        []any{map[string]any{"name": "coreweave", "context": ctx}},
		"current-context": "coreweave",
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return out
}

// WriteKubeconfig writes KubeconfigYAML(u, namespace) to path, mode 0600.
func (s *Server) WriteKubeconfig(path string, u User, namespace string) error {
	return os.WriteFile(path, s.KubeconfigYAML(u, namespace), 0o600)
}

// KubectlRun runs the real kubectl with only KUBECONFIG and HOME set, and
// returns its combined output and exit code.
func KubectlRun(ctx context.Context, kubeconfigPath string, args ...string) (out string, code int, err error) {
	cmd := exec.CommandContext(ctx, Kubectl(), args...)
	home := filepath.Dir(kubeconfigPath)
	cmd.Env = []string{"KUBECONFIG=" + kubeconfigPath, "HOME=" + home}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return buf.String(), ee.ExitCode(), nil
	}
	return buf.String(), 0, err
}
