// Package execplugin finds out which credential plugins (a user's exec
// section) a kubeconfig needs, whether kubectl would find each one on this
// machine, and what repairs it: installing the plugin, and rewriting the
// exec section through the one kubeconfig writer (kubeconfig.Edit).
//
// Invariants:
//   - Classification and planning are pure: Decide is a function of the
//     users' exec sections and a Machine (what is on this machine, as
//     functions a test fills in for any OS), with a reason per decision.
//     Only Probe, Check and Repair touch the disk.
//   - Nothing here outputs a secret: exec env values are never read, and
//     a plan names a command, its apiVersion and flag names, never the
//     value of an argument.
//   - Repair re-reads and re-plans under kubeconfig.Edit's locks, so a
//     kubectl writing the file meanwhile is neither undone nor lost, and
//     changes only apiVersion, command and (for the wrong kubelogin)
//     args; every other field of the user survives.
package execplugin

import (
	"slices"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
)

// Plugin names which credential plugin an exec section runs.
type Plugin string

const (
	// AzureKubelogin is Azure/kubelogin: `kubelogin get-token --server-id ...`.
	AzureKubelogin Plugin = "azure-kubelogin"
	// OIDCLogin is int128/kubelogin: `kubectl oidc-login get-token ...` or
	// `kubectl-oidc_login get-token ...`.
	OIDCLogin Plugin = "oidc-login"
	// AWSCLI is `aws eks get-token`.
	AWSCLI Plugin = "aws-eks-get-token"
	// AWSIAMAuthenticator is `aws-iam-authenticator token ...`.
	AWSIAMAuthenticator Plugin = "aws-iam-authenticator"
	// GKE is `gke-gcloud-auth-plugin`.
	GKE Plugin = "gke-gcloud-auth-plugin"
	// Unknown is any other program.
	Unknown Plugin = "unknown"
)

// The exec API versions kubectl knows. kubectl 1.24 and later refuse
// v1alpha1 ("exec plugin: invalid apiVersion").
const (
	APIv1alpha1 = "client.authentication.k8s.io/v1alpha1"
	APIv1beta1  = "client.authentication.k8s.io/v1beta1"
	APIv1       = "client.authentication.k8s.io/v1"
)

// Flavor says whose kubelogin a program is: both Azure's and int128's are
// called kubelogin somewhere (Azure's everywhere, int128's in Homebrew and
// Chocolatey).
type Flavor string

const (
	FlavorUnknown Flavor = ""
	FlavorAzure   Flavor = "azure"
	FlavorInt128  Flavor = "int128"
)

// Exec is the part of a user's exec section the plan reads. Env is never
// read: its values are often secrets.
type Exec struct {
	APIVersion string   `json:"apiVersion"`
	Command    string   `json:"command"`
	Args       []string `json:"args"`
}

// User is one user of the kubeconfig kubectl sees that has an exec
// section.
type User struct {
	Name string
	// File is the kubeconfig file (as listed) defining the user: a
	// relative command is relative to its folder, as kubectl resolves it.
	File string
	Exec Exec
	// Invalid says why kubectl cannot load the exec section (a field of
	// the wrong type); Exec is then empty.
	Invalid string
}

// Machine is what the plan knows about this machine.
type Machine struct {
	GOOS, GOARCH string
	// Path and PathExt are the PATH and PATHEXT variables (PathExt is read
	// on Windows only; empty means Go's default, .com;.exe;.bat;.cmd).
	Path, PathExt string
	// Extra are folders kubeboot installs into, searched after PATH for a
	// program kubectl's PATH lacks; one found there is named by its full
	// path.
	Extra []string
	// IsProgram reports whether path names a program kubectl can run (a
	// regular file; executable, outside Windows).
	IsProgram func(path string) bool
	// Flavor says whose kubelogin the program at path is.
	Flavor func(path string) Flavor
	// Untrusted says why a program found for a repair may not be named
	// by the kubeconfig (trust's rule: another user's, or in a folder
	// others may write); nil when it may. nil trusts every program.
	Untrusted func(path string) error
}

// Do is one kind of step.
type Do string

