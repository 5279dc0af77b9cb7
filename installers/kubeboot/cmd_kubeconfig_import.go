package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// KubeconfigImportOptions are the flags of `kubeboot kubeconfig import`.
type KubeconfigImportOptions struct {
	app    *app
	output outputOptions
	// File is the downloaded kubeconfig; "" means cw-kubeconfig in
	// Downloads.
	File       string
	OnConflict string
	NoSwitch   bool
	Name       string
	Namespace  string
	DryRun     bool
	Verbose    bool
}

// importOutput is the JSON result of an import: the library's result, with
// "written" false under --dry-run and "wouldWrite" saying what it would do.
type importOutput struct {
	*kubeconfig.ImportResult
	Written    bool `json:"written"`
	WouldWrite bool `json:"wouldWrite,omitempty"`
}

// NewCmdKubeconfigImport is `kubeboot kubeconfig import`.
func NewCmdKubeconfigImport(a *app) *cobra.Command {
	o := &KubeconfigImportOptions{app: a}
	cmd := &cobra.Command{
		Use:   "import [FILE]",
		Short: "merge a downloaded kubeconfig (default: cw-kubeconfig in Downloads) into yours, safely",
		Long: "Merge FILE into the kubeconfig kubectl uses (or --kubeconfig), keeping a backup of the old file,\n" +
			"under kubectl's lock, and select its context (--context, else coreweave, else the file's current-context).\n" +
			"A name taken by a different entry stops the import unless --on-conflict says rename or replace.",
		Example: "  kubeboot kubeconfig import\n  kubeboot kubeconfig import ~/Downloads/cw-kubeconfig --on-conflict rename\n  kubeboot kubeconfig import --dry-run -o json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("kubeboot kubeconfig import takes one FILE, got %d: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.File = args[0]
			}
			return kubeconfigImportRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.Var(enumFlag(&o.OnConflict, "fail", conflictPolicies...), "on-conflict", "when a name is taken by a different entry: fail, rename (keep both) or replace (overwrite)")
	f.BoolVar(&o.NoSwitch, "no-switch", false, "leave the current context as it is")
	f.StringVar(&o.Name, "name", "", "the name the imported context gets (instead of coreweave)")
	f.StringVar(&o.Namespace, "namespace", "", "the namespace the imported context gets")
	f.BoolVar(&o.DryRun, "dry-run", false, "show what would change and write nothing")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "print each step")
	addOutputFlags(cmd, &o.output)
	_ = cmd.RegisterFlagCompletionFunc("on-conflict", fixedValues(conflictPolicies...))
	return cmd
}

func kubeconfigImportRun(ctx context.Context, o *KubeconfigImportOptions) error {
	a, h := o.app, o.app.host
	policy, err := kubeconfig.ParseConflictPolicy(o.OnConflict)
	if err != nil {
		return usageErrorf("--on-conflict %q: use fail, rename or replace", o.OnConflict)
	}
	if a.kubeconfig == "" {
		// Inside kubeconfig shell, KUBECONFIG is a private file removed
		// when the shell exits: an import there would be lost.
		if s, err := a.privateSession(); err == nil && s.inside != "" {
			return usageErrorf("kubeconfig import: this shell uses the private kubeconfig of kubeboot kubeconfig shell, removed when it exits: " +
				"import from a terminal outside it, or pass --kubeconfig with the shared file (" + envShared + " names it)")
		}
	}
	opts := kubeconfig.ImportOptions{
		Source:       o.File,
		Kubeconfig:   a.kubeconfig,
		Context:      a.context,
		Policy:       policy,
		NoSwitch:     o.NoSwitch,
		Name:         o.Name,
		Namespace:    o.Namespace,
		DryRun:       o.DryRun,
		Getenv:       h.Getenv,
		Home:         h.Home,
		Now:          h.Now,
		DownloadsDir: h.Downloads,
		StateDir:     h.StateDir,
	}
	if o.Verbose {
		opts.Logf = a.logf
	}
	res, err := kubeconfig.Import(ctx, opts)
	if err != nil {
		return err
	}
	if o.output.JSON() {
		return writeJSON(h.Stdout, importOutput{res, res.Written && !res.DryRun, res.Written && res.DryRun})
	}
	a.printImport(res)
	return nil
}

// printImport says what an import changed, or would change.
func (a *app) printImport(res *kubeconfig.ImportResult) {
	w := a.host.Stdout
	switch {
	case res.DryRun && res.Written:
		fmt.Fprintf(w, "dry run: importing %s would write %s (nothing written)\n", res.Source, res.File)
	case res.DryRun:
		fmt.Fprintf(w, "dry run: %s already holds everything in %s; nothing would change\n", res.File, res.Source)
	case res.Written:
		fmt.Fprintf(w, "imported %s into %s\n", res.Source, res.File)
	default:
		fmt.Fprintf(w, "%s already holds everything in %s; nothing changed\n", res.File, res.Source)
	}
	if len(res.OtherDownloads) > 0 {
		fmt.Fprintf(w, "  %s is the newest download; not imported: %s\n", res.Source, strings.Join(res.OtherDownloads, ", "))
	}
	for _, k := range kubeconfig.Kinds {
		ch := res.Changes.Of(k)
		for _, n := range ch.Added {
			fmt.Fprintf(w, "  added    %s %s\n", k, n)
		}
		for _, r := range ch.Renamed {
			fmt.Fprintf(w, "  renamed  %s %s -> %s (the name was taken)\n", k, r.From, r.To)
		}
		for _, n := range ch.Replaced {
			fmt.Fprintf(w, "  replaced %s %s\n", k, n)
		}
	}
	if res.Backup != "" {
		verb := "backup"
		if res.DryRun {
			verb = "backup would be"
		}
		fmt.Fprintf(w, "  %s: %s\n", verb, res.Backup)
	}
	if res.Context != "" && res.Context != res.PreviousContext {
		was := ""
		if res.PreviousContext != "" {
			was = " (was " + res.PreviousContext + ")"
		}
		fmt.Fprintf(w, "  current context: %s%s\n", res.Context, was)
	}
}
