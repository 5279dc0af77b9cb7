package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// editOptions are the library's write options for this invocation:
// --kubeconfig, the host's environment and clock, --dry-run.
func (a *app) editOptions(dryRun, verbose bool) kubeconfig.EditOptions {
	h := a.host
	o := kubeconfig.EditOptions{Kubeconfig: a.kubeconfig, DryRun: dryRun, Getenv: h.Getenv, Home: h.Home, Now: h.Now, StateDir: h.StateDir}
	if h.CacheDir != "" {
		o.CacheDir = filepath.Join(h.CacheDir, "kubeconfig")
	}
	if verbose {
		o.Logf = a.logf
	}
	return o
}

// writeFlags are the flags every writing kubeconfig command has.
type writeFlags struct {
	output  outputOptions
	DryRun  bool
	Verbose bool
}

func addWriteFlags(cmd *cobra.Command, w *writeFlags) {
	f := cmd.Flags()
	f.BoolVar(&w.DryRun, "dry-run", false, "show what would change and write nothing")
	f.BoolVarP(&w.Verbose, "verbose", "v", false, "print each step")
	addOutputFlags(cmd, &w.output)
}

// printEdit says which files were (or would be) written.
func printEdit(w io.Writer, er *kubeconfig.EditResult) {
	if er == nil {
		return
	}
	for _, fw := range er.Written {
		verb := "wrote"
		if er.DryRun {
			verb = "would write"
		}
		fmt.Fprintf(w, "  %s %s", verb, fw.File)
		if fw.Backup != "" {
			fmt.Fprintf(w, " (backup %s)", fw.Backup)
		}
		if fw.InPlace {
			fmt.Fprint(w, " in place, as kubectl writes it: it could not be replaced")
		}
		fmt.Fprintln(w)
	}
	if er.DryRun {
		fmt.Fprintln(w, "dry run: nothing written")
	}
}

// KubeconfigListOptions are the flags of `kubeboot kubeconfig list`.
type KubeconfigListOptions struct {
	app     *app
	output  outputOptions
	Check   bool
	Timeout time.Duration
}

// NewCmdKubeconfigList is `kubeboot kubeconfig list`.
func NewCmdKubeconfigList(a *app) *cobra.Command {
	o := &KubeconfigListOptions{app: a}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "list every context: cluster, server, user, namespace, current, and the file holding it",
		Example: "  kubeboot kubeconfig list\n  kubeboot kubeconfig list --check\n  kubeboot kubeconfig list -o json",
		Args:    noArgs(""),
		RunE:    func(cmd *cobra.Command, _ []string) error { return kubeconfigListRun(cmd.Context(), o) },
	}
	cmd.Flags().BoolVar(&o.Check, "check", false, "also ask each cluster whether it answers and accepts the credentials (in parallel, bounded)")
	cmd.Flags().DurationVar(&o.Timeout, "request-timeout", kubeconfig.DefaultCheckTimeout, "the longest one check may take")
	addOutputFlags(cmd, &o.output)
	return cmd
}

func kubeconfigListRun(ctx context.Context, o *KubeconfigListOptions) error {
	a := o.app
	opts := a.editOptions(false, false)
	var rows []kubeconfig.CheckedContext
	if o.Check {
		var err error
		rows, err = kubeconfig.Check(ctx, opts, kubeconfig.CheckOptions{Timeout: o.Timeout}, verify.ContextCheck(verify.Options{}))
		if err != nil {
			return err
		}
	} else {
		infos, err := kubeconfig.List(opts)
		if err != nil {
			return err
		}
		for _, c := range infos {
			rows = append(rows, kubeconfig.CheckedContext{ContextInfo: c})
		}
	}
	a.noteLeftLocks()
	if o.output.JSON() {
		if !o.Check {
			infos := make([]kubeconfig.ContextInfo, len(rows))
			for i, r := range rows {
				infos[i] = r.ContextInfo
			}
			return writeJSON(a.host.Stdout, infos)
		}
		return writeJSON(a.host.Stdout, rows)
	}
	head := []string{"CURRENT", "NAME", "CLUSTER", "SERVER", "USER", "NAMESPACE", "FILE"}
	if o.Check {
		head = append(head, "CHECK")
	}
	table := make([][]string, 0, len(rows)+1)
	table = append(table, head)
	for _, r := range rows {
		cur := ""
		if r.Current {
			cur = "*"
		}
		line := []string{cur, r.Name, r.Cluster, r.Server, r.User, r.Namespace, r.File}
		if o.Check {
			check := string(r.Check.State)
			if r.Check.Reason != "" {
				check += ": " + r.Check.Reason
			}
			line = append(line, check)
		}
		table = append(table, line)
	}
	return writeTable(a.host.Stdout, table)
}

