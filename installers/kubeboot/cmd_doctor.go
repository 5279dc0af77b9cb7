package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// check is one finding of `kubeboot doctor`.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// Tool is set on the line of a catalogue tool other than kubectl.
	Tool *toolFinding `json:"tool,omitempty"`
}

// toolFinding is what doctor found of one catalogue tool.
type toolFinding struct {
	// Path is the copy a shell runs (the first on PATH), or the one in
	// kubeboot's install folder when none is on PATH.
	Path    string `json:"path"`
	SHA256  string `json:"sha256,omitempty"`
	Version string `json:"version,omitempty"` // "" when unknown
	// Verified says whether kubeboot installed that very file verified;
	// How says against what, or who owns it otherwise.
	Verified bool   `json:"verified"`
	How      string `json:"how"`
	OnPath   bool   `json:"onPath"`
	// Shadowed are the other copies on PATH (and kubeboot's, when it is
	// not the one run), which the shell does not run.
	Shadowed []string `json:"shadowed,omitempty"`
}

// DoctorOptions are the flags of `kubeboot doctor`.
type DoctorOptions struct {
	app    *app
	output outputOptions
}

// doctorOutput is the JSON result of `kubeboot doctor`.
type doctorOutput struct {
	OK     bool    `json:"ok"`
	Checks []check `json:"checks"`
}

// NewCmdDoctor is `kubeboot doctor`.
func NewCmdDoctor(a *app) *cobra.Command {
	o := &DoctorOptions{app: a}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "check kubectl, PATH, kubeconfig files and access; change nothing",
		Long: "Check every kubectl on PATH, kubeboot's install folder, helm, virtctl and the credential plugins found\n" +
			"(one line each: the copy run, its version, verified or not and how, shadowed copies), each kubeconfig file kubectl reads,\n" +
			"the current context (or --context), its credentials against the cluster, kubectl's version skew,\n" +
			"and the credential plugin (exec) of every user, as kubeboot kubeconfig plugins does.\n" +
			"It changes nothing, and exits 1 when something needs fixing.",
		Example: "  kubeboot doctor\n  kubeboot doctor -o json",
		Args:    noArgs(""),
		RunE:    func(cmd *cobra.Command, _ []string) error { return doctorRun(cmd.Context(), o) },
	}
	addOutputFlags(cmd, &o.output)
	return cmd
}

// doctorRun checks the machine the way the getting-started page would leave
// it, and changes nothing.
func doctorRun(ctx context.Context, o *DoctorOptions) error {
	a := o.app
	var checks []check
	add := func(c check) { checks = append(checks, c) }
	kubectlVersion := a.doctorKubectl(ctx, add)
	a.doctorSignature(ctx, kubectlVersion, add)
	a.doctorInstallDir(add)
	a.doctorShim(ctx, add)
	a.doctorTools(ctx, add)
	a.doctorKubeconfig(ctx, kubectlVersion, add)
	a.doctorPlugins(ctx, add)

	bad := 0
	for _, c := range checks {
		if !c.OK {
			bad++
		}
	}
	out := a.stdout()
	if o.output.JSON() {
		if err := writeJSON(out.w, doctorOutput{bad == 0, checks}); err != nil {
			return err
		}
	} else {
		for _, c := range checks {
			fmt.Fprintf(out.w, "%s %-11s %s\n", out.mark(c.OK), c.Name, c.Detail)
			if c.Fix != "" {
				fmt.Fprintf(out.w, "  %-11s fix: %s\n", "", c.Fix)
			}
		}
	}
	if bad > 0 {
		return &exitError{code: exitFailure, msg: "something needs fixing"}
	}
	if !o.output.JSON() {
		fmt.Fprintln(out.w, "all good")
	}
	return nil
}

