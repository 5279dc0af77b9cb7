package verify

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// fakeAPI is a TLS server answering /version to the bearer token good and
// 401 to any other.
func fakeAPI(t *testing.T, good string) (*httptest.Server, string) {
	t.Helper()
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+good {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"gitVersion":"v1.37.2"}`)
	}))
	t.Cleanup(s.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	return s, base64.StdEncoding.EncodeToString(ca)
}

// closedPort returns a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "https://" + l.Addr().String()
}

// TestPruneEvidenceLoopback: against loopback servers, a context whose
// server refuses connections is not pruned on its first failure, nor
// within the span, only once every check over the span saw it refused; a
// 401 is pruned at once; a run where every server refuses records nothing.
func TestPruneEvidenceLoopback(t *testing.T) {
	live, ca := fakeAPI(t, "good-token-0123456789")
	gone := closedPort(t)
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: good
clusters:
- {name: live, cluster: {server: %q, certificate-authority-data: %s}}
- {name: gone, cluster: {server: %q, certificate-authority-data: %s}}
users:
- {name: admin, user: {token: good-token-0123456789}}
- {name: revoked, user: {token: revoked-token-0123456789}}
- {name: gone-user, user: {token: gone-token-0123456789}}
contexts:
- {name: good, context: {cluster: live, user: admin}}
- {name: revoked, context: {cluster: live, user: revoked}}
- {name: stopped, context: {cluster: gone, user: gone-user}}
`, live.URL, ca, gone, ca)
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	opts := kubeconfig.EditOptions{Kubeconfig: path, Home: dir, StateDir: filepath.Join(dir, "state"), Now: func() time.Time { return clock }}
	co := kubeconfig.CheckOptions{Timeout: 5 * time.Second}
	check := ContextCheck(Options{})
	ctx := context.Background()
	planned := func() string {
		t.Helper()
		p, err := kubeconfig.PlanPrune(ctx, opts, co, check)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range p.Contexts {
			names = append(names, c.Name)
		}
		for _, c := range p.Kept {
			if c.Name == "stopped" && c.Check.State != kubeconfig.CheckUnreachable {
				t.Errorf("stopped: %+v", c.Check)
			}
		}
		return strings.Join(names, ",")
	}
	if got := planned(); got != "revoked" {
		t.Fatalf("day 0: planned %q, want only the 401", got)
	}
	clock = clock.Add(6 * 24 * time.Hour)
	if got := planned(); got != "revoked" {
		t.Fatalf("day 6: planned %q", got)
	}
	clock = clock.Add(24 * time.Hour)
	if got := planned(); got != "revoked,stopped" {
		t.Fatalf("day 7: planned %q", got)
	}

	// Every server refuses (the network is down): nothing is recorded.
	dir2 := testutil.TempDir(t)
	path2 := filepath.Join(dir2, "config")
	down := strings.ReplaceAll(doc, live.URL, closedPort(t))
	if err := os.WriteFile(path2, []byte(down), 0o600); err != nil {
		t.Fatal(err)
	}
	opts2 := opts
	opts2.Kubeconfig, opts2.StateDir = path2, filepath.Join(dir2, "state")
	p, err := kubeconfig.PlanPrune(ctx, opts2, co, check)
	if err != nil || !p.Empty() {
		t.Fatalf("network down: %+v %v", p, err)
	}
	if _, err := os.Stat(filepath.Join(dir2, "state")); !os.IsNotExist(err) {
		t.Errorf("a run where no server answered recorded something: %v", err)
	}
}

// TestClassifyNoRoute: "connection refused" and "no route to host" are
// failures of the server; "network is unreachable" (this machine is
// offline) says nothing about it. A 401 is evidence against credentials
// only when some were sent.
func TestClassifyNoRoute(t *testing.T) {
	dial := func(errno error) error {
		return &UnreachableError{Server: "https://lab:6443", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}}
	}
	for _, tc := range []struct {
		err  error
		want kubeconfig.CheckState
	}{
		{dial(syscall.ECONNREFUSED), kubeconfig.CheckUnreachable},
		{dial(syscall.EHOSTUNREACH), kubeconfig.CheckUnreachable},
		{dial(errNetUnreachable), kubeconfig.CheckUnknown},
		{&UnauthorizedError{Server: "https://lab:6443", User: "u", AuthMethod: AuthToken}, kubeconfig.CheckRejected},
		{&UnauthorizedError{Server: "https://lab:6443", User: "u", AuthMethod: AuthNone}, kubeconfig.CheckUnknown},
		{&UnauthorizedError{Server: "http://lab:8080", User: "u", AuthMethod: AuthWithheld}, kubeconfig.CheckUnknown},
	} {
		if got := Classify(context.Background(), tc.err); got.State != tc.want {
			t.Errorf("Classify(%v) = %+v, want %s", tc.err, got, tc.want)
		}
	}
}

// TestNoCredentialsOverPlainHTTP: as client-go, the check sends no token,
// tokenFile, basic auth or exec plugin credential to an http:// server,
// and runs no plugin; it says so. A 401 from such a server is no evidence
// against the credentials.
func TestNoCredentialsOverPlainHTTP(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	answer := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if a := r.Header.Get("Authorization"); a != "" {
			seen = append(seen, a)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(answer)
		fmt.Fprint(w, `{"gitVersion":"v1.37.2"}`)
	}))
	defer srv.Close()
	dir := testutil.TempDir(t)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("file-token-0123456789\n"), 0o600)
	mark := filepath.Join(dir, "plugin-ran")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- {name: plain, cluster: {server: %q}}
users:
- {name: token, user: {token: inline-token-0123456789}}
- {name: file, user: {tokenFile: %q}}
- {name: basic, user: {username: alice, password: secret-password-0123}}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: %q
      interactiveMode: Never
      env: [{name: VERIFY_TEST_PLUGIN, value: mark}, {name: VERIFY_TEST_MARK, value: %q}]
contexts:
- {name: token, context: {cluster: plain, user: token}}
- {name: file, context: {cluster: plain, user: file}}
- {name: basic, context: {cluster: plain, user: basic}}
- {name: exec, context: {cluster: plain, user: exec}}
`, strings.Replace(srv.URL, "http://", "http://alice:url-password-0123@", 1), tokenFile, self, mark)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := kubeconfig.EditOptions{Kubeconfig: path, Home: dir}
	checked, err := kubeconfig.Check(context.Background(), opts, kubeconfig.CheckOptions{Timeout: 10 * time.Second}, ContextCheck(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checked {
		if c.Check.State != kubeconfig.CheckOK || !strings.Contains(c.Check.Reason, "no credentials sent") {
			t.Errorf("%s: %+v", c.Name, c.Check)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the exec plugin ran for an http server")
	}
	rep, err := Verify(context.Background(), Options{Kubeconfig: []string{path}, Context: "token", TotalTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, w := range rep.Warnings {
		warned = warned || strings.Contains(w, "were not sent")
	}
	if !warned || rep.AuthMethod != AuthWithheld {
		t.Errorf("verify report: %+v", rep)
	}

	// A 401 from a plain http server refused no credentials.
	mu.Lock()
	answer = http.StatusUnauthorized
	mu.Unlock()
	checked, err = kubeconfig.Check(context.Background(), opts, kubeconfig.CheckOptions{Timeout: 10 * time.Second}, ContextCheck(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checked {
		if c.Check.State != kubeconfig.CheckUnknown {
			t.Errorf("%s after a 401 over http: %+v", c.Name, c.Check)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) > 0 {
		t.Errorf("credentials sent over plain http: %d requests carried an Authorization header", len(seen))
	}
}
