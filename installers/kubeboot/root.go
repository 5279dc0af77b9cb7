package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes, part of the installer's contract.
const (
	exitOK           = 0
	exitFailure      = 1
	exitUsage        = 2
	exitVerification = 3
	exitUnauthorized = 4
	exitConflict     = 5
	// exitInterrupted is 128+SIGINT, what shells report for Ctrl-C.
	exitInterrupted = 130
)

// app is what every command shares: the host and the persistent flags.
type app struct {
	host *host
	// passInterrupts is set while kubectl runs as a child (Windows): its
	// Ctrl-C is kubectl's to act on, not kubeboot's.
	passInterrupts atomic.Bool
	// watch starts relaying Ctrl-C and SIGTERM to the run's context
	// (once; later calls do nothing). Every command but kubectl
	// starts with it; `kubeboot kubectl` calls it only before it may wait
	// on something outside the process (the network, another process's
	// install, a credential plugin, kubectl as a child): until then the
	// run only reads small files, so that the OS ending it at once is what
	// Ctrl-C should do, and a warm run saves the signal threads. Nil for
	// an app that execute did not make (nothing to watch).
	watch func()
	// interruptedBy is the signal that interrupted the run (0: none), and
	// dieOfInterrupt says that the run is kubectl's, which then dies of
	// it (host.Reraise), as kubectl would: a shell loop or script around
	// `kubectl ...` stops on Ctrl-C, and SIGTERM reads as SIGTERM.
	interruptedBy  atomic.Int32
	dieOfInterrupt bool
	// kubeconfig and context are the persistent --kubeconfig and
	// --context, as kubectl's.
	kubeconfig string
	context    string
}

// watchInterrupts starts relaying Ctrl-C and SIGTERM (app.watch).
func (a *app) watchInterrupts() {
	if a.watch != nil {
		a.watch()
	}
}

// errInterrupted is the cause of the context when the user pressed
// Ctrl-C (or the process got SIGTERM).
var errInterrupted = errors.New("interrupted")

// interruptGrace is how long a run may take to stop after Ctrl-C or
// SIGTERM before the process ends anyway.
const interruptGrace = 2 * time.Second

// errCancelled ends a run the user declined at a prompt: exit 1, and no
// message beyond the one the prompt printed.
var errCancelled = errors.New("cancelled at the prompt: nothing was changed")

// exitError ends a run with code after the command printed its own
// findings (doctor).
type exitError struct {
	code int
	msg  string
	// signal is the signal a child died of (0 when none): kubeboot, its
	// folder cleaned up, dies of it too (host.Reraise), so that a calling
	// script stops on Ctrl-C as if the child were it.
	signal int
}

func (e *exitError) Error() string { return e.msg }

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errorOutput is the one JSON object a failing command prints on stdout
// under -o json.
type errorOutput struct {
	Error    string `json:"error"`
	Hint     string `json:"hint,omitempty"`
	ExitCode int    `json:"exitCode"`
	// Partial is what the command did before it failed (setup's steps).
	Partial any `json:"partial,omitempty"`
}