// doctorKubectl reports every kubectl on PATH, which one wins, its version
// and who owns it; it returns the winner's version.
func (a *app) doctorKubectl(ctx context.Context, add func(check)) string {
	onPath := a.host.env().KubectlsOnPath()
	if len(onPath) == 0 {
		add(check{Name: "kubectl", Detail: "no kubectl on PATH", Fix: "kubeboot install kubectl"})
		return ""
	}
	sys := a.host.system()
	var winnerVersion string
	for i, p := range onPath {
		if isShim(p) { // running it could download a kubectl: the shim line says what it runs
			add(check{Name: "kubectl", OK: true, Detail: p + " is kubeboot's kubectl shim (see the shim line)"})
			continue
		}
		v, err := bootstrap.KubectlVersion(ctx, p)
		owner := pkgmgr.Owner(ctx, sys, p)
		who := "installed directly"
		if owner.Managed() {
			who = "owned by " + owner.Manager.String()
			if owner.Package != "" {
				who += " (" + owner.Package + ")"
			}
		}
		c := check{Name: "kubectl", OK: true}
		if i == 0 {
			winnerVersion = v
			c.Detail = fmt.Sprintf("%s %s, %s; this is the one your shell runs", p, v, who)
		} else {
			c.Detail = fmt.Sprintf("%s %s, %s; shadowed by %s", p, v, who, onPath[0])
		}
		if err != nil {
			c.OK = false
			c.Detail = fmt.Sprintf("%s does not run: %v", p, err)
			c.Fix = "remove it, or reinstall: kubeboot install kubectl --force --dir " + filepath.Dir(p)
		}
		add(c)
	}
	return winnerVersion
}

// doctorSignature says whether the kubectl the shell runs is, byte for
// byte, the one the mirror publishes with a valid signature by the
// Kubernetes release team. Only a kubectl that claims a signed release
// but differs from it needs fixing; a package manager's own build, an
// unsigned old release or an unreachable mirror are reported as such.
func (a *app) doctorSignature(ctx context.Context, version string, add func(check)) {
	onPath := a.host.env().KubectlsOnPath()
	if len(onPath) == 0 || version == "" {
		return
	}
	path := onPath[0]
	c := check{Name: "signature", OK: true}
	defer func() { add(c) }()
	if owner := pkgmgr.Owner(ctx, a.host.system(), path); owner.Managed() {
		c.Detail = fmt.Sprintf("kubectl %s comes from %s, which builds or packages its own; its signature is that package's", version, owner.Manager)
		return
	}
	client, err := a.newClient("", false, nil)
	if err != nil {
		c.Detail = "could not check: " + err.Error()
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pub, err := client.Published(ctx, version, bootstrap.Platform{OS: a.host.GOOS, Arch: a.host.GOARCH})
	switch {
	case errors.Is(err, bootstrap.ErrVerification):
		c.OK = false
		c.Detail = fmt.Sprintf("what %s publishes for kubectl %s does not verify: %v", client.BaseURL(), version, err)
		c.Fix = "check your mirror (KUBEBOOT_MIRROR) or proxy"
		return
	case err != nil:
		c.Detail = fmt.Sprintf("could not check kubectl %s against %s: %v", version, client.BaseURL(), err)
		return
	}
	sum, err := fileSHA256(path)
	if err != nil {
		c.Detail = "could not read " + path + ": " + err.Error()
		return
	}
	switch {
	case sum != pub.SHA256:
		c.OK = false
		c.Detail = fmt.Sprintf("%s says it is kubectl %s but is not the file %s publishes (sha256 %s, published %s)", path, version, client.BaseURL(), sum, pub.SHA256)
		c.Fix = "reinstall it: kubeboot install kubectl --force --version " + version + " --dir " + filepath.Dir(path)
	case pub.Signature != nil && pub.Signature.Verified:
		c.Detail = fmt.Sprintf("%s is kubectl %s as published, signed by %s", path, version, pub.Signature.Identity)
	case pub.Signature != nil:
		c.Detail = fmt.Sprintf("%s is kubectl %s as published (%s)", path, version, pub.Signature.Reason)
	default:
		c.Detail = fmt.Sprintf("%s is kubectl %s as published; its signature was not checked (KUBEBOOT_VERIFY_SIGNATURE=off)", path, version)
	}
}

// doctorTools reports, one line per tool, each catalogue tool other than
// kubectl found on PATH or in kubeboot's install folder: the copy a shell
// runs, its version and how it was verified when kubeboot installed that
// very file (its cache's record, or a store receipt), else who owns it,
// and the copies it shadows. A copy kubeboot installed that a shell does
// not run (not on PATH, or shadowed by another) needs fixing.
func (a *app) doctorTools(ctx context.Context, add func(check)) {
	env := a.host.env()
	client, _ := a.newClient("", false, nil)
	installDir, _ := env.DefaultInstallDir()
	hp := catalog.Platform{OS: a.host.GOOS, Arch: a.host.GOARCH}
	for _, t := range catalog.All() {
		if t.Name == "kubectl" || t.Delegate != "" {
			continue
		}
		copies := env.ProgramsOnPath(t.Program)
		f := &toolFinding{OnPath: len(copies) > 0}
		own := ""
		if installDir != "" {
			p := filepath.Join(installDir, t.ProgramFor(hp))
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				own = p
				if !sameFileIn(copies, p) {
					copies = append(copies, p)
				}
			}
		}
		if len(copies) == 0 {
			continue
		}
		f.Path, f.Shadowed = copies[0], copies[1:]
		c := check{Name: t.Name, OK: true, Tool: f}
		f.SHA256, _ = fileSHA256(f.Path)
		a.toolProvenance(ctx, client, t, f)
		for _, p := range f.Shadowed {
			// A copy kubeboot installed verified, which the shell does not run.
			if sum, err := fileSHA256(p); err == nil && client != nil && !f.Verified {
				if vp, ok := client.VerifiedProgram(sum); ok && vp.Tool == t.Name {
					own = p
					break
				}
			}
		}
		version := f.Version
		if version == "" {
			version = "(version unknown)"
		}
		c.Detail = fmt.Sprintf("%s %s at %s, %s", t.Name, version, f.Path, f.How)
		switch {
		case !f.OnPath:
			c.OK = false
			c.Detail += "; not on PATH"
			c.Fix = pathFix(a.host.GOOS, filepath.Dir(f.Path))
		case own != "" && !f.Verified && !sameFileIn(copies[:1], own):
			c.OK = false
			c.Detail += "; kubeboot's " + own + " is shadowed by it"
			c.Fix = "remove or rename " + f.Path + ", or put " + filepath.Dir(own) + " earlier on PATH"
		case len(f.Shadowed) > 0:
			c.Detail += "; on PATH, shadowing " + strings.Join(f.Shadowed, ", ")
		default:
			c.Detail += "; on PATH"
		}
		add(c)
	}
}

