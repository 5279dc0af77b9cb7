package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// verifyOutput is the --json result of `kubeboot verify`.
type verifyOutput struct {
	*verify.Report
	// KubectlPath is the kubectl on PATH the skew verdict is about; "" when
	// there is none.
	KubectlPath string `json:"kubectlPath"`
}

func runVerify(ctx context.Context, a *app, args []string) error {
	c := findCommand("verify")
	fs := newFlags("verify")
	kcPath := fs.String("kubeconfig", "", "kubeconfig file (default $KUBECONFIG, else ~/.kube/config)")
	contextName := fs.String("context", "", "context to check (default the current context)")
	namespace := fs.String("namespace", "", "namespace to check (default the context's, else \"default\")")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	verbose := fs.Bool("verbose", false, "print each request")
	reqTimeout := fs.String("request-timeout", "30s", "time allowed for all the checks together (0: no limit), as kubectl's flag")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("kubeboot verify takes no arguments; name the file with --kubeconfig %s", pos[0])
	}
	total, err := parseRequestTimeout(*reqTimeout)
	if err != nil {
		return err
	}
	locs, err := kubeconfig.DefaultLocations(*kcPath)
	if err != nil {
		return err
	}
	kubectlPath, kubectlVersion := findKubectl(ctx)
	opts := verify.Options{
		Kubeconfig: locs.Files, Context: *contextName, Namespace: *namespace,
		ExecStderr: a.stderr, TotalTimeout: total,
	}
	if *verbose {
		opts.Logf = a.logf
	}
	r, err := verify.Verify(ctx, opts)
	if err != nil {
		return err
	}
	skew := verify.Skew(kubectlVersion, r.ServerVersion)
	if kubectlPath != "" && kubectlVersion == "" {
		skew.Message = "the kubectl on PATH did not report its version (kubectl version --client -o json)"
	}
	skewFix(&skew)
	r.Skew = &skew
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(verifyOutput{r, kubectlPath})
	}
	a.printReport(r, kubectlPath)
	return nil
}

func (a *app) printReport(r *verify.Report, kubectlPath string) {
	w := a.stdout
	fmt.Fprintf(w, "server     %s (Kubernetes %s)\n", r.Server, r.ServerVersion)
	if r.Proxy != "" {
		fmt.Fprintf(w, "proxy      %s\n", r.Proxy)
	}
	fmt.Fprintf(w, "context    %s (user %s, authenticates with %s)\n", r.Context, r.User, r.AuthMethod)
	if id := r.Identity; id != nil {
		fmt.Fprintf(w, "identity   %s (groups: %s)\n", id.Username, strings.Join(id.Groups, ", "))
	}
	s := r.Secrets
	switch {
	case s.Allowed && s.Truncated:
		fmt.Fprintf(w, "secrets    can list secrets in namespace %s: more than %d\n", r.Namespace, s.Count)
	case s.Allowed:
		fmt.Fprintf(w, "secrets    can list secrets in namespace %s: %d\n", r.Namespace, s.Count)
	default:
		fmt.Fprintf(w, "secrets    cannot list secrets in namespace %s\n", r.Namespace)
		fmt.Fprintf(w, "           %s\n", s.Explanation)
		fmt.Fprintf(w, "           (another namespace: --namespace NAME)\n")
		if len(s.Can) == 0 {
			fmt.Fprintf(w, "           RBAC grants this user nothing in namespace %s\n", r.Namespace)
		} else {
			fmt.Fprintf(w, "           in namespace %s it may: %s\n", r.Namespace, strings.Join(s.Can, "; "))
		}
	}
	if sk := r.Skew; sk != nil {
		where := ""
		if kubectlPath != "" {
			where = " (" + kubectlPath + ")"
		}
		fmt.Fprintf(w, "kubectl    %s%s\n", sk.Message, where)
		if sk.Fix != "" {
			fmt.Fprintf(w, "           fix: %s\n", sk.Fix)
		}
	}
	if s.Allowed {
		fmt.Fprintln(w, "ok: the credentials work")
	} else {
		fmt.Fprintln(w, "ok: the credentials work; RBAC limits what they may do")
	}
	for _, warn := range r.Warnings {
		fmt.Fprintln(a.stderr, "warning: "+warn)
	}
}

// findKubectl returns the kubectl that wins on PATH and its client
// version, or "" for either when there is none or it does not answer.
func findKubectl(ctx context.Context) (path, version string) {
	onPath := bootstrap.KubectlsOnPath()
	if len(onPath) == 0 {
		return "", ""
	}
	v, _ := bootstrap.KubectlVersion(ctx, onPath[0])
	return onPath[0], v
}
