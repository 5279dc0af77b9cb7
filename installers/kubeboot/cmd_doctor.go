package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// check is one finding of `kubeboot doctor`.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// errNeedsFixing makes doctor exit 1 after printing its findings.
var errNeedsFixing = errors.New("something needs fixing")

// runDoctor checks the machine the way the getting-started page would leave
// it, and changes nothing.
func runDoctor(ctx context.Context, a *app, args []string) error {
	c := findCommand("doctor")
	fs := newFlags("doctor")
	explicit := fs.String("kubeconfig", "", "kubeconfig to check (default: as kubectl decides)")
	asJSON := fs.Bool("json", false, "print the findings as one JSON object")
	pos, err := a.parseFlags(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("kubeboot doctor takes no arguments")
	}

	var checks []check
	add := func(c check) { checks = append(checks, c) }
	kubectlVersion := doctorKubectl(ctx, add)
	doctorInstallDir(add)
	doctorKubeconfig(ctx, *explicit, kubectlVersion, add)

	bad := 0
	for _, c := range checks {
		if !c.OK {
			bad++
		}
	}
	if *asJSON {
		if err := json.NewEncoder(a.stdout).Encode(map[string]any{"ok": bad == 0, "checks": checks}); err != nil {
			return err
		}
	} else {
		for _, c := range checks {
			fmt.Fprintf(a.stdout, "%s %-11s %s\n", a.mark(c.OK), c.Name, c.Detail)
			if c.Fix != "" {
				fmt.Fprintf(a.stdout, "  %-11s fix: %s\n", "", c.Fix)
			}
		}
	}
	if bad > 0 {
		return errNeedsFixing
	}
	if !*asJSON {
		fmt.Fprintln(a.stdout, "all good")
	}
	return nil
}

// doctorKubectl reports every kubectl on PATH, which one wins, its version
// and who owns it; it returns the winner's version.
func doctorKubectl(ctx context.Context, add func(check)) string {
	onPath := bootstrap.KubectlsOnPath()
	if len(onPath) == 0 {
		add(check{Name: "kubectl", Detail: "no kubectl on PATH", Fix: "kubeboot install kubectl"})
		return ""
	}
	sys := pkgmgr.Host()
	var winnerVersion string
	for i, p := range onPath {
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

// doctorInstallDir says whether kubeboot's default install folder is on
// PATH; it only needs fixing when kubectl lives there.
func doctorInstallDir(add func(check)) {
	dir, err := bootstrap.DefaultInstallDir()
	if err != nil {
		add(check{Name: "install dir", Detail: err.Error()})
		return
	}
	target := filepath.Join(dir, bootstrap.HostPlatform().Executable())
	r := bootstrap.CheckPath(target)
	_, statErr := os.Stat(target)
	switch {
	case r.DirOnPath:
		add(check{Name: "install dir", OK: true, Detail: dir + " is on PATH"})
	case statErr == nil:
		add(check{Name: "install dir", Detail: dir + " holds kubectl but is not on PATH", Fix: pathFix(dir)})
	default:
		add(check{Name: "install dir", OK: true, Detail: dir + " is not on PATH (nothing installed there)"})
	}
}

func pathFix(dir string) string {
	if runtime.GOOS == "windows" {
		return "add " + dir + " to your user Path, then open a new terminal"
	}
	return `add to your shell profile: export PATH="` + dir + `:$PATH"`
}

// doctorKubeconfig checks each kubeconfig file kubectl reads, the current
// context, and that its credentials work against the cluster.
func doctorKubeconfig(ctx context.Context, explicit, kubectlVersion string, add func(check)) {
	locs, err := kubeconfig.DefaultLocations(explicit)
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
			add(check{Name: "kubeconfig", Detail: err.Error(), Fix: "restore a backup (" + f + ".kubeboot-backup-*) or fix the file"})
			continue
		}
		c := check{Name: "kubeconfig", OK: true, Detail: f + " parses"}
		var problems []string
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
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
	switch {
	case current == "":
		add(check{Name: "context", Detail: "no current context", Fix: "kubectl config use-context coreweave"})
		return
	case !defined:
		add(check{Name: "context", Detail: "current context " + current + " is not defined in any file", Fix: "kubectl config use-context NAME"})
		return
	}
	add(check{Name: "context", OK: true, Detail: "current context " + current})

	r, err := verify.Verify(ctx, verify.Options{Config: view, KubectlVersion: kubectlVersion})
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