// toolProvenance fills in how f's file came to be: installed verified by
// kubeboot (its cache's record of InstallTool, or the tool's store
// receipt), owned by a package manager, or unknown.
func (a *app) toolProvenance(ctx context.Context, client *bootstrap.Client, t *catalog.Tool, f *toolFinding) {
	if client != nil && f.SHA256 != "" {
		if vp, ok := client.VerifiedProgram(f.SHA256); ok && vp.Tool == t.Name {
			f.Version, f.Verified = vp.Version, true
			f.How = "verified by kubeboot against " + vp.Evidence
			return
		}
	}
	if st, err := store.New(store.Options{Dir: filepath.Join(a.host.CacheDir, t.Name), Tool: t.Name, Client: client}); err == nil && a.host.CacheDir != "" && f.SHA256 != "" {
		entries, _ := st.List()
		for _, e := range entries {
			if e.Intact && e.Receipt.SHA256 == f.SHA256 {
				var kinds []string
				for _, ev := range e.Receipt.Evidence {
					kinds = append(kinds, string(ev.Kind))
				}
				f.Version, f.Verified = e.Version, true
				f.How = "verified by kubeboot against " + strings.Join(kinds, ", ") + " (store receipt)"
				return
			}
		}
	}
	if owner := pkgmgr.Owner(ctx, a.host.system(), f.Path); owner.Managed() {
		f.How = "owned by " + owner.Manager.String() + " (its own checks)"
		return
	}
	f.How = "not installed by kubeboot: not verified by it"
}

// sameFileIn reports whether path is, or reaches the same file as, one of
// paths.
func sameFileIn(paths []string, path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	for _, p := range paths {
		if pi, err := os.Stat(p); err == nil && os.SameFile(pi, fi) {
			return true
		}
	}
	return false
}

// fileSHA256 is the hex SHA-256 of a file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// doctorInstallDir says whether kubeboot's default install folder is on
// PATH; it only needs fixing when kubectl lives there.
func (a *app) doctorInstallDir(add func(check)) {
	env := a.host.env()
	dir, err := env.DefaultInstallDir()
	if err != nil {
		add(check{Name: "install dir", Detail: err.Error()})
		return
	}
	target := filepath.Join(dir, bootstrap.HostPlatform().Executable())
	r := env.CheckPath(target)
	_, statErr := os.Stat(target)
	switch {
	case r.DirOnPath:
		add(check{Name: "install dir", OK: true, Detail: dir + " is on PATH"})
	case statErr == nil:
		add(check{Name: "install dir", Detail: dir + " holds kubectl but is not on PATH", Fix: pathFix(a.host.GOOS, dir)})
	default:
		add(check{Name: "install dir", OK: true, Detail: dir + " is not on PATH (nothing installed there)"})
	}
}

