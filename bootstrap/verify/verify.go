// Package verify checks that a kubeconfig context works, without kubectl
// and without client-go: it builds the connection from the context (CA,
// insecure-skip-tls-verify, tls-server-name, client certificate, token or
// tokenFile, proxy-url, exec credential plugin), then asks the API server
// its version (/version), who we are (SelfSubjectReview), whether we may
// list secrets in the namespace (SelfSubjectAccessReview) and, if so, lists
// their names as `kubectl get secret` would.
//
// Credentials are chosen with client-go's precedence: the exec plugin runs
// only when the user entry has no token, tokenFile, username or client
// certificate, and the combinations kubectl refuses are refused.
//
// Failures are typed, and each message says what it means and what to do,
// naming no command or flag of any CLI but kubectl (a CLI adds its own from
// the types): *UnreachableError (ErrUnreachable), *TLSError (ErrTLS),
// *UnauthorizedError (ErrUnauthorized: a 401, or a 403 to system:anonymous
// although credentials were sent), *ConfigError (ErrBadConfig, with a
// Reason), *ExecError (ErrExecPlugin), *TimeoutError (ErrTimeout: the whole
// check is bounded by Options.TotalTimeout, and the secrets listing by
// MaxSecretNames and a page cap). A 403 on secrets for an authenticated user
// is not an error: the Report says that authentication works and what RBAC
// allows.
//
// Secrets never leave the package: tokens, keys and plugin output appear in
// no error, log line or Report. Secret values are not even fetched: the
// listing asks the server for object metadata only.
package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// Defaults of Options.
const (
	DefaultTimeout      = 15 * time.Second
	DefaultExecTimeout  = 60 * time.Second
	DefaultTotalTimeout = 30 * time.Second
)

