package testutil

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// ConnectProxy is an HTTP CONNECT proxy on loopback for proxy tests: each
// tunnel goes to the address route returns for the host:port the client
// asked for, so a test can address a loopback server by a name this
// machine cannot resolve and prove the traffic went through the proxy.
type ConnectProxy struct {
	URL string // http://127.0.0.1:PORT, for HTTPS_PROXY or proxy-url

	mu    sync.Mutex
	asked []string
}

// StartConnectProxy starts a proxy that lives as long as the test.
func StartConnectProxy(t testing.TB, route func(hostport string) string) *ConnectProxy {
	p := &ConnectProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		p.mu.Lock()
		p.asked = append(p.asked, r.Host)
		p.mu.Unlock()
		up, err := net.Dial("tcp", route(r.Host))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		go func() { io.Copy(up, buf); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Asked returns the host:port of every CONNECT so far, in order.
func (p *ConnectProxy) Asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}
