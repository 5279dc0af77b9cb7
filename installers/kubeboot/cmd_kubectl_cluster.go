package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// The cluster kubectl will talk to is what kubectl's own flags and the
// kubeconfig make it: --kubeconfig picks the files, --context the context,
// --cluster and --user replace the context's, and --server/-s,
// --tls-server-name, --certificate-authority and --insecure-skip-tls-verify
// replace the cluster's fields. Its version is remembered under a key made
// of what identifies that cluster to a client (server URL without
// credentials or query, TLS server name, CA, TLS verification, proxy), so
// two clusters behind one URL (a proxy routing by server name or
// certificate) are two entries, and the cache file holds no secret: a
// digest as key and the URL without credentials or query for messages.

// kubectlTargetFlags are kubectl's global flags that change which cluster
// it talks to; "-s" is --server's shorthand.
var kubectlTargetFlags = []string{"--kubeconfig", "--context", "--cluster", "--user", "--server", "--tls-server-name", "--certificate-authority", "--insecure-skip-tls-verify"}

// kubectlServerFlags are the flags that decide which API server kubectl
// talks to: each must be read for certain, or not at all.
var kubectlServerFlags = []string{"--server", "--context", "--cluster", "--kubeconfig"}

// kubectlBoolFlags are flags of kubectl known to take no separate value
// wherever they appear, so that the argument after one is not its value.
// Any other flag without "=value" may take the next argument as its value
// (kubectl's -n, -l, -o... do, even one that starts with "-").
var kubectlBoolFlags = []string{"--insecure-skip-tls-verify", "--match-server-version", "--warnings-as-errors", "--disable-compression", "-A", "--all-namespaces", "--client"}

// errServerUnsure is matched by the error of kubectl arguments whose
// server flags cannot be read for certain.
var errServerUnsure = errors.New("kubectl's arguments name the server in a way the guard cannot read for certain")

// serverUnsureError says which argument made the server uncertain.
type serverUnsureError struct {
	Arg, Why string
}

func (e *serverUnsureError) Error() string {
	return fmt.Sprintf("%v (%q %s): pass it once as --server/--context, before kubectl's other flags", errServerUnsure, e.Arg, e.Why)
}

func (e *serverUnsureError) Is(target error) bool { return target == errServerUnsure }

// clusterTarget is what kubectl's arguments say about the cluster.
type clusterTarget struct {
	Kubeconfig, Context, Cluster, User string
	Server, TLSServerName, CA          string
	// Insecure is --insecure-skip-tls-verify's value ("" when not given).
	Insecure string
}

