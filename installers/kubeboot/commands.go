package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// command is one `kubeboot NAME ...` subcommand.
type command struct {
	name    string
	args    string // synopsis after the name, e.g. "kubectl [flags]"
	summary string
	example string
	run     func(ctx context.Context, a *app, args []string) error
}

// errHelpShown ends a run that printed help on request: exit 0.
var errHelpShown = errors.New("help shown")

// errCancelled ends a run the user declined at a prompt: exit 1, no message.
var errCancelled = errors.New("cancelled")

func commandList() []*command {
	return []*command{
		{
			name:    "setup",
			args:    "[FILE] [--yes] [--version SPEC] [--dir DIR] [--mirror URL] [--context NAME] [--on-conflict POLICY] [--kubeconfig PATH] [--no-verify] [--request-timeout DURATION] [--json]",
			summary: "the whole getting-started page: install kubectl, import the kubeconfig, select the context, verify",
			example: "kubeboot setup ~/Downloads/cw-kubeconfig --yes",
			run:     runSetup,
		},
		{
			name:    "doctor",
			args:    "[--kubeconfig PATH] [--json]",
			summary: "check kubectl, PATH, kubeconfig files and access; change nothing",
			example: "kubeboot doctor",
			run:     runDoctor,
		},
		{
			name:    "install",
			args:    "kubectl [--version SPEC|cluster] [--dir DIR] [--mirror URL] [--method auto|direct|brew|choco|scoop|winget] [--force] [--force-overwrite] [--verify-signature auto|require|off] [--json]",
			summary: "download, verify and install kubectl",
			example: "kubeboot install kubectl --version 1.36",
			run:     runInstall,
		},
		{
			name:    "kubeconfig",
			args:    "import [FILE] [--kubeconfig PATH] [--context NAME] [--on-conflict fail|rename|replace] [--no-switch] [--dry-run] [--json]\n  kubeboot kubeconfig path [--kubeconfig PATH]\n  kubeboot kubeconfig token [--context NAME] [--kubeconfig PATH]",
			summary: "import cw-kubeconfig safely, show kubeconfig paths, recover a token",
			example: "kubeboot kubeconfig import ~/Downloads/cw-kubeconfig",
			run:     runKubeconfig,
		},
		{
			name:    "self-update",
			args:    "[--check] [--version vX.Y.Z] [--verbose]",
			summary: "replace kubeboot with its latest verified release",
			example: "kubeboot self-update --check",
			run:     runSelfUpdate,
		},
		{
			name:    "verify",
			args:    "[--kubeconfig PATH] [--context NAME] [--namespace NS] [--request-timeout DURATION] [--json] [--verbose]",
			summary: "check that the kubeconfig's credentials work: server version, identity, secrets access, kubectl skew",
			example: "kubeboot verify --context coreweave",
			run:     runVerify,
		},
		{
			name:    "completion",
			args:    "bash|zsh|fish|powershell",
			summary: "print a shell completion script",
			example: "source <(kubeboot completion bash)",
			run:     runCompletion,
		},
		{
			name:    "version",
			summary: "print kubeboot's version",
			example: "kubeboot version",
			run:     runVersion,
		},
	}
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	cmds := commandList()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			for _, c := range cmds {
				if c.name == args[1] {
					a.printCommandHelp(c)
					return errHelpShown
				}
			}
		}
		a.printHelp(cmds)
		if len(args) == 0 {
			return usageErrorf("no command given")
		}
		return errHelpShown
	}
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
		if c.name == args[0] {
			return c.run(ctx, a, args[1:])
		}
	}
	if strings.HasPrefix(args[0], "-") {
		return usageErrorf("flags go after the command, as in: kubeboot install kubectl %s", args[0])
	}
	return usageErrorf("unknown command %q%s", args[0], didYouMean(args[0], names))
}

func (a *app) printHelp(cmds []*command) {
	fmt.Fprintf(a.stdout, "kubeboot %s: install kubectl and connect it to your cluster, safely.\n\nUsage:\n", version)
	for _, c := range cmds {
		fmt.Fprintf(a.stdout, "  kubeboot %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(a.stdout, "\nRun `kubeboot COMMAND --help` for a command's flags.")
}

func (a *app) printCommandHelp(c *command) {
	fmt.Fprintf(a.stdout, "kubeboot %s: %s\n\nUsage:\n  kubeboot %s %s\n\nExample:\n  %s\n", c.name, c.summary, c.name, c.args, c.example)
}
