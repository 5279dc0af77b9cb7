package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// KubeconfigPathOptions are the flags of `kubeboot kubeconfig path`.
type KubeconfigPathOptions struct {
	app    *app
	output outputOptions
}

// pathOutput is the JSON result of `kubeboot kubeconfig path`.
type pathOutput struct {
	// Files are the kubeconfig files kubectl reads, highest precedence
	// first.
	Files []string `json:"files"`
	// Target is the file that receives new entries, by kubectl's rule.
	Target string `json:"target"`
	// FromEnv is true when KUBECONFIG named them.
	FromEnv bool `json:"fromEnv"`
}

// NewCmdKubeconfigPath is `kubeboot kubeconfig path`.
func NewCmdKubeconfigPath(a *app) *cobra.Command {
	o := &KubeconfigPathOptions{app: a}
	cmd := &cobra.Command{
		Use:     "path",
		Short:   "print the kubeconfig files kubectl reads, highest precedence first",
		Example: "  kubeboot kubeconfig path\n  kubeboot kubeconfig path -o json",
		Args:    noArgs(""),
		RunE:    func(*cobra.Command, []string) error { return kubeconfigPathRun(o) },
	}
	addOutputFlags(cmd, &o.output)
	return cmd
}

func kubeconfigPathRun(o *KubeconfigPathOptions) error {
	a, h := o.app, o.app.host
	locs, err := h.kubeconfigLocations(a.kubeconfig)
	if err != nil {
		return err
	}
	if o.output.JSON() {
		target := locs.Target(func(p string) bool { _, err := os.Stat(p); return err == nil })
		return writeJSON(h.Stdout, pathOutput{locs.Files, target, locs.FromEnv})
	}
	for _, f := range locs.Files {
		fmt.Fprintln(h.Stdout, f)
	}
	return nil
}
