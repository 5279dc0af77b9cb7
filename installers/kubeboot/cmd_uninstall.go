package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/uninstall"
)

// uninstallOutput is the JSON result of `kubeboot uninstall`.
type uninstallOutput struct {
	DryRun bool             `json:"dryRun"`
	Steps  []uninstall.Step `json:"steps"`
}

// NewCmdUninstall is `kubeboot uninstall TOOL... | --all`.
func NewCmdUninstall(a *app) *cobra.Command {
	var all, dryRun bool
	var dirs []string
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "uninstall TOOL... | --all",
		Short: "remove what kubeboot installed, and nothing else",
		Long: "Removes the programs kubeboot installed (" + strings.Join(toolNames(), ", ") + "), the kubectl store\n" +
			"and the kubectl shim, and says what it removed and what it left and why, file by file.\n" +
			"A program is removed only when the install record kubeboot keeps beside it (" + ".kubeboot-installed.json" + ",\n" +
			"yours or the administrator's, in a folder no one else may write) gives its exact bytes: a program\n" +
			"changed or replaced since, a link, one a package manager owns, or one installed without a record\n" +
			"(by another installer, or by a kubeboot older than the records) is left. A kubeconfig is never\n" +
			"touched, nor kubeboot's own binary: delete that by hand when you no longer need it.\n" +
			"--dry-run shows the plan and changes nothing.",
		Example:   "  kubeboot uninstall helm --dry-run\n  kubeboot uninstall --all",
		ValidArgs: toolNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return usageErrorf("name the tools to uninstall (%s), or --all", strings.Join(toolNames(), ", "))
			}
			return a.runUninstall(cmd, args, all, dryRun, dirs, out.JSON())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "every tool, the kubectl store and the shim")
	f.BoolVar(&dryRun, "dry-run", false, "say what would be removed and left, and change nothing")
	f.StringArrayVar(&dirs, "dir", nil, "an install folder to look in, repeatable (default: the default and per-user install folders)")
	addOutputFlags(cmd, &out)
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

func (a *app) runUninstall(cmd *cobra.Command, tools []string, all, dryRun bool, dirs []string, asJSON bool) error {
	h := a.host
	opts := uninstall.Options{Tools: tools, All: all, Dirs: dirs, PackageManagers: h.system()}
	if len(dirs) == 0 {
		env := h.env()
		d, err := env.DefaultInstallDir()
		if err != nil {
			return err
		}
		u, err := env.UserInstallDir()
		if err != nil {
			return err
		}
		opts.Dirs = []string{d, u}
	}
	if exe, err := h.Executable(); err == nil {
		opts.Self = exe
	} else {
		opts.Self = "-" // never os.Executable: the host says what kubeboot is
	}
	if sd, err := a.storeDir(); err == nil {
		opts.StoreDir = sd
	} else {
		opts.NoStore = true
	}
	steps, err := uninstall.Gather(cmd.Context(), opts)
	if err != nil {
		return err
	}
	if all || slices.Contains(tools, "kubectl") {
		steps = a.shimStep(steps)
		steps = append(steps, a.aliasSteps()...)
	}
	if !dryRun {
		uninstall.Apply(cmd.Context(), steps, opts)
		a.applyShim(steps)
		a.applyAlias(steps)
	}
	failed := 0
	for _, s := range steps {
		if s.Error != "" {
			failed++
		}
	}
	if asJSON {
		if err := writeJSON(h.Stdout, uninstallOutput{DryRun: dryRun, Steps: steps}); err != nil {
			return err
		}
	} else {
		a.printUninstall(steps, dryRun)
	}
	if failed > 0 {
		return &exitError{code: exitFailure, msg: fmt.Sprintf("%d of the files to remove could not be removed", failed)}
	}
	return nil
}

// shimStep replaces the step of the kubectl in the per-user folder by a
// removal of the shim when that kubectl is kubeboot's shim.
func (a *app) shimStep(steps []uninstall.Step) []uninstall.Step {
	path, err := a.shimPath("")
	if err != nil {
		return steps
	}
	if _, err := os.Lstat(path); err != nil || !isShim(path) {
		return steps
	}
	shim := uninstall.Step{Kind: uninstall.Shim, Tool: "kubectl", Path: path, Action: uninstall.Remove,
		Reason: "kubeboot's kubectl shim (kubeboot kubectl shim install)"}
	for i, s := range steps {
		if s.Path == path {
			steps[i] = shim
			return steps
		}
	}
	return append(steps, shim)
}

// applyShim removes the shim a plan names, checking again that it is one.
func (a *app) applyShim(steps []uninstall.Step) {
	for i := range steps {
		s := &steps[i]
		if s.Kind != uninstall.Shim || s.Action != uninstall.Remove {
			continue
		}
		if !isShim(s.Path) {
			s.Error = "it is no longer kubeboot's shim"
			continue
		}
		if err := os.Remove(s.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Error = uninstall.RemoveFailure(a.host.GOOS, err)
			continue
		}
		s.Done = true
	}
}

func (a *app) printUninstall(steps []uninstall.Step, dryRun bool) {
	h := a.host
	if len(steps) == 0 {
		fmt.Fprintln(h.Stdout, "nothing of kubeboot's was found to remove")
	}
	for _, s := range steps {
		verb := "left"
		switch {
		case s.Error != "":
			verb = "not removed"
		case s.Action == uninstall.Leave && dryRun:
			verb = "would leave"
		case s.Action == uninstall.Leave:
		case dryRun && s.Action == uninstall.Forget:
			verb = "would forget"
		case dryRun:
			verb = "would remove"
		case s.Action == uninstall.Forget:
			verb = "forgot"
		default:
			verb = "removed"
		}
		reason := s.Reason
		if s.Error != "" {
			reason = s.Error
		}
		fmt.Fprintf(h.Stdout, "%-12s %s: %s\n", verb, s.Path, reason)
	}
	if dryRun {
		fmt.Fprintln(h.Stdout, "dry run: nothing was changed")
	}
	fmt.Fprintf(h.Stdout, "kubeconfig files are never touched by uninstall; kubeboot itself stays (remove it by hand: %s)\n", a.selfHint())
}

// selfHint names kubeboot's own binary, when known.
func (a *app) selfHint() string {
	if exe, err := a.host.Executable(); err == nil {
		return filepath.Clean(exe)
	}
	return "the kubeboot program"
}
