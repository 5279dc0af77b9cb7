package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// verifyOutput is the --json result of `kubeboot verify`.
type verifyOutput struct {
	*verify.Report
	// KubectlPath is the kubectl on PATH the skew verdict is about; "" when
	// there is none.
	KubectlPath string `json:"kubectlPath"`
}

// VerifyOptions are the flags of `kubeboot verify`.
type VerifyOptions struct {
	app       *app
	output    outputOptions
	Namespace string
	Verbose   bool
	// ExpectServer refuses a context of another API server.
	ExpectServer string
	// RequestTimeout bounds all the checks together, as kubectl's flag.
	RequestTimeout string
}

// NewCmdVerify is `kubeboot verify`.
func NewCmdVerify(a *app) *cobra.Command {
	o := &VerifyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "check that the kubeconfig's credentials work: server version, identity, secrets access, kubectl skew",
		Long: "Ask the cluster of a kubeconfig context (default: the current one) its version and who the\n" +
			"credentials authenticate as, whether they may list secrets, and whether the kubectl on PATH is\n" +
			"within kubectl's version skew policy of the server. It changes nothing.",
		Example: "  kubeboot verify\n  kubeboot verify --context coreweave -o json",
		Args:    noArgs("; name the file with --kubeconfig"),
		RunE:    func(cmd *cobra.Command, _ []string) error { return verifyRun(cmd.Context(), o) },
	}
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "", "namespace to check (default the context's, else \"default\")")
	cmd.Flags().BoolVar(&o.Verbose, "verbose", false, "print each request")
	cmd.Flags().StringVar(&o.ExpectServer, "expect-server", "", "refuse (exit 1) unless the context points at this API server URL")
	cmd.Flags().StringVar(&o.RequestTimeout, "request-timeout", "30s", "time allowed for all the checks together (0: no limit), as kubectl's flag")
	addOutputFlags(cmd, &o.output)
	return cmd
}

func verifyRun(ctx context.Context, o *VerifyOptions) error {
	a, h := o.app, o.app.host
	total, err := parseRequestTimeout(o.RequestTimeout)
	if err != nil {
		return err
	}
	if o.ExpectServer != "" {
		if err := a.checkExpectedServer(o.ExpectServer, clusterTarget{Kubeconfig: a.kubeconfig, Context: a.context}); err != nil {
			return err
		}
	}
	locs, err := h.kubeconfigLocations(a.kubeconfig)
	if err != nil {
		return err
	}
	kubectlPath, kubectlVersion := a.findKubectl(ctx)
	opts := verify.Options{
		Kubeconfig: locs.Files, Context: a.context, Namespace: o.Namespace,
		ExecStderr: h.Stderr, TotalTimeout: total,
	}
	if o.Verbose {
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
	if o.output.JSON() {
		return writeJSON(h.Stdout, verifyOutput{r, kubectlPath})
	}
	a.printReport(r, kubectlPath)
	return nil
}

func (a *app) printReport(r *verify.Report, kubectlPath string) {
	w := a.host.Stdout
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
		fmt.Fprintln(a.host.Stderr, "warning: "+warn)
	}
}

// findKubectl returns the kubectl that wins on PATH and its client
// version, or "" for either when there is none or it does not answer.
func (a *app) findKubectl(ctx context.Context) (path, version string) {
	onPath := a.host.env().KubectlsOnPath()
	if len(onPath) == 0 {
		return "", ""
	}
	v, _ := bootstrap.KubectlVersion(ctx, onPath[0])
	return onPath[0], v
}
