package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// Authentication methods, as Report.AuthMethod names them.
const (
	AuthToken      = "token"
	AuthTokenFile  = "tokenFile"
	AuthClientCert = "client certificate"
	AuthExec       = "exec plugin"
	AuthBasic      = "username and password"
	AuthNone       = "none"
	// AuthWithheld: the server address is plain http, so the user's
	// credentials were neither read nor sent, as kubectl does.
	AuthWithheld = "none (plain http: credentials withheld)"
)

type clusterBody struct {
	Server        string `json:"server"`
	CA            string `json:"certificate-authority"`
	CAData        []byte `json:"certificate-authority-data"`
	Insecure      bool   `json:"insecure-skip-tls-verify"`
	TLSServerName string `json:"tls-server-name"`
	ProxyURL      string `json:"proxy-url"`
}

type userBody struct {
	Token          string      `json:"token"`
	TokenFile      string      `json:"tokenFile"`
	ClientCert     string      `json:"client-certificate"`
	ClientCertData []byte      `json:"client-certificate-data"`
	ClientKey      string      `json:"client-key"`
	ClientKeyData  []byte      `json:"client-key-data"`
	Username       string      `json:"username"`
	Password       string      `json:"password"`
	Exec           *execConfig `json:"exec"`
	AuthProvider   *struct {
		Name string `json:"name"`
	} `json:"auth-provider"`
}

// target is a resolved context: where to connect and how to authenticate.
type target struct {
	context, cluster, user string
	server                 *url.URL
	serverURL              string // as written, for requests and exec plugins only
	serverShown            string // serverURL without credentials, for every message and report
	namespace, nsFrom      string
	clusterBody            clusterBody
	userBody               userBody
	caPEM                  []byte
	authMethod             string
	proxy                  func(*http.Request) (*url.URL, error)
	proxyShown             string
	warnings               []string

	// Filled by credentials.
	token    string
	basic    [2]string
	certs    []tls.Certificate
	execInfo *execConfig
}

// resolve finds the context, its cluster and user, and checks their
// settings. It reads certificate files but runs nothing.
func resolve(cfg *kubeconfig.Config, contextName, namespace string) (*target, error) {
	t := &target{context: contextName}
	if t.context == "" {
		t.context = cfg.CurrentContext
		if t.context == "" {
			e := configErr("select one with kubectl config use-context NAME, or name the context to check",
				"the kubeconfig has no current-context")
			e.Reason = ConfigNoCurrentContext
			return nil, e
		}
	}
	ctxEntry, ok := cfg.Lookup(kubeconfig.KindContext, t.context)
	if !ok {
		return nil, configErr("known contexts: "+knownNames(cfg.Contexts), "context %q is not defined in the kubeconfig", t.context)
	}
	var c struct {
		Cluster   string `json:"cluster"`
		User      string `json:"user"`
		Namespace string `json:"namespace"`
	}
	if ctxEntry.Body != nil {
		if err := kubeconfig.DecodeBody(ctxEntry.Body, &c); err != nil {
			return nil, &ConfigError{Problem: fmt.Sprintf("context %q is malformed", t.context), Err: err}
		}
	}
	t.cluster, t.user = c.Cluster, c.User
	switch {
	case namespace != "":
		t.namespace, t.nsFrom = namespace, "option"
	case c.Namespace != "":
		t.namespace, t.nsFrom = c.Namespace, "context"
	default:
		t.namespace, t.nsFrom = "default", "default"
	}
	clEntry, ok := cfg.Lookup(kubeconfig.KindCluster, c.Cluster)
	if !ok || c.Cluster == "" {
		return nil, configErr("download the kubeconfig again", "context %q names cluster %q, which the kubeconfig does not define", t.context, c.Cluster)
	}
	if clEntry.Body != nil {
		if err := kubeconfig.DecodeBody(clEntry.Body, &t.clusterBody); err != nil {
			return nil, &ConfigError{Problem: fmt.Sprintf("cluster %q is malformed", c.Cluster), Err: err}
		}
	}
	if c.User != "" {
		uEntry, ok := cfg.Lookup(kubeconfig.KindUser, c.User)
		if !ok {
			return nil, configErr("download the kubeconfig again", "context %q names user %q, which the kubeconfig does not define", t.context, c.User)
		}
		if uEntry.Body != nil {
			// encoding/json's messages name types and fields, never values.
			if err := kubeconfig.DecodeBody(uEntry.Body, &t.userBody); err != nil {
				return nil, &ConfigError{Problem: fmt.Sprintf("user %q is malformed", c.User), Err: err}
			}
		}
	}
	if err := t.checkCluster(); err != nil {
		return nil, err
	}
	return t, nil
}