const (
	// DoInstall installs Tool (a catalogue name) with a verified download.
	DoInstall Do = "install"
	// DoDelegate means Tool comes with another installer; Why says which.
	DoDelegate Do = "delegate"
	// DoSetAPIVersion rewrites the exec apiVersion From to To.
	DoSetAPIVersion Do = "set-api-version"
	// DoSetCommand rewrites the exec command From to To (and, when
	// DropFirstArg is set, drops the first argument, "oidc-login").
	DoSetCommand Do = "set-command"
)

// Step is one decision of the plan, with its reason.
type Step struct {
	Do   Do     `json:"do"`
	Tool string `json:"tool,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// DropFirstArg drops `oidc-login` when the command stops being kubectl.
	DropFirstArg bool `json:"dropFirstArg,omitempty"`
	// AfterInstall means To is the program Tool's install provides: the
	// command is set once it is installed.
	AfterInstall bool   `json:"afterInstall,omitempty"`
	Why          string `json:"why"`
}

// Writes reports whether the step changes the kubeconfig.
func (s Step) Writes() bool { return s.Do == DoSetAPIVersion || s.Do == DoSetCommand }

// UserPlan is the finding and the plan for one user.
type UserPlan struct {
	User string `json:"user"`
	File string `json:"file"`
	// Plugin is which plugin the exec section runs.
	Plugin     Plugin `json:"plugin"`
	Command    string `json:"command"`
	APIVersion string `json:"apiVersion"`
	// Found is the program kubectl runs (for `kubectl oidc-login`, the
	// plugin kubectl-oidc_login); "" when there is none.
	Found string `json:"found,omitempty"`
	// Problems say what is wrong, for people; empty when nothing is.
	Problems []string `json:"problems,omitempty"`
	Steps    []Step   `json:"steps,omitempty"`
}

// OK reports that nothing is wrong with the user's plugin.
func (u UserPlan) OK() bool { return len(u.Problems) == 0 }

// Plan is Decide's answer: one UserPlan per user with an exec section, in
// the order kubectl lists them.
type Plan struct {
	Users []UserPlan `json:"users"`
}

// Installs lists the catalogue tools the plan installs, each once.
func (p *Plan) Installs() []string {
	var out []string
	for _, u := range p.Users {
		for _, s := range u.Steps {
			if s.Do == DoInstall && !slices.Contains(out, s.Tool) {
				out = append(out, s.Tool)
			}
		}
	}
	return out
}

// Problems counts the users with something wrong.
func (p *Plan) Problems() int {
	n := 0
	for _, u := range p.Users {
		if !u.OK() {
			n++
		}
	}
	return n
}

// program is what a plugin runs: its program's name (without .exe), the
// catalogue tool providing it ("" for none), and the kubelogin flavor the
// program must not be.
type program struct {
	name    string
	tool    string
	notFlav Flavor
	// delegate says how to get a program no catalogue tool provides.
	delegate string
}

var (
	azureProgram  = program{name: "kubelogin", tool: "azure-kubelogin", notFlav: FlavorInt128}
	oidcProgram   = program{name: "kubectl-oidc_login", tool: "oidc-login"}
	awsIAMProgram = program{name: "aws-iam-authenticator", tool: "aws-iam-authenticator"}
	gkeProgram    = program{name: "gke-gcloud-auth-plugin", tool: "gke-gcloud-auth-plugin"}
	awsCLIProgram = program{name: "aws", delegate: "the AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)"}
)

// azureFlags are flags only Azure's kubelogin get-token takes; int128Flags
// only int128's.
var (
	azureFlags  = []string{"--server-id", "--tenant-id", "--environment", "--login", "-l", "--use-azurerm-env-vars", "--federated-token-file"}
	int128Flags = []string{"--oidc-issuer-url", "--oidc-client-id", "--oidc-extra-scope", "--grant-type"}
)

// argsFlavor says whose kubelogin the arguments are written for.
func argsFlavor(args []string) Flavor {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		switch {
		case slices.Contains(azureFlags, name):
			return FlavorAzure
		case slices.Contains(int128Flags, name):
			return FlavorInt128
		}
	}
	return FlavorUnknown
}

// Classify says which plugin an exec section runs: by the command's
// program name (a path copied from any OS, ".exe" or not) and, for the
// two kubelogins, by the arguments, which say whose kubelogin they are
// written for.
func Classify(e Exec) Plugin {
	switch name := programName(e.Command); name {
	case "kubelogin", "kubectl-oidc_login":
		switch argsFlavor(e.Args) {
		case FlavorAzure:
			return AzureKubelogin
		case FlavorInt128:
			return OIDCLogin
		}
		if name == "kubelogin" {
			return AzureKubelogin
		}
		return OIDCLogin
	case "kubectl":
		if len(e.Args) > 0 && e.Args[0] == "oidc-login" {
			if argsFlavor(e.Args) == FlavorAzure {
				return AzureKubelogin
			}
			return OIDCLogin
		}
	case "aws":
		if i := slices.Index(e.Args, "eks"); i >= 0 && i+1 < len(e.Args) && e.Args[i+1] == "get-token" {
			return AWSCLI
		}
	case "aws-iam-authenticator":
		return AWSIAMAuthenticator
	case "gke-gcloud-auth-plugin":
		return GKE
	}
	return Unknown
}

// programName is the command's file name without folder or ".exe", in
// lower case: a command copied from Windows reads the same everywhere.
func programName(command string) string {
	base := command[strings.LastIndexAny(command, `/\`)+1:]
	base = strings.ToLower(base)
	return strings.TrimSuffix(base, ".exe")
}

// Decide decides, for each user, what is wrong with its plugin on machine m
// and what repairs it. It never touches the disk but through m.
func Decide(users []User, m Machine) *Plan {
	p := &Plan{Users: []UserPlan{}}
	for _, u := range users {
		p.Users = append(p.Users, planUser(u, m))
	}
	return p
}

func planUser(u User, m Machine) UserPlan {
	e := u.Exec
	up := UserPlan{User: u.Name, File: u.File, Plugin: Classify(e), Command: e.Command, APIVersion: e.APIVersion}
	problem := func(s string) { up.Problems = append(up.Problems, s) }
	step := func(s Step) { up.Steps = append(up.Steps, s) }
	if u.Invalid != "" {
		problem("kubectl cannot load the exec section: " + u.Invalid)
		return up
	}
	want, ok := wanted(up.Plugin)

	switch e.APIVersion {
	case APIv1beta1, APIv1:
	case APIv1alpha1, "":
		was := e.APIVersion
		if was == "" {
			problem("the exec section has no apiVersion, which kubectl requires")
		} else {
			problem("apiVersion " + APIv1alpha1 + " is refused by kubectl 1.24 and later (exec plugin: invalid apiVersion)")
		}
		if ok { // an unknown plugin is reported, never rewritten
			step(Step{Do: DoSetAPIVersion, From: was, To: APIv1beta1,
				Why: "v1beta1 is what every kubectl since 1.11 accepts, and what current plugins answer in"})
		}
	default:
		problem("apiVersion " + quote(e.APIVersion) + " is none kubectl knows (" + APIv1beta1 + " or " + APIv1 + "); kubeboot leaves it to you")
	}

	if e.Command == "" {
		problem("the exec section has no command")
		return up
	}
	kubectlForm := programName(e.Command) == "kubectl" && len(e.Args) > 0 && e.Args[0] == "oidc-login"

	// Where kubectl finds what the section runs.
	found, reason := m.resolve(e.Command, u.File)
	if kubectlForm && found != "" {
		kubectl := found
		found = m.lookPath("kubectl-oidc_login")
		if found == "" {
			reason = "kubectl (" + kubectl + ") finds no plugin kubectl-oidc_login on PATH"
		}
	}
	if found != "" && ok && want.notFlav != FlavorUnknown && m.flavor(found) == want.notFlav {
		// Azure's arguments, and the kubelogin found is int128's.
		reason = found + " is int128's kubelogin, and the arguments are Azure kubelogin's"
		found = ""
	}
	if found != "" && up.Plugin == OIDCLogin && m.flavor(found) == FlavorAzure {
		reason = found + " is Azure's kubelogin, and the arguments are int128's (oidc-login)"
		found = ""
	}
	// The wrong kubelogin by name: Azure's arguments given to int128's
	// program, which no flavor check can save.
	wrongName := up.Plugin == AzureKubelogin && (kubectlForm || programName(e.Command) == "kubectl-oidc_login")
	if wrongName {
		reason = "the arguments are Azure kubelogin's (" + strings.Join(flagsOf(e.Args, azureFlags), ", ") + "), given to int128's oidc-login"
		found = ""
	}
	up.Found = found
	if found != "" {
		return up
	}
	problem(reason)
	if !ok {
		return up // an unknown program: nothing to install
	}
	// The program the section should run, and whether it is here.
	drop := kubectlForm
	target := want.name
	here, distrust := m.find(want)
	if distrust != "" {
		problem(distrust)
	}
	if here != "" {
		if here != e.Command || drop {
			step(Step{Do: DoSetCommand, From: e.Command, To: here, DropFirstArg: drop, Why: setWhy(here, want, reason)})
		}
		return up
	}
	if want.tool == "" {
		step(Step{Do: DoDelegate, Tool: want.name, Why: want.name + " comes with " + want.delegate})
		return up
	}
	t := catalog.Lookup(want.tool)
	switch {
	case t == nil:
		return up
	case t.Delegate != "":
		step(Step{Do: DoDelegate, Tool: t.Name, Why: t.Name + " has no standalone download: " + t.Delegate})
		return up
	case !t.Supports(catalog.Platform{OS: m.GOOS, Arch: m.GOARCH}):
		problem(t.Name + " is not published for " + m.GOOS + "/" + m.GOARCH + ": install it with your package manager")
		return up
	}
	step(Step{Do: DoInstall, Tool: t.Name, Why: "no " + want.name + " is on this machine; " + t.Name + " is " + t.About})
	// `kubectl oidc-login` keeps working once kubectl-oidc_login is on
	// PATH; any other command that is not the program's name becomes it.
	if e.Command != target && !(kubectlForm && up.Plugin == OIDCLogin) {
		step(Step{Do: DoSetCommand, From: e.Command, To: target, DropFirstArg: drop, AfterInstall: true,
			Why: "the command becomes the program " + t.Name + " installs"})
	}
	return up
}

// wanted is the program a plugin runs; ok is false for Unknown.
func wanted(p Plugin) (program, bool) {
	switch p {
	case AzureKubelogin:
		return azureProgram, true
	case OIDCLogin:
		return oidcProgram, true
	case AWSIAMAuthenticator:
		return awsIAMProgram, true
	case GKE:
		return gkeProgram, true
	case AWSCLI:
		return awsCLIProgram, true
	}
	return program{}, false
}

func setWhy(here string, want program, reason string) string {
	if strings.ContainsAny(here, `/\`) {
		return reason + "; " + want.name + " is at " + here + ", outside PATH, so the command names it in full"
	}
	return reason + "; " + want.name + " is on PATH here"
}

// flagsOf lists the flags of args that are in names (names only, never a
// value).
func flagsOf(args, names []string) []string {
	var out []string
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if slices.Contains(names, name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// find returns how the exec command should name want's program here: its
// name when kubectl finds it on PATH, its full path when it is in an Extra
// folder only; "" when it is nowhere (or is the wrong kubelogin). A
// program m.Untrusted refuses is never named; why says the first one.
func (m Machine) find(want program) (name, why string) {
	ok := func(p string) bool {
		if want.notFlav != FlavorUnknown && m.flavor(p) == want.notFlav {
			return false
		}
		if m.Untrusted == nil {
			return true
		}
		err := m.Untrusted(p)
		if err != nil && why == "" {
			why = err.Error() + "; the command is not set to it"
		}
		return err == nil
	}
	if p := m.lookPath(want.name); p != "" && ok(p) {
		return want.name, ""
	}
	for _, dir := range m.Extra {
		if p := m.program(m.join(dir, want.name)); p != "" && ok(p) {
			return p, ""
		}
	}
	return "", why
}

// quote shows a value that has spaces or characters a terminal would act on.
func quote(s string) string {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return strconvQuote(s)
		}
	}
	return s
}
