package main

import (
	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// NewCmdKubeconfig is `kubeboot kubeconfig`, the group of import, path and
// token.
func NewCmdKubeconfig(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "kubeconfig",
		Short:   "import a downloaded kubeconfig safely; list, switch, rename, delete and prune contexts; a context per shell; paths; tokens",
		Example: "  kubeboot kubeconfig import ~/Downloads/cw-kubeconfig\n  kubeboot kubeconfig list\n  kubeboot kubeconfig use -\n  kubeboot kubeconfig shell staging\n  kubeboot kubeconfig path\n  kubeboot kubeconfig token --context coreweave",
		Args:    unknownSubcommand,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdKubeconfigImport(a), NewCmdKubeconfigPath(a), NewCmdKubeconfigToken(a),
		NewCmdKubeconfigList(a), NewCmdKubeconfigUse(a), NewCmdKubeconfigNamespace(a), NewCmdKubeconfigRename(a),
		NewCmdKubeconfigDelete(a), NewCmdKubeconfigPrune(a), NewCmdKubeconfigShell(a), NewCmdKubeconfigEnv(a), NewCmdKubeconfigPlugins(a))
	return cmd
}

// contextNames lists the contexts the kubeconfig files define, for
// completion.
func contextNames(files []string) ([]string, error) {
	view, err := kubeconfig.LoadView(files)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range view.Entries(kubeconfig.KindContext) {
		names = append(names, e.Name)
	}
	return names, nil
}
