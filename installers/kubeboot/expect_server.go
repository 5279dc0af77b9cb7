package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// --expect-server URL, on `kubeboot kubectl` and `kubeboot verify`: a
// guard for scripts and agents, which refuses to run when the context
// kubectl would use points at another API server.

// errServerMismatch is matched by *serverMismatchError.
var errServerMismatch = errors.New("the kubeconfig points at another API server")

// serverMismatchError names both servers, credentials removed.
type serverMismatchError struct {
	Context, Got, Want string
}

func (e *serverMismatchError) Error() string {
	return fmt.Sprintf("the context %s points at the API server %s, not at the expected %s (--expect-server); nothing was run: switch context (kubeboot kubeconfig use, or --context) or fix --expect-server",
		e.Context, bootstrap.RedactURL(e.Got), bootstrap.RedactURL(e.Want))
}

func (e *serverMismatchError) Is(target error) bool { return target == errServerMismatch }

// normalServer reduces an API server URL to what identifies the server:
// scheme (https when missing, as kubectl assumes), host in lower case,
// port (the scheme's default when missing) and path (without trailing
// slashes). User information, query and fragment do not count.
func normalServer(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not an API server URL (https://HOST[:PORT][/PATH])", bootstrap.RedactURL(raw))
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	return scheme + "://" + net.JoinHostPort(host, port) + path, nil
}

// kubectlServerFlags reads the flags of kubectl's arguments that change
// the server it talks to: --server/-s, and --cluster (another cluster of
// the kubeconfig), as "--name=value" or "--name value", the last winning,
// nothing after "--".
func kubectlServerFlags(args []string) (server, cluster string) {
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" {
			break
		}
		for _, f := range []struct {
			names []string
			p     *string
		}{{[]string{"--server", "-s"}, &server}, {[]string{"--cluster"}, &cluster}} {
			for _, name := range f.names {
				if v, ok := strings.CutPrefix(s, name+"="); ok {
					*f.p = v
				} else if s == name && i+1 < len(args) {
					i++
					*f.p = args[i]
				}
			}
		}
	}
	return server, cluster
}

// checkExpectedServer refuses when the server kubectl would talk to with
// the kubeconfig explicit (or KUBECONFIG's files), context contextName
// (or the current one) and kubectl's arguments args is not want.
func (a *app) checkExpectedServer(want, explicit, contextName string, args []string) error {
	wantN, err := normalServer(want)
	if err != nil {
		return usageErrorf("--expect-server: %v", err)
	}
	flagServer, flagCluster := kubectlServerFlags(args)
	got, name := flagServer, contextName
	if got == "" {
		locs, err := a.host.kubeconfigLocations(a.host.expandHome(explicit))
		if err != nil {
			return err
		}
		view, err := kubeconfig.LoadView(locs.Files)
		if err != nil {
			return err
		}
		if flagCluster != "" {
			got, err = clusterServer(view, flagCluster)
			name = "of cluster " + flagCluster
		} else {
			name, got, err = contextServer(view, contextName)
		}
		if err != nil {
			return fmt.Errorf("--expect-server: %w", err)
		}
	} else {
		name = "of --server"
	}
	gotN, err := normalServer(got)
	if err != nil || gotN != wantN {
		return &serverMismatchError{Context: name, Got: got, Want: want}
	}
	return nil
}

// clusterServer returns the server of cluster name in view.
func clusterServer(view *kubeconfig.Config, name string) (string, error) {
	cl, ok := view.Lookup(kubeconfig.KindCluster, name)
	var c struct {
		Server string `json:"server"`
	}
	if !ok {
		return "", fmt.Errorf("cluster %s is not in the kubeconfig", name)
	}
	if json.Unmarshal(cl.Body, &c) != nil || c.Server == "" {
		return "", fmt.Errorf("cluster %s has no server", name)
	}
	return c.Server, nil
}

// checkKubectlServer is --expect-server of `kubeboot kubectl`: the
// kubeconfig and context of kubectl's own arguments, else KUBECONFIG and
// the current context.
func (a *app) checkKubectlServer(k kubectlArgs) error {
	if k.expectServer == "" {
		return nil
	}
	kc, contextName := kubectlTarget(k.args)
	return a.checkExpectedServer(k.expectServer, kc, contextName, k.args)
}