func knownNames(entries []kubeconfig.Entry) string {
	if len(entries) == 0 {
		return "none"
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return strings.Join(names, ", ")
}

func (t *target) checkCluster() error {
	cb := &t.clusterBody
	if cb.Server == "" {
		return configErr("download the kubeconfig again", "cluster %q has no server address", t.cluster)
	}
	u, err := url.Parse(cb.Server)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return configErr("it should look like https://host:port", "cluster %q has an invalid server address %q", t.cluster, fetch.Redact(cb.Server))
	}
	t.server, t.serverURL = u, strings.TrimRight(cb.Server, "/")
	t.serverShown = fetch.Redact(t.serverURL)
	if cb.Insecure && (cb.CA != "" || len(cb.CAData) > 0) {
		return configErr("remove insecure-skip-tls-verify (kubectl refuses this combination too)",
			"cluster %q sets both a certificate authority and insecure-skip-tls-verify", t.cluster)
	}
	if cb.Insecure {
		t.warnings = append(t.warnings, fmt.Sprintf("cluster %q sets insecure-skip-tls-verify: the server's certificate is not checked, so anyone on the network path can impersonate it and read your credentials; use certificate-authority-data instead", t.cluster))
	}
	switch {
	case len(cb.CAData) > 0:
		t.caPEM = cb.CAData
	case cb.CA != "":
		data, err := os.ReadFile(cb.CA)
		if err != nil {
			return &ConfigError{Problem: fmt.Sprintf("cannot read the certificate-authority of cluster %q", t.cluster), Err: err,
				Hint: "the file moved or was deleted: download the kubeconfig again"}
		}
		t.caPEM = data
	}
	if cb.ProxyURL != "" {
		p, err := url.Parse(cb.ProxyURL)
		if err != nil || p.Host == "" {
			return configErr("it should look like http://proxy:3128", "cluster %q has an invalid proxy-url", t.cluster)
		}
		switch p.Scheme {
		case "http", "https", "socks5":
		default:
			return configErr("use an http://, https:// or socks5:// proxy", "cluster %q: proxy-url scheme %q is not supported", t.cluster, p.Scheme)
		}
		t.proxy = http.ProxyURL(p)
		t.proxyShown = p.Scheme + "://" + p.Host
	} else {
		t.proxy = http.ProxyFromEnvironment
		if req, err := http.NewRequest(http.MethodGet, t.serverURL, nil); err == nil {
			if p, err := http.ProxyFromEnvironment(req); err == nil && p != nil {
				t.proxyShown = p.Scheme + "://" + p.Host
			}
		}
	}
	return nil
}

