package pkgmgr

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		sys  fakeSystem
		want []Found
	}{
		{
			name: "macOS arm, brew on PATH",
			sys: fakeSystem{goos: "darwin", path: map[string]string{"brew": "/opt/homebrew/bin/brew"},
				outputs: map[string]string{"/opt/homebrew/bin/brew --version": "Homebrew 4.4.1\nHomebrew/homebrew-core (git revision 1; last commit 2024-10-01)\n"}},
			want: []Found{{Manager: Homebrew, Path: "/opt/homebrew/bin/brew", Prefix: "/opt/homebrew", Version: "4.4.1", OnPath: true}},
		},
		{
			name: "macOS intel, brew off PATH in /usr/local/Homebrew",
			sys:  fakeSystem{goos: "darwin", files: map[string]string{"/usr/local/bin/brew": "->/usr/local/Homebrew/bin/brew"}},
			want: []Found{{Manager: Homebrew, Path: "/usr/local/bin/brew", Prefix: "/usr/local"}},
		},
		{
			name: "linux, linuxbrew off PATH",
			sys: fakeSystem{goos: "linux", home: "/home/ann", files: map[string]string{"/home/linuxbrew/.linuxbrew/bin/brew": ""},
				outputs: map[string]string{"/home/linuxbrew/.linuxbrew/bin/brew --version": "Homebrew 4.4.1-12-gabc\n"}},
			want: []Found{{Manager: Homebrew, Path: "/home/linuxbrew/.linuxbrew/bin/brew", Prefix: "/home/linuxbrew/.linuxbrew", Version: "4.4.1-12-gabc"}},
		},
		{
			name: "linux, HOMEBREW_PREFIX in home",
			sys: fakeSystem{goos: "linux", home: "/home/ann", env: map[string]string{"HOMEBREW_PREFIX": "/home/ann/brew"},
				files: map[string]string{"/home/ann/brew/bin/brew": ""}},
			want: []Found{{Manager: Homebrew, Path: "/home/ann/brew/bin/brew", Prefix: "/home/ann/brew"}},
		},
		{
			name: "linux, nothing",
			sys:  fakeSystem{goos: "linux", home: "/home/ann", path: map[string]string{"choco": "/usr/bin/choco", "scoop": "/usr/bin/scoop"}},
		},
		{
			name: "windows, all four",
			sys: fakeSystem{goos: "windows", home: `C:\Users\Zoë Ann`,
				env: map[string]string{"ProgramData": `C:\ProgramData`, "LOCALAPPDATA": `C:\Users\Zoë Ann\AppData\Local`, "USERPROFILE": `C:\Users\Zoë Ann`},
				path: map[string]string{
					"choco":  `C:\ProgramData\chocolatey\bin\choco.exe`,
					"scoop":  `C:\Users\Zoë Ann\scoop\shims\scoop.cmd`,
					"winget": `C:\Users\Zoë Ann\AppData\Local\Microsoft\WindowsApps\winget.exe`,
				},
				outputs: map[string]string{
					`C:\ProgramData\chocolatey\bin\choco.exe --version`:                         "2.3.0\r\n",
					`C:\Users\Zoë Ann\scoop\shims\scoop.cmd --version`:                          "Current Scoop version:\r\nv0.5.2 - Released at 2024-07-26\r\n",
					`C:\Users\Zoë Ann\AppData\Local\Microsoft\WindowsApps\winget.exe --version`: "v1.9.25180\r\n",
				}},
			want: []Found{
				{Manager: Chocolatey, Path: `C:\ProgramData\chocolatey\bin\choco.exe`, Prefix: `C:\ProgramData\chocolatey`, Version: "2.3.0", OnPath: true},
				{Manager: Scoop, Path: `C:\Users\Zoë Ann\scoop\shims\scoop.cmd`, Prefix: `C:\Users\Zoë Ann\scoop`, Version: "v0.5.2", OnPath: true},
				{Manager: Winget, Path: `C:\Users\Zoë Ann\AppData\Local\Microsoft\WindowsApps\winget.exe`, Version: "v1.9.25180", OnPath: true},
			},
		},
		{
			name: "windows, off PATH: %ChocolateyInstall% and %SCOOP%",
			sys: fakeSystem{goos: "windows", home: `C:\Users\ann`,
				env: map[string]string{"ChocolateyInstall": `D:\tools\choco`, "SCOOP": `D:\scoop`},
				files: map[string]string{
					`D:\tools\choco\choco.exe`: "",
					`D:\scoop\shims\scoop.ps1`: "",
				}},
			want: []Found{
				{Manager: Chocolatey, Path: `D:\tools\choco\choco.exe`, Prefix: `D:\tools\choco`},
				{Manager: Scoop, Path: `D:\scoop\shims\scoop.ps1`, Prefix: `D:\scoop`},
			},
		},
		{
			name: "windows, default folders, no env",
			sys: fakeSystem{goos: "windows", home: `C:\Users\ann`,
				files: map[string]string{
					`C:\ProgramData\chocolatey\bin\choco.exe`: "",
					`c:\users\ann\scoop\shims\scoop.cmd`:      "",
				}},
			want: []Found{
				{Manager: Chocolatey, Path: `C:\ProgramData\chocolatey\bin\choco.exe`, Prefix: `C:\ProgramData\chocolatey`},
				{Manager: Scoop, Path: `C:\Users\ann\scoop\shims\scoop.cmd`, Prefix: `C:\Users\ann\scoop`},
			},
		},
		{
			name: "windows, global scoop only",
			sys: fakeSystem{goos: "windows", home: `C:\Users\ann`,
				files: map[string]string{`C:\ProgramData\scoop\shims\scoop.cmd`: ""}},
			want: []Found{{Manager: Scoop, Path: `C:\ProgramData\scoop\shims\scoop.cmd`, Prefix: `C:\ProgramData\scoop`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Detect(ctx, tt.sys.system())
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Detect:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestOwner(t *testing.T) {
	ctx := context.Background()
	winEnv := map[string]string{"ProgramData": `C:\ProgramData`, "LOCALAPPDATA": `C:\Users\ann\AppData\Local`, "USERPROFILE": `C:\Users\ann`}
	tests := []struct {
		name    string
		sys     fakeSystem
		kubectl string
		want    Ownership
	}{
		{
			name:    "macOS arm brew symlink",
			sys:     fakeSystem{goos: "darwin", files: map[string]string{"/opt/homebrew/bin/kubectl": "->/opt/homebrew/Cellar/kubernetes-cli/1.37.2/bin/kubectl"}},
			kubectl: "/opt/homebrew/bin/kubectl",
			want:    Ownership{Manager: Homebrew, Package: "kubernetes-cli", Path: "/opt/homebrew/bin/kubectl", Resolved: "/opt/homebrew/Cellar/kubernetes-cli/1.37.2/bin/kubectl", Prefix: "/opt/homebrew"},
		},
		{
			name:    "macOS intel brew symlink into /usr/local/Cellar",
			sys:     fakeSystem{goos: "darwin", files: map[string]string{"/usr/local/bin/kubectl": "->/usr/local/Cellar/kubernetes-cli/1.36.4/bin/kubectl"}},
			kubectl: "/usr/local/bin/kubectl",
			want:    Ownership{Manager: Homebrew, Package: "kubernetes-cli", Path: "/usr/local/bin/kubectl", Resolved: "/usr/local/Cellar/kubernetes-cli/1.36.4/bin/kubectl", Prefix: "/usr/local"},
		},
		{
			name:    "macOS intel direct download in /usr/local/bin",
			sys:     fakeSystem{goos: "darwin", files: map[string]string{"/usr/local/bin/kubectl": ""}},
			kubectl: "/usr/local/bin/kubectl",
			want:    Ownership{Path: "/usr/local/bin/kubectl"},
		},
		{
			name:    "macOS Docker Desktop link is not Homebrew",
			sys:     fakeSystem{goos: "darwin", files: map[string]string{"/usr/local/bin/kubectl": "->/Applications/Docker.app/Contents/Resources/bin/kubectl"}},
			kubectl: "/usr/local/bin/kubectl",
			want:    Ownership{Path: "/usr/local/bin/kubectl", Resolved: "/Applications/Docker.app/Contents/Resources/bin/kubectl"},
		},
		{
			name:    "linuxbrew opt link",
			sys:     fakeSystem{goos: "linux", files: map[string]string{"/home/linuxbrew/.linuxbrew/bin/kubectl": "->/home/linuxbrew/.linuxbrew/opt/kubernetes-cli/bin/kubectl"}},
			kubectl: "/home/linuxbrew/.linuxbrew/bin/kubectl",
			want:    Ownership{Manager: Homebrew, Package: "kubernetes-cli", Path: "/home/linuxbrew/.linuxbrew/bin/kubectl", Resolved: "/home/linuxbrew/.linuxbrew/opt/kubernetes-cli/bin/kubectl", Prefix: "/home/linuxbrew/.linuxbrew"},
		},
		{
			name:    "linux /opt/kubectl is not Homebrew",
			sys:     fakeSystem{goos: "linux"},
			kubectl: "/opt/kubectl/bin/kubectl",
			want:    Ownership{Path: "/opt/kubectl/bin/kubectl"},
		},
		{
			name: "debian package",
			sys: fakeSystem{goos: "linux", outputs: map[string]string{
				"dpkg-query -S /usr/bin/kubectl": "kubernetes-client: /usr/bin/kubectl\n",
			}},
			kubectl: "/usr/bin/kubectl",
			want:    Ownership{Manager: Dpkg, Package: "kubernetes-client", Path: "/usr/bin/kubectl"},
		},
		{
			name: "debian package through alternatives and a diversion",
			sys: fakeSystem{goos: "linux",
				files: map[string]string{"/usr/bin/kubectl": "->/usr/lib/google-cloud-sdk/bin/kubectl"},
				outputs: map[string]string{
					"dpkg-query -S /usr/lib/google-cloud-sdk/bin/kubectl": "diversion by foo from: /usr/lib/google-cloud-sdk/bin/kubectl\ngoogle-cloud-cli-kubectl, other:amd64: /usr/lib/google-cloud-sdk/bin/kubectl\n",
				}},
			kubectl: "/usr/bin/kubectl",
			want:    Ownership{Manager: Dpkg, Package: "google-cloud-cli-kubectl", Path: "/usr/bin/kubectl", Resolved: "/usr/lib/google-cloud-sdk/bin/kubectl"},
		},
		{
			name: "rpm package",
			sys: fakeSystem{goos: "linux", outputs: map[string]string{
				`rpm -qf --queryformat %{NAME}\n /usr/bin/kubectl`: "kubernetes-client\n",
			}},
			kubectl: "/usr/bin/kubectl",
			want:    Ownership{Manager: RPM, Package: "kubernetes-client", Path: "/usr/bin/kubectl"},
		},
		{
			name:    "/usr/bin file no package owns",
			sys:     fakeSystem{goos: "linux"},
			kubectl: "/usr/bin/kubectl",
			want:    Ownership{Path: "/usr/bin/kubectl"},
		},
		{
			name: "/usr/local/bin is never asked about",
			sys: fakeSystem{goos: "linux", outputs: map[string]string{
				"dpkg-query -S /usr/local/bin/kubectl": "bogus: /usr/local/bin/kubectl\n",
			}},
			kubectl: "/usr/local/bin/kubectl",
			want:    Ownership{Path: "/usr/local/bin/kubectl"},
		},
		{
			name:    "snap",
			sys:     fakeSystem{goos: "linux"},
			kubectl: "/snap/bin/kubectl",
			want:    Ownership{Manager: Snap, Package: "kubectl", Path: "/snap/bin/kubectl", Prefix: "/snap"},
		},
		{
			name:    "chocolatey shim",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\ProgramData\chocolatey\bin\kubectl.exe`,
			want:    Ownership{Manager: Chocolatey, Package: "kubernetes-cli", Path: `C:\ProgramData\chocolatey\bin\kubectl.exe`, Prefix: `C:\ProgramData\chocolatey`},
		},
		{
			name:    "chocolatey lib, other case and slashes",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `c:/programdata/Chocolatey/lib/kubernetes-cli/tools/kubernetes/client/bin/kubectl.exe`,
			want:    Ownership{Manager: Chocolatey, Package: "kubernetes-cli", Path: `c:/programdata/Chocolatey/lib/kubernetes-cli/tools/kubernetes/client/bin/kubectl.exe`, Prefix: `C:\ProgramData\chocolatey`},
		},
		{
			name:    "chocolatey in a custom root",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: map[string]string{"ChocolateyInstall": `D:\choco`}},
			kubectl: `D:\choco\bin\kubectl.exe`,
			want:    Ownership{Manager: Chocolatey, Package: "kubernetes-cli", Path: `D:\choco\bin\kubectl.exe`, Prefix: `D:\choco`},
		},
		{
			name:    "scoop shim, user with a space and non-ASCII name",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\Zoë Ann`, env: map[string]string{"USERPROFILE": `C:\Users\Zoë Ann`}},
			kubectl: `C:\Users\Zoë Ann\scoop\shims\kubectl.exe`,
			want:    Ownership{Manager: Scoop, Package: "kubectl", Path: `C:\Users\Zoë Ann\scoop\shims\kubectl.exe`, Prefix: `C:\Users\Zoë Ann\scoop`},
		},
		{
			name:    "scoop app folder, unusual root found by layout",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `E:\Tools\Scoop\apps\kubectl\current\kubectl.exe`,
			want:    Ownership{Manager: Scoop, Package: "kubectl", Path: `E:\Tools\Scoop\apps\kubectl\current\kubectl.exe`, Prefix: `E:\Tools\Scoop`},
		},
		{
			name:    "winget package",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\Users\ann\AppData\Local\Microsoft\WinGet\Packages\Kubernetes.kubectl_Microsoft.Winget.Source_8wekyb3d8bbwe\kubectl.exe`,
			want:    Ownership{Manager: Winget, Package: "Kubernetes.kubectl", Path: `C:\Users\ann\AppData\Local\Microsoft\WinGet\Packages\Kubernetes.kubectl_Microsoft.Winget.Source_8wekyb3d8bbwe\kubectl.exe`, Prefix: `C:\Users\ann\AppData\Local\Microsoft\WinGet`},
		},
		{
			name:    "winget link",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\Users\ann\AppData\Local\Microsoft\WinGet\Links\kubectl.exe`,
			want:    Ownership{Manager: Winget, Package: "Kubernetes.kubectl", Path: `C:\Users\ann\AppData\Local\Microsoft\WinGet\Links\kubectl.exe`, Prefix: `C:\Users\ann\AppData\Local\Microsoft\WinGet`},
		},
		{
			name:    "windows direct download into kubeboot's folder",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\Users\ann\AppData\Local\Programs\kubeboot\bin\kubectl.exe`,
			want:    Ownership{Path: `C:\Users\ann\AppData\Local\Programs\kubeboot\bin\kubectl.exe`},
		},
		{
			name:    "windows Docker Desktop",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\Program Files\Docker\Docker\resources\bin\kubectl.exe`,
			want:    Ownership{Path: `C:\Program Files\Docker\Docker\resources\bin\kubectl.exe`},
		},
		// Another program in a shim folder: the manager is known, the
		// package is not (it is not kubectl's).
		{
			name:    "chocolatey shim of another program",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\ProgramData\chocolatey\bin\kubelogin.exe`,
			want:    Ownership{Manager: Chocolatey, Path: `C:\ProgramData\chocolatey\bin\kubelogin.exe`, Prefix: `C:\ProgramData\chocolatey`},
		},
		{
			name:    "scoop shim of another program",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\Users\ann\scoop\shims\helm.exe`,
			want:    Ownership{Manager: Scoop, Path: `C:\Users\ann\scoop\shims\helm.exe`, Prefix: `C:\Users\ann\scoop`},
		},
		{
			name:    "winget link of another program",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `C:\Users\ann\AppData\Local\Microsoft\WinGet\Links\kubelogin.exe`,
			want:    Ownership{Manager: Winget, Path: `C:\Users\ann\AppData\Local\Microsoft\WinGet\Links\kubelogin.exe`, Prefix: `C:\Users\ann\AppData\Local\Microsoft\WinGet`},
		},
		{
			name:    "chocolatey shim of another program, unusual root",
			sys:     fakeSystem{goos: "windows", home: `C:\Users\ann`, env: winEnv},
			kubectl: `E:\Chocolatey\bin\helm.exe`,
			want:    Ownership{Manager: Chocolatey, Path: `E:\Chocolatey\bin\helm.exe`, Prefix: `E:\Chocolatey`},
		},
		{name: "no kubectl", sys: fakeSystem{goos: "linux"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Owner(ctx, tt.sys.system(), tt.kubectl)
			if got != tt.want {
				t.Errorf("Owner(%q):\n got %+v\nwant %+v", tt.kubectl, got, tt.want)
			}
		})
	}
}

func TestParseMethod(t *testing.T) {
	for in, want := range map[string]Method{"": MethodAuto, "auto": MethodAuto, "Direct": MethodDirect, "brew": MethodBrew, "choco": MethodChoco, "scoop": MethodScoop, "winget": MethodWinget} {
		if got, err := ParseMethod(in); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMethod("apt"); !errors.Is(err, ErrUnknownMethod) {
		t.Errorf("ParseMethod(apt) error = %v, want ErrUnknownMethod", err)
	}
}

func TestPlan(t *testing.T) {
	brew := Found{Manager: Homebrew, Path: "/opt/homebrew/bin/brew", Prefix: "/opt/homebrew"}
	linuxbrew := Found{Manager: Homebrew, Path: "/home/linuxbrew/.linuxbrew/bin/brew"}
	choco := Found{Manager: Chocolatey, Path: `C:\ProgramData\chocolatey\bin\choco.exe`}
	scoop := Found{Manager: Scoop, Path: `C:\Users\ann\scoop\shims\scoop.cmd`}
	winget := Found{Manager: Winget, Path: `C:\Users\ann\AppData\Local\Microsoft\WindowsApps\winget.exe`}
	brewKubectl := Ownership{Manager: Homebrew, Package: "kubernetes-cli"}
	tests := []struct {
		name    string
		in      PlanInput
		want    Action
		wantErr error
	}{
		{"auto, macOS, brew owns kubectl", PlanInput{GOOS: "darwin", Kubectl: "/opt/homebrew/bin/kubectl", Owner: brewKubectl, Managers: []Found{brew}},
			Action{Method: MethodBrew, Manager: brew, Args: []string{"upgrade", "kubectl"}, Upgrade: true}, nil},
		{"auto, macOS, brew and no kubectl", PlanInput{GOOS: "darwin", Managers: []Found{brew}},
			Action{Method: MethodBrew, Manager: brew, Args: []string{"install", "kubectl"}}, nil},
		{"auto, macOS, no brew and no kubectl", PlanInput{GOOS: "darwin"},
			Action{Method: MethodDirect}, nil},
		{"auto, macOS, brew but a direct kubectl", PlanInput{GOOS: "darwin", Kubectl: "/usr/local/bin/kubectl", Managers: []Found{brew}},
			Action{Method: MethodDirect}, nil},
		{"auto, macOS, brew owns kubectl but a version is pinned", PlanInput{GOOS: "darwin", Kubectl: "/opt/homebrew/bin/kubectl", Owner: brewKubectl, Managers: []Found{brew}, Pinned: true},
			Action{Method: MethodDirect}, nil},
		{"auto, macOS, brew owns kubectl but brew is gone", PlanInput{GOOS: "darwin", Kubectl: "/opt/homebrew/bin/kubectl", Owner: brewKubectl},
			Action{Method: MethodDirect}, nil},
		{"auto, linux, brew and no kubectl: direct", PlanInput{GOOS: "linux", Managers: []Found{linuxbrew}},
			Action{Method: MethodDirect}, nil},
		{"auto, linux, linuxbrew owns kubectl", PlanInput{GOOS: "linux", Kubectl: "/home/linuxbrew/.linuxbrew/bin/kubectl", Owner: brewKubectl, Managers: []Found{linuxbrew}},
			Action{Method: MethodBrew, Manager: linuxbrew, Args: []string{"upgrade", "kubectl"}, Upgrade: true}, nil},
		{"auto, linux, debian package: direct", PlanInput{GOOS: "linux", Kubectl: "/usr/bin/kubectl", Owner: Ownership{Manager: Dpkg, Package: "kubernetes-client"}},
			Action{Method: MethodDirect}, nil},
		{"auto, windows, choco owns kubectl, elevated", PlanInput{GOOS: "windows", Kubectl: `C:\ProgramData\chocolatey\bin\kubectl.exe`, Owner: Ownership{Manager: Chocolatey}, Managers: []Found{choco, scoop}, Elevated: true},
			Action{Method: MethodChoco, Manager: choco, Args: []string{"upgrade", "kubernetes-cli", "-y"}, Upgrade: true}, nil},
		{"auto, windows, choco owns kubectl, not elevated", PlanInput{GOOS: "windows", Kubectl: `C:\ProgramData\chocolatey\bin\kubectl.exe`, Owner: Ownership{Manager: Chocolatey}, Managers: []Found{choco}},
			Action{}, ErrNeedsElevation},
		{"auto, windows, scoop owns kubectl", PlanInput{GOOS: "windows", Kubectl: `C:\Users\ann\scoop\shims\kubectl.exe`, Owner: Ownership{Manager: Scoop}, Managers: []Found{choco, scoop}},
			Action{Method: MethodScoop, Manager: scoop, Args: []string{"update", "kubectl"}, Upgrade: true}, nil},
		{"auto, windows, winget owns kubectl", PlanInput{GOOS: "windows", Kubectl: `C:\x\WinGet\Links\kubectl.exe`, Owner: Ownership{Manager: Winget}, Managers: []Found{winget}},
			Action{Method: MethodWinget, Manager: winget, Args: managerArgs(Winget, true), Upgrade: true}, nil},
		{"auto, windows, managers but no kubectl: direct", PlanInput{GOOS: "windows", Managers: []Found{choco, scoop}},
			Action{Method: MethodDirect}, nil},
		{"direct ignores the owner", PlanInput{GOOS: "darwin", Method: MethodDirect, Kubectl: "/opt/homebrew/bin/kubectl", Owner: brewKubectl, Managers: []Found{brew}},
			Action{Method: MethodDirect}, nil},
		{"brew explicit, not installed", PlanInput{GOOS: "darwin", Method: MethodBrew}, Action{}, ErrUnavailable},
		{"brew explicit on windows", PlanInput{GOOS: "windows", Method: MethodBrew, Managers: []Found{brew}}, Action{}, ErrUnavailable},
		{"brew explicit installs next to a direct kubectl", PlanInput{GOOS: "darwin", Method: MethodBrew, Kubectl: "/usr/local/bin/kubectl", Managers: []Found{brew}},
			Action{Method: MethodBrew, Manager: brew, Args: []string{"install", "kubectl"}}, nil},
		{"choco explicit on linux", PlanInput{GOOS: "linux", Method: MethodChoco, Elevated: true}, Action{}, ErrUnavailable},
		{"choco explicit, not elevated", PlanInput{GOOS: "windows", Method: MethodChoco, Managers: []Found{choco}}, Action{}, ErrNeedsElevation},
		{"choco explicit, elevated, installs", PlanInput{GOOS: "windows", Method: MethodChoco, Managers: []Found{choco}, Elevated: true},
			Action{Method: MethodChoco, Manager: choco, Args: []string{"install", "kubernetes-cli", "-y"}}, nil},
		{"scoop explicit, not installed", PlanInput{GOOS: "windows", Method: MethodScoop, Managers: []Found{choco}}, Action{}, ErrUnavailable},
		{"scoop explicit installs", PlanInput{GOOS: "windows", Method: MethodScoop, Managers: []Found{scoop}},
			Action{Method: MethodScoop, Manager: scoop, Args: []string{"install", "kubectl"}}, nil},
		{"unknown method", PlanInput{GOOS: "linux", Method: "apt"}, Action{}, ErrUnknownMethod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Plan error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Reason == "" {
				t.Error("Plan gave no reason")
			}
			got.Reason = ""
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Plan:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestErrorsTellTheCause(t *testing.T) {
	var ue *UnavailableError
	_, err := Plan(PlanInput{GOOS: "linux", Method: MethodScoop})
	if !errors.As(err, &ue) || ue.Method != MethodScoop || ue.GOOS != "linux" {
		t.Fatalf("error = %#v, want *UnavailableError for scoop on linux", err)
	}
	var ee *ElevationError
	_, err = Plan(PlanInput{GOOS: "windows", Method: MethodChoco, Managers: []Found{{Manager: Chocolatey, Path: "choco"}}})
	if !errors.As(err, &ee) || ee.Manager != Chocolatey {
		t.Fatalf("error = %#v, want *ElevationError", err)
	}
}

// TestPlanTools pins each catalogue tool's package name in each manager.
func TestPlanTools(t *testing.T) {
	managers := map[Method]Found{
		MethodBrew:   {Manager: Homebrew, Path: "/opt/homebrew/bin/brew"},
		MethodChoco:  {Manager: Chocolatey, Path: `C:\ProgramData\chocolatey\bin\choco.exe`},
		MethodScoop:  {Manager: Scoop, Path: `C:\Users\ann\scoop\shims\scoop.cmd`},
		MethodWinget: {Manager: Winget, Path: `C:\Users\ann\AppData\Local\Microsoft\WindowsApps\winget.exe`},
	}
	want := map[string]map[Method]string{ // "" : no package
		"helm":                  {MethodBrew: "helm", MethodChoco: "kubernetes-helm", MethodScoop: "main/helm", MethodWinget: "Helm.Helm"},
		"oidc-login":            {MethodBrew: "kubelogin", MethodChoco: "kubelogin", MethodScoop: "extras/kubelogin", MethodWinget: "int128.kubelogin"},
		"azure-kubelogin":       {MethodBrew: "Azure/kubelogin/kubelogin", MethodChoco: "azure-kubelogin", MethodScoop: "main/azure-kubelogin", MethodWinget: "Microsoft.Azure.Kubelogin"},
		"aws-iam-authenticator": {MethodBrew: "aws-iam-authenticator", MethodChoco: "", MethodScoop: "main/aws-iam-authenticator", MethodWinget: "Kubernetes.aws-iam-authenticator"},
		"":                      {MethodBrew: "kubectl", MethodChoco: "kubernetes-cli", MethodScoop: "kubectl", MethodWinget: "Kubernetes.kubectl"},
	}
	for tool, byMethod := range want {
		for method, name := range byMethod {
			f := managers[method]
			goos := "windows"
			if method == MethodBrew {
				goos = "darwin"
			}
			a, err := Plan(PlanInput{GOOS: goos, Tool: tool, Method: method, Managers: []Found{f}, Elevated: true})
			if name == "" {
				if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "has no package of "+tool) {
					t.Errorf("%s via %s: %+v, %v; want no package", tool, method, a, err)
				}
				continue
			}
			if err != nil || !slices.Contains(a.Args, name) || a.Args[0] != "install" || a.Method != method {
				t.Errorf("%s via %s: %+v, %v; want install %s", tool, method, a, err, name)
			}
		}
	}
	if _, err := Plan(PlanInput{GOOS: "linux", Tool: "virtctl"}); err == nil {
		t.Error("virtctl, which no manager packages, got a plan")
	}
}

// TestKubeloginNeverConfused: "kubelogin" is int128's oidc-login to
// Homebrew, Chocolatey and Scoop and Azure's program's name everywhere;
// a kubelogin on PATH that one manager's other package owns is never
// upgraded as Azure's, and each manager is asked for the right one.
func TestKubeloginNeverConfused(t *testing.T) {
	brew := Found{Manager: Homebrew, Path: "/opt/homebrew/bin/brew"}
	choco := Found{Manager: Chocolatey, Path: `C:\ProgramData\chocolatey\bin\choco.exe`}
	scoop := Found{Manager: Scoop, Path: `C:\Users\ann\scoop\shims\scoop.cmd`}
	winget := Found{Manager: Winget, Path: `C:\Users\ann\AppData\Local\Microsoft\WindowsApps\winget.exe`}
	tests := []struct {
		name   string
		in     PlanInput
		want   []string // nil: direct
		errIs  error
		reason string
	}{
		// Homebrew: Cellar/kubelogin is int128's formula, or Azure's tap:
		// never upgraded as Azure's.
		{"brew, Cellar/kubelogin, azure auto", PlanInput{GOOS: "darwin", Tool: "azure-kubelogin", Kubectl: "/opt/homebrew/bin/kubelogin", Owner: Ownership{Manager: Homebrew, Package: "kubelogin"}, Managers: []Found{brew}}, nil, nil, "not azure-kubelogin"},
		{"brew, Cellar/kubelogin, azure explicit", PlanInput{GOOS: "darwin", Tool: "azure-kubelogin", Method: MethodBrew, Kubectl: "/opt/homebrew/bin/kubelogin", Owner: Ownership{Manager: Homebrew, Package: "kubelogin"}, Managers: []Found{brew}}, nil, ErrUnavailable, "another program"},
		{"brew, kubectl-oidc_login of Cellar/kubelogin, oidc-login auto", PlanInput{GOOS: "darwin", Tool: "oidc-login", Kubectl: "/opt/homebrew/bin/kubectl-oidc_login", Owner: Ownership{Manager: Homebrew, Package: "kubelogin"}, Managers: []Found{brew}}, []string{"upgrade", "kubelogin"}, nil, ""},
		{"brew, azure explicit, nothing on PATH", PlanInput{GOOS: "darwin", Tool: "azure-kubelogin", Method: MethodBrew, Managers: []Found{brew}}, []string{"install", "Azure/kubelogin/kubelogin"}, nil, ""},
		// Chocolatey: kubelogin is int128's, azure-kubelogin Azure's.
		{"choco, kubelogin package, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\ProgramData\chocolatey\bin\kubelogin.exe`, Owner: Ownership{Manager: Chocolatey, Package: "kubelogin"}, Managers: []Found{choco}, Elevated: true}, nil, nil, "not azure-kubelogin"},
		{"choco, azure-kubelogin package, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\ProgramData\chocolatey\bin\kubelogin.exe`, Owner: Ownership{Manager: Chocolatey, Package: "azure-kubelogin"}, Managers: []Found{choco}, Elevated: true}, []string{"upgrade", "azure-kubelogin", "-y"}, nil, ""},
		{"choco, oidc-login explicit", PlanInput{GOOS: "windows", Tool: "oidc-login", Method: MethodChoco, Managers: []Found{choco}, Elevated: true}, []string{"install", "kubelogin", "-y"}, nil, ""},
		// Scoop: extras/kubelogin is int128's.
		{"scoop, kubelogin app, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\Users\ann\scoop\shims\kubelogin.exe`, Owner: Ownership{Manager: Scoop, Package: "kubelogin"}, Managers: []Found{scoop}}, nil, nil, "not azure-kubelogin"},
		{"scoop, azure-kubelogin app, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\Users\ann\scoop\shims\kubelogin.exe`, Owner: Ownership{Manager: Scoop, Package: "azure-kubelogin"}, Managers: []Found{scoop}}, []string{"update", "azure-kubelogin"}, nil, ""},
		{"scoop, oidc-login explicit", PlanInput{GOOS: "windows", Tool: "oidc-login", Method: MethodScoop, Managers: []Found{scoop}}, []string{"install", "extras/kubelogin"}, nil, ""},
		// winget: kubelogin means Azure's; int128's is int128.kubelogin.
		{"winget, int128.kubelogin, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\x\WinGet\Links\kubelogin.exe`, Owner: Ownership{Manager: Winget, Package: "int128.kubelogin"}, Managers: []Found{winget}}, nil, nil, "not azure-kubelogin"},
		{"winget, unknown package, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\x\WinGet\Links\kubelogin.exe`, Owner: Ownership{Manager: Winget}, Managers: []Found{winget}}, nil, nil, "(unknown)"},
		{"winget, Microsoft.Azure.Kubelogin, azure auto", PlanInput{GOOS: "windows", Tool: "azure-kubelogin", Kubectl: `C:\x\WinGet\Links\kubelogin.exe`, Owner: Ownership{Manager: Winget, Package: "Microsoft.Azure.Kubelogin"}, Managers: []Found{winget}}, Package{Name: "Microsoft.Azure.Kubelogin"}.args(Winget, true), nil, ""},
		{"winget, oidc-login explicit", PlanInput{GOOS: "windows", Tool: "oidc-login", Method: MethodWinget, Managers: []Found{winget}}, Package{Name: "int128.kubelogin"}.args(Winget, false), nil, ""},
	}
	for _, tt := range tests {
		a, err := Plan(tt.in)
		if tt.errIs != nil {
			if !errors.Is(err, tt.errIs) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("%s: %+v, %v; want %v", tt.name, a, err, tt.errIs)
			}
			continue
		}
		if err != nil || !slices.Equal(a.Args, tt.want) || (tt.want == nil) != (a.Method == MethodDirect) || !strings.Contains(a.Reason, tt.reason) {
			t.Errorf("%s: %+v, %v; want %q", tt.name, a, err, tt.want)
		}
	}
}