func pathFix(goos, dir string) string {
	if goos == "windows" {
		return "add " + dir + " to your user Path, then open a new terminal"
	}
	return "add to your shell profile: " + exportPath(dir)
}

// exportPath is the shell line that puts dir first on PATH, dir quoted so
// that no character of it ($, `, ", \, ') means anything to the shell.
func exportPath(dir string) string {
	return `export PATH='` + strings.ReplaceAll(dir, `'`, `'\''`) + `':"$PATH"`
}

// doctorKubeconfig checks each kubeconfig file kubectl reads, the current
// context, and that its credentials work against the cluster.
func (a *app) doctorKubeconfig(ctx context.Context, kubectlVersion string, add func(check)) {
	locs, err := a.host.kubeconfigLocations(a.kubeconfig)
	if err != nil {
		add(check{Name: "kubeconfig", Detail: err.Error()})
		return
	}
	existing := 0
	for _, f := range locs.Files {
		fi, err := os.Stat(f)
		if errors.Is(err, fs.ErrNotExist) {
			if len(locs.Files) > 1 {
				add(check{Name: "kubeconfig", OK: true, Detail: f + " does not exist (skipped, as kubectl does)"})
			}
			continue
		}
		existing++
		if err != nil {
			add(check{Name: "kubeconfig", Detail: err.Error()})
			continue
		}
		if _, err := kubeconfig.Load(f); err != nil {
			add(check{Name: "kubeconfig", Detail: err.Error(), Fix: "restore a backup (" + kubeconfig.BackupPattern(a.host.StateDir, f) + ") or fix the file"})
			continue
		}
		c := check{Name: "kubeconfig", OK: true, Detail: f + " parses"}
		var problems []string
		if a.host.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			problems = append(problems, fmt.Sprintf("others may read it (mode %04o)", fi.Mode().Perm()))
			c.Fix = "chmod 600 " + f
		}
		if mine, known := ownedByCurrentUser(fi); known && !mine {
			problems = append(problems, "it belongs to another user")
			c.Fix = strings.TrimPrefix(c.Fix+"; ", "; ") + "chown it to yourself"
		}
		if len(problems) > 0 {
			c.OK = false
			c.Detail = f + ": " + strings.Join(problems, ", ")
		}
		add(c)
	}
	locks, details := a.leftLocks()
	for i, lock := range locks {
		add(check{Name: "kubeconfig lock", Detail: details[i], Fix: "rm " + lock + " (no kubeboot made it that still runs), or run any kubeboot kubeconfig write, which removes it"})
	}
	if existing == 0 {
		add(check{Name: "kubeconfig", Detail: "no kubeconfig (looked for " + strings.Join(locs.Files, ", ") + ")",
			Fix: "kubeboot kubeconfig import ~/Downloads/cw-kubeconfig"})
		return
	}
	view, err := kubeconfig.LoadView(locs.Files)
	if err != nil {
		return // reported per file above
	}
	current, defined := view.Current()
	if a.context != "" {
		_, defined = view.Lookup(kubeconfig.KindContext, a.context)
		current = a.context
	}
	switch {
	case current == "":
		add(check{Name: "context", Detail: "no current context", Fix: "kubectl config use-context coreweave"})
		return
	case !defined:
		add(check{Name: "context", Detail: "context " + current + " is not defined in any file", Fix: "kubectl config use-context NAME"})
		return
	}
	label := "current context "
	if a.context != "" {
		label = "context "
	}
	add(check{Name: "context", OK: true, Detail: label + current})

	r, err := verify.Verify(ctx, verify.Options{Config: view, Context: a.context, KubectlVersion: kubectlVersion})
	if err != nil {
		msg, hint := explain(err)
		add(check{Name: "access", Detail: msg, Fix: hint})
		return
	}
	who := r.User
	if r.Identity != nil {
		who = r.Identity.Username
	}
	detail := fmt.Sprintf("%s reachable (Kubernetes %s), authenticated as %s", r.Server, r.ServerVersion, who)
	if r.Secrets.Allowed {
		detail += fmt.Sprintf(", %d secrets in %s", r.Secrets.Count, r.Namespace)
	} else {
		detail += ", RBAC does not allow listing secrets in " + r.Namespace
	}
	add(check{Name: "access", OK: true, Detail: detail})
	if sk := r.Skew; sk != nil {
		skewFix(sk)
		add(check{Name: "skew", OK: sk.Level != verify.SkewWarn, Detail: sk.Message, Fix: sk.Fix})
	}
}