// leftLocks lists kubectl's locks of the kubeconfig files that a killed
// kubeboot left (kubeconfig.LeftLock), each with what it does.
func (a *app) leftLocks() (locks, details []string) {
	locs, err := a.host.kubeconfigLocations(a.kubeconfig)
	if err != nil {
		return nil, nil
	}
	for _, f := range locs.Files {
		if lock, pid, ok := kubeconfig.LeftLock(f); ok {
			locks = append(locks, lock)
			details = append(details, fmt.Sprintf("%s was left by a kubeboot that was killed (pid %d): kubectl cannot write %s while it is there", lock, pid, f))
		}
	}
	return locks, details
}

// noteLeftLocks says on stderr which left locks stop kubectl's writes.
func (a *app) noteLeftLocks() {
	_, details := a.leftLocks()
	for _, d := range details {
		fmt.Fprintf(a.host.Stderr, "note: %s; the next kubeboot kubeconfig write removes it\n", d)
	}
}

// NewCmdKubeconfigUse is `kubeboot kubeconfig use NAME|-`.
func NewCmdKubeconfigUse(a *app) *cobra.Command {
	w := &writeFlags{}
	exact := false
	cmd := &cobra.Command{
		Use:               "use NAME|-",
		Short:             "switch the current context; - goes back to the previous one",
		Example:           "  kubeboot kubeconfig use prod\n  kubeboot kubeconfig use -\n  kubeboot kubeconfig use --exact -    # a context named -",
		Args:              exactArgs(1, "name the context (or - for the previous one)"),
		ValidArgsFunction: a.completeFirstContext,
		RunE: func(cmd *cobra.Command, args []string) error {
			do := kubeconfig.Use
			if exact {
				do = kubeconfig.UseExact
			}
			res, err := do(cmd.Context(), args[0], a.editOptions(w.DryRun, w.Verbose))
			if err != nil {
				return a.inPrivateShell(err)
			}
			if w.output.JSON() {
				return writeJSON(a.host.Stdout, res)
			}
			switch {
			case res.Context == res.Previous:
				fmt.Fprintf(a.host.Stdout, "%s is already the current context\n", res.Context)
			case res.Previous != "":
				fmt.Fprintf(a.host.Stdout, "current context: %s (was %s)\n", res.Context, res.Previous)
			default:
				fmt.Fprintf(a.host.Stdout, "current context: %s\n", res.Context)
			}
			printEdit(a.host.Stdout, res.Edit)
			return nil
		},
	}
	cmd.Flags().BoolVar(&exact, "exact", false, "take NAME as it is: --exact - selects a context named -")
	addWriteFlags(cmd, w)
	return cmd
}

// NewCmdKubeconfigNamespace is `kubeboot kubeconfig namespace NS`.
func NewCmdKubeconfigNamespace(a *app) *cobra.Command {
	w := &writeFlags{}
	cmd := &cobra.Command{
		Use:               "namespace NS",
		Short:             "set the namespace of the current context (or --context's); \"\" removes it",
		Example:           "  kubeboot kubeconfig namespace tenant-a\n  kubeboot kubeconfig namespace tenant-b --context staging",
		Args:              exactArgs(1, "name the namespace"),
		ValidArgsFunction: a.completeNamespaces,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := kubeconfig.SetNamespace(cmd.Context(), args[0], a.context, a.editOptions(w.DryRun, w.Verbose))
			if err != nil {
				return err
			}
			if w.output.JSON() {
				return writeJSON(a.host.Stdout, res)
			}
			ns := res.Namespace
			if ns == "" {
				ns = "default (none set)"
			}
			fmt.Fprintf(a.host.Stdout, "context %s: namespace %s\n", res.Context, ns)
			printEdit(a.host.Stdout, res.Edit)
			return nil
		},
	}
	addWriteFlags(cmd, w)
	return cmd
}

