// Command check-access shows how a tool checks that a kubeconfig context
// works before it relies on it, without kubectl: who the server says we
// are, whether we may list secrets, and whether a kubectl version is within
// the supported skew of the server.
//
//	go run ./examples/check-access [-kubeconfig FILE] [-context NAME] [-kubectl-version v1.37.2]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

func main() {
	file := flag.String("kubeconfig", "", "kubeconfig (default: as kubectl decides)")
	contextName := flag.String("context", "", "context (default: the current one)")
	kubectlVersion := flag.String("kubectl-version", "", "kubectl version to judge the skew of")
	flag.Parse()

	locs, err := kubeconfig.DefaultLocations(*file)
	if err != nil {
		fail(err, 1)
	}
	r, err := verify.Verify(context.Background(), verify.Options{
		Kubeconfig:     locs.Files,
		Context:        *contextName,
		KubectlVersion: *kubectlVersion,
	})
	switch {
	case errors.Is(err, verify.ErrUnauthorized):
		fail(err, 4) // the token was revoked or mistyped
	case errors.Is(err, verify.ErrUnreachable), errors.Is(err, verify.ErrTLS):
		fail(err, 1)
	case err != nil:
		fail(err, 1)
	}

	who := r.User // the kubeconfig's name, when the server cannot say
	if r.Identity != nil {
		who = r.Identity.Username
	}
	fmt.Printf("%s: Kubernetes %s, authenticated as %s\n", r.Server, r.ServerVersion, who)
	if r.Secrets.Allowed {
		fmt.Printf("may list secrets in %s (%d)\n", r.Namespace, r.Secrets.Count)
	} else {
		fmt.Printf("may not list secrets in %s: %s\n", r.Namespace, r.Secrets.Explanation)
	}
	if r.Skew != nil {
		fmt.Printf("skew: %s %s\n", r.Skew.Level, r.Skew.Message)
	}
}

func fail(err error, code int) {
	fmt.Fprintln(os.Stderr, "check-access:", err)
	os.Exit(code)
}
