package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	goversion "github.com/hashicorp/go-version"
	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/execplugin"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// SetupOptions are the flags of `kubeboot setup`.
type SetupOptions struct {
	app    *app
	output outputOptions
	// File is the downloaded kubeconfig; "" means cw-kubeconfig in
	// Downloads.
	File string
	Yes  bool
	// Shim installs the kubectl shim after setup, unasked.
	Shim bool
	// Alias appends the k alias line to the shell's profile (asking first
	// on a terminal, unless Yes).
	Alias      bool
	Version    string
	Dir        string
	Mirror     string
	OnConflict string
	Verbose    bool
	// NoVerify imports without checking first that the credentials work.
	NoVerify bool
	// RequestTimeout bounds the access check, as kubectl's flag.
	RequestTimeout string
	signature      *signatureFlags
	// versionSet is true when --version was given: it then always wins.
	versionSet bool
}

// setupPlan is what setup will do, worked out before anything changes so
// the user can confirm it and so a conflict stops the run untouched.
type setupPlan struct {
	version string // resolved kubectl version, "v1.37.2"
	// versionFrom says where the version came from when --version was not
	// given: the cluster's /version, or stable because it did not answer.
	versionFrom string
	// chosenBy is what chose version when the user did not name it (a
	// release marker, the cluster): it must then be signed.
	chosenBy string
	spec     bootstrap.Spec // what version was resolved from
	keep     string         // an existing kubectl of that version on PATH, kept
	// manager, when set, upgrades the package-managed kubectl that wins on
	// PATH instead of installing a second one that it would shadow.
	manager *pkgmgr.Action
	dir     string // install folder when not kept
	// store, when set (--shim), is kubeboot's kubectl store, which kubectl
	// goes into instead of dir.
	store string
	// shim, when set (--shim), is where the kubectl shim goes: installed
	// right after kubectl, in step 1, so that a later step's failure
	// leaves a kubectl that runs.
	shim       string
	importPlan *kubeconfig.ImportResult
	// access is the check of the incoming context against its cluster,
	// from the incoming file alone, before anything is written; accessErr
	// the reason it could not be shown to work (never a rejection, which
	// stops setup). Both nil under --no-verify.
	access    *verify.Report
	accessErr error
	noVerify  bool
}

// setupResult is the JSON output of setup.
type setupResult struct {
	Kubectl     *bootstrap.InstallResult `json:"kubectl,omitempty"`
	KubectlKept string                   `json:"kubectlKept,omitempty"`
	// KubectlManager is set when a package manager upgraded kubectl.
	KubectlManager *managerOutput           `json:"kubectlManager,omitempty"`
	Kubeconfig     *kubeconfig.ImportResult `json:"kubeconfig,omitempty"`
	Access         *verify.Report           `json:"access,omitempty"`
	// Shim is set when setup installed the kubectl shim (--shim, or yes
	// at its question).
	Shim *shimOutput `json:"shim,omitempty"`
	// Alias is the k alias line for the user's shell, and whether setup
	// added it (--alias).
	Alias *aliasOutput `json:"alias,omitempty"`
	// Plugins are the credential plugins the imported users run, as
	// `kubeboot kubeconfig plugins` reports them (setup reports, never
	// fixes them).
	Plugins []execplugin.UserPlan `json:"plugins,omitempty"`
	Steps   []setupStep           `json:"steps"`
}

