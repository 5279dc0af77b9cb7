package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// `kubeboot kubeconfig shell NAME` and `kubeboot kubeconfig env NAME`: a
// context per shell. Both cut the context out of the shared kubeconfig
// (kubeconfig.Extract) into a private kubeconfig (kubeconfig.NewPrivate)
// and point KUBECONFIG at it, so that use, namespace and kubectl in that
// shell see and change that file only, and every other terminal keeps its
// context.
//
// Choices where the issue is silent:
//   - the shared kubeconfig of a shell started inside another is the one
//     the outer shell came from (KUBEBOOT_SHARED_KUBECONFIG), not the outer
//     private file, which holds one context;
//   - the folder of `shell` is kept for kubeboot and the shell it starts
//     (a shell outliving a killed kubeboot keeps its file); the folder of
//     `env` for the shell that evaluates it (kubeboot's parent);
//   - KUBEBOOT_NAMESPACE is the namespace the context ends up with (-n,
//     else its own); unset when it has none.

// Variables a private shell sets.
const (
	envContext   = "KUBEBOOT_CONTEXT"
	envNamespace = "KUBEBOOT_NAMESPACE"
	// envShared keeps the KUBECONFIG of the shell the private one replaced;
	// unset when that shell had none (kubectl's default file).
	envShared = "KUBEBOOT_SHARED_KUBECONFIG"
)

// privateSession is what shell and env share: where the shared kubeconfig
// is, the private root, and the private file in use, if any.
type privateSession struct {
	root string
	// inside is the private folder KUBECONFIG points into; "" when none.
	inside string
	// shared is the KUBECONFIG value of the shared kubeconfig; sharedSet
	// false when it was unset.
	shared    string
	sharedSet bool
}

// privateSession finds out whether this process runs inside a private
// kubeconfig, and where the shared one is.
func (a *app) privateSession() (*privateSession, error) {
	h := a.host
	root, err := kubeconfig.PrivateRoot(h.GOOS, h.Getenv, h.Home)
	if err != nil {
		return nil, err
	}
	s := &privateSession{root: root}
	kc := h.Getenv("KUBECONFIG")
	if dir, ok := kubeconfig.PrivateDirOf(root, kc); ok {
		s.inside = dir
		s.shared = h.Getenv(envShared)
		s.sharedSet = s.shared != ""
	} else {
		s.shared, s.sharedSet = kc, kc != ""
	}
	return s, nil
}

// sharedFiles lists the shared kubeconfig files: --kubeconfig, else the
// shared KUBECONFIG, else kubectl's default file.
func (a *app) sharedFiles(s *privateSession) ([]string, error) {
	h := a.host
	if a.kubeconfig != "" {
		return []string{a.kubeconfig}, nil
	}
	getenv := func(k string) string {
		if k == "KUBECONFIG" {
			return s.shared
		}
		return h.Getenv(k)
	}
	home := kubeconfig.KubectlHome(h.GOOS, getenv, os.Stat)
	if home == "" {
		home = h.Home
	}
	if home == "" && !s.sharedSet {
		return nil, usageErrorf("cannot find the home folder: set HOME (USERPROFILE on Windows) or pass --kubeconfig")
	}
	return kubeconfig.Locate(h.GOOS, getenv, home, "").Files, nil
}

// makePrivate extracts context name (namespace ns) from the shared
// kubeconfig into a new private folder kept for pids, after sweeping the
// folders of processes that are gone.
func (a *app) makePrivate(s *privateSession, name, ns string, pids ...int) (*kubeconfig.Private, *kubeconfig.Extracted, error) {
	files, err := a.sharedFiles(s)
	if err != nil {
		return nil, nil, err
	}
	list, err := kubeconfig.LoadList(files)
	if err != nil {
		return nil, nil, err
	}
	x, err := kubeconfig.Extract(list, name, ns)
	if err != nil {
		return nil, nil, err
	}
	// Housekeeping, silent: a folder that cannot be removed now is tried
	// again by the next run.
	_, _ = kubeconfig.SweepPrivate(s.root, a.host.Now())
	p, err := kubeconfig.NewPrivate(s.root, x.Config, pids...)
	if err != nil {
		return nil, nil, err
	}
	return p, x, nil
}

