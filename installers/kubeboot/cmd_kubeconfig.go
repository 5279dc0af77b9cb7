package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

const kubeconfigUsage = "usage: kubeboot kubeconfig import [FILE] | path | token"

func runKubeconfig(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", kubeconfigUsage)
	}
	switch args[0] {
	case "import":
		return runKubeconfigImport(ctx, a, args[1:])
	case "path":
		return runKubeconfigPath(a, args[1:])
	case "token":
		return runKubeconfigToken(a, args[1:])
	case "-h", "--help", "-help", "help":
		a.printCommandHelp(findCommand("kubeconfig"))
		return errHelpShown
	}
	return usageErrorf("unknown kubeconfig command %q%s\n  %s", args[0], didYouMean(args[0], []string{"import", "path", "token"}), kubeconfigUsage)
}

func runKubeconfigImport(ctx context.Context, a *app, args []string) error {
	c := &command{name: "kubeconfig import", args: "[FILE] [--kubeconfig PATH] [--context NAME] [--on-conflict fail|rename|replace] [--no-switch] [--dry-run] [--json]",
		summary: "merge a downloaded kubeconfig (default: cw-kubeconfig in Downloads) into yours, safely",
		example: "kubeboot kubeconfig import ~/Downloads/cw-kubeconfig --on-conflict rename"}
	fs := newFlags(c.name)
	target := fs.String("kubeconfig", "", "kubeconfig to write (default: as kubectl decides, from KUBECONFIG or ~/.kube/config)")
	ctxName := fs.String("context", "", "context to select (default: coreweave, else the file's current-context)")
	onConflict := fs.String("on-conflict", "fail", "when a name is taken by a different entry: fail, rename (keep both) or replace (overwrite)")
	noSwitch := fs.Bool("no-switch", false, "leave the current context as it is")
	dryRun := fs.Bool("dry-run", false, "show what would change and write nothing")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	verbose := fs.Bool("verbose", false, "print each step")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErrorf("kubeboot kubeconfig import takes one FILE, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	policy, err := kubeconfig.ParseConflictPolicy(*onConflict)
	if err != nil {
		return usageErrorf("--on-conflict %q: use fail, rename or replace", *onConflict)
	}
	opts := kubeconfig.ImportOptions{
		Kubeconfig: *target,
		Context:    *ctxName,
		Policy:     policy,
		NoSwitch:   *noSwitch,
		DryRun:     *dryRun,
	}
	if len(pos) == 1 {
		opts.Source = pos[0]
	}
	if *verbose {
		opts.Logf = a.logf
	}
	res, err := kubeconfig.Import(ctx, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(res)
	}
	a.printImport(res)
	return nil
}

// printImport says what an import changed, or would change.
func (a *app) printImport(res *kubeconfig.ImportResult) {
	w := a.stdout
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

func runKubeconfigPath(a *app, args []string) error {
	c := &command{name: "kubeconfig path", args: "[--kubeconfig PATH]",
		summary: "print the kubeconfig files kubectl reads, highest precedence first",
		example: "kubeboot kubeconfig path"}
	fs := newFlags(c.name)
	explicit := fs.String("kubeconfig", "", "an explicit kubeconfig, as kubectl's --kubeconfig")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("kubeboot kubeconfig path takes no arguments")
	}
	locs, err := kubeconfig.DefaultLocations(*explicit)
	if err != nil {
		return err
	}
	for _, f := range locs.Files {
		fmt.Fprintln(a.stdout, f)
	}
	return nil
}

func runKubeconfigToken(a *app, args []string) error {
	c := &command{name: "kubeconfig token", args: "[--context NAME] [--kubeconfig PATH]",
		summary: "print the bearer token of a context's user, alone on stdout",
		example: "kubeboot kubeconfig token --context coreweave"}
	fs := newFlags(c.name)
	explicit := fs.String("kubeconfig", "", "an explicit kubeconfig, as kubectl's --kubeconfig")
	ctxName := fs.String("context", "", "context whose token to print (default: the current context)")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("kubeboot kubeconfig token takes no arguments; name the context with --context")
	}
	locs, err := kubeconfig.DefaultLocations(*explicit)
	if err != nil {
		return err
	}
	view, err := kubeconfig.LoadView(locs.Files)
	if err != nil {
		return err
	}
	tok, err := kubeconfig.Token(view, *ctxName)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, tok)
	return nil
}
