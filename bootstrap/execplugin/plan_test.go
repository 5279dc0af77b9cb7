package execplugin

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fake is a Machine whose programs are the keys of files, each with the
// kubelogin flavor it is.
func fake(goos, arch, path string, files map[string]Flavor, extra ...string) Machine {
	return Machine{
		GOOS: goos, GOARCH: arch, Path: path, Extra: extra,
		IsProgram: func(p string) bool { _, ok := files[p]; return ok },
		Flavor:    func(p string) Flavor { return files[p] },
	}
}

var (
	azureArgs  = []string{"get-token", "--login", "devicecode", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--client-id", "x"}
	int128Args = []string{"get-token", "--oidc-issuer-url=https://issuer.example", "--oidc-client-id=kube", "--oidc-client-secret=s3cr3t-value"}
)

func TestClassify(t *testing.T) {
	tests := []struct {
		e    Exec
		want Plugin
	}{
		{Exec{Command: "kubelogin", Args: azureArgs}, AzureKubelogin},
		{Exec{Command: "kubelogin", Args: []string{"get-token"}}, AzureKubelogin},
		{Exec{Command: "kubelogin", Args: int128Args}, OIDCLogin},
		{Exec{Command: `C:\Users\bob\kubelogin.EXE`, Args: azureArgs}, AzureKubelogin},
		{Exec{Command: "kubectl", Args: append([]string{"oidc-login"}, int128Args...)}, OIDCLogin},
		{Exec{Command: "kubectl", Args: append([]string{"oidc-login"}, azureArgs...)}, AzureKubelogin},
		{Exec{Command: "kubectl", Args: []string{"get-token"}}, Unknown},
		{Exec{Command: "/opt/bin/kubectl-oidc_login", Args: int128Args}, OIDCLogin},
		{Exec{Command: "kubectl-oidc_login", Args: azureArgs}, AzureKubelogin},
		{Exec{Command: "aws", Args: []string{"--region", "us-east-1", "eks", "get-token", "--cluster-name", "c"}}, AWSCLI},
		{Exec{Command: "aws", Args: []string{"sts", "get-caller-identity"}}, Unknown},
		{Exec{Command: "aws-iam-authenticator", Args: []string{"token", "-i", "c"}}, AWSIAMAuthenticator},
		{Exec{Command: "gke-gcloud-auth-plugin"}, GKE},
		{Exec{Command: "/opt/my tools [1]/plügin"}, Unknown},
	}
	for _, tt := range tests {
		if got := Classify(tt.e); got != tt.want {
			t.Errorf("Classify(%q %q) = %s, want %s", tt.e.Command, tt.e.Args, got, tt.want)
		}
	}
}

// TestDecide is the plan for every kind of finding, on every OS.
func TestDecide(t *testing.T) {
	const lin, mac, win = "linux", "darwin", "windows"
	linPath := "/usr/local/bin:/usr/bin"
	winPath := `C:\tools;"C:\Program Files\Azure"`
	type step struct {
		do           Do
		tool, to     string
		drop, after  bool
		whyContains  string
		fromOverride *string
	}
	tests := []struct {
		name       string
		goos, arch string
		path       string
		pathExt    string
		files      map[string]Flavor
		extra      []string
		file       string
		exec       Exec
		plugin     Plugin
		found      string
		problem    string // a problem contains it; "" for none
		steps      []step
	}{
		{name: "azure found", goos: lin, path: linPath, files: map[string]Flavor{"/usr/local/bin/kubelogin": FlavorAzure},
			exec: Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin, found: "/usr/local/bin/kubelogin"},
		{name: "v1alpha1", goos: lin, path: linPath, files: map[string]Flavor{"/usr/local/bin/kubelogin": FlavorAzure},
			exec: Exec{APIVersion: APIv1alpha1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin, found: "/usr/local/bin/kubelogin",
			problem: "invalid apiVersion", steps: []step{{do: DoSetAPIVersion, to: APIv1beta1}}},
		{name: "no apiVersion", goos: mac, path: linPath, files: map[string]Flavor{"/usr/bin/gke-gcloud-auth-plugin": ""},
			exec: Exec{Command: "gke-gcloud-auth-plugin"}, plugin: GKE, found: "/usr/bin/gke-gcloud-auth-plugin",
			problem: "no apiVersion", steps: []step{{do: DoSetAPIVersion, to: APIv1beta1}}},
		{name: "unknown apiVersion is left alone", goos: lin, path: linPath, files: map[string]Flavor{"/usr/bin/gke-gcloud-auth-plugin": ""},
			exec: Exec{APIVersion: "client.authentication.k8s.io/v2", Command: "gke-gcloud-auth-plugin"}, plugin: GKE, found: "/usr/bin/gke-gcloud-auth-plugin",
			problem: "leaves it to you"},
		{name: "absolute path from another machine, on PATH here", goos: lin, path: linPath, files: map[string]Flavor{"/usr/local/bin/kubelogin": FlavorAzure},
			exec: Exec{APIVersion: APIv1beta1, Command: "/Users/alice/bin/kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "does not exist on this machine", steps: []step{{do: DoSetCommand, to: "kubelogin", whyContains: "on PATH here"}}},
		{name: "absolute path from another machine, in kubeboot's folder only", goos: mac, arch: "arm64", path: linPath,
			files: map[string]Flavor{"/Users/bob/.local/bin/kubelogin": FlavorAzure}, extra: []string{"/Users/bob/.local/bin"},
			exec: Exec{APIVersion: APIv1beta1, Command: "/home/alice/bin/kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "does not exist", steps: []step{{do: DoSetCommand, to: "/Users/bob/.local/bin/kubelogin", whyContains: "outside PATH"}}},
		{name: "absolute path from another machine, nowhere", goos: lin, path: linPath,
			exec: Exec{APIVersion: APIv1beta1, Command: "/Users/alice/bin/kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "does not exist", steps: []step{{do: DoInstall, tool: "azure-kubelogin"}, {do: DoSetCommand, to: "kubelogin", after: true}}},
		{name: "bare name missing", goos: lin, path: linPath,
			exec: Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "finds no kubelogin on PATH", steps: []step{{do: DoInstall, tool: "azure-kubelogin"}}},
		{name: "bare name in kubeboot's folder, which is not on PATH", goos: lin, path: linPath,
			files: map[string]Flavor{"/root/.local/bin/aws-iam-authenticator": ""}, extra: []string{"/root/.local/bin"},
			exec: Exec{APIVersion: APIv1beta1, Command: "aws-iam-authenticator", Args: []string{"token", "-i", "c"}}, plugin: AWSIAMAuthenticator,
			problem: "on PATH", steps: []step{{do: DoSetCommand, to: "/root/.local/bin/aws-iam-authenticator"}}},
		{name: "Azure's arguments to int128's binary", goos: lin, path: linPath,
			files: map[string]Flavor{"/usr/local/bin/kubelogin": FlavorAzure, "/usr/local/bin/kubectl-oidc_login": FlavorInt128},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubectl-oidc_login", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "--server-id", steps: []step{{do: DoSetCommand, to: "kubelogin"}}},
		{name: "Azure's arguments to kubectl oidc-login", goos: lin, path: linPath,
			files: map[string]Flavor{"/usr/bin/kubectl": "", "/usr/local/bin/kubectl-oidc_login": FlavorInt128},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubectl", Args: append([]string{"oidc-login"}, azureArgs...)}, plugin: AzureKubelogin,
			problem: "given to int128's oidc-login", steps: []step{{do: DoInstall, tool: "azure-kubelogin"}, {do: DoSetCommand, to: "kubelogin", drop: true, after: true}}},
		{name: "int128's arguments to Azure's kubelogin", goos: lin, path: linPath,
			files: map[string]Flavor{"/usr/local/bin/kubelogin": FlavorAzure, "/usr/local/bin/kubectl-oidc_login": FlavorInt128},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: int128Args}, plugin: OIDCLogin,
			problem: "is Azure's kubelogin", steps: []step{{do: DoSetCommand, to: "kubectl-oidc_login"}}},
		{name: "int128's arguments to Homebrew's kubelogin (int128's)", goos: mac, arch: "arm64", path: "/opt/homebrew/bin",
			files: map[string]Flavor{"/opt/homebrew/bin/kubelogin": FlavorInt128},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: int128Args}, plugin: OIDCLogin, found: "/opt/homebrew/bin/kubelogin"},
		{name: "Azure's arguments, Homebrew's kubelogin is int128's", goos: mac, arch: "arm64", path: "/opt/homebrew/bin",
			files: map[string]Flavor{"/opt/homebrew/bin/kubelogin": FlavorInt128},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "is int128's kubelogin", steps: []step{{do: DoInstall, tool: "azure-kubelogin"}}},
		{name: "Azure's arguments, Homebrew's kubelogin is int128's, Azure's installed by kubeboot", goos: mac, arch: "arm64", path: "/opt/homebrew/bin",
			files: map[string]Flavor{"/opt/homebrew/bin/kubelogin": FlavorInt128, "/Users/a/.local/bin/kubelogin": FlavorAzure}, extra: []string{"/Users/a/.local/bin"},
			exec: Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "is int128's kubelogin", steps: []step{{do: DoSetCommand, to: "/Users/a/.local/bin/kubelogin"}}},
		{name: "kubectl oidc-login without the plugin", goos: lin, path: linPath, files: map[string]Flavor{"/usr/bin/kubectl": ""},
			exec: Exec{APIVersion: APIv1beta1, Command: "kubectl", Args: append([]string{"oidc-login"}, int128Args...)}, plugin: OIDCLogin,
			problem: "finds no plugin kubectl-oidc_login", steps: []step{{do: DoInstall, tool: "oidc-login"}}},
		{name: "kubectl oidc-login, the plugin in kubeboot's folder only", goos: lin, path: linPath,
			files: map[string]Flavor{"/usr/bin/kubectl": "", "/home/u/.local/bin/kubectl-oidc_login": FlavorInt128}, extra: []string{"/home/u/.local/bin"},
			exec: Exec{APIVersion: APIv1beta1, Command: "kubectl", Args: append([]string{"oidc-login"}, int128Args...)}, plugin: OIDCLogin,
			problem: "finds no plugin", steps: []step{{do: DoSetCommand, to: "/home/u/.local/bin/kubectl-oidc_login", drop: true}}},
		{name: "kubectl oidc-login works", goos: lin, path: linPath,
			files: map[string]Flavor{"/usr/bin/kubectl": "", "/usr/local/bin/kubectl-oidc_login": FlavorInt128},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubectl", Args: append([]string{"oidc-login"}, int128Args...)}, plugin: OIDCLogin, found: "/usr/local/bin/kubectl-oidc_login"},
		{name: "gke delegated", goos: lin, path: linPath,
			exec: Exec{APIVersion: APIv1beta1, Command: "gke-gcloud-auth-plugin"}, plugin: GKE,
			problem: "on PATH", steps: []step{{do: DoDelegate, tool: "gke-gcloud-auth-plugin", whyContains: "gcloud components install gke-gcloud-auth-plugin"}}},
		{name: "aws cli delegated", goos: lin, path: linPath,
			exec: Exec{APIVersion: APIv1beta1, Command: "aws", Args: []string{"eks", "get-token", "--cluster-name", "c"}}, plugin: AWSCLI,
			problem: "no aws on PATH", steps: []step{{do: DoDelegate, tool: "aws", whyContains: "AWS CLI v2"}}},
		{name: "not published for this platform", goos: win, arch: "arm64", path: winPath,
			exec: Exec{APIVersion: APIv1beta1, Command: "aws-iam-authenticator", Args: []string{"token"}}, plugin: AWSIAMAuthenticator,
			problem: "not published for windows/arm64"},
		{name: "windows PATHEXT", goos: win, path: winPath, pathExt: ".COM;.EXE;.BAT",
			files: map[string]Flavor{`C:\tools\kubelogin.exe`: FlavorAzure},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin, found: `C:\tools\kubelogin.exe`},
		{name: "windows default PATHEXT, quoted PATH folder", goos: win, path: winPath,
			files: map[string]Flavor{`C:\Program Files\Azure\kubelogin.exe`: FlavorAzure},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin, found: `C:\Program Files\Azure\kubelogin.exe`},
		{name: "windows PATHEXT without .exe", goos: win, path: winPath, pathExt: ".BAT;.CMD",
			files: map[string]Flavor{`C:\tools\kubelogin.exe`: FlavorAzure},
			exec:  Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "finds no kubelogin", steps: []step{{do: DoInstall, tool: "azure-kubelogin"}}},
		{name: "windows path from another machine", goos: win, path: winPath,
			files: map[string]Flavor{`C:\tools\kubelogin.exe`: FlavorAzure},
			exec:  Exec{APIVersion: APIv1alpha1, Command: `C:\Users\alice\bin\kubelogin.exe`, Args: azureArgs}, plugin: AzureKubelogin,
			problem: "does not exist on this machine", steps: []step{{do: DoSetAPIVersion, to: APIv1beta1}, {do: DoSetCommand, to: "kubelogin"}}},
		{name: "windows absolute path without .exe, found with PATHEXT", goos: win, path: winPath,
			files: map[string]Flavor{`D:\bin\kubelogin.exe`: FlavorAzure},
			exec:  Exec{APIVersion: APIv1beta1, Command: `D:\bin\kubelogin`, Args: azureArgs}, plugin: AzureKubelogin, found: `D:\bin\kubelogin.exe`},
		{name: "a Windows path on Linux", goos: lin, path: linPath, files: map[string]Flavor{"/usr/local/bin/kubelogin": FlavorAzure},
			exec: Exec{APIVersion: APIv1beta1, Command: `C:\Users\alice\kubelogin.exe`, Args: azureArgs}, plugin: AzureKubelogin,
			problem: "a Windows path", steps: []step{{do: DoSetCommand, to: "kubelogin"}}},
		{name: "relative command beside the kubeconfig", goos: mac, path: linPath, file: "/Users/a/.kube/config",
			files: map[string]Flavor{"/Users/a/.kube/bin/kubelogin": FlavorAzure},
			exec:  Exec{APIVersion: APIv1beta1, Command: "./bin/kubelogin", Args: azureArgs}, plugin: AzureKubelogin, found: "/Users/a/.kube/bin/kubelogin"},
		{name: "a relative PATH folder is refused, as os/exec does", goos: lin, path: "bin:/usr/bin", files: map[string]Flavor{"bin/kubelogin": FlavorAzure},
			exec: Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}, plugin: AzureKubelogin,
			problem: "finds no kubelogin", steps: []step{{do: DoInstall, tool: "azure-kubelogin"}}},
		{name: "unknown program with spaces, [ and non-ASCII", goos: lin, path: linPath,
			exec: Exec{APIVersion: APIv1beta1, Command: "/opt/my tools [1]/plügin\x1b[2J", Args: []string{"--token=s3cr3t-value"}}, plugin: Unknown,
			problem: `"/opt/my tools [1]/plügin\x1b[2J"`},
		{name: "no command", goos: lin, path: linPath, exec: Exec{APIVersion: APIv1beta1}, plugin: Unknown, problem: "no command"},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.name, func(t *testing.T) {
			arch := tt.arch
			if arch == "" {
				arch = "amd64"
			}
			m := fake(tt.goos, arch, tt.path, tt.files, tt.extra...)
			m.PathExt = tt.pathExt
			file := tt.file
			if file == "" {
				file = "/home/u/.kube/config"
			}
			p := Decide([]User{{Name: "u", File: file, Exec: tt.exec}}, m)
			if len(p.Users) != 1 {
				t.Fatalf("%+v", p)
			}
			u := p.Users[0]
			if u.Plugin != tt.plugin || u.Found != tt.found {
				t.Errorf("plugin %s found %q, want %s %q", u.Plugin, u.Found, tt.plugin, tt.found)
			}
			if tt.problem == "" && !u.OK() {
				t.Errorf("problems %q", u.Problems)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(u.Problems, "|"), tt.problem) {
				t.Errorf("problems %q lack %q", u.Problems, tt.problem)
			}
			if len(u.Steps) != len(tt.steps) {
				t.Fatalf("steps %+v, want %+v", u.Steps, tt.steps)
			}
			for i, want := range tt.steps {
				got := u.Steps[i]
				if got.Do != want.do || got.Tool != want.tool || got.To != want.to || got.DropFirstArg != want.drop || got.AfterInstall != want.after ||
					!strings.Contains(got.Why, want.whyContains) || got.Why == "" {
					t.Errorf("step %d: %+v, want %+v", i, got, want)
				}
				if got.Writes() && got.From != map[Do]string{DoSetAPIVersion: tt.exec.APIVersion, DoSetCommand: tt.exec.Command}[got.Do] {
					t.Errorf("step %d from %q", i, got.From)
				}
			}
			j, _ := json.Marshal(p)
			if strings.Contains(string(j), "s3cr3t") || strings.Contains(string(j), "6dae42f8") {
				t.Errorf("an argument's value reached the plan: %s", j)
			}
		})
	}
}

func TestPlanInstalls(t *testing.T) {
	m := fake("linux", "amd64", "/usr/bin", nil)
	users := []User{
		{Name: "a", Exec: Exec{APIVersion: APIv1beta1, Command: "kubelogin", Args: azureArgs}},
		{Name: "b", Exec: Exec{APIVersion: APIv1alpha1, Command: "/x/kubelogin", Args: azureArgs}},
		{Name: "c", Exec: Exec{APIVersion: APIv1beta1, Command: "aws-iam-authenticator"}},
	}
	p := Decide(users, m)
	if got := p.Installs(); !reflect.DeepEqual(got, []string{"azure-kubelogin", "aws-iam-authenticator"}) {
		t.Errorf("Installs() = %q", got)
	}
	if p.Problems() != 3 {
		t.Errorf("Problems() = %d", p.Problems())
	}
}

func TestScanFlavor(t *testing.T) {
	pad := strings.Repeat("x", 1<<20-10) // the module path straddles a read
	for in, want := range map[string]Flavor{
		pad + "github.com/Azure/kubelogin/pkg": FlavorAzure,
		pad + "github.com/int128/kubelogin":    FlavorInt128,
		"#!/bin/sh\necho hi\n":                 FlavorUnknown,
		// Both module paths: nobody can tell whose it is.
		"github.com/Azure/kubelogin" + pad + "github.com/int128/kubelogin": FlavorUnknown,
		"github.com/int128/kubelogin" + pad + "github.com/Azure/kubelogin": FlavorUnknown,
	} {
		if got := scanFlavor(strings.NewReader(in)); got != want {
			t.Errorf("scanFlavor(...%q) = %q, want %q", in[max(0, len(in)-40):], got, want)
		}
	}
}

// TestFixNeverNamesAnUntrustedProgram: a program another user planted on
// PATH (in a folder anyone may write) or in an install folder of another
// user is reported, never what --fix repoints the command at; a trusted
// one in an Extra folder is used instead.
func TestFixNeverNamesAnUntrustedProgram(t *testing.T) {
	planted := "/tmp/ww/aws-iam-authenticator"
	m := fake("linux", "amd64", "/usr/bin:/tmp/ww", map[string]Flavor{planted: "", "/opt/kb/aws-iam-authenticator": ""}, "/opt/kb")
	m.Untrusted = func(p string) error {
		if p == planted {
			return errors.New(p + " is not used: its folder may be changed by other users (mode -rwxrwxrwx)")
		}
		return nil
	}
	u := User{Name: "u", File: "/k/config", Exec: Exec{APIVersion: APIv1beta1, Command: "/home/alice/bin/aws-iam-authenticator", Args: []string{"token"}}}
	up := Decide([]User{u}, m).Users[0]
	if len(up.Steps) != 1 || up.Steps[0].Do != DoSetCommand || up.Steps[0].To != "/opt/kb/aws-iam-authenticator" {
		t.Errorf("steps %+v, want the command set to the trusted /opt/kb/aws-iam-authenticator", up.Steps)
	}
	m.Extra = nil
	up = Decide([]User{u}, m).Users[0]
	for _, s := range up.Steps {
		if s.Do == DoSetCommand && !s.AfterInstall {
			t.Errorf("the command is set to a planted program: %+v", s)
		}
	}
	if !strings.Contains(strings.Join(up.Problems, "; "), planted+" is not used") {
		t.Errorf("problems %q do not name the untrusted program", up.Problems)
	}
	if os.Geteuid() != 0 {
		return
	}
	// On the disk, with the one trust rule: folders of another uid.
	for _, mode := range []os.FileMode{0o755, 0o777} {
		dir := filepath.Join(t.TempDir(), "bin")
		prog := filepath.Join(dir, "aws-iam-authenticator")
		if err := os.Mkdir(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(os.Chmod(dir, mode), os.Chown(dir, 65534, 65534), os.Chown(prog, 65534, 65534)); err != nil {
			t.Fatal(err)
		}
		m := Probe(func(k string) string {
			if k == "PATH" {
				return dir
			}
			return ""
		})
		for _, s := range Decide([]User{u}, m).Users[0].Steps {
			if s.Do == DoSetCommand && !s.AfterInstall {
				t.Errorf("folder mode %v of uid 65534: the command is set to %q", mode, s.To)
			}
		}
	}
}

// TestUnknownPluginIsNeverRewritten: the README's promise, an unknown
// plugin is reported and never rewritten, v1alpha1 or not.
func TestUnknownPluginIsNeverRewritten(t *testing.T) {
	m := fake("linux", "amd64", "/bin", map[string]Flavor{"/bin/my-plugin": ""})
	up := Decide([]User{{Name: "u", File: "/k/config", Exec: Exec{APIVersion: APIv1alpha1, Command: "my-plugin"}}}, m).Users[0]
	if len(up.Steps) != 0 || up.OK() {
		t.Errorf("unknown v1alpha1 plugin: steps %+v, problems %q; want problems and no step", up.Steps, up.Problems)
	}
}

// TestAzureKubeloginAsOIDCPluginIsWrong: Azure's kubelogin renamed (or
// linked) as kubectl-oidc_login, given int128's arguments, in both forms.
func TestAzureKubeloginAsOIDCPluginIsWrong(t *testing.T) {
	m := fake("linux", "amd64", "/bin", map[string]Flavor{"/bin/kubectl-oidc_login": FlavorAzure, "/bin/kubectl": ""})
	for _, e := range []Exec{
		{APIVersion: APIv1beta1, Command: "kubectl-oidc_login", Args: int128Args},
		{APIVersion: APIv1beta1, Command: "kubectl", Args: append([]string{"oidc-login"}, int128Args...)},
	} {
		if up := Decide([]User{{Name: "u", File: "/k/config", Exec: e}}, m).Users[0]; up.OK() {
			t.Errorf("%s %s: Azure's kubelogin as kubectl-oidc_login is ok", e.Command, e.Args[0])
		}
	}
}