// privateEnv is the environment change that points a shell at p.
func privateEnv(s *privateSession, p *kubeconfig.Private, x *kubeconfig.Extracted) []envChange {
	return []envChange{
		{Name: "KUBECONFIG", Value: p.File},
		{Name: envContext, Value: x.Context},
		{Name: envNamespace, Value: x.Namespace, Unset: x.Namespace == ""},
		{Name: envShared, Value: s.shared, Unset: !s.sharedSet},
	}
}

// sharedEnv is the environment change back to the shared kubeconfig.
func sharedEnv(s *privateSession) []envChange {
	return []envChange{
		{Name: "KUBECONFIG", Value: s.shared, Unset: !s.sharedSet},
		{Name: envContext, Unset: true},
		{Name: envNamespace, Unset: true},
		{Name: envShared, Unset: true},
	}
}

// nestedNote says that a shell replaces the context of the one it runs in.
func (a *app) nestedNote(s *privateSession, name string) {
	if s.inside == "" {
		return
	}
	outer := a.host.Getenv(envContext)
	if outer == "" {
		outer = "another context"
	}
	fmt.Fprintf(a.host.Stderr, "kubeboot: already in a shell of context %s; this one uses %s until it exits (the outer shell keeps %s)\n", outer, name, outer)
}

// privateShellError is an unknown context asked for inside a private
// shell, which holds one context.
type privateShellError struct {
	name, context string
}

func (e *privateShellError) Error() string {
	return fmt.Sprintf("context %q is not in this shell's kubeconfig, which holds context %q alone (kubeboot kubeconfig shell): exit this shell, or start kubeboot kubeconfig shell %s", e.name, e.context, e.name)
}

// inPrivateShell explains an unknown context inside a private shell.
func (a *app) inPrivateShell(err error) error {
	if !errors.Is(err, kubeconfig.ErrUnknownContext) || a.kubeconfig != "" {
		return err
	}
	s, serr := a.privateSession()
	if serr != nil || s.inside == "" {
		return err
	}
	var ue *kubeconfig.UndefinedError
	if !errors.As(err, &ue) {
		return err
	}
	return &privateShellError{name: ue.Name, context: a.host.Getenv(envContext)}
}

// KubeconfigShellOptions are the flags of `kubeboot kubeconfig shell`.
type KubeconfigShellOptions struct {
	app       *app
	Namespace string
}

// NewCmdKubeconfigShell is `kubeboot kubeconfig shell`.
func NewCmdKubeconfigShell(a *app) *cobra.Command {
	o := &KubeconfigShellOptions{app: a}
	cmd := &cobra.Command{
		Use:   "shell NAME [-n NAMESPACE] [-- COMMAND [ARGS...]]",
		Short: "start a shell (or COMMAND) that uses context NAME while every other terminal keeps its own",
		Long: "Start your shell ($SHELL; cmd or PowerShell on Windows), or COMMAND, with KUBECONFIG pointing at a\n" +
			"private kubeconfig that holds context NAME alone (its cluster and user, paths made absolute),\n" +
			"with the namespace of -n. kubectl, kubeboot kubeconfig use and namespace in that shell see and\n" +
			"change that file only: the shared kubeconfig is never written, and other terminals keep their\n" +
			"context. " + envContext + " and " + envNamespace + " are set for your prompt.\n\n" +
			"The private file lives in a folder of its own (owner only) that is removed when the shell\n" +
			"exits, however it exits; one left by a killed kubeboot is removed by the next run.\n" +
			"The exit code is the shell's; when it died of a signal, kubeboot dies of that signal too\n" +
			"(Unix: after removing the folder, so a calling script stops on Ctrl-C as it would without kubeboot).",
		Example: "  kubeboot kubeconfig shell staging\n  kubeboot kubeconfig shell prod -n payments\n" +
			"  kubeboot kubeconfig shell staging -- kubectl get pods",
		Args: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			switch {
			case a.context != "" && (len(args) == 0 || dash == 0):
				return nil // the context named by --context
			case a.context != "":
				return usageErrorf("kubeconfig shell: name the context once, as NAME or with --context")
			case len(args) == 0 || dash == 0:
				return usageErrorf("kubeconfig shell: name the context (kubeboot kubeconfig list shows them)")
			case dash < 0 && len(args) > 1:
				return usageErrorf("kubeconfig shell takes one context, got %q; put -- before a command to run", strings.Join(args, " "))
			case dash > 1:
				return usageErrorf("kubeconfig shell takes one context, got %q", strings.Join(args[:dash], " "))
			case dash == 1 && len(args) == 1:
				return usageErrorf("kubeconfig shell: name the command after --")
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return a.completeContexts(cmd, args, prefix)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.context != "" {
				return kubeconfigShellRun(cmd.Context(), o, a.context, args)
			}
			return kubeconfigShellRun(cmd.Context(), o, args[0], args[1:])
		},
	}
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "", "the namespace of the context in that shell (default: the context's)")
	return cmd
}

