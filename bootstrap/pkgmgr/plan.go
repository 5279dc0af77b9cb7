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
	// Kubectl is the kubectl that wins on PATH, "" for none, and Owner who
	// owns it (Owner's result).
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
func Plan(in PlanInput) (Action, error) {
	method := in.Method
	if method == "" {
		method = MethodAuto
	}
	switch method {
	case MethodDirect:
		return Action{Method: MethodDirect, Reason: "requested"}, nil
	case MethodAuto:
		return planAuto(in)
	}
	mgr := method.Manager()
	if mgr == None {
		return Action{}, fmt.Errorf("%w %q", ErrUnknownMethod, method)
	}
	if reason := foreign(mgr, in.GOOS); reason != "" {
		return Action{}, &UnavailableError{Method: method, GOOS: in.GOOS, Reason: reason}
	}
	f, ok := Lookup(in.Managers, mgr)
	if !ok {
		return Action{}, &UnavailableError{Method: method, GOOS: in.GOOS, Reason: mgr.String() + " is not installed (not on PATH nor in its usual folder)"}
	}
	upgrade := in.Kubectl != "" && in.Owner.Manager == mgr
	reason := "requested"
	if upgrade {
		reason = "requested; it owns " + in.Kubectl
	}
	return managerAction(in, f, upgrade, reason)
}

func planAuto(in PlanInput) (Action, error) {
	if in.Pinned {
		return Action{Method: MethodDirect, Reason: "a version, folder or mirror was given, which only the direct download honours"}, nil
	}
	if in.Kubectl != "" && in.Owner.Managed() {
		if methodOf(in.Owner.Manager) == "" {
			return Action{Method: MethodDirect, Reason: fmt.Sprintf("%s belongs to %s (%s), which kubeboot does not drive", in.Kubectl, in.Owner.Manager, in.Owner.Package)}, nil
		}
		f, ok := Lookup(in.Managers, in.Owner.Manager)
		if !ok {
			return Action{Method: MethodDirect, Reason: fmt.Sprintf("%s belongs to %s, which cannot be found to run", in.Kubectl, in.Owner.Manager)}, nil
		}
		return managerAction(in, f, true, fmt.Sprintf("the kubectl on PATH (%s) belongs to %s", in.Kubectl, in.Owner.Manager))
	}
	if in.Kubectl == "" && in.GOOS == "darwin" {
		if f, ok := Lookup(in.Managers, Homebrew); ok {
			return managerAction(in, f, false, "Homebrew is the usual way to install kubectl on macOS")
		}
	}
	if in.Kubectl != "" {
		return Action{Method: MethodDirect, Reason: in.Kubectl + " belongs to no package manager"}, nil
	}
	return Action{Method: MethodDirect, Reason: "no kubectl on PATH"}, nil
}

func managerAction(in PlanInput, f Found, upgrade bool, reason string) (Action, error) {
	if f.Manager == Chocolatey && !in.Elevated {
		return Action{}, &ElevationError{Manager: Chocolatey}
	}
	return Action{
		Method:  methodOf(f.Manager),
		Manager: f,
		Args:    managerArgs(f.Manager, upgrade),
		Upgrade: upgrade,
		Reason:  reason,
	}, nil
}

func managerArgs(m Manager, upgrade bool) []string {
	switch m {
	case Homebrew:
		if upgrade {
			return []string{"upgrade", "kubectl"}
		}
		return []string{"install", "kubectl"}
	case Chocolatey:
		if upgrade {
			return []string{"upgrade", "kubernetes-cli", "-y"}
		}
		return []string{"install", "kubernetes-cli", "-y"}
	case Scoop:
		if upgrade {
			return []string{"update", "kubectl"}
		}
		return []string{"install", "kubectl"}
	case Winget:
		verb := "install"
		if upgrade {
			verb = "upgrade"
		}
		return []string{verb, "--id", "Kubernetes.kubectl", "--exact", "--accept-source-agreements", "--accept-package-agreements", "--disable-interactivity"}
	}
	return nil
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