// Options configure Verify. The zero value checks the current context of
// the kubeconfig files kubectl would read.
type Options struct {
	// Config is an already loaded kubeconfig (one file, or the merged view
	// of LoadMerged). When nil, Kubeconfig is read with LoadMerged.
	Config *kubeconfig.Config
	// Kubeconfig lists files, highest precedence first; empty means
	// kubeconfig.DefaultLocations("") (--kubeconfig, else KUBECONFIG, else
	// ~/.kube/config).
	Kubeconfig []string
	// Context to check; "" means the current-context.
	Context string
	// Namespace overrides the context's namespace ("default" when the
	// context has none).
	Namespace string
	// HTTPClient, when set, replaces the client built from the kubeconfig:
	// its transport then owns TLS and client certificates. Bearer tokens
	// (from token, tokenFile or an exec plugin) are still added.
	HTTPClient *http.Client
	// Timeout bounds each request (default DefaultTimeout); ExecTimeout
	// bounds an exec credential plugin (default DefaultExecTimeout).
	Timeout, ExecTimeout time.Duration
	// TotalTimeout bounds every request of one Verify together, from the
	// first to the last (default DefaultTotalTimeout; negative: no bound).
	// The exec plugin runs before and has ExecTimeout. Past it, Verify
	// returns a *TimeoutError.
	TotalTimeout time.Duration
	// ExecStderr receives an exec plugin's stderr (its prompts and errors),
	// as kubectl passes it through; nil discards it.
	ExecStderr io.Writer
	// KubectlVersion, when set ("v1.37.2"), fills Report.Skew.
	KubectlVersion string
	// Logf receives progress notes; nil discards them. Notes never hold
	// credentials.
	Logf func(format string, args ...any)
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Report is what Verify found. It is meant to be printed or encoded as
// JSON and holds no secrets: names, versions and verdicts only.
type Report struct {
	Context string `json:"context"`
	Cluster string `json:"cluster"`
	// User is the kubeconfig user entry; Identity is who the server says
	// we are.
	User       string `json:"user"`
	AuthMethod string `json:"authMethod"` // AuthToken, AuthClientCert, AuthExec, ...
	Server     string `json:"server"`
	Proxy      string `json:"proxy,omitempty"` // scheme://host of the proxy in use
	Namespace  string `json:"namespace"`
	// NamespaceFrom says where Namespace comes from: "option", "context"
	// or "default".
	NamespaceFrom string `json:"namespaceFrom"`

	ServerVersion string        `json:"serverVersion"`
	Identity      *Identity     `json:"identity,omitempty"` // nil when the server cannot say
	Secrets       SecretsAccess `json:"secrets"`
	Skew          *SkewVerdict  `json:"skew,omitempty"`
	Warnings      []string      `json:"warnings,omitempty"`
}

// Identity is the user the server authenticated.
type Identity struct {
	Username string   `json:"username"`
	UID      string   `json:"uid,omitempty"`
	Groups   []string `json:"groups"`
}

// SecretsAccess says whether the user may list secrets in the namespace.
type SecretsAccess struct {
	Allowed bool `json:"allowed"`
	// Count and Names (sorted) are set when Allowed. Truncated is true when
	// the listing stopped before the end (more than MaxSecretNames).
	Count     int      `json:"count"`
	Names     []string `json:"names,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
	// When not Allowed: the authorizer's Reason, a plain Explanation, and
	// what the user may do in the namespace (Can, from
	// SelfSubjectRulesReview, as "verb,verb resource" lines).
	Reason      string   `json:"reason,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
	Can         []string `json:"can,omitempty"`
}

// MaxSecretNames bounds the listing: pages of 500, at most this many names.
const MaxSecretNames = 10000

// maxSecretPages bounds the pages requested, whatever the server answers:
// enough for MaxSecretNames in full pages, and a few short ones.
const maxSecretPages = MaxSecretNames/500 + 5

// verifier is one run against one context.
type verifier struct {
	o      Options
	t      *target
	client *http.Client
}

func newVerifier(ctx context.Context, o Options) (*verifier, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ExecTimeout <= 0 {
		o.ExecTimeout = DefaultExecTimeout
	}
	cfg := o.Config
	if cfg == nil {
		files := o.Kubeconfig
		if len(files) == 0 {
			locs, err := kubeconfig.DefaultLocations("")
			if err != nil {
				return nil, &ConfigError{Problem: "cannot locate the kubeconfig", Err: err}
			}
			files = locs.Files
		}
		var err error
		if cfg, err = LoadMerged(files); err != nil {
			return nil, err
		}
	}
	t, err := resolve(cfg, o.Context, o.Namespace)
	if err != nil {
		return nil, err
	}
	if err := t.credentials(ctx, &o); err != nil {
		return nil, err
	}
	client, err := t.client(&o)
	if err != nil {
		return nil, err
	}
	return &verifier{o: o, t: t, client: client}, nil
}

// Verify checks a context end to end; see the package documentation. A
// non-nil error means the credentials could not be shown to work; a Report
// whose Secrets.Allowed is false is a success with a restricted user.
func Verify(ctx context.Context, o Options) (*Report, error) {
	v, err := newVerifier(ctx, o)
	if err != nil {
		return nil, err
	}
	defer v.client.CloseIdleConnections()
	if total := v.o.TotalTimeout; total >= 0 {
		if total == 0 {
			total = DefaultTotalTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, total, &TimeoutError{Server: v.t.serverShown, Timeout: total})
		defer cancel()
	}
	t := v.t
	r := &Report{
		Context: t.context, Cluster: t.cluster, User: t.user, AuthMethod: t.authMethod,
		Server: t.serverShown, Proxy: t.proxyShown, Namespace: t.namespace, NamespaceFrom: t.nsFrom,
		Warnings: t.warnings,
	}
	if r.ServerVersion, err = v.version(ctx); err != nil {
		return nil, err
	}
	if r.Identity, err = v.whoami(ctx); err != nil {
		var he *HTTPError
		if !errors.As(err, &he) {
			return nil, err
		}
		r.Warnings = append(r.Warnings, "the server cannot say who you are (SelfSubjectReview needs Kubernetes 1.28 or newer): "+he.problem())
	}
	if r.Secrets, err = v.secrets(ctx, r); err != nil {
		return nil, err
	}
	if v.o.KubectlVersion != "" {
		s := Skew(v.o.KubectlVersion, r.ServerVersion)
		r.Skew = &s
	}
	return r, nil
}

// ServerVersion returns the API server's version ("v1.37.2") for the
// context Options select, reading /version with the context's credentials.
func ServerVersion(ctx context.Context, o Options) (string, error) {
	v, err := newVerifier(ctx, o)
	if err != nil {
		return "", err
	}
	defer v.client.CloseIdleConnections()
	return v.version(ctx)
}

// ClusterVersionSpec returns the version spec "1.N" of the API server of
// the context Options select, for installing the kubectl that matches the
// cluster: bootstrap.Client.Resolve turns it into the newest patch release
// of that minor (release/stable-1.N.txt).
func ClusterVersionSpec(ctx context.Context, o Options) (string, error) {
	sv, err := ServerVersion(ctx, o)
	if err != nil {
		return "", err
	}
	return MinorSpec(sv)
}

// ErrNoKubeVirt means the cluster runs no KubeVirt: the API server does
// not serve kubevirt.io/v1, or holds no KubeVirt resource. Matched by
// *KubeVirtError.
var ErrNoKubeVirt = errors.New("KubeVirt is not installed in the cluster")

// ErrKubeVirtVersion means the cluster's KubeVirt resource does not say a
// version such as v1.5.0. Matched by *KubeVirtError.
var ErrKubeVirtVersion = errors.New("KubeVirt's version cannot be read")

// KubeVirtError says why the KubeVirt version could not be read.
type KubeVirtError struct {
	Server  string // redacted
	Problem string
	Missing bool // KubeVirt is absent
}

func (e *KubeVirtError) problem() string { return e.Problem + " (" + e.Server + ")" }
func (e *KubeVirtError) hint() string {
	if e.Missing {
		return "the cluster runs no KubeVirt: check the context, or name the version"
	}
	return "name the version instead"
}
func (e *KubeVirtError) Error() string { return message(e) }

// Is makes errors.Is match ErrNoKubeVirt or ErrKubeVirtVersion.
func (e *KubeVirtError) Is(target error) bool {
	return target == ErrNoKubeVirt && e.Missing || target == ErrKubeVirtVersion && !e.Missing
}

// KubeVirtVersion returns the version of KubeVirt the cluster of the
// context Options select runs ("v1.5.0"): status.observedKubeVirtVersion
// of its KubeVirt resource, listed across namespaces
// (GET /apis/kubevirt.io/v1/kubevirts), asked as ServerVersion asks
// /version: one bounded request with the context's credentials, sent only
// over TLS to the cluster's own server, never after a redirect. Absent
// KubeVirt is ErrNoKubeVirt; a resource that names no version, several
// different ones, or something other than a version is
// ErrKubeVirtVersion.
func KubeVirtVersion(ctx context.Context, o Options) (string, error) {
	v, err := newVerifier(ctx, o)
	if err != nil {
		return "", err
	}
	defer v.client.CloseIdleConnections()
	var list struct {
		Kind  string `json:"kind"`
		Items []struct {
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
			Status struct {
				ObservedKubeVirtVersion string `json:"observedKubeVirtVersion"`
			} `json:"status"`
		} `json:"items"`
	}
	const path = "/apis/kubevirt.io/v1/kubevirts"
	err = v.do(ctx, http.MethodGet, path, nil, &list, "")
	var he *HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return "", &KubeVirtError{Server: v.t.serverShown, Missing: true, Problem: "the API server does not serve kubevirt.io/v1 (GET " + path + ": 404)"}
	}
	if err != nil {
		return "", err
	}
	if list.Kind != "KubeVirtList" {
		return "", &KubeVirtError{Server: v.t.serverShown, Problem: fmt.Sprintf("GET %s answered a %q, not a KubeVirtList", path, snippetOf(list.Kind))}
	}
	if len(list.Items) == 0 {
		return "", &KubeVirtError{Server: v.t.serverShown, Missing: true, Problem: "the cluster holds no KubeVirt resource"}
	}
	version := ""
	for _, it := range list.Items {
		name := it.Metadata.Namespace + "/" + it.Metadata.Name
		got := it.Status.ObservedKubeVirtVersion
		if got == "" {
			return "", &KubeVirtError{Server: v.t.serverShown, Problem: fmt.Sprintf("KubeVirt %s reports no version yet (is it still deploying?)", name)}
		}
		tag, ok := catalog.Tag(got)
		if !ok {
			return "", &KubeVirtError{Server: v.t.serverShown, Problem: fmt.Sprintf("KubeVirt %s reports the version %q, which is not a release such as v1.5.0", name, snippetOf(got))}
		}
		if version != "" && tag != version {
			return "", &KubeVirtError{Server: v.t.serverShown, Problem: fmt.Sprintf("the cluster runs KubeVirt %s and %s", version, tag)}
		}
		version = tag
	}
	return version, nil
}