// kubectlTarget reads kubectlTargetFlags from kubectl's arguments as
// kubectl's flag parser does: "--name=value" or "--name value" ("-s URL",
// "-s=URL", "-sURL"), and nothing after "--" (the inner command's).
// --insecure-skip-tls-verify takes no separate value.
//
// kubeboot does not know which of kubectl's many flags take a value, so a
// server flag (kubectlServerFlags) is read only where kubectl must read it
// the same way; anything else is a *serverUnsureError:
//   - one given twice (-s and --server count as one): a later one may be
//     another flag's value ("-l --server=X" is a label selector);
//   - one after "--", which may be a flag's value ("-n --") and then ends
//     nothing;
//   - one right after a flag that may take it as its value ("-l", "-n"),
//     that is any flag without "=value" but kubectlBoolFlags;
//   - an "s" in a group of short flags other than at its start ("-As URL"
//     is -A then -s URL when -A takes no value).
func kubectlTarget(args []string) (clusterTarget, error) {
	var t clusterTarget
	fields := map[string]*string{
		"--kubeconfig": &t.Kubeconfig, "--context": &t.Context, "--cluster": &t.Cluster, "--user": &t.User,
		"--server": &t.Server, "--tls-server-name": &t.TLSServerName, "--certificate-authority": &t.CA,
		"--insecure-skip-tls-verify": &t.Insecure,
	}
	seen := map[string]bool{}
	afterDash, mayBeValue := false, false
	for i := 0; i < len(args); i++ {
		s := args[i]
		prevTakes := mayBeValue
		mayBeValue = false
		if s == "--" {
			afterDash = true
			continue
		}
		if len(s) < 2 || s[0] != '-' {
			continue // an argument, or another flag's value
		}
		name, value, inline := s, "", false
		if strings.HasPrefix(s, "--") {
			name, value, inline = strings.Cut(s, "=")
		} else {
			group := s[1:]
			head, _, _ := strings.Cut(group, "=")
			switch {
			case group[0] == 's':
				name, value = "--server", strings.TrimPrefix(group[1:], "=")
				inline = value != "" || strings.HasPrefix(group[1:], "=")
			case strings.Contains(head, "s"):
				return t, &serverUnsureError{Arg: s, Why: "may hold -s among other short flags"}
			}
		}
		if !slices.Contains(kubectlTargetFlags, name) {
			// Another flag: without "=value" it may take the next argument.
			mayBeValue = !strings.Contains(s, "=") && !slices.Contains(kubectlBoolFlags, s)
			continue
		}
		if slices.Contains(kubectlServerFlags, name) {
			switch {
			case afterDash:
				return t, &serverUnsureError{Arg: s, Why: `comes after "--"`}
			case prevTakes:
				return t, &serverUnsureError{Arg: s, Why: fmt.Sprintf("may be the value of %q", args[i-1])}
			case seen[name]:
				return t, &serverUnsureError{Arg: s, Why: "is given more than once"}
			}
			seen[name] = true
		} else if afterDash {
			continue
		}
		if name == "--insecure-skip-tls-verify" {
			if !inline {
				value = "true"
			}
			t.Insecure = value
			continue
		}
		if !inline && i+1 < len(args) {
			i++
			value = args[i]
		}
		*fields[name] = value
	}
	return t, nil
}

// kubectlPath is a path of kubectl's arguments (its --kubeconfig) as
// kubectl opens it: relative to the working folder wd, with no ~
// expanded ("~/cfg" is the folder "~" in wd, as for kubectl).
func kubectlPath(p, wd string) string {
	if p == "" || filepath.IsAbs(p) || wd == "" {
		return p
	}
	return filepath.Join(wd, p)
}

// clusterAsked is the cluster of a kubectl command line: the loaded view
// with kubectl's overrides applied, the context, the key of its version in
// the cache and the server as shown.
type clusterAsked struct {
	config  *kubeconfig.Config
	context string
	key     string
	shown   string
}

// resolveCluster applies t to view (which it does not change) and
// identifies the cluster. wd resolves a relative --certificate-authority.
func resolveCluster(view *kubeconfig.Config, t clusterTarget, wd string) (*clusterAsked, error) {
	contextName := t.Context
	if contextName == "" {
		contextName = view.CurrentContext
	}
	if contextName == "" {
		return nil, errors.New("the kubeconfig has no current context")
	}
	cfg := view.Clone()
	ctxBody, err := entryFields(cfg, kubeconfig.KindContext, contextName)
	if err != nil {
		return nil, err
	}
	setString(ctxBody, "cluster", t.Cluster)
	setString(ctxBody, "user", t.User)
	var clusterName string
	if json.Unmarshal(ctxBody["cluster"], &clusterName) != nil || clusterName == "" {
		return nil, fmt.Errorf("context %s names no cluster", contextName)
	}
	cl, err := entryFields(cfg, kubeconfig.KindCluster, clusterName)
	if err != nil {
		return nil, fmt.Errorf("cluster %s of context %s: %w", clusterName, contextName, err)
	}
	setString(cl, "server", t.Server)
	setString(cl, "tls-server-name", t.TLSServerName)
	if t.CA != "" {
		ca := t.CA
		if !filepath.IsAbs(ca) && wd != "" {
			ca = filepath.Join(wd, ca)
		}
		setString(cl, "certificate-authority", ca)
		delete(cl, "certificate-authority-data")
	}
	if t.Insecure != "" {
		cl["insecure-skip-tls-verify"] = json.RawMessage(fmt.Sprint(t.Insecure == "true" || t.Insecure == "1"))
	}
	var c struct {
		Server        string `json:"server"`
		TLSServerName string `json:"tls-server-name"`
		CA            string `json:"certificate-authority"`
		CAData        string `json:"certificate-authority-data"`
		Insecure      bool   `json:"insecure-skip-tls-verify"`
		Proxy         string `json:"proxy-url"`
	}
	b, _ := json.Marshal(cl)
	if kubeconfig.DecodeBody(b, &c) != nil || c.Server == "" {
		return nil, fmt.Errorf("cluster %s of context %s has no server", clusterName, contextName)
	}
	if err := putFields(cfg, kubeconfig.KindContext, contextName, ctxBody); err != nil {
		return nil, err
	}
	if err := putFields(cfg, kubeconfig.KindCluster, clusterName, cl); err != nil {
		return nil, err
	}
	ca := []byte(c.CAData)
	if c.CAData != "" {
		if d, err := base64.StdEncoding.DecodeString(c.CAData); err == nil {
			ca = d
		}
	} else if c.CA != "" {
		if d, err := os.ReadFile(c.CA); err == nil {
			ca = d
		} else {
			ca = []byte("file:" + c.CA)
		}
	}
	caSum := sha256.Sum256(ca)
	id, _ := json.Marshal([]string{bareURL(c.Server), c.TLSServerName, hex.EncodeToString(caSum[:]), fmt.Sprint(c.Insecure), bareURL(c.Proxy)})
	sum := sha256.Sum256(id)
	return &clusterAsked{config: cfg, context: contextName, key: "sha256:" + hex.EncodeToString(sum[:]), shown: bareURL(c.Server)}, nil
}