type setupStep struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// NewCmdSetup is `kubeboot setup`.
func NewCmdSetup(a *app) *cobra.Command {
	o := &SetupOptions{app: a}
	cmd := &cobra.Command{
		Use:   "setup [FILE]",
		Short: "the whole getting-started page: install kubectl, import the kubeconfig, select the context, verify",
		Long: "Install kubectl, merge the downloaded kubeconfig (FILE, default cw-kubeconfig in your Downloads folder)\n" +
			"into yours, select its context and check that the credentials work. It shows the plan and asks first.\n\n" +
			"Without --version, kubectl is the newest patch of the cluster's own minor version when the cluster\n" +
			"answers, else stable.",
		Example: "  kubeboot setup\n  kubeboot setup ~/Downloads/cw-kubeconfig -y\n  kubeboot setup --version 1.36 --dir ~/bin",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("kubeboot setup takes one FILE (the downloaded kubeconfig), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.File = args[0]
			}
			o.versionSet = cmd.Flags().Changed("version")
			return setupRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Yes, "yes", "y", false, "do it without asking (required when there is no terminal to ask on)")
	f.StringVar(&o.Version, "version", "", "kubectl version spec (default: the cluster's minor version, else stable; see kubeboot install --help)")
	o.signature = addSignatureFlags(cmd, a.host)
	f.Var(pathFlag(a.host, &o.Dir), "dir", "install folder for kubectl (default /usr/local/bin when writable, else a per-user folder)")
	f.StringVar(&o.Mirror, "mirror", "", "base URL of a dl.k8s.io mirror (default $KUBEBOOT_MIRROR or https://dl.k8s.io)")
	f.Var(enumFlag(&o.OnConflict, "fail", conflictPolicies...), "on-conflict", "when a kubeconfig name is taken by a different entry: fail, rename or replace")
	f.BoolVar(&o.Verbose, "verbose", false, "print retries and decisions")
	f.BoolVar(&o.Shim, "shim", false, "also install the kubectl shim, so plain kubectl follows each cluster's version; kubectl then goes into kubeboot's store (see kubeboot kubectl shim)")
	f.BoolVar(&o.Alias, "alias", false, "append one marked line to your shell's profile that makes k run kubectl, with completion (asks first on a terminal); without it, setup prints the line")
	f.BoolVar(&o.NoVerify, "no-verify", false, "import without checking first that the credentials work")
	f.StringVar(&o.RequestTimeout, "request-timeout", "30s", "time allowed for the access check (0: no limit), as kubectl's flag")
	addOutputFlags(cmd, &o.output)
	_ = cmd.RegisterFlagCompletionFunc("version", fixedValues(versionChannels...))
	_ = cmd.RegisterFlagCompletionFunc("on-conflict", fixedValues(conflictPolicies...))
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

// clusterProbeTimeout bounds setup's question to the cluster for its
// version, when --version is not given: an unreachable cluster falls back
// to stable quickly.
const clusterProbeTimeout = 10 * time.Second

// conflictPolicies are the values of --on-conflict.
var conflictPolicies = []string{"fail", "rename", "replace"}

func setupRun(ctx context.Context, o *SetupOptions) error {
	a, h := o.app, o.app.host
	asJSON := o.output.JSON()
	policy, err := kubeconfig.ParseConflictPolicy(o.OnConflict)
	if err != nil {
		return usageErrorf("--on-conflict %q: use fail, rename or replace", o.OnConflict)
	}
	total, err := parseRequestTimeout(o.RequestTimeout)
	if err != nil {
		return err
	}
	client, err := a.newClient(o.Mirror, o.Verbose, o.signature)
	if err != nil {
		return err
	}
	importOpts := kubeconfig.ImportOptions{
		Source: o.File, Kubeconfig: a.kubeconfig, Context: a.context, Policy: policy,
		Getenv: h.Getenv, Home: h.Home, Now: h.Now, DownloadsDir: h.Downloads, StateDir: h.StateDir,
	}
	if o.Verbose {
		importOpts.Logf = a.logf
	}
	// The conversation goes to stderr; with -o json only the plan and the
	// question, when there is one.
	talk := a.stderr()
	if asJSON && o.Yes {
		talk.w = io.Discard
	}

	// As for install: a version, folder or mirror the user names is only
	// honoured by the direct download, so it rules out a package manager.
	// So does the shim, which runs kubectl from kubeboot's store.
	pinned := o.versionSet || o.Dir != "" || o.Mirror != "" || h.Getenv("KUBEBOOT_MIRROR") != "" || o.Shim
	plan, err := a.planSetup(ctx, client, o, pinned, importOpts, total)
	if err != nil {
		return err
	}
	printPlan(talk.w, plan)
	if !o.Yes {
		if err := a.confirm(ctx, "Continue?", "setup changes your machine and there is no terminal to ask on; rerun with --yes to confirm"); err != nil {
			return err
		}
	}
	if asJSON {
		talk.w = io.Discard
	}

	res := &setupResult{}
	steps := []struct {
		name string
		run  func() (string, error)
	}{
		{"install kubectl", func() (string, error) {
			detail, err := a.setupKubectl(ctx, client, plan, res, o.Verbose, asJSON, talk)
			if err != nil || plan.shim == "" {
				return detail, err
			}
			r, err := a.installShim(filepath.Dir(plan.shim))
			if err != nil {
				return "", fmt.Errorf("%s, but the kubectl shim could not be installed: %w", detail, err)
			}
			res.Shim = r
			return detail + "; the kubectl shim at " + r.Path + " runs it", nil
		}},
		{"import kubeconfig", func() (string, error) {
			r, err := kubeconfig.Import(ctx, importOpts)
			if err != nil {
				return "", err
			}
			res.Kubeconfig = r
			detail := fmt.Sprintf("%s merged into %s", r.Source, r.File)
			if !r.Written {
				detail = fmt.Sprintf("%s already holds everything in %s", r.File, r.Source)
			}
			if r.Backup != "" {
				detail += " (previous file saved as " + r.Backup + ")"
			}
			if r.Context != "" {
				detail += "; current context " + r.Context
			}
			res.Plugins = a.setupPlugins(ctx, r.Source, talk)
			return detail, nil
		}},
		{"verify access", func() (string, error) {
			switch {
			case plan.noVerify:
				return "access not checked (--no-verify)", nil
			case plan.accessErr != nil && errors.Is(plan.accessErr, verify.ErrUnreachable):
				msg, _ := explain(plan.accessErr)
				return "access could not be checked, the cluster did not answer (offline?): " + msg + "; check later with: kubeboot verify", nil
			}
			r := plan.access
			if r == nil || plan.accessErr != nil {
				// The check before the import failed for another reason
				// than the network: check the merged result, which says why.
				locs, err := h.kubeconfigLocations(a.kubeconfig)
				if err != nil {
					return "", err
				}
				if r, err = verify.Verify(ctx, verify.Options{
					Kubeconfig: locs.Files, Context: res.Kubeconfig.Context,
					ExecStderr: h.Stderr, TotalTimeout: total,
				}); err != nil {
					return "", err
				}
			}
			kubectlVersion := plan.version
			if m := res.KubectlManager; m != nil {
				kubectlVersion = m.Version
			}
			if kubectlVersion != "" {
				sk := verify.Skew(kubectlVersion, r.ServerVersion)
				skewFix(&sk)
				r.Skew = &sk
			}
			r.Context = res.Kubeconfig.Context
			res.Access = r
			who := r.User
			if r.Identity != nil {
				who = r.Identity.Username
			}
			if r.Secrets.Allowed {
				return fmt.Sprintf("authenticated as %s on %s (Kubernetes %s); %d secrets in namespace %s",
					who, r.Server, r.ServerVersion, r.Secrets.Count, r.Namespace), nil
			}
			return fmt.Sprintf("authenticated as %s on %s (Kubernetes %s); RBAC does not let it list secrets in namespace %s, which is expected for a token without namespaces",
				who, r.Server, r.ServerVersion, r.Namespace), nil
		}},
	}
	for i, s := range steps {
		detail, err := s.run()
		if err != nil && errors.Is(context.Cause(ctx), errInterrupted) {
			return errInterrupted // one line, "interrupted", and nothing about the step
		}
		res.Steps = append(res.Steps, setupStep{Name: s.name, OK: err == nil, Detail: detailOrError(detail, err)})
		if err != nil {
			stepFailed(talk, s.name, res.Steps[:i])
			return &partialError{fmt.Errorf("setup step %d (%s) failed: %w", i+1, s.name, err), res}
		}
		fmt.Fprintf(talk.w, "%s %s\n", talk.mark(true), detail)
	}
	if err := a.offerShim(ctx, o, talk, res); err != nil {
		return &partialError{err, res}
	}
	if err := a.offerAlias(ctx, o, talk, res); err != nil {
		return &partialError{err, res}
	}
	if asJSON {
		return writeJSON(h.Stdout, res)
	}
	a.printSetupSummary(h.Stdout, res)
	return nil
}

// setupKubectl is setup's step 1 without the shim: kubectl kept, upgraded
// through its package manager, put into kubeboot's store (--shim) or
// installed into plan.dir.
func (a *app) setupKubectl(ctx context.Context, client *bootstrap.Client, plan *setupPlan, res *setupResult, verbose, asJSON bool, talk stream) (string, error) {
	if plan.keep != "" {
		res.KubectlKept = plan.keep
		return fmt.Sprintf("kubectl %s already at %s", plan.version, plan.keep), nil
	}
	if act := plan.manager; act != nil {
		m, err := a.runManager(ctx, *act, talk.w)
		if err != nil {
			return "", err
		}
		res.KubectlManager = m
		return fmt.Sprintf("kubectl %s at %s, through %s", m.Version, m.Path, act.Manager.Manager), nil
	}
	if plan.store != "" {
		r, err := a.setupIntoStore(ctx, client, plan, verbose)
		if err != nil {
			return "", err
		}
		res.Kubectl = r
		return fmt.Sprintf("kubectl %s in kubeboot's store at %s (sha256 verified)", r.Version, r.Path), nil
	}
	req := bootstrap.InstallRequest{Version: plan.version, ChosenBy: plan.chosenBy, Dir: plan.dir}
	prog := a.newProgress("  downloading kubectl "+plan.version, asJSON)
	req.Progress = prog.callback()
	r, err := client.Install(ctx, req)
	prog.done()
	if err != nil {
		return "", err
	}
	if v, err := goversion.NewSemver(r.Version); err == nil {
		client.RememberResolved(plan.spec, v, false)
	}
	res.Kubectl = r
	if !r.Changed {
		return fmt.Sprintf("kubectl %s already at %s", r.Version, r.Path), nil
	}
	return fmt.Sprintf("kubectl %s installed at %s (sha256 verified)", r.Version, r.Path), nil
}

// printSetupSummary lists what setup left in place and the next command.
func (a *app) printSetupSummary(w io.Writer, res *setupResult) {
	fmt.Fprintln(w, "Summary")
	kubectlPath := res.KubectlKept
	switch m, k := res.KubectlManager, res.Kubectl; {
	case m != nil:
		fmt.Fprintf(w, "  kubectl     %s at %s (%s)\n", m.Version, m.Path, m.Owner.Manager)
	case k != nil:
		state := "installed"
		if !k.Changed {
			state = "already up to date"
		}
		kubectlPath = k.Path
		fmt.Fprintf(w, "  kubectl     %s at %s (%s)\n", k.Version, k.Path, state)
	case res.KubectlKept != "":
		fmt.Fprintf(w, "  kubectl     %s (kept)\n", res.KubectlKept)
	}
	if k := res.Kubeconfig; k != nil {
		fmt.Fprintf(w, "  kubeconfig  %s\n", k.File)
		if k.Backup != "" {
			fmt.Fprintf(w, "  backup      %s\n", k.Backup)
		}
		fmt.Fprintf(w, "  context     %s\n", k.Context)
	}
	if r := res.Access; r != nil && r.Skew != nil && r.Skew.Level != verify.SkewOK && r.Skew.Message != "" {
		fmt.Fprintf(w, "  note        %s\n", r.Skew.Message)
	}
	if res.Kubectl != nil && res.Shim == nil {
		a.printPathAdvice(kubectlPath, a.host.env().CheckPath(kubectlPath))
	}
	fmt.Fprintln(w, "\nNext: kubectl get pods")
}

// planSetup dry-runs the kubeconfig import (so that a conflict or a missing
// file stops setup before anything changes), resolves the kubectl version,
// and finds whether a kubectl of that version already wins on PATH.
//
// The version: an explicit --version always wins; else the newest patch of
// the minor version the cluster in the incoming file reports, so that the
// kubectl is one doctor calls supported (verify.Skew: the same minor is
// always within kubectl's ±1 policy); else, when the cluster cannot be
// asked, stable.
func (a *app) planSetup(ctx context.Context, client *bootstrap.Client, o *SetupOptions, pinned bool, importOpts kubeconfig.ImportOptions, total time.Duration) (*setupPlan, error) {
	dry := importOpts
	dry.DryRun = true
	imp, err := kubeconfig.Import(ctx, dry)
	if err != nil {
		return nil, err
	}
	p := &setupPlan{dir: o.Dir, importPlan: imp, noVerify: o.NoVerify}
	if !o.NoVerify {
		if err := a.checkIncoming(ctx, p, total); err != nil {
			return nil, err
		}
	}
	if !pinned {
		// A kubectl that a package manager owns is upgraded through it, as
		// install --method auto does; the manager picks the version.
		action, err := a.planInstall(ctx, pkgmgr.MethodAuto, false)
		if err != nil {
			return nil, err
		}
		if action.Method != pkgmgr.MethodDirect {
			p.manager = &action
			return p, nil
		}
	}
	spec, from, fromCluster := o.Version, "", false
	if spec == "" || spec == "cluster" {
		// The server version the access check saw, else ask for it: the
		// context as named in the incoming file, before any rename.
		var cluster string
		var err error
		switch {
		case p.access != nil && p.accessErr == nil:
			cluster, err = verify.MinorSpec(p.access.ServerVersion)
		case p.accessErr != nil:
			err = p.accessErr
		default:
			cluster, err = a.clusterVersionSpec(ctx, imp.Source, a.context, clusterProbeTimeout)
		}
		switch {
		case errors.Is(context.Cause(ctx), errInterrupted):
			return nil, errInterrupted
		case err == nil:
			spec, from, fromCluster = cluster, "the cluster's minor version", true
		case o.Version == "cluster":
			return nil, fmt.Errorf("ask the cluster its version (--version cluster): %w", err)
		default:
			spec, from = "stable", "stable: could not ask the cluster its version"
			if o.Verbose {
				msg, _ := explain(err)
				a.logf("cannot ask the cluster its version: %s", msg)
			}
		}
	}
	v, err := client.Resolve(ctx, spec)
	if err != nil {
		return nil, err
	}
	if sp, err := bootstrap.ParseSpec(spec); err == nil {
		var held *bootstrap.HeldBack
		if v, held = client.NoOlder(sp, v, ""); held != nil {
			from = strings.TrimPrefix(from+"; ", "; ") + held.Reason
		}
		if p.chosenBy = sp.ChosenBy(v); p.chosenBy != "" {
			p.chosenBy += " at " + client.BaseURL()
		}
		p.spec = sp
	}
	p.version, p.versionFrom = bootstrap.Tag(v), from
	if fromCluster {
		p.chosenBy = "the API server of the kubeconfig being set up"
	}
	if o.Shim {
		if p.shim, err = a.shimPath(""); err != nil {
			return nil, err
		}
	}
	if o.Shim && o.Dir == "" {
		// The shim takes kubectl's place on PATH: kubectl goes into the
		// store, where the shim runs it from.
		p.store, err = a.storeDir()
		return p, err
	}
	if o.Shim && filepath.Dir(p.shim) == filepath.Clean(o.Dir) {
		return nil, usageErrorf("--dir %s is where the kubectl shim goes: leave --dir out (with --shim, kubectl goes into kubeboot's store) or choose another folder", o.Dir)
	}
	if o.Dir == "" {
		env := a.host.env()
		if onPath := env.KubectlsOnPath(); len(onPath) > 0 {
			if got, err := bootstrap.KubectlVersion(ctx, onPath[0]); err == nil && got == p.version {
				p.keep = onPath[0]
			}
		}
		if p.dir, err = env.DefaultInstallDir(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// setupIntoStore puts kubectl plan.version into kubeboot's store, with
// setup's client (its mirror and signature flags).
func (a *app) setupIntoStore(ctx context.Context, client *bootstrap.Client, plan *setupPlan, verbose bool) (*bootstrap.InstallResult, error) {
	so := store.Options{Dir: plan.store, Client: client, Now: a.host.Now}
	if verbose {
		so.Logf = a.logf
	}
	st, err := store.New(so)
	if err != nil {
		return nil, err
	}
	e, err := st.EnsureChosen(ctx, plan.version, plan.chosenBy)
	if err != nil {
		return nil, err
	}
	return &bootstrap.InstallResult{Path: e.Path, Version: e.Version, SHA256: e.Receipt.SHA256, Changed: e.Downloaded, URL: e.Receipt.URL, Platform: e.Platform}, nil
}

func printPlan(w io.Writer, p *setupPlan) {
	fmt.Fprintln(w, "kubeboot setup will:")
	from := ""
	if p.versionFrom != "" {
		from = " (" + p.versionFrom + ")"
	}
	switch {
	case p.keep != "":
		fmt.Fprintf(w, "  1. keep kubectl %s at %s%s\n", p.version, p.keep, from)
	case p.manager != nil:
		fmt.Fprintf(w, "  1. %s (%s)\n", strings.Join(p.manager.Command(), " "), p.manager.Reason)
	case p.store != "":
		fmt.Fprintf(w, "  1. install kubectl %s into kubeboot's store %s, for the kubectl shim to run%s\n", p.version, p.store, from)
	default:
		fmt.Fprintf(w, "  1. install kubectl %s into %s (unless it is already there)%s\n", p.version, p.dir, from)
	}
	if p.shim != "" {
		fmt.Fprintf(w, "     and the kubectl shim at %s, so plain kubectl runs kubeboot kubectl\n", p.shim)
	}
	ip := p.importPlan
	selectCtx := ""
	if ip.Context != "" {
		selectCtx = ", and select the context " + ip.Context
	}
	switch {
	case ip.Written && ip.Backup != "":
		fmt.Fprintf(w, "  2. merge %s into %s, saving the current file as %s first%s\n", ip.Source, ip.File, ip.Backup, selectCtx)
	case ip.Written:
		fmt.Fprintf(w, "  2. merge %s into %s (a new file)%s\n", ip.Source, ip.File, selectCtx)
	default:
		fmt.Fprintf(w, "  2. leave %s as it is: it already holds %s\n", ip.File, ip.Source)
	}
	switch {
	case p.noVerify:
		fmt.Fprintln(w, "  3. skip the access check (--no-verify)")
	case p.access != nil && p.accessErr == nil:
		who := p.access.User
		if p.access.Identity != nil {
			who = p.access.Identity.Username
		}
		fmt.Fprintf(w, "  3. report access: checked before any change, the credentials work (authenticated as %s on %s)\n", who, p.access.Server)
	case errors.Is(p.accessErr, verify.ErrUnreachable):
		fmt.Fprintln(w, "  3. access could not be checked (the cluster did not answer); the kubeconfig is imported anyway")
	default:
		fmt.Fprintln(w, "  3. check that the credentials work against the cluster")
	}
	for _, o := range ip.OtherDownloads {
		fmt.Fprintf(w, "  (not imported, older: %s)\n", o)
	}
}

// checkIncoming verifies the incoming context from the incoming file alone,
// before anything is written. Rejected credentials stop setup: nothing is
// installed or written. Any other failure (an unreachable cluster: the
// user may be offline) is kept in the plan and the import goes on.
func (a *app) checkIncoming(ctx context.Context, p *setupPlan, total time.Duration) error {
	ip := p.importPlan
	r, err := verify.Verify(ctx, verify.Options{
		Kubeconfig: []string{ip.Source}, Context: ip.SourceContext,
		ExecStderr: a.host.Stderr, TotalTimeout: total,
	})
	if errors.Is(context.Cause(ctx), errInterrupted) {
		return errInterrupted
	}
	if errors.Is(err, verify.ErrUnauthorized) {
		return &rejectedError{source: ip.Source, err: err}
	}
	p.access, p.accessErr = r, err
	return nil
}

// rejectedError: the incoming kubeconfig's credentials were refused, so
// setup wrote nothing. It matches verify.ErrUnauthorized (exit 4).
type rejectedError struct {
	source string
	err    error
}

func (e *rejectedError) Error() string {
	problem, _, _ := verify.Advice(e.err)
	return problem + "; nothing was installed or written: the token in " + e.source +
		" was revoked or mistyped. Download a new kubeconfig from the API Access page, " + kubeconfig.APIAccessURL + ", and run setup with it"
}

func (e *rejectedError) Unwrap() error { return e.err }

func stepFailed(s stream, name string, kept []setupStep) {
	fmt.Fprintf(s.w, "%s %s failed\n", s.mark(false), name)
	if len(kept) > 0 {
		names := make([]string, len(kept))
		for j, s := range kept {
			names[j] = s.Name
		}
		fmt.Fprintf(s.w, "  the steps before it are kept (%s); fix the problem below and run setup again\n", strings.Join(names, ", "))
	}
}

func detailOrError(detail string, err error) string {
	if err != nil {
		msg, _ := explain(err)
		return msg
	}
	return detail
}