// snippetOf is at most 64 bytes of what a server said, for %q.
func snippetOf(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func (v *verifier) version(ctx context.Context) (string, error) {
	var out struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := v.do(ctx, http.MethodGet, "/version", nil, &out, ""); err != nil {
		return "", err
	}
	if out.GitVersion == "" {
		return "", &HTTPError{Method: "GET", Path: "/version", StatusCode: 200, Message: "no gitVersion in the answer: is this a Kubernetes API server?"}
	}
	return out.GitVersion, nil
}

func (v *verifier) whoami(ctx context.Context) (*Identity, error) {
	in := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
	var out struct {
		Status struct {
			UserInfo struct {
				Username string   `json:"username"`
				UID      string   `json:"uid"`
				Groups   []string `json:"groups"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	if err := v.do(ctx, http.MethodPost, "/apis/authentication.k8s.io/v1/selfsubjectreviews", in, &out, ""); err != nil {
		return nil, err
	}
	u := out.Status.UserInfo
	if u.Groups == nil {
		u.Groups = []string{}
	}
	return &Identity{Username: u.Username, UID: u.UID, Groups: u.Groups}, nil
}

func (v *verifier) secrets(ctx context.Context, r *Report) (SecretsAccess, error) {
	ns := v.t.namespace
	in := map[string]any{
		"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
		"spec": map[string]any{"resourceAttributes": map[string]any{"namespace": ns, "verb": "list", "resource": "secrets"}},
	}
	var review struct {
		Status struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		} `json:"status"`
	}
	var acc SecretsAccess
	if err := v.do(ctx, http.MethodPost, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", in, &review, ""); err != nil {
		return acc, err
	}
	acc.Allowed, acc.Reason = review.Status.Allowed, review.Status.Reason
	if acc.Allowed {
		err := v.listSecrets(ctx, &acc)
		var he *HTTPError
		switch {
		case errors.As(err, &he) && he.StatusCode == http.StatusForbidden:
			acc = SecretsAccess{Reason: he.Message}
		case err != nil:
			return acc, err
		default:
			return acc, nil
		}
	}
	acc.Can = v.rules(ctx)
	who := "you"
	if r.Identity != nil {
		who = "you are " + r.Identity.Username
	}
	acc.Explanation = fmt.Sprintf("authentication works (%s), but RBAC does not allow listing secrets in namespace %q", who, ns)
	if v.t.nsFrom == "default" {
		acc.Explanation += `. This is expected for a namespace-less "blank" token, whose rights come from RBAC bindings only: ask your org admin to grant you a role, or check a namespace you were granted`
	} else {
		acc.Explanation += ": ask your org admin to grant you a role there, or check another namespace"
	}
	return acc, nil
}

// listSecrets lists the names of the namespace's secrets, asking for
// object metadata only so that no secret value crosses the network.
func (v *verifier) listSecrets(ctx context.Context, acc *SecretsAccess) error {
	path := "/api/v1/namespaces/" + url.PathEscape(v.t.namespace) + "/secrets"
	accept := "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
	cont, seen := "", map[string]bool{}
	for pages := 1; ; pages++ {
		q := url.Values{"limit": {"500"}}
		if cont != "" {
			q.Set("continue", cont)
		}
		var page struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []struct {
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			} `json:"items"`
		}
		if err := v.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &page, accept); err != nil {
			return err
		}
		for _, it := range page.Items {
			acc.Names = append(acc.Names, it.Metadata.Name)
		}
		cont = page.Metadata.Continue
		if cont == "" {
			break
		}
		// A server that pages without end: an empty page that says
		// "continue", a token seen before, too many pages or names.
		if len(page.Items) == 0 || seen[cont] || pages >= maxSecretPages || len(acc.Names) >= MaxSecretNames {
			acc.Truncated = true
			break
		}
		seen[cont] = true
	}
	sort.Strings(acc.Names)
	acc.Count = len(acc.Names)
	return nil
}

// rules returns what the user may do in the namespace, best effort: the
// resource rules of a SelfSubjectRulesReview, without the self-review
// rules every user has.
func (v *verifier) rules(ctx context.Context) []string {
	in := map[string]any{
		"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
		"spec": map[string]any{"namespace": v.t.namespace},
	}
	var out struct {
		Status struct {
			ResourceRules []struct {
				Verbs         []string `json:"verbs"`
				APIGroups     []string `json:"apiGroups"`
				Resources     []string `json:"resources"`
				ResourceNames []string `json:"resourceNames"`
			} `json:"resourceRules"`
		} `json:"status"`
	}
	if err := v.do(ctx, http.MethodPost, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", in, &out, ""); err != nil {
		v.o.logf("SelfSubjectRulesReview: %v", err)
		return nil
	}
	can := []string{}
	for _, rule := range out.Status.ResourceRules {
		var res []string
		for _, name := range rule.Resources {
			for _, g := range rule.APIGroups {
				if strings.HasPrefix(name, "self") && (g == "authentication.k8s.io" || g == "authorization.k8s.io") {
					continue
				}
				if g != "" {
					name += "." + g
				}
				res = append(res, name)
			}
		}
		if len(res) == 0 {
			continue
		}
		line := strings.Join(rule.Verbs, ",") + " " + strings.Join(res, ",")
		if len(rule.ResourceNames) > 0 {
			line += " named " + strings.Join(rule.ResourceNames, ",")
		}
		can = append(can, line)
	}
	sort.Strings(can)
	return can
}

// do sends one request and decodes a 2xx JSON answer into out. A 401 is an
// *UnauthorizedError, other failures an *HTTPError; transport failures are
// classified by target.classify.
func (v *verifier) do(ctx context.Context, method, path string, in, out any, accept string) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	rctx, cancel := context.WithTimeout(ctx, v.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, v.t.serverURL+path, body)
	if err != nil {
		return &ConfigError{Problem: "cannot build a request to " + v.t.serverShown, Err: errors.New(strings.ReplaceAll(err.Error(), v.t.serverURL, v.t.serverShown))}
	}
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "kubeboot-verify")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case v.t.token != "":
		req.Header.Set("Authorization", "Bearer "+v.t.token)
	case v.t.basic[0] != "" || v.t.basic[1] != "":
		req.SetBasicAuth(v.t.basic[0], v.t.basic[1])
	}
	shown := path
	if i := strings.IndexByte(shown, '?'); i >= 0 {
		shown = shown[:i]
	}
	v.o.logf("%s %s", method, shown)
	resp, err := v.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return v.t.classify(err, v.o.Timeout)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return v.t.classify(err, v.o.Timeout)
	}
	v.o.logf("%s %s: %s", method, shown, resp.Status)
	if resp.StatusCode == http.StatusUnauthorized {
		return &UnauthorizedError{Server: v.t.serverShown, User: v.t.user, AuthMethod: v.t.authMethod}
	}
	if resp.StatusCode/100 != 2 {
		var st struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		}
		he := &HTTPError{Method: method, Path: shown, StatusCode: resp.StatusCode}
		if json.Unmarshal(data, &st) == nil && st.Kind == "Status" {
			he.Message = st.Message
		}
		// Credentials were sent, yet the server took us for nobody: it did
		// not accept them, as a 401 says.
		if resp.StatusCode == http.StatusForbidden && v.t.authMethod != AuthNone && v.t.authMethod != AuthWithheld && strings.Contains(he.Message, `"system:anonymous"`) {
			return &UnauthorizedError{Server: v.t.serverShown, User: v.t.user, AuthMethod: v.t.authMethod, Anonymous: true}
		}
		return he
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &HTTPError{Method: method, Path: shown, StatusCode: resp.StatusCode, Message: "the answer is not the JSON expected: is this a Kubernetes API server?"}
	}
	return nil
}