// credentials reads the user's token, token file, basic auth and client
// certificate, or runs its exec plugin, with client-go's precedence
// (tools/clientcmd validation, transport.Config.Has*Auth and the exec
// authenticator's UpdateTransportConfig):
//
//   - an inline token together with a username or password is refused
//     ("more than one authentication method"), and so is any bearer token
//     (token or tokenFile) together with a username;
//   - a readable, non-empty tokenFile wins over an inline token, which
//     stands in when the file cannot be read (client-go's refreshing
//     token source);
//   - basic auth counts when the username is set (a password alone sends
//     nothing);
//   - a client certificate counts when both certificate and key are set,
//     and is used beside a token;
//   - the exec plugin runs only when none of token, tokenFile, basic auth
//     or a client certificate is present;
//   - for a server that is not https, nothing is read, run or sent
//     (AuthWithheld), once the combinations above are checked.
func (t *target) credentials(ctx context.Context, o *Options) error {
	ub := &t.userBody
	if ub.AuthProvider != nil && ub.Exec == nil {
		return configErr("kubectl dropped built-in auth providers in 1.26: install your provider's exec plugin (for GKE: gke-gcloud-auth-plugin) and download the kubeconfig again",
			"user %q uses the %q auth-provider, which is not supported", t.user, ub.AuthProvider.Name)
	}
	if ub.Token != "" && (ub.Username != "" || ub.Password != "") {
		return configErr("keep either the token or the username and password in the user entry, as kubectl requires",
			"user %q has both a token and a username or password; kubectl refuses more than one authentication method", t.user)
	}
	if (ub.Token != "" || ub.TokenFile != "") && ub.Username != "" {
		return configErr("keep either the tokenFile or the username and password in the user entry, as kubectl requires",
			"user %q has both a bearer token and a username; kubectl refuses to send both", t.user)
	}
	if t.server.Scheme != "https" {
		// client-go reads a user's credentials only for a TLS server
		// (clientcmd's DirectClientConfig.ClientConfig: "only try to read
		// the auth information if we are secure"): no token, basic auth or
		// client certificate is sent, and no exec plugin runs. Nor is a
		// user name and password written in the server address.
		if t.server.User != nil {
			u := *t.server
			u.User = nil
			t.serverURL = strings.TrimRight(u.String(), "/")
		}
		t.authMethod = AuthWithheld
		if hasCredentials(ub) || t.server.User != nil {
			t.warnings = append(t.warnings, fmt.Sprintf("the server address %s is plain http: the credentials of user %q were not sent (kubectl sends none either); use the server's https address", t.serverShown, t.user))
		}
		return nil
	}
	certPEM, keyPEM := ub.ClientCertData, ub.ClientKeyData
	if ub.ClientCert != "" && len(certPEM) == 0 {
		data, err := os.ReadFile(ub.ClientCert)
		if err != nil {
			return &ConfigError{Problem: fmt.Sprintf("cannot read the client-certificate of user %q", t.user), Err: err,
				Hint: "the file moved or was deleted: download the kubeconfig again"}
		}
		certPEM = data
	}
	if ub.ClientKey != "" && len(keyPEM) == 0 {
		data, err := os.ReadFile(ub.ClientKey)
		if err != nil {
			// The error names the file and the OS reason, never contents.
			return &ConfigError{Problem: fmt.Sprintf("cannot read the client-key of user %q", t.user), Err: err,
				Hint: "the file moved or was deleted: download the kubeconfig again"}
		}
		keyPEM = data
	}
	hasCert := false
	if len(certPEM) > 0 || len(keyPEM) > 0 {
		if err := t.addCert(certPEM, keyPEM, "user "+quote(t.user)); err != nil {
			return err
		}
		t.authMethod, hasCert = AuthClientCert, true
	}
	token, fromFile, tokenErr := kubeconfig.ChooseToken(ub.Token, ub.TokenFile, os.ReadFile)
	switch {
	case token != "" && fromFile:
		t.token, t.authMethod = token, AuthTokenFile
	case token != "":
		t.token, t.authMethod = token, AuthToken
	case errors.Is(tokenErr, kubeconfig.ErrEmptyTokenFile):
		return configErr("ask your org admin for a new token", "the tokenFile of user %q (%s) is empty", t.user, ub.TokenFile)
	case tokenErr != nil:
		return &ConfigError{Problem: fmt.Sprintf("cannot read the tokenFile of user %q", t.user), Err: tokenErr,
			Hint: "the file moved or was deleted: download the kubeconfig again"}
	case ub.Username != "":
		t.basic, t.authMethod = [2]string{ub.Username, ub.Password}, AuthBasic
	}
	if ub.Exec != nil && t.token == "" && t.basic[0] == "" && !hasCert {
		t.authMethod = AuthExec
		cred, err := runExec(ctx, ub.Exec, t, o)
		if err != nil {
			return err
		}
		if cred.token != "" {
			t.token = cred.token
		}
		if len(cred.cert) > 0 {
			if err := t.addCert(cred.cert, cred.key, "the exec plugin's credential"); err != nil {
				return err
			}
		}
	}
	if t.authMethod == "" {
		t.authMethod = AuthNone
		t.warnings = append(t.warnings, fmt.Sprintf("context %q has no credentials: requests are anonymous", t.context))
	}
	return nil
}

