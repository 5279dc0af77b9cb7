package pkgmgr

import (
	"fmt"
	"strings"
)

// Method is how kubectl gets installed.
type Method string

const (
	// MethodAuto upgrades through the manager that owns the kubectl on
	// PATH, installs with Homebrew on a Mac that has it and no kubectl, and
	// downloads directly otherwise.
	MethodAuto Method = "auto"
	// MethodDirect is kubeboot's own verified download.
	MethodDirect Method = "direct"
	// MethodBrew, MethodChoco, MethodScoop and MethodWinget install or
	// upgrade through that manager, and fail when it is not available.
	MethodBrew   Method = "brew"
	MethodChoco  Method = "choco"
	MethodScoop  Method = "scoop"
	MethodWinget Method = "winget"
)

// Methods lists every method, in the order help texts show them.
func Methods() []Method {
	return []Method{MethodAuto, MethodDirect, MethodBrew, MethodChoco, MethodScoop, MethodWinget}
}

// ParseMethod checks a method name; "" means MethodAuto. Errors match
// ErrUnknownMethod.
func ParseMethod(s string) (Method, error) {
	if s == "" {
		return MethodAuto, nil
	}
	for _, m := range Methods() {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	names := make([]string, len(Methods()))
	for i, m := range Methods() {
		names[i] = string(m)
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownMethod, s, strings.Join(names, ", "))
}

// Manager is the package manager a method uses; None for auto and direct.
func (m Method) Manager() Manager {
	switch m {
	case MethodBrew:
		return Homebrew
	case MethodChoco:
		return Chocolatey
	case MethodScoop:
		return Scoop
	case MethodWinget:
		return Winget
	}
	return None
}

func methodOf(m Manager) Method {
	for _, me := range Methods() {
		if me.Manager() == m && m != None {
			return me
		}
	}
	return ""
}

// PlanInput is everything Plan decides from.
type PlanInput struct {
	GOOS   string
	Method Method // "" means MethodAuto
	// Tool is the catalogue tool to install ("helm", "azure-kubelogin"...);
	// "" is kubectl.
	Tool string
	// Kubectl is the tool's program that wins on PATH (kubectl, or the
	// tool's), "" for none, and Owner who owns it (Owner's result).
	Kubectl string
	Owner   Ownership
	// Managers are Detect's result.
	Managers []Found
	// Elevated is Elevated(): Chocolatey needs it.
	Elevated bool
	// Pinned is true when the caller asked for what only a direct download
	// can honour (a version, a folder, a mirror): auto then means direct.
	Pinned bool
}

// Action is Plan's decision.
type Action struct {
	// Method is direct or the manager method to run: never auto.
	Method Method `json:"method"`
	// Manager is the manager to run; zero for direct.
	Manager Found `json:"-"`
	// Args are the manager's arguments, as ["upgrade", "kubectl"].
	Args []string `json:"args,omitempty"`
	// Upgrade is true when the manager already owns the kubectl on PATH.
	Upgrade bool `json:"upgrade,omitempty"`
	// Reason says why, for messages: "the kubectl on PATH belongs to Homebrew".
	Reason string `json:"reason"`
}

// Command is the command line the action runs, nil for direct.
func (a Action) Command() []string {
	if a.Method == MethodDirect || a.Manager.Path == "" {
		return nil
	}
	return append([]string{a.Manager.Path}, a.Args...)
}

// Plan decides how to install kubectl. It never runs anything.
//
// Auto: when the kubectl that wins on PATH belongs to Homebrew, Chocolatey,
// Scoop or winget and that manager is present, upgrade through it rather
// than shadow it; on macOS with Homebrew and no kubectl, brew install
// kubectl; otherwise direct. An explicit manager that is absent, or
// foreign to the OS, is an *UnavailableError; Chocolatey in a shell that is
// not elevated is an *ElevationError.
//
// For a tool other than kubectl the manager is asked for the tool's own
// package (Packages): a manager without one is an *UnavailableError, and
// the program on PATH is upgraded through its manager only when it is
// that package, never another package's program of the same name (Azure's
// kubelogin and int128's share it). Auto installs such a tool directly
// unless its manager already owns it.
func Plan(in PlanInput) (Action, error) {
	method := in.Method
	if method == "" {
		method = MethodAuto
	}
	tool := in.Tool
	if tool == "" {
		tool = "kubectl"
	}
	if !knownTool(tool) {
		return Action{}, fmt.Errorf("%w: no package names are known for %q", ErrUnknownMethod, tool)
	}
	switch method {
	case MethodDirect:
		return Action{Method: MethodDirect, Reason: "requested"}, nil
	case MethodAuto:
		return planAuto(in, tool)
	}
	mgr := method.Manager()
	if mgr == None {
		return Action{}, fmt.Errorf("%w %q", ErrUnknownMethod, method)
	}
	if reason := foreign(mgr, in.GOOS); reason != "" {
		return Action{}, &UnavailableError{Method: method, GOOS: in.GOOS, Reason: reason}
	}
	pkg, ok := packageOf(tool, mgr)
	if !ok {
		return Action{}, &UnavailableError{Method: method, GOOS: in.GOOS, Reason: mgr.String() + " has no package of " + tool}
	}
	f, ok := Lookup(in.Managers, mgr)
	if !ok {
		return Action{}, &UnavailableError{Method: method, GOOS: in.GOOS, Reason: mgr.String() + " is not installed (not on PATH nor in its usual folder)"}
	}
	if in.Kubectl != "" && in.Owner.Manager == mgr && !pkg.owns(in.Owner.Package) {
		return Action{}, &UnavailableError{Method: method, GOOS: in.GOOS,
			Reason: fmt.Sprintf("%s belongs to %s's package %s, another program than %s of the same name: remove it first (%s)", in.Kubectl, mgr, ownerPackage(in.Owner), tool, pkg.Name)}
	}
	upgrade := in.Kubectl != "" && in.Owner.Manager == mgr
	reason := "requested"
	if upgrade {
		reason = "requested; it owns " + in.Kubectl
	}
	return managerAction(in, f, tool, upgrade, reason)
}

func ownerPackage(o Ownership) string {
	if o.Package == "" {
		return "(unknown)"
	}
	return o.Package
}

func planAuto(in PlanInput, tool string) (Action, error) {
	if in.Pinned {
		return Action{Method: MethodDirect, Reason: "a version, folder or mirror was given, which only the direct download honours"}, nil
	}
	if in.Kubectl != "" && in.Owner.Managed() {
		if methodOf(in.Owner.Manager) == "" {
			return Action{Method: MethodDirect, Reason: fmt.Sprintf("%s belongs to %s (%s), which kubeboot does not drive", in.Kubectl, in.Owner.Manager, in.Owner.Package)}, nil
		}
		pkg, ok := packageOf(tool, in.Owner.Manager)
		if !ok || !pkg.owns(in.Owner.Package) {
			return Action{Method: MethodDirect, Reason: fmt.Sprintf("%s belongs to %s's package %s, which is not %s", in.Kubectl, in.Owner.Manager, ownerPackage(in.Owner), tool)}, nil
		}
		f, ok := Lookup(in.Managers, in.Owner.Manager)
		if !ok {
			return Action{Method: MethodDirect, Reason: fmt.Sprintf("%s belongs to %s, which cannot be found to run", in.Kubectl, in.Owner.Manager)}, nil
		}
		return managerAction(in, f, tool, true, fmt.Sprintf("the %s on PATH (%s) belongs to %s", tool, in.Kubectl, in.Owner.Manager))
	}
	if tool != "kubectl" {
		return Action{Method: MethodDirect, Reason: "kubeboot's verified download installs " + tool + " unless a package manager already owns it"}, nil
	}
	if in.Kubectl == "" && in.GOOS == "darwin" {
		if f, ok := Lookup(in.Managers, Homebrew); ok {
			return managerAction(in, f, tool, false, "Homebrew is the usual way to install kubectl on macOS")
		}
	}
	if in.Kubectl != "" {
		return Action{Method: MethodDirect, Reason: in.Kubectl + " belongs to no package manager"}, nil
	}
	return Action{Method: MethodDirect, Reason: "no kubectl on PATH"}, nil
}

func managerAction(in PlanInput, f Found, tool string, upgrade bool, reason string) (Action, error) {
	if f.Manager == Chocolatey && !in.Elevated {
		return Action{}, &ElevationError{Manager: Chocolatey}
	}
	return Action{
		Method:  methodOf(f.Manager),
		Manager: f,
		Args:    mustPackage(tool, f.Manager).args(f.Manager, upgrade),
		Upgrade: upgrade,
		Reason:  reason,
	}, nil
}

// Package is a tool's package in one manager.
type Package struct {
	// Name is what the manager's install command takes: a Homebrew
	// formula (tap/name for a tap), a Chocolatey package, a Scoop app
	// (bucket/name), a winget ID.
	Name string
	// Owned are the names Owner reports for a program this package
	// installed (a Homebrew Cellar folder, a Scoop app, a Chocolatey
	// package, a winget ID); none where that name cannot tell it from
	// another package's.
	Owned []string
	// Unique is true where no other package of the manager installs a
	// program of the tool's name: whatever package of the manager owns
	// the program (Owner may not know its name) is then this one.
	Unique bool
}

// packages names each catalogue tool's package per manager, where one
// exists; a manager not listed for a tool has none. Sources (checked
// 2026-12): kubectl as before; helm: helm.sh's install docs (brew helm,
// choco kubernetes-helm, scoop helm, winget Helm.Helm), ScoopInstaller/Main
// bucket/helm.json; oidc-login (int128/kubelogin): its README (brew
// kubelogin, choco kubelogin), microsoft/winget-pkgs manifests/i/int128/
// kubelogin, ScoopInstaller/Extras bucket/kubelogin.json (which puts only
// kubelogin.exe on PATH, not kubectl-oidc_login); azure-kubelogin:
// Azure/kubelogin docs/book/src/install.md (brew Azure/kubelogin/kubelogin,
// winget Microsoft.Azure.Kubelogin, scoop azure-kubelogin, choco
// azure-kubelogin), ScoopInstaller/Main bucket/azure-kubelogin.json;
// aws-iam-authenticator: ScoopInstaller/Main bucket/
// aws-iam-authenticator.json, winget-pkgs manifests/k/Kubernetes/
// aws-iam-authenticator, Homebrew's formula aws-iam-authenticator.
//
// "kubelogin" is int128's plugin to Homebrew, Chocolatey and Scoop, and
// Azure's to nobody but its winget ID; Azure's program is also called
// kubelogin. So Azure's entries are not Unique: the kubelogin on PATH is
// Azure's only when Owner names Azure's package, and Homebrew's
// Cellar/kubelogin (int128's formula and Azure's tap alike) never does.
var packages = []toolPackage{
	{"kubectl", Homebrew, Package{Name: "kubectl", Owned: []string{"kubernetes-cli", "kubectl"}, Unique: true}},
	{"kubectl", Chocolatey, Package{Name: "kubernetes-cli", Owned: []string{"kubernetes-cli"}, Unique: true}},
	{"kubectl", Scoop, Package{Name: "kubectl", Owned: []string{"kubectl"}, Unique: true}},
	{"kubectl", Winget, Package{Name: "Kubernetes.kubectl", Owned: []string{"Kubernetes.kubectl"}, Unique: true}},

	{"helm", Homebrew, Package{Name: "helm", Owned: []string{"helm"}, Unique: true}},
	{"helm", Chocolatey, Package{Name: "kubernetes-helm", Owned: []string{"kubernetes-helm"}, Unique: true}},
	{"helm", Scoop, Package{Name: "main/helm", Owned: []string{"helm"}, Unique: true}},
	{"helm", Winget, Package{Name: "Helm.Helm", Owned: []string{"Helm.Helm"}, Unique: true}},

	// Asked about kubectl-oidc_login, which Azure's packages lack.
	{"oidc-login", Homebrew, Package{Name: "kubelogin", Owned: []string{"kubelogin"}, Unique: true}},
	{"oidc-login", Chocolatey, Package{Name: "kubelogin", Owned: []string{"kubelogin"}, Unique: true}},
	{"oidc-login", Scoop, Package{Name: "extras/kubelogin", Owned: []string{"kubelogin"}, Unique: true}},
	{"oidc-login", Winget, Package{Name: "int128.kubelogin", Owned: []string{"int128.kubelogin"}, Unique: true}},

	{"azure-kubelogin", Homebrew, Package{Name: "Azure/kubelogin/kubelogin"}},
	{"azure-kubelogin", Chocolatey, Package{Name: "azure-kubelogin", Owned: []string{"azure-kubelogin"}}},
	{"azure-kubelogin", Scoop, Package{Name: "main/azure-kubelogin", Owned: []string{"azure-kubelogin"}}},
	{"azure-kubelogin", Winget, Package{Name: "Microsoft.Azure.Kubelogin", Owned: []string{"Microsoft.Azure.Kubelogin"}}},

	{"aws-iam-authenticator", Homebrew, Package{Name: "aws-iam-authenticator", Owned: []string{"aws-iam-authenticator"}, Unique: true}},
	{"aws-iam-authenticator", Scoop, Package{Name: "main/aws-iam-authenticator", Owned: []string{"aws-iam-authenticator"}, Unique: true}},
	{"aws-iam-authenticator", Winget, Package{Name: "Kubernetes.aws-iam-authenticator", Owned: []string{"Kubernetes.aws-iam-authenticator"}, Unique: true}},
}

type toolPackage struct {
	tool string
	m    Manager
	pkg  Package
}

// packageOf is tool's package in m; ok is false when m has none.
func packageOf(tool string, m Manager) (Package, bool) {
	for _, p := range packages {
		if p.tool == tool && p.m == m {
			return p.pkg, true
		}
	}
	return Package{}, false
}

// knownTool reports whether packages names tool's packages.
func knownTool(tool string) bool {
	for _, p := range packages {
		if p.tool == tool {
			return true
		}
	}
	return false
}

// Packages returns tool's package in m ("" tool is kubectl); ok is false
// when m has none.
func Packages(tool string, m Manager) (Package, bool) {
	if tool == "" {
		tool = "kubectl"
	}
	return packageOf(tool, m)
}

// owns reports whether the package Owner named (name, "" when unknown)
// for the tool's program is p.
func (p Package) owns(name string) bool {
	if p.Unique {
		return true
	}
	for _, n := range p.Owned {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// args are the manager's arguments to install or upgrade p.
func (p Package) args(m Manager, upgrade bool) []string {
	switch m {
	case Homebrew:
		if upgrade {
			return []string{"upgrade", p.Name}
		}
		return []string{"install", p.Name}
	case Chocolatey:
		if upgrade {
			return []string{"upgrade", p.Name, "-y"}
		}
		return []string{"install", p.Name, "-y"}
	case Scoop:
		if upgrade {
			// scoop update takes the app's name, without its bucket.
			return []string{"update", p.Name[strings.LastIndex(p.Name, "/")+1:]}
		}
		return []string{"install", p.Name}
	case Winget:
		verb := "install"
		if upgrade {
			verb = "upgrade"
		}
		return []string{verb, "--id", p.Name, "--exact", "--accept-source-agreements", "--accept-package-agreements", "--disable-interactivity"}
	}
	return nil
}

// managerArgs are the manager's arguments for kubectl.
func managerArgs(m Manager, upgrade bool) []string {
	return mustPackage("kubectl", m).args(m, upgrade)
}

// mustPackage is packageOf for a manager already known to have tool's
// package; the zero Package otherwise.
func mustPackage(tool string, m Manager) Package {
	p, _ := packageOf(tool, m)
	return p
}

// foreign says why m cannot exist on goos, "" when it can.
func foreign(m Manager, goos string) string {
	switch m {
	case Homebrew:
		if goos != "darwin" && goos != "linux" {
			return "Homebrew runs on macOS and Linux only"
		}
	case Chocolatey, Scoop, Winget:
		if goos != "windows" {
			return m.String() + " is for Windows only"
		}
	}
	return ""
}
