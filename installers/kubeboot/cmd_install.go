package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
	"github.com/kubeboot/kubeboot/bootstrap/winpath"
)

// installOutput is the --json result of `kubeboot install kubectl`.
type installOutput struct {
	Method pkgmgr.Method `json:"method"`
	*bootstrap.InstallResult
	bootstrap.PathReport
	// UserPath is set when the install folder was added to the Windows
	// user Path.
	UserPath *winpath.Result `json:"user_path,omitempty"`
}

// managerOutput is the --json result of an install through a package
// manager.
type managerOutput struct {
	Method  pkgmgr.Method    `json:"method"`
	Path    string           `json:"path"`
	Version string           `json:"version,omitempty"`
	Command []string         `json:"command"`
	Upgrade bool             `json:"upgrade"`
	Owner   pkgmgr.Ownership `json:"owner"`
}

func runInstall(ctx context.Context, a *app, args []string) error {
	c := findCommand("install")
	fs := newFlags("install")
	spec := fs.String("version", "stable", "kubectl version: stable, latest, 1.N, latest-1.N, vX.Y.Z, a constraint like \">=1.35, <1.37\",\n"+
		"or cluster (the newest patch of the API server's minor version)")
	kubeconfigPath := fs.String("kubeconfig", "", "with --version cluster: the kubeconfig to ask (default: as kubectl decides)")
	contextName := fs.String("context", "", "with --version cluster: the context to ask (default: the current one)")
	dir := fs.String("dir", "", "install folder (default /usr/local/bin when writable, else a per-user folder)")
	mirrorURL := fs.String("mirror", "", "base URL of a dl.k8s.io mirror (default $KUBEBOOT_MIRROR or https://dl.k8s.io)")
	force := fs.Bool("force", false, "download and install even when the same kubectl is already there")
	forceOverwrite := fs.Bool("force-overwrite", false, "replace a kubectl that a package manager owns (it then no longer upgrades it)")
	sigFlags := addSignatureFlags(fs)
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	verbose := fs.Bool("verbose", false, "print retries and decisions")
	methodName := fs.String("method", "auto", "how to install: auto (upgrade through the package manager that owns the kubectl on PATH;\n"+
		"brew install on a Mac with Homebrew and no kubectl; else direct), direct (verified download), brew, choco, scoop, winget")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "kubectl" {
		return usageErrorf("say what to install: kubeboot install kubectl [flags]")
	}
	method, err := pkgmgr.ParseMethod(*methodName)
	if err != nil {
		return usageErrorf("kubeboot install: %v", err)
	}
	// A version, folder or mirror only the direct download can honour.
	var pinned []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "version" || f.Name == "dir" || f.Name == "mirror" {
			pinned = append(pinned, "--"+f.Name)
		}
	})
	if method != pkgmgr.MethodAuto && method != pkgmgr.MethodDirect && len(pinned) > 0 {
		return usageErrorf("--method %s installs the package manager's kubectl, which cannot honour %s; use --method direct", method, strings.Join(pinned, ", "))
	}
	if a.getenv("KUBEBOOT_MIRROR") != "" {
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
			return a.installWithManager(ctx, action, *asJSON, *quiet)
		}
		if *verbose {
			a.logf("direct download: %s", action.Reason)
		}
	}

	client, err := a.newClient(*mirrorURL, *verbose, sigFlags)
	if err != nil {
		return err
	}
	if *spec == "cluster" {
		if *spec, err = clusterVersionSpec(ctx, *kubeconfigPath, *contextName); err != nil {
			return err
		}
	}
	req := bootstrap.InstallRequest{Version: *spec, Dir: *dir, Force: *force, ForceOverwrite: *forceOverwrite}
	var prog *progress
	if !*asJSON && !*quiet {
		prog = newProgress(a.stderr, a.interactive, "downloading kubectl")
		req.Progress = prog.update
	}
	res, err := client.Install(ctx, req)
	prog.done()
	if err != nil {
		return err
	}
	report := bootstrap.PathReport{DirOnPath: true}
	if res.Platform == bootstrap.HostPlatform() {
		report = bootstrap.CheckPath(res.Path)
	}
	// On Windows, the per-user folder goes on the user Path, as installers
	// there do; elsewhere the user's shell profile is theirs to edit.
	var userPath *winpath.Result
	var userPathErr error
	if runtime.GOOS == "windows" && *dir == "" && !report.DirOnPath && res.Platform == bootstrap.HostPlatform() {
		userPath, userPathErr = winpath.AddToUserPath(filepath.Dir(res.Path))
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(installOutput{pkgmgr.MethodDirect, res, report, userPath})
	}
	if *quiet {
		return nil
	}
	if res.FallbackFrom != "" {
		fmt.Fprintf(a.stderr, "note: kubectl %s is not on the mirror yet; using %s, the newest published patch\n", res.FallbackFrom, res.Version)
	}
	if res.LeftAlone != nil {
		fmt.Fprintf(a.stderr, "note: %s belongs to %s, so it was left alone; kubectl %s goes to %s\n",
			res.LeftAlone.Path, res.LeftAlone.Manager, res.Version, filepath.Dir(res.Path))
	}
	if res.Changed {
		fmt.Fprintf(a.stdout, "installed kubectl %s at %s (sha256 %s verified%s)\n", res.Version, res.Path, res.SHA256, signatureNote(res.Signature))
	} else {
		fmt.Fprintf(a.stdout, "kubectl %s at %s is already up to date\n", res.Version, res.Path)
	}
	switch {
	case userPath != nil && userPath.Added:
		fmt.Fprintf(a.stderr, "added %s to your user Path; open a new terminal to use kubectl\n", userPath.Dir)
	case userPath != nil:
		fmt.Fprintf(a.stderr, "%s is on your user Path; open a new terminal to use kubectl\n", userPath.Dir)
	default:
		if userPathErr != nil {
			fmt.Fprintf(a.stderr, "warning: could not add %s to your user Path: %v\n", filepath.Dir(res.Path), userPathErr)
		}
		a.printPathAdvice(res.Path, report)
	}
	return nil
}