// bareURL is raw without credentials, query or fragment: what identifies
// a server, and nothing that may be a secret.
func bareURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i]
		}
		if s, rest, ok := strings.Cut(raw, "://"); ok {
			if at := strings.LastIndex(rest, "@"); at >= 0 {
				rest = rest[at+1:]
			}
			return s + "://" + rest
		}
		return raw
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// entryFields returns the body of the entry kind/name of cfg as fields.
func entryFields(cfg *kubeconfig.Config, kind kubeconfig.Kind, name string) (map[string]json.RawMessage, error) {
	e, ok := cfg.Lookup(kind, name)
	if !ok {
		return nil, fmt.Errorf("%s %s is not in the kubeconfig", kind, name)
	}
	m := map[string]json.RawMessage{}
	if len(e.Body) > 0 && json.Unmarshal(e.Body, &m) != nil {
		return nil, fmt.Errorf("%s %s is malformed", kind, name)
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// putFields replaces the body of the entry kind/name of cfg.
func putFields(cfg *kubeconfig.Config, kind kubeconfig.Kind, name string, m map[string]json.RawMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	list := &cfg.Clusters
	if kind == kubeconfig.KindContext {
		list = &cfg.Contexts
	}
	for i := range *list {
		if (*list)[i].Name == name {
			(*list)[i].Body = b
			return nil
		}
	}
	return fmt.Errorf("%s %s is not in the kubeconfig", kind, name)
}

func setString(m map[string]json.RawMessage, key, v string) {
	if v != "" {
		b, _ := json.Marshal(v)
		m[key] = b
	}
}

// askClusterVersion asks the API server of c its minor version, the whole
// question (an exec credential plugin included) bounded by limit: past it,
// the answer is a timeout, whatever is still running. When ctx ends first
// (Ctrl-C, SIGTERM), the error is its cause, never a timeout: the caller
// must not take the user's interrupt for the cluster's silence.
func askClusterVersion(parent context.Context, c *clusterAsked, limit time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel() // stops the plugin or the request still running
	type answer struct {
		spec string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		spec, err := verify.ClusterVersionSpec(ctx, verify.Options{Config: c.config, Context: c.context, Timeout: limit, ExecTimeout: limit, TotalTimeout: limit})
		done <- answer{spec, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		a.err = fmt.Errorf("no answer within %v: %w", limit, context.DeadlineExceeded)
	}
	if parent.Err() != nil {
		return "", context.Cause(parent)
	}
	return a.spec, a.err
}
