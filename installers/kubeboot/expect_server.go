package main

import (
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

// checkExpectedServer refuses when the server kubectl would talk to is not
// want: t is what kubectl's arguments say (kubectlTarget: --kubeconfig,
// --context, --cluster, --server...), else KUBECONFIG's files and the
// current context; the cluster is worked out as the version question does
// (resolveCluster), one rule for both.
func (a *app) checkExpectedServer(want string, t clusterTarget) error {
	wantN, err := normalServer(want)
	if err != nil {
		return usageErrorf("--expect-server: %v", err)
	}
	got, name := t.Server, "of --server"
	if got == "" {
		// t.Kubeconfig as kubectl reads it: kubectl expands no ~ (the
		// --kubeconfig of kubeboot verify is expanded by its flag).
		wd, _ := a.host.Getwd()
		locs, err := a.host.kubeconfigLocations(kubectlPath(t.Kubeconfig, wd))
		if err != nil {
			return err
		}
		view, err := kubeconfig.LoadView(locs.Files)
		if err != nil {
			return err
		}
		asked, err := resolveCluster(view, t, wd)
		if err != nil {
			return fmt.Errorf("--expect-server: %w", err)
		}
		got, name = asked.shown, asked.context
		if t.Cluster != "" {
			name += " (with --cluster " + t.Cluster + ")"
		}
	}
	// A server without a scheme never matches: kubectl may speak http to
	// it, while want has (or is given) one.
	gotN, err := normalServer(got)
	if err != nil || gotN != wantN || !strings.Contains(got, "://") {
		return &serverMismatchError{Context: name, Got: got, Want: want}
	}
	return nil
}

// checkKubectlServer is --expect-server of `kubeboot kubectl`: the
// kubeconfig and context of kubectl's own arguments, else KUBECONFIG and
// the current context.
func (a *app) checkKubectlServer(k kubectlArgs) error {
	if k.expectServer == "" {
		return nil
	}
	t, err := kubectlTarget(k.args)
	if err != nil {
		return err
	}
	return a.checkExpectedServer(k.expectServer, t)
}