// NewCmdKubeconfigRename is `kubeboot kubeconfig rename OLD NEW`.
func NewCmdKubeconfigRename(a *app) *cobra.Command {
	w := &writeFlags{}
	ro := kubeconfig.RenameOptions{}
	cmd := &cobra.Command{
		Use:               "rename OLD NEW",
		Short:             "rename a context (with --cluster/--user, its cluster and user entries too, and every reference)",
		Example:           "  kubeboot kubeconfig rename coreweave cw-prod\n  kubeboot kubeconfig rename coreweave cw-prod --cluster --user",
		Args:              exactArgs(2, "name the context and its new name"),
		ValidArgsFunction: a.completeFirstContext,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := kubeconfig.Rename(cmd.Context(), args[0], args[1], ro, a.editOptions(w.DryRun, w.Verbose))
			if err != nil {
				return err
			}
			if w.output.JSON() {
				return writeJSON(a.host.Stdout, res)
			}
			for _, r := range res.Renamed {
				fmt.Fprintf(a.host.Stdout, "renamed %s %s -> %s\n", r.Kind, r.Name, res.To)
			}
			if len(res.References) > 0 {
				fmt.Fprintf(a.host.Stdout, "  references updated in: %s\n", strings.Join(res.References, ", "))
			}
			printEdit(a.host.Stdout, res.Edit)
			return nil
		},
	}
	cmd.Flags().BoolVar(&ro.Cluster, "cluster", false, "also rename the context's cluster entry to NEW")
	cmd.Flags().BoolVar(&ro.User, "user", false, "also rename the context's user entry to NEW")
	addWriteFlags(cmd, w)
	return cmd
}

// NewCmdKubeconfigDelete is `kubeboot kubeconfig delete NAME...`.
func NewCmdKubeconfigDelete(a *app) *cobra.Command {
	w := &writeFlags{}
	do := kubeconfig.DeleteOptions{}
	cmd := &cobra.Command{
		Use:               "delete NAME...",
		Short:             "delete contexts (with --cascade, also the clusters and users nothing else uses)",
		Example:           "  kubeboot kubeconfig delete old-lab\n  kubeboot kubeconfig delete old-lab test --cascade",
		Args:              minArgs(1, "name the contexts to delete"),
		ValidArgsFunction: a.completeAllContexts,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := kubeconfig.Delete(cmd.Context(), args, do, a.editOptions(w.DryRun, w.Verbose))
			if err != nil {
				return err
			}
			if w.output.JSON() {
				return writeJSON(a.host.Stdout, res)
			}
			printDeleted(a.host.Stdout, res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&do.Cascade, "cascade", false, "also delete the clusters and users no remaining context uses")
	cmd.Flags().BoolVar(&do.Force, "force", false, "allow deleting the current context")
	addWriteFlags(cmd, w)
	return cmd
}

func printDeleted(w io.Writer, res *kubeconfig.DeleteResult) {
	verb := "deleted"
	if res.Edit != nil && res.Edit.DryRun {
		verb = "would delete"
	}
	for _, l := range []struct {
		kind  string
		names []string
	}{{"context", res.Contexts}, {"cluster", res.Clusters}, {"user", res.Users}} {
		for _, n := range l.names {
			fmt.Fprintf(w, "%s %s %s\n", verb, l.kind, n)
		}
	}
	printEdit(w, res.Edit)
}

// KubeconfigPruneOptions are the flags of `kubeboot kubeconfig prune`.
type KubeconfigPruneOptions struct {
	app *app
	writeFlags
	Yes     bool
	Timeout time.Duration
	Span    time.Duration
}

// NewCmdKubeconfigPrune is `kubeboot kubeconfig prune`.
func NewCmdKubeconfigPrune(a *app) *cobra.Command {
	o := &KubeconfigPruneOptions{app: a}
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "remove contexts whose cluster is gone or whose credentials are refused, and entries nothing uses",
		Long: "Check every context (in parallel, each bounded by --request-timeout) and propose removing those against which\n" +
			"there is lasting evidence: the server answered 401 to the context's credentials, or it was unreachable (connection\n" +
			"refused, no route, unknown host) on every check for --unreachable-for, with at least 3 checks on 2 different days.\n" +
			"One failed check never removes a context:\n" +
			"kubeboot records when it first and last saw each one fail, in its own state folder (never in the kubeconfig; dry runs\n" +
			"and list --check record too); a check that answers or cannot tell resets the record, and a run in which no server\n" +
			"answers (network down) records nothing. Each context is checked again right before it is removed, and kept if it\n" +
			"(its cluster, user, server or credentials) changed meanwhile. The clusters and\n" +
			"users no context of any kubeconfig file uses go too. The current context is kept.",
		Example: "  kubeboot kubeconfig prune --dry-run\n  kubeboot kubeconfig prune --yes",
		Args:    noArgs(""),
		RunE:    func(cmd *cobra.Command, _ []string) error { return kubeconfigPruneRun(cmd.Context(), o) },
	}
	cmd.Flags().BoolVar(&o.Yes, "yes", false, "remove without asking")
	cmd.Flags().DurationVar(&o.Timeout, "request-timeout", kubeconfig.DefaultCheckTimeout, "the longest one check may take")
	cmd.Flags().DurationVar(&o.Span, "unreachable-for", kubeconfig.DefaultPruneSpan, "how long a server must be unreachable, on every check, before its context is removed")
	addWriteFlags(cmd, &o.writeFlags)
	return cmd
}

