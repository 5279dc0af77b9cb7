package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/kubeboot/kubeboot/bootstrap"
)

// installOutput is the --json result of `kubeboot install kubectl`.
type installOutput struct {
	*bootstrap.InstallResult
	bootstrap.PathReport
}

func runInstall(ctx context.Context, a *app, args []string) error {
	c := findCommand("install")
	fs := newFlags("install")
	spec := fs.String("version", "stable", "kubectl version: stable, latest, 1.N, latest-1.N, vX.Y.Z, or a constraint like \">=1.35, <1.37\"")
	dir := fs.String("dir", "", "install folder (default /usr/local/bin when writable, else a per-user folder)")
	mirrorURL := fs.String("mirror", "", "base URL of a dl.k8s.io mirror (default $KUBEBOOT_MIRROR or https://dl.k8s.io)")
	force := fs.Bool("force", false, "download and install even when the same kubectl is already there")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	verbose := fs.Bool("verbose", false, "print retries and decisions")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "kubectl" {
		return usageErrorf("say what to install: kubeboot install kubectl [flags]")
	}

	client, err := a.newClient(*mirrorURL, *verbose)
	if err != nil {
		return err
	}
	req := bootstrap.InstallRequest{Version: *spec, Dir: *dir, Force: *force}
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
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(installOutput{res, report})
	}
	if *quiet {
		return nil
	}
	if res.Changed {
		fmt.Fprintf(a.stdout, "installed kubectl %s at %s (sha256 %s verified)\n", res.Version, res.Path, res.SHA256)
	} else {
		fmt.Fprintf(a.stdout, "kubectl %s at %s is already up to date\n", res.Version, res.Path)
	}
	a.printPathAdvice(res.Path, report)
	return nil
}

// newClient builds the library client from --mirror, KUBEBOOT_MIRROR and
// --verbose.
func (a *app) newClient(mirrorURL string, verbose bool) (*bootstrap.Client, error) {
	if mirrorURL == "" {
		mirrorURL = a.getenv("KUBEBOOT_MIRROR")
	}
	opts := bootstrap.Options{BaseURL: mirrorURL, UserAgent: "kubeboot/" + version}
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