// hasCredentials reports that a user entry holds any credential.
func hasCredentials(ub *userBody) bool {
	return ub.Token != "" || ub.TokenFile != "" || ub.Username != "" || ub.Password != "" || ub.Exec != nil ||
		ub.ClientCert != "" || len(ub.ClientCertData) > 0 || ub.ClientKey != "" || len(ub.ClientKeyData) > 0
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func (t *target) addCert(certPEM, keyPEM []byte, whose string) error {
	if len(certPEM) == 0 || len(keyPEM) == 0 {
		return configErr("a client certificate needs both client-certificate(-data) and client-key(-data)",
			"%s has a client certificate without its key, or a key without its certificate", whose)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls's messages describe the PEM structure, never key bytes.
		return &ConfigError{Problem: "the client certificate of " + whose + " is unusable", Err: err,
			Hint: "download the kubeconfig again"}
	}
	t.certs = append(t.certs[:0], cert)
	return nil
}

// client returns an HTTP client for t, or o.HTTPClient.
func (t *target) client(o *Options) (*http.Client, error) {
	if o.HTTPClient != nil {
		return o.HTTPClient, nil
	}
	conf := &tls.Config{
		ServerName:         t.clusterBody.TLSServerName,
		InsecureSkipVerify: t.clusterBody.Insecure,
		Certificates:       t.certs,
		MinVersion:         tls.VersionTLS12,
	}
	if len(t.caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.caPEM) {
			return nil, configErr("download the kubeconfig again", "the certificate-authority of cluster %q holds no PEM certificate", t.cluster)
		}
		conf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 t.proxy,
			DialContext:           dialer.DialContext,
			TLSClientConfig:       conf,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
		},
		// The API server never redirects these requests; refuse, so that
		// credentials are never replayed elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// classify turns a transport error into an *UnreachableError or *TLSError.
func (t *target) classify(err error, timeout time.Duration) error {
	var (
		uerr  *url.Error
		ua    x509.UnknownAuthorityError
		ci    x509.CertificateInvalidError
		hn    x509.HostnameError
		rh    tls.RecordHeaderError
		alert tls.AlertError
		cve   *tls.CertificateVerificationError
	)
	inner := err
	if errors.As(err, &uerr) {
		inner = uerr.Err // drop the method and URL: the server is named already
	}
	tlsErr := func(r TLSReason) error { return &TLSError{Server: t.serverShown, Reason: r, Err: inner} }
	switch {
	case errors.As(err, &ua):
		return tlsErr(TLSUnknownAuthority)
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return tlsErr(TLSExpired)
	case errors.As(err, &hn):
		return tlsErr(TLSWrongHost)
	case errors.As(err, &rh), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return tlsErr(TLSNotTLS)
	case errors.As(err, &cve), errors.As(err, &alert):
		return tlsErr(TLSOther)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		inner = fmt.Errorf("no answer within %v", timeout)
	}
	return &UnreachableError{Server: t.serverShown, Proxy: t.proxyShown, Err: inner}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
