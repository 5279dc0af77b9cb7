package pkgmgr

import (
	"context"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/ospath"
)

// Ownership says which package manager, if any, installed a kubectl.
type Ownership struct {
	// Manager is the owner; None for a kubectl no manager knows about, such
	// as a direct download.
	Manager Manager `json:"manager"`
	// Package is the owner's name for it: the formula kubernetes-cli, the
	// Chocolatey package kubernetes-cli, the Scoop app kubectl, the Debian
	// package kubernetes-client...
	Package string `json:"package,omitempty"`
	// Path is the kubectl asked about, Resolved the file it links to.
	Path     string `json:"path"`
	Resolved string `json:"resolved,omitempty"`
	// Prefix is the manager's root folder, when it shows in the path.
	Prefix string `json:"prefix,omitempty"`
}

// Managed reports whether a package manager owns the kubectl.
func (o Ownership) Managed() bool { return o.Manager != None }

// OwnerTimeout bounds each package database query of Owner.
const OwnerTimeout = 15 * time.Second

// Owner says which package manager owns the kubectl at path: a Homebrew
// Cellar (after resolving symlinks, as /opt/homebrew/bin/kubectl ->
// ../Cellar/kubernetes-cli/1.37.2/bin/kubectl), Chocolatey's lib and bin
// folders, Scoop's shims and apps folders, winget's Links and Packages
// folders, a snap, or on Linux a Debian or RPM package, asked through
// `dpkg-query -S` and `rpm -qf`.
func Owner(ctx context.Context, s System, path string) Ownership {
	s = s.WithDefaults()
	o := Ownership{Path: path}
	if path == "" {
		return o
	}
	candidates := []string{path}
	if r, err := s.EvalSymlinks(path); err == nil && r != path {
		o.Resolved = r
		candidates = []string{r, path}
	}
	for _, p := range candidates {
		var ok bool
		switch s.GOOS {
		case "windows":
			ok = windowsOwner(s, p, &o)
		default:
			ok = brewOwner(s.GOOS, p, &o)
		}
		if ok {
			return o
		}
	}
	if s.GOOS == "linux" {
		for _, p := range candidates {
			if linuxOwner(ctx, s, p, &o) {
				return o
			}
		}
	}
	return o
}

// brewOwner recognises PREFIX/Cellar/FORMULA/VERSION/..., the Caskroom and
// PREFIX/opt/FORMULA/..., which every Homebrew prefix uses, wherever the
// prefix is.
func brewOwner(goos, p string, o *Ownership) bool {
	el := ospath.Elems(goos, p)
	for i := 0; i+1 < len(el); i++ {
		switch el[i] {
		case "Cellar", "Caskroom":
		case "opt":
			if i == 0 || !looksLikeBrewPrefix(el[:i]) {
				continue
			}
		default:
			continue
		}
		o.Manager, o.Package = Homebrew, el[i+1]
		o.Prefix = "/" + strings.Join(el[:i], "/")
		return true
	}
	return false
}

// looksLikeBrewPrefix is true for the usual Homebrew prefixes, where a
// path under opt/ is a formula's link rather than, say, /opt/kubectl.
func looksLikeBrewPrefix(el []string) bool {
	last := el[len(el)-1]
	return last == "homebrew" || last == ".linuxbrew" || (len(el) == 2 && el[0] == "usr" && el[1] == "local")
}