// pruneOutput is the JSON of `kubeboot kubeconfig prune`.
type pruneOutput struct {
	Plan   *kubeconfig.PrunePlan   `json:"plan"`
	Result *kubeconfig.PruneResult `json:"result,omitempty"`
}

func kubeconfigPruneRun(ctx context.Context, o *KubeconfigPruneOptions) error {
	a, h := o.app, o.app.host
	opts := a.editOptions(o.DryRun, o.Verbose)
	if o.Span <= 0 {
		return usageErrorf("--unreachable-for must be positive, got %v", o.Span)
	}
	co := kubeconfig.CheckOptions{Timeout: o.Timeout, Span: o.Span}
	check := verify.ContextCheck(verify.Options{})
	plan, err := kubeconfig.PlanPrune(ctx, opts, co, check)
	if err != nil {
		return err
	}
	if !o.output.JSON() {
		for _, c := range plan.Contexts {
			fmt.Fprintf(h.Stdout, "remove context %s (%s: %s)\n", c.Name, c.Prune.Why, c.Check.Reason)
		}
		for _, n := range plan.Clusters {
			fmt.Fprintf(h.Stdout, "remove cluster %s (no context uses it)\n", n)
		}
		for _, n := range plan.Users {
			fmt.Fprintf(h.Stdout, "remove user %s (no context uses it)\n", n)
		}
		for _, c := range plan.Kept {
			if c.Check.State != kubeconfig.CheckOK {
				fmt.Fprintf(h.Stdout, "keep context %s (%s: %s; %s)\n", c.Name, c.Check.State, c.Check.Reason, c.Prune.Why)
			}
		}
	}
	if plan.Empty() {
		if o.output.JSON() {
			return writeJSON(h.Stdout, pruneOutput{Plan: plan})
		}
		fmt.Fprintln(h.Stdout, "nothing to prune")
		return nil
	}
	if !o.DryRun && !o.Yes {
		if err := a.confirm(ctx, "Remove these entries (a backup is kept)?", "prune needs --yes to remove entries without a terminal to ask (or --dry-run to see the plan)"); err != nil {
			return err
		}
	}
	res, err := kubeconfig.Prune(ctx, plan, opts, co, check)
	if err != nil {
		return err
	}
	if o.output.JSON() {
		return writeJSON(h.Stdout, pruneOutput{plan, res})
	}
	for _, c := range res.Spared {
		fmt.Fprintf(h.Stdout, "kept context %s (%s)\n", c.Name, c.Prune.Why)
	}
	for _, n := range res.SparedClusters {
		fmt.Fprintf(h.Stdout, "kept cluster %s (it changed since the plan)\n", n)
	}
	for _, n := range res.SparedUsers {
		fmt.Fprintf(h.Stdout, "kept user %s (it changed since the plan)\n", n)
	}
	printDeleted(h.Stdout, &res.DeleteResult)
	return nil
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %d argument(s), got %d: %s", commandName(cmd), n, len(args), what)
		}
		return nil
	}
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s: %s", commandName(cmd), what)
		}
		return nil
	}
}

// completeFirstContext completes a context name as the first argument.
func (a *app) completeFirstContext(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.completeContexts(cmd, args, prefix)
}

// completeAllContexts completes context names not given yet.
func (a *app) completeAllContexts(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	names, dir := a.completeContexts(cmd, args, prefix)
	given := map[string]bool{}
	for _, g := range args {
		given[g] = true
	}
	var out []string
	for _, n := range names {
		if !given[n] {
			out = append(out, n)
		}
	}
	return out, dir
}

// completeNamespaces offers the namespaces the kubeconfig's contexts name
// (the file only: no cluster is asked while completing).
func (a *app) completeNamespaces(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	infos, err := kubeconfig.List(a.editOptions(false, false))
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	seen := map[string]bool{"default": true}
	out := []string{"default"}
	for _, c := range infos {
		if c.Namespace != "" && !seen[c.Namespace] {
			seen[c.Namespace] = true
			out = append(out, c.Namespace)
		}
	}
	return withPrefix(out, prefix), cobra.ShellCompDirectiveNoFileComp
}
