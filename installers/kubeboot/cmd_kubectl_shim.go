package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
)

// The shim is kubeboot under the name kubectl, in a folder first on PATH:
// a symlink to the path kubeboot is installed at on Unix (the path it was
// started by, /opt/homebrew/bin/kubeboot, not the versioned file that
// resolves to, which an upgrade replaces), a copy of kubeboot.exe named
// kubectl.exe on Windows. Started as kubectl, kubeboot runs `kubeboot
// kubectl -- ARGS` (shimArgs). The kubectl it then runs is always a stored
// one, named by its absolute path, so the shim never runs itself. A shim is
// recognised by what it is (a link to a file named kubeboot, or a file
// holding shimMarker), not by where it pointed, so that one left dangling
// by an older kubeboot is still replaced, removed and reported.

// shimMarker is a string every kubeboot executable holds: a file with it
// is a shim that `shim uninstall` may remove (a copy of an older or newer
// kubeboot included); any other kubectl is left alone.
var shimMarker = []byte("kubeboot-kubectl-shim/v1")

// shimName is the shim's file name on goos.
func shimName(goos string) string {
	if goos == "windows" {
		return "kubectl.exe"
	}
	return "kubectl"
}

// baseName is the last element of a path on goos (both separators on
// Windows), for argv[0].
func baseName(goos, p string) string {
	if goos == "windows" {
		p = p[strings.LastIndexAny(p, `\/:`)+1:]
	} else {
		p = p[strings.LastIndex(p, "/")+1:]
	}
	return p
}

// shimArgs returns the arguments kubeboot runs with when started as
// argv0 with args: `kubectl -- args` when argv0 names kubectl (kubectl,
// kubectl.exe, any case on Windows), else args unchanged.
func shimArgs(goos, argv0 string, args []string) []string {
	name := baseName(goos, argv0)
	if goos == "windows" {
		name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	}
	if name != "kubectl" {
		return args
	}
	return append([]string{"kubectl", "--"}, args...)
}

