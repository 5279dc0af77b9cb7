package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
	"github.com/kubeboot/kubeboot/bootstrap/winpath"
)

// InstallOptions are the flags of `kubeboot install kubectl`.
type InstallOptions struct {
	app     *app
	output  outputOptions
	Version string
	Dir     string
	Mirror  string
	Method  string
	Force   bool
	// ForceOverwrite replaces a kubectl that a package manager owns.
	ForceOverwrite bool
	// AllowDowngrade lets a channel install an older kubectl than the one
	// there (or than the mirror answered before).
	AllowDowngrade bool
	Quiet          bool
	Verbose        bool
	signature      *signatureFlags
	// pinned lists the flags that only the direct download honours.
	pinned []string
}

// installOutput is the JSON result of `kubeboot install kubectl`.
type installOutput struct {
	Method pkgmgr.Method `json:"method"`
	*bootstrap.InstallResult
	bootstrap.PathReport
	// UserPath is set when the install folder was added to the Windows
	// user Path.
	UserPath *winpath.Result `json:"userPath,omitempty"`
}

// managerOutput is the JSON result of an install through a package
// manager.
type managerOutput struct {
	Method  pkgmgr.Method    `json:"method"`
	Path    string           `json:"path"`
	Version string           `json:"version,omitempty"`
	Command []string         `json:"command"`
	Upgrade bool             `json:"upgrade"`
	Owner   pkgmgr.Ownership `json:"owner"`
}

