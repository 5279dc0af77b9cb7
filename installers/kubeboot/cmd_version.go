package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// VersionOptions are the flags of `kubeboot version`.
type VersionOptions struct {
	app    *app
	output outputOptions
}

// versionOutput is the JSON result of `kubeboot version`.
type versionOutput struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// NewCmdVersion is `kubeboot version`.
func NewCmdVersion(a *app) *cobra.Command {
	o := &VersionOptions{app: a}
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "print kubeboot's version",
		Example: "  kubeboot version\n  kubeboot version -o json",
		Args:    noArgs(""),
		RunE:    func(*cobra.Command, []string) error { return versionRun(o) },
	}
	addOutputFlags(cmd, &o.output)
	return cmd
}

func versionRun(o *VersionOptions) error {
	h := o.app.host
	if o.output.JSON() {
		return writeJSON(h.Stdout, versionOutput{version, commit, date, h.GOOS, h.GOARCH})
	}
	_, err := fmt.Fprintln(h.Stdout, versionLine(h))
	return err
}

// versionLine is what `kubeboot version` and `kubeboot --version` print.
func versionLine(h *host) string {
	return fmt.Sprintf("kubeboot %s (commit %s, built %s, %s/%s)", version, commit, date, h.GOOS, h.GOARCH)
}