// partialError carries what a command did before err, for -o json.
type partialError struct {
	err     error
	partial any
}

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// NewCmdRoot is `kubeboot`: the commands, the persistent flags, help and
// --version.
func NewCmdRoot(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "kubeboot",
		Short:   "install kubectl and connect it to your cluster, safely",
		Long:    "kubeboot " + version + ": install kubectl and connect it to your cluster, safely.",
		Example: "  kubeboot setup ~/Downloads/cw-kubeconfig\n  kubeboot install kubectl --version 1.36\n  kubeboot doctor",
		Args:    unknownSubcommand,
		RunE: func(cmd *cobra.Command, args []string) error {
			if v, _ := cmd.Flags().GetBool("version"); v {
				_, err := fmt.Fprintln(a.host.Stdout, versionLine(a.host))
				return err
			}
			return cmd.Help()
		},

		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	cmd.SetIn(a.host.Stdin)
	cmd.SetOut(a.host.Stdout)
	cmd.SetErr(a.host.Stderr)
	// --version by hand rather than cobra's Version field: cobra's version
	// template would bring in text/template, whose reflection keeps every
	// method of every type in the binary (about 2.5 MB). No -v: kubectl's
	// -v is verbosity.
	cmd.Flags().Bool("version", false, "print kubeboot's version")
	pf := cmd.PersistentFlags()
	pf.Var(pathFlag(a.host, &a.kubeconfig), "kubeconfig", "the kubeconfig file to read or write (default: as kubectl decides, from KUBECONFIG or ~/.kube/config)")
	pf.StringVar(&a.context, "context", "", "the kubeconfig context to use (default: the current context)")
	_ = cmd.RegisterFlagCompletionFunc("context", a.completeContexts)
	cmd.SetFlagErrorFunc(flagError)

	cmd.AddCommand(
		NewCmdSetup(a),
		NewCmdDoctor(a),
		NewCmdInstall(a),
		NewCmdKubectl(a),
		NewCmdKubeconfig(a),
		NewCmdMirror(a),
		NewCmdUninstall(a),
		NewCmdSelfUpdate(a),
		NewCmdVerify(a),
		NewCmdVerifyBlob(a),
		NewCmdVersion(a),
	)
	// cobra's completion command, with a shell it does not know treated as
	// a mistake rather than a request for help.
	cmd.InitDefaultCompletionCmd()
	if c, _, err := cmd.Find([]string{"completion"}); err == nil && c != cmd {
		c.Args = unknownSubcommand
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	return cmd
}

func init() {
	// Commands in the order of the getting-started page, not A to Z.
	cobra.EnableCommandSorting = false
}

// unknownSubcommand is the Args of a command that only groups others: an
// argument is a mistyped command name, suggested from cobra's list.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf("; did you mean %q?", s[0])
	}
	return usageErrorf("unknown command %q for %q%s\n  run '%s --help' for the commands", args[0], cmd.CommandPath(), hint, cmd.CommandPath())
}

// noArgs is the Args of a command that takes none.
func noArgs(next string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageErrorf("%s takes no arguments, got %q%s", cmd.CommandPath(), strings.Join(args, " "), next)
		}
		return nil
	}
}

// flagError words pflag's errors with the command's name and a
// did-you-mean for a misspelt flag.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: "); ok {
		var names []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, "--"+f.Name)
			}
		})
		return usageErrorf("%s has no flag %s%s", commandName(cmd), name, didYouMean(name, names))
	}
	return usageErrorf("%s: %s\n  run '%s --help' for its flags", commandName(cmd), msg, cmd.CommandPath())
}

// commandName is cmd's path without "kubeboot", for messages that already
// start with "kubeboot: "; the root is "kubeboot".
func commandName(cmd *cobra.Command) string {
	if !cmd.HasParent() {
		return cmd.Name()
	}
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// execute runs kubeboot with args on h and returns the exit code.
func execute(h *host, args []string) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	a := &app{host: h}
	finished := make(chan struct{})
	defer close(finished)
	a.watch = sync.OnceFunc(func() {
		if h.Interrupts == nil {
			return
		}
		if h.WatchInterrupts != nil {
			h.WatchInterrupts()
		}
		go func() {
			for {
				select {
				case s := <-h.Interrupts:
					if a.passInterrupts.Load() {
						continue // kubectl's, in the same console
					}
					if n, ok := s.(syscall.Signal); ok {
						a.interruptedBy.Store(int32(n))
					}
					cancel(errInterrupted)
					if h.StopInterrupts != nil {
						h.StopInterrupts() // a second Ctrl-C kills at once
					}
					if h.Exit != nil {
						// Everything kubeboot waits on ends with the
						// context; a read the OS does not interrupt (a
						// FIFO nobody writes to) must not keep the
						// process: it ends after a grace period.
						select {
						case <-time.After(interruptGrace):
							fmt.Fprintln(h.Stderr, "kubeboot: interrupted")
							h.Exit(exitInterrupted)
						case <-finished:
						}
					}
					return
				case <-ctx.Done():
					return
				}
			}
		}()
	})
	var cmd *cobra.Command
	var err error
	if k, ok := directKubectl(args); ok {
		// The shim's path: no command tree to build, and Ctrl-C left to
		// the OS until the run may wait (a.watchInterrupts).
		err = kubectlRun(ctx, a, k)
	} else {
		a.watchInterrupts()
		root := NewCmdRoot(a)
		root.SetArgs(args)
		cmd, err = root.ExecuteContextC(ctx)
	}
	if err == nil {
		return exitOK
	}
	asJSON := cmd != nil && wantsJSON(cmd)
	if errors.Is(context.Cause(ctx), errInterrupted) {
		err = errInterrupted
		if sig := a.interruptedBy.Load(); a.dieOfInterrupt && sig != 0 && h.Reraise != nil {
			fmt.Fprintln(h.Stderr, "kubeboot: interrupted")
			h.Reraise(int(sig))             // returns when kubeboot cannot die of it
			return exitCode(errInterrupted) // said once above
		}
	}
	code := exitCode(err)
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ee.signal != 0 && h.Reraise != nil {
			h.Reraise(ee.signal) // returns when kubeboot cannot die of it
		}
		return ee.code // the command printed its own findings
	case errors.Is(err, errCancelled) && !asJSON:
		return code // the prompt said "Nothing was changed."
	}
	msg, hint := explain(err)
	fmt.Fprintln(h.Stderr, "kubeboot: "+msg)
	if hint != "" {
		fmt.Fprintln(h.Stderr, "  "+hint)
	}
	if asJSON {
		out := errorOutput{Error: msg, Hint: hint, ExitCode: code}
		var pe *partialError
		if errors.As(err, &pe) {
			out.Partial = pe.partial
		}
		writeJSON(h.Stdout, out)
	}
	return code
}

