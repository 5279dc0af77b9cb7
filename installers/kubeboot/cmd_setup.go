package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// setupPlan is what setup will do, worked out before anything changes so
// the user can confirm it and so a conflict stops the run untouched.
type setupPlan struct {
	version string // resolved kubectl version, "v1.37.2"
	keep    string // an existing kubectl of that version on PATH, kept
	// manager, when set, upgrades the package-managed kubectl that wins on
	// PATH instead of installing a second one that it would shadow.
	manager    *pkgmgr.Action
	dir        string // install folder when not kept
	importPlan *kubeconfig.ImportResult
	// access is the check of the incoming context against its cluster,
	// from the incoming file alone, before anything is written; accessErr
	// the reason it could not be shown to work (never a rejection, which
	// stops setup). Both nil under --no-verify.
	access    *verify.Report
	accessErr error
	noVerify  bool
}

// setupResult is the --json output of setup.
type setupResult struct {
	Kubectl     *bootstrap.InstallResult `json:"kubectl,omitempty"`
	KubectlKept string                   `json:"kubectl_kept,omitempty"`
	// KubectlManager is set when a package manager upgraded kubectl.
	KubectlManager *managerOutput           `json:"kubectl_manager,omitempty"`
	Kubeconfig     *kubeconfig.ImportResult `json:"kubeconfig,omitempty"`
	Access         *verify.Report           `json:"access,omitempty"`
	Steps          []setupStep              `json:"steps"`
}

type setupStep struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