func kubeconfigShellRun(ctx context.Context, o *KubeconfigShellOptions, name string, command []string) error {
	a, h := o.app, o.app.host
	s, err := a.privateSession()
	if err != nil {
		return err
	}
	program, args, err := a.shellProgram(command)
	if err != nil {
		return err
	}
	p, x, err := a.makePrivate(s, name, o.Namespace, os.Getpid())
	if err != nil {
		return err
	}
	defer p.Remove()
	a.nestedNote(s, name)
	if h.Environ == nil {
		return errors.New("no environment to start a shell with")
	}
	env := withEnv(h.GOOS, h.Environ(), privateEnv(s, p, x))
	a.passInterrupts.Store(true) // the child's to act on; kubeboot forwards them
	if ctx.Err() != nil {
		a.passInterrupts.Store(false)
		return context.Cause(ctx) // interrupted before the child started
	}
	code, signaled, err := runChild(childSpec{
		Path: program, Args: args, Env: env,
		Stdin: h.Stdin, Stdout: h.Stdout, Stderr: h.Stderr,
		Started: func(pid int) { _ = p.AddOwner(pid) },
	})
	a.passInterrupts.Store(false)
	if rerr := p.Remove(); err == nil && rerr != nil {
		err = fmt.Errorf("remove the private kubeconfig folder %s: %w", p.Dir, rerr)
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code, signal: signaled, msg: fmt.Sprintf("%s exited with %d", filepath.Base(program), code)}
	}
	return nil
}