// writeJSON prints v as one indented JSON object, as kubectl -o json does.
func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// outputOptions are -o/--output and its older spelling --json.
type outputOptions struct {
	format string
	json   bool
}

// addOutputFlags adds -o json and --json to cmd.
func addOutputFlags(cmd *cobra.Command, o *outputOptions) {
	cmd.Flags().VarP(enumFlag(&o.format, "", "json"), "output", "o", "output format: json (one JSON object on stdout, also on failure)")
	cmd.Flags().BoolVar(&o.json, "json", false, "same as -o json")
	_ = cmd.RegisterFlagCompletionFunc("output", fixedValues("json"))
}

// JSON reports whether the result goes out as JSON.
func (o *outputOptions) JSON() bool { return o.json || o.format == "json" }

// wantsJSON reports whether cmd was asked for JSON, from its parsed flags.
func wantsJSON(cmd *cobra.Command) bool {
	if f := cmd.Flags().Lookup("output"); f != nil && f.Value.String() == "json" {
		return true
	}
	f := cmd.Flags().Lookup("json")
	return f != nil && f.Value.String() == "true"
}

// enum is a flag whose value is one of a fixed list; its completion offers
// the list.
type enum struct {
	value   *string
	allowed []string
}

func enumFlag(p *string, def string, allowed ...string) *enum {
	*p = def
	return &enum{p, allowed}
}

func (e *enum) String() string { return *e.value }
func (e *enum) Type() string   { return "string" }
func (e *enum) Set(s string) error {
	if !slices.Contains(e.allowed, s) {
		return fmt.Errorf("use one of: %s", strings.Join(e.allowed, ", "))
	}
	*e.value = s
	return nil
}

// path is a flag naming a file or folder; a leading ~ is expanded.
type path struct {
	h     *host
	value *string
}

func pathFlag(h *host, p *string) *path { return &path{h, p} }

func (p *path) String() string { return *p.value }
func (p *path) Type() string   { return "path" }
func (p *path) Set(s string) error {
	*p.value = p.h.expandHome(s)
	return nil
}

// fixedValues completes a flag from a fixed list.
func fixedValues(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return withPrefix(values, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

// withPrefix keeps the values that start with prefix.
func withPrefix(values []string, prefix string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}

// completeContexts offers the contexts of the kubeconfig kubectl would
// read (or --kubeconfig's).
func (a *app) completeContexts(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	locs, err := a.host.kubeconfigLocations(a.kubeconfig)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, _ := contextNames(locs.Files)
	return withPrefix(names, prefix), cobra.ShellCompDirectiveNoFileComp
}

// versionChannels are the --version values worth completing; any spec
// kubeboot install --help lists is accepted.
var versionChannels = []string{"stable", "latest", "cluster"}

// didYouMean suggests the candidate closest to s, if one is close enough to
// be a typo.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 3 // more than two edits away is not a typo
	slices.Sort(candidates)
	for _, c := range candidates {
		d := editDistance(s, c)
		if len(s) >= 3 && strings.HasPrefix(c, s) {
			d = min(d, 1) // an abbreviation
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