func runSetup(ctx context.Context, a *app, args []string) error {
	c := findCommand("setup")
	fs := newFlags("setup")
	yes := fs.Bool("yes", false, "do it without asking (required when there is no terminal to ask on)")
	spec := fs.String("version", "stable", "kubectl version spec (see kubeboot install --help)")
	dir := fs.String("dir", "", "install folder for kubectl (default /usr/local/bin when writable, else a per-user folder)")
	sigFlags := addSignatureFlags(fs)
	mirrorURL := fs.String("mirror", "", "base URL of a dl.k8s.io mirror (default $KUBEBOOT_MIRROR or https://dl.k8s.io)")
	ctxName := fs.String("context", "", "context to select (default: coreweave, else the file's current-context)")
	onConflict := fs.String("on-conflict", "fail", "when a kubeconfig name is taken by a different entry: fail, rename or replace")
	target := fs.String("kubeconfig", "", "kubeconfig to write (default: as kubectl decides)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	verbose := fs.Bool("verbose", false, "print retries and decisions")
	noVerify := fs.Bool("no-verify", false, "import without checking first that the credentials work")
	reqTimeout := fs.String("request-timeout", "30s", "time allowed for the access check (0: no limit), as kubectl's flag")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErrorf("kubeboot setup takes one FILE (the downloaded kubeconfig), got %d", len(pos))
	}
	policy, err := kubeconfig.ParseConflictPolicy(*onConflict)
	if err != nil {
		return usageErrorf("--on-conflict %q: use fail, rename or replace", *onConflict)
	}
	total, err := parseRequestTimeout(*reqTimeout)
	if err != nil {
		return err
	}
	client, err := a.newClient(*mirrorURL, *verbose, sigFlags)
	if err != nil {
		return err
	}
	importOpts := kubeconfig.ImportOptions{Kubeconfig: *target, Context: *ctxName, Policy: policy}
	if len(pos) == 1 {
		importOpts.Source = pos[0]
	}
	if *verbose {
		importOpts.Logf = a.logf
	}
	out := a.stdout
	if *asJSON {
		out = io.Discard
	}

	// As for install: a version, folder or mirror the user names is only
	// honoured by the direct download, so it rules out a package manager.
	pinned := *dir != "" || *mirrorURL != "" || a.getenv("KUBEBOOT_MIRROR") != ""
	fs.Visit(func(f *flag.Flag) { pinned = pinned || f.Name == "version" })
	plan, err := a.planSetup(ctx, client, *spec, *dir, pinned, importOpts)
	if err != nil {
		return err
	}
	plan.noVerify = *noVerify
	if !*noVerify {
		if err := a.checkIncoming(ctx, plan, total); err != nil {
			return err
		}
	}
	printPlan(out, plan)
	if !*yes {
		if err := a.confirm(out); err != nil {
			return err
		}
	}

	res := &setupResult{}
	steps := []struct {
		name string
		run  func() (string, error)
	}{
		{"install kubectl", func() (string, error) {
			if plan.keep != "" {
				res.KubectlKept = plan.keep
				return fmt.Sprintf("kubectl %s already at %s", plan.version, plan.keep), nil
			}
			if act := plan.manager; act != nil {
				out := a.stderr
				if *asJSON {
					out = io.Discard
				}
				r, err := pkgmgr.Run(ctx, *act, pkgmgr.RunOptions{System: pkgmgr.System{Getenv: a.getenv}, Output: out})
				if err != nil {
					return "", err
				}
				v, _ := bootstrap.KubectlVersion(ctx, r.Kubectl)
				res.KubectlManager = &managerOutput{act.Method, r.Kubectl, v, act.Command(), act.Upgrade, r.Owner}
				return fmt.Sprintf("kubectl %s at %s, through %s", v, r.Kubectl, act.Manager.Manager), nil
			}
			req := bootstrap.InstallRequest{Version: plan.version, Dir: plan.dir}
			var prog *progress
			if !*asJSON {
				prog = newProgress(a.stderr, a.interactive, "  downloading kubectl "+plan.version)
				req.Progress = prog.update
			}
			r, err := client.Install(ctx, req)
			prog.done()
			if err != nil {
				return "", err
			}
			res.Kubectl = r
			if !r.Changed {
				return fmt.Sprintf("kubectl %s already at %s", r.Version, r.Path), nil
			}
			return fmt.Sprintf("kubectl %s installed at %s (sha256 verified)", r.Version, r.Path), nil
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
				locs, err := kubeconfig.DefaultLocations(*target)
				if err != nil {
					return "", err
				}
				if r, err = verify.Verify(ctx, verify.Options{
					Kubeconfig: locs.Files, Context: res.Kubeconfig.Context,
					ExecStderr: a.stderr, TotalTimeout: total,
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
		res.Steps = append(res.Steps, setupStep{Name: s.name, OK: err == nil, Detail: detailOrError(detail, err)})
		if err != nil {
			a.stepFailed(out, i, s.name, res.Steps[:i])
			if *asJSON {
				json.NewEncoder(a.stdout).Encode(res)
			}
			return fmt.Errorf("setup step %d (%s) failed: %w", i+1, s.name, err)
		}
		fmt.Fprintf(out, "%s %s\n", a.mark(true), detail)
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(res)
	}
	a.printSetupSummary(out, res)
	return nil
}

// printSetupSummary lists what setup left in place and the next command.
func (a *app) printSetupSummary(w io.Writer, res *setupResult) {
	fmt.Fprintln(w, "\nSummary")
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
	if res.Kubectl != nil {
		a.printPathAdvice(kubectlPath, bootstrap.CheckPath(kubectlPath))
	}
	fmt.Fprintln(w, "\nNext: kubectl get pods")
}

// planSetup dry-runs the kubeconfig import (so that a conflict or a missing
// file stops setup before anything changes), resolves the kubectl version
// ("cluster" asks the server in the incoming file), and finds whether a
// kubectl of that version already wins on PATH.
func (a *app) planSetup(ctx context.Context, client *bootstrap.Client, spec, dir string, pinned bool, importOpts kubeconfig.ImportOptions) (*setupPlan, error) {
	dry := importOpts
	dry.DryRun = true
	imp, err := kubeconfig.Import(ctx, dry)
	if err != nil {
		return nil, err
	}
	if !pinned {
		// A kubectl that a package manager owns is upgraded through it, as
		// install --method auto does; the manager picks the version.
		action, err := a.planInstall(ctx, pkgmgr.MethodAuto, false)
		if err != nil {
			return nil, err
		}
		if action.Method != pkgmgr.MethodDirect {
			return &setupPlan{manager: &action, importPlan: imp}, nil
		}
	}
	if spec == "cluster" {
		// The context as named in the incoming file, before any rename.
		if spec, err = clusterVersionSpec(ctx, imp.Source, importOpts.Context); err != nil {
			return nil, err
		}
	}
	v, err := client.Resolve(ctx, spec)
	if err != nil {
		return nil, err
	}
	p := &setupPlan{version: bootstrap.Tag(v), dir: dir, importPlan: imp}
	if dir == "" {
		if onPath := bootstrap.KubectlsOnPath(); len(onPath) > 0 {
			if got, err := bootstrap.KubectlVersion(ctx, onPath[0]); err == nil && got == p.version {
				p.keep = onPath[0]
			}
		}
		if p.dir, err = bootstrap.DefaultInstallDir(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkIncoming verifies the incoming context from the incoming file alone,
// before anything is written. Rejected credentials stop setup: nothing is
// installed or written. Any other failure (an unreachable cluster: the
// user may be offline) is kept in the plan and the import goes on.
func (a *app) checkIncoming(ctx context.Context, p *setupPlan, total time.Duration) error {
	ip := p.importPlan
	r, err := verify.Verify(ctx, verify.Options{
		Kubeconfig: []string{ip.Source}, Context: ip.SourceContext,
		ExecStderr: a.stderr, TotalTimeout: total,
	})
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

func printPlan(w io.Writer, p *setupPlan) {
	fmt.Fprintln(w, "kubeboot setup will:")
	switch {
	case p.keep != "":
		fmt.Fprintf(w, "  1. keep kubectl %s at %s\n", p.version, p.keep)
	case p.manager != nil:
		fmt.Fprintf(w, "  1. %s (%s)\n", strings.Join(p.manager.Command(), " "), p.manager.Reason)
	default:
		fmt.Fprintf(w, "  1. install kubectl %s into %s (unless it is already there)\n", p.version, p.dir)
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

// confirm asks on the terminal; without one, setup refuses to guess.
func (a *app) confirm(w io.Writer) error {
	if !a.stdinInteractive {
		return usageErrorf("setup changes your machine and there is no terminal to ask on; rerun with --yes to confirm")
	}
	fmt.Fprint(w, "Continue? [y/N] ")
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	fmt.Fprintln(w, "Nothing was changed.")
	return errCancelled
}

func (a *app) stepFailed(w io.Writer, i int, name string, kept []setupStep) {
	fmt.Fprintf(w, "%s %s failed\n", a.mark(false), name)
	if len(kept) > 0 {
		names := make([]string, len(kept))
		for j, s := range kept {
			names[j] = s.Name
		}
		fmt.Fprintf(w, "  the steps before it are kept (%s); fix the problem below and run setup again\n", strings.Join(names, ", "))
	}
}

// mark is ✓ or ✗, in colour on a terminal unless NO_COLOR is set.
func (a *app) mark(ok bool) string {
	m, colour := "✓", "32"
	if !ok {
		m, colour = "✗", "31"
	}
	if a.interactive && a.getenv("NO_COLOR") == "" {
		return "\033[" + colour + "m" + m + "\033[0m"
	}
	return m
}

func detailOrError(detail string, err error) string {
	if err != nil {
		msg, _ := explain(err)
		return msg
	}
	return detail
}