// NewCmdInstall is `kubeboot install kubectl`.
func NewCmdInstall(a *app) *cobra.Command {
	o := &InstallOptions{app: a}
	cmd := &cobra.Command{
		Use:   "install TOOL",
		Short: "download, verify and install kubectl, helm, virtctl or a credential plugin",
		Long: "Download kubectl from dl.k8s.io (or a mirror), check its sha256 and signature, and install it atomically.\n" +
			"A kubectl that a package manager owns is upgraded through that manager instead.\n" +
			toolsLong(),
		Example: "  kubeboot install kubectl\n  kubeboot install kubectl --version 1.36 --dir ~/bin\n  kubeboot install kubectl --version cluster --context coreweave\n" +
			"  kubeboot install helm\n  kubeboot install helm --version 3\n  kubeboot install virtctl --version cluster\n  kubeboot install oidc-login --version v1.34.0 -o json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "kubelogin" {
				return usageErrorf("\"kubelogin\" names two tools: azure-kubelogin (Azure's, for AKS: kubelogin get-token) or oidc-login (int128's, kubectl oidc-login); say which")
			}
			if len(args) != 1 || !slices.Contains(toolNames(), args[0]) {
				return usageErrorf("say what to install, for example kubeboot install kubectl; TOOL is one of %s", strings.Join(toolNames(), ", "))
			}
			return nil
		},
		ValidArgs: toolNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "kubectl" {
				return toolInstallRun(cmd, o, args[0])
			}
			for _, name := range []string{"version", "dir", "mirror"} {
				if cmd.Flags().Changed(name) {
					o.pinned = append(o.pinned, "--"+name)
				}
			}
			return installRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Version, "version", "stable", "kubectl version: stable, latest, 1.N, latest-1.N, vX.Y.Z, a constraint like \">=1.35, <1.37\",\n"+
		"or cluster (the newest patch of the API server's minor version, asked with --kubeconfig and --context);\n"+
		"other tools: latest (the default), vX.Y.Z, or for helm 3 (the newest v3)")
	f.Var(pathFlag(a.host, &o.Dir), "dir", "install folder (default /usr/local/bin when writable, else a per-user folder)")
	f.StringVar(&o.Mirror, "mirror", "", "base URL of a dl.k8s.io mirror (default $KUBEBOOT_MIRROR or https://dl.k8s.io)")
	f.Var(enumFlag(&o.Method, "auto", methodNames()...), "method", "how to install: auto (upgrade through the package manager that owns the kubectl on PATH;\n"+
		"brew install on a Mac with Homebrew and no kubectl; else direct), direct (verified download), brew, choco, scoop, winget")
	f.BoolVar(&o.Force, "force", false, "download and install even when the same kubectl is already there")
	o.signature = addSignatureFlags(cmd, a.host)
	f.BoolVar(&o.ForceOverwrite, "force-overwrite", false, "replace a kubectl that a package manager owns (it then no longer upgrades it)")
	f.BoolVar(&o.AllowDowngrade, "allow-downgrade", false, "let a channel or constraint install an older kubectl than the one in the folder (or than the mirror answered before)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	f.BoolVar(&o.Verbose, "verbose", false, "print retries and decisions")
	addOutputFlags(cmd, &o.output)
	_ = cmd.RegisterFlagCompletionFunc("version", fixedValues(versionChannels...))
	_ = cmd.RegisterFlagCompletionFunc("method", fixedValues(methodNames()...))
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

func methodNames() []string {
	var names []string
	for _, m := range pkgmgr.Methods() {
		names = append(names, string(m))
	}
	return names
}

func installRun(ctx context.Context, o *InstallOptions) error {
	a, h := o.app, o.app.host
	method, err := pkgmgr.ParseMethod(o.Method)
	if err != nil {
		return usageErrorf("kubeboot install: %v", err)
	}
	if method != pkgmgr.MethodAuto && method != pkgmgr.MethodDirect && len(o.pinned) > 0 {
		return usageErrorf("--method %s installs the package manager's kubectl, which cannot honour %s; use --method direct", method, strings.Join(o.pinned, ", "))
	}
	pinned := o.pinned
	if h.Getenv("KUBEBOOT_MIRROR") != "" {
		pinned = append(pinned, "KUBEBOOT_MIRROR")
	}
	if method == pkgmgr.MethodAuto && len(pinned) > 0 {
		method = pkgmgr.MethodDirect
	}
	if method != pkgmgr.MethodDirect {
		action, err := a.planInstall(ctx, method, false)
		if err != nil {
			return err
		}
		if action.Method != pkgmgr.MethodDirect {
			return a.installWithManager(ctx, action, o.output.JSON(), o.Quiet)
		}
		if o.Verbose {
			a.logf("direct download: %s", action.Reason)
		}
	}

	client, err := a.newClient(o.Mirror, o.Verbose, o.signature)
	if err != nil {
		return err
	}
	spec, chosenBy := o.Version, ""
	if spec == "cluster" {
		if spec, err = a.clusterVersionSpec(ctx, a.kubeconfig, a.context, 0); err != nil {
			return fmt.Errorf("ask the cluster its version (--version cluster): %w", err)
		}
		chosenBy = "the cluster's API server (--version cluster)"
	}
	req := bootstrap.InstallRequest{Version: spec, ChosenBy: chosenBy, Dir: o.Dir, Force: o.Force, ForceOverwrite: o.ForceOverwrite, AllowDowngrade: o.AllowDowngrade}
	prog := a.newProgress("downloading kubectl", o.output.JSON() || o.Quiet)
	req.Progress = prog.callback()
	res, err := client.Install(ctx, req)
	prog.done()
	if err != nil {
		return err
	}
	env := h.env()
	report := bootstrap.PathReport{DirOnPath: true}
	if res.Platform == bootstrap.HostPlatform() {
		report = env.CheckPath(res.Path)
	}
	// On Windows, the per-user folder goes on the user Path, as installers
	// there do; elsewhere the user's shell profile is theirs to edit.
	var userPath *winpath.Result
	var userPathErr error
	if h.GOOS == "windows" && o.Dir == "" && !report.DirOnPath && res.Platform == bootstrap.HostPlatform() {
		userPath, userPathErr = winpath.AddToUserPath(filepath.Dir(res.Path))
	}
	if !o.Quiet {
		signatureNotices(h.Stderr, res.Version, res.Signature, o.Verbose)
	}
	if o.output.JSON() {
		return writeJSON(h.Stdout, installOutput{pkgmgr.MethodDirect, res, report, userPath})
	}
	if o.Quiet {
		return nil
	}
	if res.HeldBack != nil {
		fmt.Fprintf(h.Stderr, "note: %s (install it anyway with --version %s or --allow-downgrade)\n", res.HeldBack.Reason, res.HeldBack.Answered)
	}
	if res.FallbackFrom != "" {
		fmt.Fprintf(h.Stderr, "note: kubectl %s is not on the mirror yet; using %s, the newest published patch\n", res.FallbackFrom, res.Version)
	}
	if res.LeftAlone != nil {
		fmt.Fprintf(h.Stderr, "note: %s belongs to %s, so it was left alone; kubectl %s goes to %s\n",
			res.LeftAlone.Path, res.LeftAlone.Manager, res.Version, filepath.Dir(res.Path))
	}
	if res.Changed {
		fmt.Fprintf(h.Stdout, "installed kubectl %s at %s (sha256 %s verified%s)\n", res.Version, res.Path, res.SHA256, signatureNote(res.Signature))
	} else {
		fmt.Fprintf(h.Stdout, "kubectl %s at %s is already up to date\n", res.Version, res.Path)
	}
	switch {
	case userPath != nil && userPath.Added:
		fmt.Fprintf(h.Stderr, "added %s to your user Path; open a new terminal to use kubectl\n", userPath.Dir)
	case userPath != nil:
		fmt.Fprintf(h.Stderr, "%s is on your user Path; open a new terminal to use kubectl\n", userPath.Dir)
	default:
		if userPathErr != nil {
			fmt.Fprintf(h.Stderr, "warning: could not add %s to your user Path: %v\n", filepath.Dir(res.Path), userPathErr)
		}
		a.printPathAdvice(res.Path, report)
	}
	return nil
}

// clusterVersionSpec asks the API server of a kubeconfig context its
// version and returns "1.N", which resolves to that minor's newest patch.
// A timeout of 0 is verify's default per request.
func (a *app) clusterVersionSpec(ctx context.Context, kubeconfigPath, contextName string, timeout time.Duration) (string, error) {
	locs, err := a.host.kubeconfigLocations(kubeconfigPath)
	if err != nil {
		return "", err
	}
	return verify.ClusterVersionSpec(ctx, verify.Options{Kubeconfig: locs.Files, Context: contextName, Timeout: timeout})
}

// planInstall decides between the direct download and a package manager.
func (a *app) planInstall(ctx context.Context, method pkgmgr.Method, pinned bool) (pkgmgr.Action, error) {
	h := a.host
	sys := h.system()
	in := pkgmgr.PlanInput{GOOS: h.GOOS, Method: method, Pinned: pinned, Elevated: pkgmgr.Elevated()}
	if on := h.env().KubectlsOnPath(); len(on) > 0 {
		in.Kubectl = on[0]
		in.Owner = pkgmgr.Owner(ctx, sys, in.Kubectl)
	}
	// Detecting runs each manager's --version: only when it can matter.
	if method != pkgmgr.MethodAuto || (!pinned && (in.Owner.Managed() || (h.GOOS == "darwin" && in.Kubectl == ""))) {
		in.Managers = pkgmgr.Detect(ctx, sys)
	}
	return pkgmgr.Plan(in)
}

// runManager runs a package manager's action, its output on out, and
// reports the kubectl it left.
func (a *app) runManager(ctx context.Context, action pkgmgr.Action, out io.Writer) (*managerOutput, error) {
	res, err := pkgmgr.Run(ctx, action, pkgmgr.RunOptions{System: a.host.system(), Output: out})
	if err != nil {
		return nil, err
	}
	v, _ := bootstrap.KubectlVersion(ctx, res.Kubectl)
	return &managerOutput{action.Method, res.Kubectl, v, action.Command(), action.Upgrade, res.Owner}, nil
}

// installWithManager runs a package manager, streaming its output to
// stderr, and reports the kubectl it installed.
func (a *app) installWithManager(ctx context.Context, action pkgmgr.Action, asJSON, quiet bool) error {
	h := a.host
	out := h.Stderr
	if quiet {
		out = io.Discard
	} else {
		fmt.Fprintf(h.Stderr, "using %s: %s\n$ %s\n", action.Manager.Manager, action.Reason, strings.Join(action.Command(), " "))
	}
	m, err := a.runManager(ctx, action, out)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(h.Stdout, m)
	}
	if quiet {
		return nil
	}
	verb := "installed"
	if action.Upgrade {
		verb = "upgraded"
	}
	v := m.Version
	if v != "" {
		v += " "
	}
	fmt.Fprintf(h.Stdout, "%s kubectl %sat %s with %s\n", verb, v, m.Path, action.Manager.Manager)
	return nil
}