// isShim reports whether path is a kubeboot shim: a symlink to a file
// named kubeboot (there or not), or a symlink to, copy or link of a
// kubeboot executable (one holding shimMarker).
func isShim(path string) bool {
	if linksToKubeboot(path) {
		return true
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	f, err := os.Open(target)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return containsMarker(f)
}

// linksToKubeboot reports whether path is a symlink whose target is named
// kubeboot (kubeboot.exe on Windows), whether or not it exists.
func linksToKubeboot(path string) bool {
	target, err := os.Readlink(path)
	if err != nil {
		return false
	}
	name := baseName(runtime.GOOS, target)
	if runtime.GOOS == "windows" {
		name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	}
	return name == "kubeboot"
}

// shimBroken reports whether the shim at path leads nowhere (its kubeboot
// was removed): plain kubectl then runs another kubectl on PATH, or none.
func shimBroken(path string) bool {
	_, err := os.Stat(path)
	return err != nil
}

// kubebootPath is the path kubeboot is installed at, for the shim: the
// path it was started by (argv[0], or where PATH finds that name), symlinks
// kept, when that is the running executable; else the executable.
func (a *app) kubebootPath() (string, error) {
	exe, err := a.host.Executable()
	if err != nil {
		return "", err
	}
	argv0, cand := a.host.Argv0, ""
	switch {
	case argv0 == "" || shimArgs(a.host.GOOS, argv0, nil) != nil:
		// unknown, or started as kubectl (the shim itself)
	case strings.ContainsAny(argv0, `/\`):
		cand = argv0
	default:
		cand, _ = a.host.LookPath(argv0)
	}
	if cand != "" {
		if !filepath.IsAbs(cand) {
			if wd, err := a.host.Getwd(); err == nil {
				cand = filepath.Join(wd, cand)
			}
		}
		if filepath.IsAbs(cand) && sameFile(cand, exe) {
			return filepath.Clean(cand), nil
		}
	}
	return exe, nil
}

// containsMarker scans r for shimMarker, 1 MiB at a time.
func containsMarker(r io.Reader) bool {
	buf := make([]byte, 1<<20)
	keep := len(shimMarker) - 1
	n := 0
	for {
		m, err := r.Read(buf[n:])
		n += m
		if bytes.Contains(buf[:n], shimMarker) {
			return true
		}
		if err != nil {
			return false
		}
		if n > keep {
			copy(buf, buf[n-keep:n])
			n = keep
		}
	}
}

// shimOutput is the JSON result of `kubeboot kubectl shim install|uninstall`.
type shimOutput struct {
	Path    string `json:"path"`
	Target  string `json:"target,omitempty"`
	Changed bool   `json:"changed"`
	// OnPath is true when the shim's folder is on PATH; FirstOnPath when
	// `kubectl` on PATH runs the shim.
	OnPath      bool `json:"onPath"`
	FirstOnPath bool `json:"firstOnPath"`
	// Before lists kubectls that PATH finds first.
	Before []string `json:"before,omitempty"`
}

func newCmdKubectlShim(a *app) *cobra.Command {
	var dir string
	var out outputOptions
	cmd := &cobra.Command{
		Use:   "shim",
		Short: "put a kubectl on PATH that runs `kubeboot kubectl` (install, uninstall)",
		Long: "`shim install` puts kubeboot, named kubectl, into --dir (default the per-user install folder),\n" +
			"so that plain `kubectl ...` follows the project pin and the cluster. `shim uninstall` removes it,\n" +
			"and never a kubectl that is not the shim.",
		Args: unknownSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, sub := range []struct {
		name, short string
		run         func(dir string) (*shimOutput, error)
	}{
		{"install", "put the kubectl shim into --dir", a.installShim},
		{"uninstall", "remove the kubectl shim from --dir", a.uninstallShim},
	} {
		c := &cobra.Command{
			Use:   sub.name,
			Short: sub.short,
			Args:  noArgs(""),
			RunE: func(cmd *cobra.Command, _ []string) error {
				res, err := sub.run(dir)
				if err != nil {
					return err
				}
				if out.JSON() {
					return writeJSON(a.host.Stdout, res)
				}
				a.printShim(sub.name, res)
				return nil
			},
		}
		c.Flags().Var(pathFlag(a.host, &dir), "dir", "the folder of the shim (default the per-user install folder, ~/.local/bin)")
		addOutputFlags(c, &out)
		_ = c.MarkFlagDirname("dir")
		cmd.AddCommand(c)
	}
	return cmd
}

// shimPath is the shim's path in dir, default the user install folder.
func (a *app) shimPath(dir string) (string, error) {
	if dir == "" {
		d, err := a.host.env().UserInstallDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, shimName(a.host.GOOS)), nil
}

// shimReport fills in how PATH sees the shim at path.
func (a *app) shimReport(res *shimOutput) {
	r := a.host.env().CheckPath(res.Path)
	res.OnPath = r.DirOnPath
	res.FirstOnPath = r.DirOnPath && len(r.Shadowing) == 0
	res.Before = r.Shadowing
}

func (a *app) installShim(dir string) (*shimOutput, error) {
	path, err := a.shimPath(dir)
	if err != nil {
		return nil, err
	}
	exe, err := a.kubebootPath()
	if err != nil {
		return nil, fmt.Errorf("find the kubeboot executable for the shim: %w", err)
	}
	res := &shimOutput{Path: path, Target: exe}
	if _, err := os.Lstat(path); err == nil {
		if !isShim(path) {
			return nil, fmt.Errorf("%s is a kubectl that is not kubeboot's shim, so it was left alone: move it away, or choose another --dir first on PATH", path)
		}
		if t, err := os.Readlink(path); err == nil && t == exe && a.host.GOOS != "windows" {
			a.shimReport(res)
			return res, nil // already this kubeboot
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(path), ".kubectl.kubeboot-shim.tmp")
	os.Remove(tmp)
	if err := placeShim(a.host.GOOS, exe, tmp); err != nil {
		return nil, fmt.Errorf("put the shim at %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("put the shim at %s: %w", path, err)
	}
	res.Changed = true
	a.shimReport(res)
	return res, nil
}

// placeShim makes tmp run exe: a symlink on Unix; on Windows, where a
// symlink needs developer mode, a copy. Not a hard link: Windows refuses to
// delete any link of a running executable, so kubeboot.exe could then not
// uninstall (or replace) its own shim, and a self-update would leave the
// link on the old file anyway.
func placeShim(goos, exe, tmp string) error {
	if goos != "windows" {
		return os.Symlink(exe, tmp)
	}
	src, err := os.Open(exe)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func (a *app) uninstallShim(dir string) (*shimOutput, error) {
	path, err := a.shimPath(dir)
	if err != nil {
		return nil, err
	}
	res := &shimOutput{Path: path}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if !isShim(path) {
		return nil, fmt.Errorf("%s is not kubeboot's shim, so it was left alone", path)
	}
	if err := os.Remove(path); err != nil {
		return nil, fmt.Errorf("remove the shim: %w", err)
	}
	res.Changed = true
	return res, nil
}

func (a *app) printShim(verb string, res *shimOutput) {
	h := a.host
	switch {
	case verb == "uninstall" && res.Changed:
		fmt.Fprintf(h.Stdout, "removed the kubectl shim %s\n", res.Path)
		return
	case verb == "uninstall":
		fmt.Fprintf(h.Stdout, "no kubectl shim at %s\n", res.Path)
		return
	case res.Changed:
		fmt.Fprintf(h.Stdout, "installed the kubectl shim %s (runs kubeboot kubectl)\n", res.Path)
	default:
		fmt.Fprintf(h.Stdout, "the kubectl shim %s is already in place\n", res.Path)
	}
	a.printShimNote(res)
}

// printShimNote tells the user when PATH does not run the shim.
func (a *app) printShimNote(res *shimOutput) {
	h := a.host
	dir := filepath.Dir(res.Path)
	switch {
	case !res.OnPath:
		fmt.Fprintf(h.Stderr, "note: %s is not on your PATH, so plain kubectl does not run the shim;\n  %s\n", dir, pathFix(h.GOOS, dir))
	case len(res.Before) > 0:
		fmt.Fprintf(h.Stderr, "note: %s comes earlier on your PATH and runs instead;\n  put %s before %s in PATH\n", res.Before[0], dir, filepath.Dir(res.Before[0]))
	}
}

// doctorShim reports the shim (where, and whether PATH runs it) and what
// `kubeboot kubectl` would run in this folder.
func (a *app) doctorShim(ctx context.Context, add func(check)) {
	env := a.host.env()
	var shim string
	onPath := env.KubectlsOnPath()
	for _, p := range onPath {
		if isShim(p) {
			shim = p
			break
		}
	}
	if shim == "" {
		if p, err := a.shimPath(""); err == nil && isShim(p) {
			shim = p
		}
	}
	for _, dir := range filepath.SplitList(a.host.Getenv("PATH")) {
		// A shim left dangling, which PATH passes over.
		if p := filepath.Join(dir, shimName(a.host.GOOS)); shim == "" && dir != "" && linksToKubeboot(p) && shimBroken(p) {
			shim = p
		}
	}
	runs := a.kubectlHereDetail(ctx)
	here := "kubeboot kubectl here: " + runs
	switch {
	case shim == "":
		add(check{Name: "shim", OK: true, Detail: "no kubectl shim (optional: kubeboot kubectl shim install); " + here})
	case shimBroken(shim):
		target, _ := os.Readlink(shim)
		add(check{Name: "shim", Detail: fmt.Sprintf("the kubectl shim %s leads to %s, which is gone, so plain kubectl runs another kubectl or none", shim, target),
			Fix: "kubeboot kubectl shim install"})
	case len(onPath) > 0 && onPath[0] == shim:
		add(check{Name: "shim", OK: true, Detail: shim + " is first on PATH: kubectl here runs " + runs})
	default:
		dir := filepath.Dir(shim)
		c := check{Name: "shim", Detail: shim + " is not first on PATH, so plain kubectl does not use it; " + here}
		if len(onPath) > 0 {
			c.Fix = "put " + dir + " before " + filepath.Dir(onPath[0]) + " in PATH"
		} else {
			c.Fix = pathFix(a.host.GOOS, dir)
		}
		add(c)
	}
}

// kubectlHereDetail says which kubectl `kubeboot kubectl` runs here, and
// why, without downloading anything.
func (a *app) kubectlHereDetail(ctx context.Context) string {
	res, err := a.kubectlHere(ctx, false)
	if err != nil {
		return err.Error()
	}
	return strings.TrimPrefix(hereLine(res), "here: ")
}

// offerShim installs the shim after setup under --shim; otherwise, when
// the merged kubeconfig has more than one context, it asks (default no)
// on a terminal, or only mentions it under --yes or without one.
func (a *app) offerShim(ctx context.Context, o *SetupOptions, talk stream, res *setupResult) error {
	if res.Shim != nil { // installed with kubectl, in setup's step 1
		a.printShimNote(res.Shim)
		return nil
	}
	install := o.Shim
	if !install {
		locs, err := a.host.kubeconfigLocations(a.kubeconfig)
		if err != nil {
			return nil
		}
		names, _ := contextNames(locs.Files)
		if len(names) < 2 {
			return nil
		}
		if path, err := a.shimPath(""); err == nil && isShim(path) {
			return nil // already there
		}
		question := fmt.Sprintf("You have %d contexts. Install the kubectl shim, so that plain kubectl runs the version of each cluster (and project pin)?", len(names))
		if o.Yes || o.output.JSON() || !a.host.StdinTerminal {
			fmt.Fprintf(talk.w, "tip: with %d contexts, `kubeboot kubectl shim install` makes plain kubectl follow each cluster's version\n", len(names))
			return nil
		}
		yes, err := a.ask(ctx, question)
		if err != nil || !yes {
			return err
		}
	}
	r, err := a.installShim("")
	if err != nil {
		return fmt.Errorf("install the kubectl shim: %w", err)
	}
	res.Shim = r
	fmt.Fprintf(talk.w, "%s kubectl shim at %s\n", talk.mark(true), r.Path)
	a.printShimNote(r)
	return nil
}