func windowsOwner(s System, p string, o *Ownership) bool {
	const goos = "windows"
	type place struct {
		m        Manager
		dir      string
		fixedPkg string // the package when the folder does not name it
	}
	var places []place
	choco := chocoRoot(s)
	places = append(places, place{Chocolatey, ospath.Join(goos, choco, "lib"), ""}, place{Chocolatey, ospath.Join(goos, choco, "bin"), "kubernetes-cli"})
	for _, root := range scoopRoots(s) {
		places = append(places, place{Scoop, ospath.Join(goos, root, "apps"), ""}, place{Scoop, ospath.Join(goos, root, "shims"), "kubectl"})
	}
	var wingetRoots []string
	if la := localAppData(s); la != "" {
		wingetRoots = append(wingetRoots, ospath.Join(goos, la, "Microsoft", "WinGet"))
	}
	pf := s.Getenv("ProgramFiles")
	if pf == "" {
		pf = `C:\Program Files`
	}
	wingetRoots = append(wingetRoots, ospath.Join(goos, pf, "WinGet"))
	for _, root := range wingetRoots {
		places = append(places, place{Winget, ospath.Join(goos, root, "Packages"), ""}, place{Winget, ospath.Join(goos, root, "Links"), "Kubernetes.kubectl"})
	}
	for _, pl := range places {
		rel, ok := ospath.Within(goos, p, pl.dir)
		if !ok || len(rel) == 0 {
			continue
		}
		o.Manager, o.Prefix = pl.m, ospath.Dir(goos, pl.dir)
		if pl.fixedPkg == "" {
			o.Package = rel[0]
			if pl.m == Winget { // Packages\Kubernetes.kubectl_Microsoft.Winget.Source_8wekyb3d8bbwe
				o.Package, _, _ = strings.Cut(o.Package, "_")
			}
		} else if isKubectl(goos, p) {
			// A shim folder names no package: kubectl's is known; another
			// program's is left unknown (helm's shim is not kubernetes-cli).
			o.Package = pl.fixedPkg
		}
		return true
	}
	// Managers installed somewhere unusual still have their layout.
	el := ospath.Elems(goos, p)
	for i := 0; i+2 < len(el); i++ {
		var m Manager
		switch sub := strings.ToLower(el[i+1]); strings.ToLower(el[i]) {
		case "chocolatey":
			if sub == "lib" || sub == "bin" {
				m = Chocolatey
			}
		case "scoop":
			if sub == "apps" || sub == "shims" {
				m = Scoop
			}
		}
		if m == None {
			continue
		}
		o.Manager, o.Prefix = m, strings.Join(el[:i+1], `\`)
		switch strings.ToLower(el[i+1]) {
		case "lib", "apps":
			o.Package = el[i+2]
		case "bin":
			if isKubectl(goos, p) {
				o.Package = "kubernetes-cli"
			}
		default:
			if isKubectl(goos, p) {
				o.Package = "kubectl"
			}
		}
		return true
	}
	return false
}

// isKubectl reports whether the program at p is a kubectl (by its name).
func isKubectl(goos, p string) bool {
	el := ospath.Elems(goos, p)
	return len(el) > 0 && strings.EqualFold(strings.TrimSuffix(strings.ToLower(el[len(el)-1]), ".exe"), "kubectl")
}

// linuxOwner recognises snaps, then asks dpkg and rpm about files in the
// system folders they install into.
func linuxOwner(ctx context.Context, s System, p string, o *Ownership) bool {
	if rel, ok := ospath.Within("linux", p, "/snap"); ok && len(rel) >= 2 {
		o.Manager, o.Prefix, o.Package = Snap, "/snap", rel[0]
		if rel[0] == "bin" {
			o.Package = strings.SplitN(rel[1], ".", 2)[0]
		}
		return true
	}
	if !systemPath(p) {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, OwnerTimeout)
	defer cancel()
	if out, err := s.Output(ctx, "dpkg-query", "-S", p); err == nil {
		if pkg := parseDpkgS(string(out), p); pkg != "" {
			o.Manager, o.Package = Dpkg, pkg
			return true
		}
	}
	if out, err := s.Output(ctx, "rpm", "-qf", "--queryformat", `%{NAME}\n`, p); err == nil {
		if pkg := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]); pkg != "" && !strings.Contains(pkg, " ") {
			o.Manager, o.Package = RPM, pkg
			return true
		}
	}
	return false
}

// systemPath is true for the folders packages install into; never for
// /usr/local, /opt or home folders, which packages leave to the admin.
func systemPath(p string) bool {
	for _, d := range []string{"/usr/local", "/home", "/root", "/opt", "/tmp"} {
		if _, in := ospath.Within("linux", p, d); in {
			return false
		}
	}
	for _, d := range []string{"/usr", "/bin", "/sbin", "/etc/alternatives"} {
		if _, in := ospath.Within("linux", p, d); in {
			return true
		}
	}
	return false
}

// parseDpkgS picks the package of path out of `dpkg-query -S path` output:
// lines "pkg1, pkg2:amd64: /usr/bin/kubectl", possibly with "diversion by"
// lines.
func parseDpkgS(out, path string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "diversion ") {
			continue
		}
		i := strings.LastIndex(line, ": ")
		if i < 0 || strings.TrimSpace(line[i+2:]) != path {
			continue
		}
		pkg := strings.TrimSpace(strings.Split(line[:i], ",")[0])
		pkg, _, _ = strings.Cut(pkg, ":")
		return pkg
	}
	return ""
}