// newClient builds the library client from --mirror, KUBEBOOT_MIRROR,
// --verbose and the signature flags.
func (a *app) newClient(mirrorURL string, verbose bool, sig *signatureFlags) (*bootstrap.Client, error) {
	opts, err := a.clientOptions(mirrorURL, verbose, sig)
	if err != nil {
		return nil, err
	}
	return bootstrap.New(opts)
}

// clientOptions are newClient's library options.
func (a *app) clientOptions(mirrorURL string, verbose bool, sig *signatureFlags) (bootstrap.Options, error) {
	if mirrorURL == "" {
		mirrorURL = a.host.Getenv("KUBEBOOT_MIRROR")
	}
	sigOpts, err := sig.options(a.host.Getenv)
	if err != nil {
		return bootstrap.Options{}, err
	}
	opts := bootstrap.Options{BaseURL: mirrorURL, UserAgent: "kubeboot/" + version, HTTPClient: a.host.HTTPClient, Signature: sigOpts,
		CacheDir: a.host.CacheDir, NoDigestCache: a.host.CacheDir == "",
		Environment: a.host.env()}
	if verbose {
		opts.Logf = a.logf
	}
	return opts, nil
}

// printPathAdvice tells the user when the shell will not run the kubectl
// just installed, and what to do about it.
func (a *app) printPathAdvice(target string, r bootstrap.PathReport) {
	w := a.host.Stderr
	dir := filepath.Dir(target)
	if r.DirOnPath {
		for _, other := range r.Shadowing {
			fmt.Fprintf(w, "warning: %s comes earlier on your PATH and runs instead;\n  remove it, or put %s before %s in PATH\n",
				other, dir, filepath.Dir(other))
		}
		return
	}
	instead := ""
	if len(r.Shadowing) > 0 {
		instead = ", so `kubectl` runs " + r.Shadowing[0] + " instead"
	}
	if a.host.GOOS == "windows" {
		fmt.Fprintf(w, "note: %s is not on your PATH%s;\n  add it to your user Path (Settings > Environment Variables), then open a new terminal\n", dir, instead)
		return
	}
	fmt.Fprintf(w, "note: %s is not on your PATH%s;\n  add this line to your shell profile (~/.bashrc, ~/.zshrc), then open a new terminal:\n  %s\n", dir, instead, exportPath(dir))
}

// packageManagerHint says what to do after an error of a package manager
// install; "" for other errors.
func packageManagerHint(err error) string {
	switch {
	case errors.Is(err, pkgmgr.ErrNeedsElevation):
		return "open PowerShell with Run as administrator and run again, or use --method direct, which needs no admin rights"
	case errors.Is(err, pkgmgr.ErrUnavailable):
		return "choose another --method, or --method direct for kubeboot's own verified download"
	case errors.Is(err, pkgmgr.ErrTimeout):
		return "the package manager may be waiting on the network or a lock; run it yourself to see, or use --method direct"
	case errors.Is(err, pkgmgr.ErrManagerFailed):
		return "its output above says why; or use --method direct"
	case errors.Is(err, pkgmgr.ErrUnexpectedKubectl):
		return "another kubectl comes first on PATH: remove it, or reorder PATH"
	}
	return ""
}