// shellProgram is the program the shell command starts: COMMAND (looked up
// on PATH), else $SHELL; on Windows without SHELL, PowerShell when it is
// the shell kubeboot runs in, else cmd (%ComSpec%); else /bin/sh.
func (a *app) shellProgram(command []string) (string, []string, error) {
	h := a.host
	var name string
	var args []string
	switch {
	case len(command) > 0:
		name, args = command[0], command[1:]
	case h.Getenv("SHELL") != "":
		name = h.Getenv("SHELL")
	case h.GOOS == "windows":
		name = h.Getenv("ComSpec")
		if name == "" {
			name = "cmd.exe"
		}
		if k, err := detectShell(h.GOOS, h.Getenv); err == nil && k == shellPowerShell {
			name = "powershell.exe"
			if _, err := h.LookPath("pwsh"); err == nil {
				name = "pwsh"
			}
		}
	default:
		name = "/bin/sh"
	}
	if strings.ContainsAny(name, `/\`) {
		return name, args, nil
	}
	p, err := h.LookPath(name)
	if err != nil {
		return "", nil, fmt.Errorf("cannot find %s on PATH: %w", name, err)
	}
	return p, args, nil
}

// KubeconfigEnvOptions are the flags of `kubeboot kubeconfig env`.
type KubeconfigEnvOptions struct {
	app       *app
	Namespace string
	Shell     string
	Unset     bool
}

// NewCmdKubeconfigEnv is `kubeboot kubeconfig env`.
func NewCmdKubeconfigEnv(a *app) *cobra.Command {
	o := &KubeconfigEnvOptions{app: a}
	cmd := &cobra.Command{
		Use:   "env NAME [-n NAMESPACE] [--shell bash|zsh|fish|powershell] | env --unset",
		Short: "print the commands that make this shell use context NAME alone (eval them), or undo them",
		Long: "Print the commands that point this shell at a private kubeconfig holding context NAME alone,\n" +
			"as kubeboot kubeconfig shell does without starting a new shell: evaluate them. The private\n" +
			"folder is kept while this shell runs, and removed by --unset or by a later run once the shell\n" +
			"has exited. --unset prints the commands that go back to the shared kubeconfig.\n" +
			"The shell is detected from SHELL (PSModulePath on Windows) unless --shell names it.",
		Example: "  eval \"$(kubeboot kubeconfig env staging)\"        # bash, zsh\n" +
			"  kubeboot kubeconfig env staging | source         # fish\n" +
			"  kubeboot kubeconfig env staging | Invoke-Expression   # PowerShell\n" +
			"  eval \"$(kubeboot kubeconfig env --unset)\"",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.Unset && (len(args) > 0 || a.context != ""):
				return usageErrorf("kubeconfig env --unset takes no context, got %q", strings.TrimSpace(strings.Join(args, " ")+" "+a.context))
			case a.context != "" && len(args) > 0:
				return usageErrorf("kubeconfig env: name the context once, as NAME or with --context")
			case a.context != "":
				return nil
			case !o.Unset && len(args) != 1:
				return usageErrorf("kubeconfig env: name one context (kubeboot kubeconfig list shows them), or pass --unset")
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return a.completeContexts(cmd, args, prefix)
		},
		RunE: func(cmd *cobra.Command, args []string) error { return kubeconfigEnvRun(o, args) },
	}
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "", "the namespace of the context in this shell (default: the context's)")
	cmd.Flags().Var(enumFlag(&o.Shell, "", shellKinds...), "shell", "the shell that evaluates the output: "+strings.Join(shellKinds, ", ")+" (default: detected)")
	_ = cmd.RegisterFlagCompletionFunc("shell", fixedValues(shellKinds...))
	cmd.Flags().BoolVar(&o.Unset, "unset", false, "print the commands that go back to the shared kubeconfig")
	return cmd
}

func kubeconfigEnvRun(o *KubeconfigEnvOptions, args []string) error {
	a, h := o.app, o.app.host
	sh := shellKind(o.Shell)
	if sh == "" {
		var err error
		if sh, err = detectShell(h.GOOS, h.Getenv); err != nil {
			return err
		}
	}
	s, err := a.privateSession()
	if err != nil {
		return err
	}
	parent := os.Getppid()
	if o.Unset {
		a.removeEnvPrivate(s, parent)
		_, err := fmt.Fprint(h.Stdout, envScript(sh, sharedEnv(s)))
		return err
	}
	name := a.context
	if len(args) > 0 {
		name = args[0]
	}
	p, x, err := a.makePrivate(s, name, o.Namespace, parent)
	if err != nil {
		return err
	}
	a.removeEnvPrivate(s, parent) // the one this replaces
	if _, err := fmt.Fprint(h.Stdout, envScript(sh, privateEnv(s, p, x))); err != nil {
		p.Remove()
		return err
	}
	return nil
}

// removeEnvPrivate removes the private folder this shell points into when
// env made it for this very shell (its only owner is parent); a folder of
// `shell` is its kubeboot's to remove.
func (a *app) removeEnvPrivate(s *privateSession, parent int) {
	if s.inside == "" {
		return
	}
	if owners, ok := kubeconfig.PrivateOwners(s.inside); ok && slices.Equal(owners, []int{parent}) {
		if p, ok := kubeconfig.OpenPrivate(s.root, filepath.Join(s.inside, kubeconfig.PrivateFileName)); ok {
			_ = p.Remove()
		}
	}
}

// childSpec is a program kubeconfig shell starts and waits for.
type childSpec struct {
	Path string
	Args []string
	Env  []string
	// Stdin, Stdout and Stderr are the child's streams; the process's own
	// (a terminal) are handed over as they are.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Started is called with the child's pid once it runs.
	Started func(pid int)
}