// clusterVersionSpec asks the API server of a kubeconfig context its
// version and returns "1.N", which resolves to that minor's newest patch.
func clusterVersionSpec(ctx context.Context, kubeconfigPath, contextName string) (string, error) {
	locs, err := kubeconfig.DefaultLocations(kubeconfigPath)
	if err != nil {
		return "", err
	}
	spec, err := verify.ClusterVersionSpec(ctx, verify.Options{Kubeconfig: locs.Files, Context: contextName})
	if err != nil {
		return "", fmt.Errorf("ask the cluster its version (--version cluster): %w", err)
	}
	return spec, nil
}

// planInstall decides between the direct download and a package manager.
func (a *app) planInstall(ctx context.Context, method pkgmgr.Method, pinned bool) (pkgmgr.Action, error) {
	sys := pkgmgr.System{Getenv: a.getenv}
	in := pkgmgr.PlanInput{GOOS: runtime.GOOS, Method: method, Pinned: pinned, Elevated: pkgmgr.Elevated()}
	if on := bootstrap.KubectlsOnPath(); len(on) > 0 {
		in.Kubectl = on[0]
		in.Owner = pkgmgr.Owner(ctx, sys, in.Kubectl)
	}
	// Detecting runs each manager's --version: only when it can matter.
	if method != pkgmgr.MethodAuto || (!pinned && (in.Owner.Managed() || (runtime.GOOS == "darwin" && in.Kubectl == ""))) {
		in.Managers = pkgmgr.Detect(ctx, sys)
	}
	return pkgmgr.Plan(in)
}

// installWithManager runs a package manager, streaming its output to
// stderr, and reports the kubectl it installed.
func (a *app) installWithManager(ctx context.Context, action pkgmgr.Action, asJSON, quiet bool) error {
	out := a.stderr
	if quiet {
		out = io.Discard
	} else {
		fmt.Fprintf(a.stderr, "using %s: %s\n$ %s\n", action.Manager.Manager, action.Reason, strings.Join(action.Command(), " "))
	}
	res, err := pkgmgr.Run(ctx, action, pkgmgr.RunOptions{System: pkgmgr.System{Getenv: a.getenv}, Output: out})
	if err != nil {
		return err
	}
	v, _ := bootstrap.KubectlVersion(ctx, res.Kubectl)
	if asJSON {
		return json.NewEncoder(a.stdout).Encode(managerOutput{action.Method, res.Kubectl, v, action.Command(), action.Upgrade, res.Owner})
	}
	if quiet {
		return nil
	}
	verb := "installed"
	if action.Upgrade {
		verb = "upgraded"
	}
	if v != "" {
		v += " "
	}
	fmt.Fprintf(a.stdout, "%s kubectl %sat %s with %s\n", verb, v, res.Kubectl, action.Manager.Manager)
	return nil
}

// newClient builds the library client from --mirror, KUBEBOOT_MIRROR,
// --verbose and the signature flags.
func (a *app) newClient(mirrorURL string, verbose bool, sig *signatureFlags) (*bootstrap.Client, error) {
	if mirrorURL == "" {
		mirrorURL = a.getenv("KUBEBOOT_MIRROR")
	}
	sigOpts, err := sig.options(a.getenv)
	if err != nil {
		return nil, err
	}
	opts := bootstrap.Options{BaseURL: mirrorURL, UserAgent: "kubeboot/" + version, Signature: sigOpts}
	if verbose {
		opts.Logf = a.logf
	}
	return bootstrap.New(opts)
}

// printPathAdvice tells the user when the shell will not run the kubectl
// just installed, and what to do about it.
func (a *app) printPathAdvice(target string, r bootstrap.PathReport) {
	dir := filepath.Dir(target)
	if r.DirOnPath {
		for _, other := range r.Shadowing {
			fmt.Fprintf(a.stderr, "warning: %s comes earlier on your PATH and runs instead;\n  remove it, or put %s before %s in PATH\n",
				other, dir, filepath.Dir(other))
		}
		return
	}
	instead := ""
	if len(r.Shadowing) > 0 {
		instead = ", so `kubectl` runs " + r.Shadowing[0] + " instead"
	}
	if runtime.GOOS == "windows" {
		fmt.Fprintf(a.stderr, "note: %s is not on your PATH%s;\n  add it to your user Path (Settings > Environment Variables), then open a new terminal\n", dir, instead)
		return
	}
	fmt.Fprintf(a.stderr, "note: %s is not on your PATH%s;\n  add this line to your shell profile (~/.bashrc, ~/.zshrc), then open a new terminal:\n  export PATH=\"%s:$PATH\"\n", dir, instead, dir)
}

func findCommand(name string) *command {
	for _, c := range commandList() {
		if c.name == name {
			return c
		}
	}
	panic("unknown command " + name) // a programming error in this file set
}

func runVersion(_ context.Context, a *app, args []string) error {
	if _, err := a.parseFlags(findCommand("version"), newFlags("version"), args); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "kubeboot %s (commit %s, built %s, %s/%s)\n", version, commit, date, runtime.GOOS, runtime.GOARCH)
	return nil
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
