package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// KubeconfigTokenOptions are the flags of `kubeboot kubeconfig token`.
type KubeconfigTokenOptions struct {
	app    *app
	output outputOptions
}

// tokenOutput is the JSON result of `kubeboot kubeconfig token`.
type tokenOutput struct {
	Context string `json:"context"`
	Token   string `json:"token"`
}

// NewCmdKubeconfigToken is `kubeboot kubeconfig token`.
func NewCmdKubeconfigToken(a *app) *cobra.Command {
	o := &KubeconfigTokenOptions{app: a}
	cmd := &cobra.Command{
		Use:     "token",
		Short:   "print the bearer token of a context's user, alone on stdout",
		Example: "  kubeboot kubeconfig token --context coreweave",
		Args:    noArgs("; name the context with --context"),
		RunE:    func(*cobra.Command, []string) error { return kubeconfigTokenRun(o) },
	}
	addOutputFlags(cmd, &o.output)
	return cmd
}

func kubeconfigTokenRun(o *KubeconfigTokenOptions) error {
	a, h := o.app, o.app.host
	locs, err := h.kubeconfigLocations(a.kubeconfig)
	if err != nil {
		return err
	}
	view, err := kubeconfig.LoadView(locs.Files)
	if err != nil {
		return err
	}
	tok, err := kubeconfig.Token(view, a.context)
	if err != nil {
		return err
	}
	if o.output.JSON() {
		name := a.context
		if name == "" {
			name, _ = view.Current()
		}
		return writeJSON(h.Stdout, tokenOutput{name, tok})
	}
	_, err = fmt.Fprintln(h.Stdout, tok)
	return err
}
