package catalog

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestArtifacts pins, for every tool and every platform its releases
// publish, the upstream URL, the archive member, the installed name and
// where each proof is read, as the projects publish them.
func TestArtifacts(t *testing.T) {
	tests := []struct {
		tool    string
		p       Platform
		url     string
		member  string
		program string
		proofs  []string
	}{
		{"kubectl", Platform{"linux", "amd64"}, "https://dl.k8s.io/release/v1.2.3/bin/linux/amd64/kubectl", "", "kubectl", []string{"https://dl.k8s.io/release/v1.2.3/bin/linux/amd64/kubectl.sha256", "https://dl.k8s.io/release/v1.2.3/bin/linux/amd64/kubectl.sig"}},
		{"kubectl", Platform{"linux", "arm64"}, "https://dl.k8s.io/release/v1.2.3/bin/linux/arm64/kubectl", "", "kubectl", []string{"https://dl.k8s.io/release/v1.2.3/bin/linux/arm64/kubectl.sha256", "https://dl.k8s.io/release/v1.2.3/bin/linux/arm64/kubectl.sig"}},
		{"kubectl", Platform{"linux", "ppc64le"}, "https://dl.k8s.io/release/v1.2.3/bin/linux/ppc64le/kubectl", "", "kubectl", []string{"https://dl.k8s.io/release/v1.2.3/bin/linux/ppc64le/kubectl.sha256", "https://dl.k8s.io/release/v1.2.3/bin/linux/ppc64le/kubectl.sig"}},
		{"kubectl", Platform{"linux", "s390x"}, "https://dl.k8s.io/release/v1.2.3/bin/linux/s390x/kubectl", "", "kubectl", []string{"https://dl.k8s.io/release/v1.2.3/bin/linux/s390x/kubectl.sha256", "https://dl.k8s.io/release/v1.2.3/bin/linux/s390x/kubectl.sig"}},
		{"kubectl", Platform{"darwin", "amd64"}, "https://dl.k8s.io/release/v1.2.3/bin/darwin/amd64/kubectl", "", "kubectl", []string{"https://dl.k8s.io/release/v1.2.3/bin/darwin/amd64/kubectl.sha256", "https://dl.k8s.io/release/v1.2.3/bin/darwin/amd64/kubectl.sig"}},
		{"kubectl", Platform{"darwin", "arm64"}, "https://dl.k8s.io/release/v1.2.3/bin/darwin/arm64/kubectl", "", "kubectl", []string{"https://dl.k8s.io/release/v1.2.3/bin/darwin/arm64/kubectl.sha256", "https://dl.k8s.io/release/v1.2.3/bin/darwin/arm64/kubectl.sig"}},
		{"kubectl", Platform{"windows", "amd64"}, "https://dl.k8s.io/release/v1.2.3/bin/windows/amd64/kubectl.exe", "", "kubectl.exe", []string{"https://dl.k8s.io/release/v1.2.3/bin/windows/amd64/kubectl.exe.sha256", "https://dl.k8s.io/release/v1.2.3/bin/windows/amd64/kubectl.exe.sig"}},
		{"kubectl", Platform{"windows", "arm64"}, "https://dl.k8s.io/release/v1.2.3/bin/windows/arm64/kubectl.exe", "", "kubectl.exe", []string{"https://dl.k8s.io/release/v1.2.3/bin/windows/arm64/kubectl.exe.sha256", "https://dl.k8s.io/release/v1.2.3/bin/windows/arm64/kubectl.exe.sig"}},
		{"helm", Platform{"linux", "amd64"}, "https://get.helm.sh/helm-v1.2.3-linux-amd64.tar.gz", "linux-amd64/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-amd64.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-amd64.tar.gz.asc"}},
		{"helm", Platform{"linux", "arm64"}, "https://get.helm.sh/helm-v1.2.3-linux-arm64.tar.gz", "linux-arm64/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-arm64.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-arm64.tar.gz.asc"}},
		{"helm", Platform{"linux", "arm"}, "https://get.helm.sh/helm-v1.2.3-linux-arm.tar.gz", "linux-arm/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-arm.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-arm.tar.gz.asc"}},
		{"helm", Platform{"linux", "386"}, "https://get.helm.sh/helm-v1.2.3-linux-386.tar.gz", "linux-386/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-386.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-386.tar.gz.asc"}},
		{"helm", Platform{"linux", "ppc64le"}, "https://get.helm.sh/helm-v1.2.3-linux-ppc64le.tar.gz", "linux-ppc64le/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-ppc64le.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-ppc64le.tar.gz.asc"}},
		{"helm", Platform{"linux", "s390x"}, "https://get.helm.sh/helm-v1.2.3-linux-s390x.tar.gz", "linux-s390x/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-s390x.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-s390x.tar.gz.asc"}},
		{"helm", Platform{"linux", "loong64"}, "https://get.helm.sh/helm-v1.2.3-linux-loong64.tar.gz", "linux-loong64/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-loong64.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-loong64.tar.gz.asc"}},
		{"helm", Platform{"linux", "riscv64"}, "https://get.helm.sh/helm-v1.2.3-linux-riscv64.tar.gz", "linux-riscv64/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-linux-riscv64.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-linux-riscv64.tar.gz.asc"}},
		{"helm", Platform{"darwin", "amd64"}, "https://get.helm.sh/helm-v1.2.3-darwin-amd64.tar.gz", "darwin-amd64/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-darwin-amd64.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-darwin-amd64.tar.gz.asc"}},
		{"helm", Platform{"darwin", "arm64"}, "https://get.helm.sh/helm-v1.2.3-darwin-arm64.tar.gz", "darwin-arm64/helm", "helm", []string{"https://get.helm.sh/helm-v1.2.3-darwin-arm64.tar.gz.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-darwin-arm64.tar.gz.asc"}},
		{"helm", Platform{"windows", "amd64"}, "https://get.helm.sh/helm-v1.2.3-windows-amd64.zip", "windows-amd64/helm.exe", "helm.exe", []string{"https://get.helm.sh/helm-v1.2.3-windows-amd64.zip.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-windows-amd64.zip.asc"}},
		{"helm", Platform{"windows", "arm64"}, "https://get.helm.sh/helm-v1.2.3-windows-arm64.zip", "windows-arm64/helm.exe", "helm.exe", []string{"https://get.helm.sh/helm-v1.2.3-windows-arm64.zip.sha256sum", "https://github.com/helm/helm/releases/download/v1.2.3/helm-v1.2.3-windows-arm64.zip.asc"}},
		{"virtctl", Platform{"linux", "amd64"}, "https://github.com/kubevirt/kubevirt/releases/download/v1.2.3/virtctl-v1.2.3-linux-amd64", "", "virtctl", []string{"repos/kubevirt/kubevirt/releases/tags/v1.2.3"}},
		{"virtctl", Platform{"linux", "arm64"}, "https://github.com/kubevirt/kubevirt/releases/download/v1.2.3/virtctl-v1.2.3-linux-arm64", "", "virtctl", []string{"repos/kubevirt/kubevirt/releases/tags/v1.2.3"}},
		{"virtctl", Platform{"linux", "s390x"}, "https://github.com/kubevirt/kubevirt/releases/download/v1.2.3/virtctl-v1.2.3-linux-s390x", "", "virtctl", []string{"repos/kubevirt/kubevirt/releases/tags/v1.2.3"}},
		{"virtctl", Platform{"darwin", "amd64"}, "https://github.com/kubevirt/kubevirt/releases/download/v1.2.3/virtctl-v1.2.3-darwin-amd64", "", "virtctl", []string{"repos/kubevirt/kubevirt/releases/tags/v1.2.3"}},
		{"virtctl", Platform{"darwin", "arm64"}, "https://github.com/kubevirt/kubevirt/releases/download/v1.2.3/virtctl-v1.2.3-darwin-arm64", "", "virtctl", []string{"repos/kubevirt/kubevirt/releases/tags/v1.2.3"}},
		{"virtctl", Platform{"windows", "amd64"}, "https://github.com/kubevirt/kubevirt/releases/download/v1.2.3/virtctl-v1.2.3-windows-amd64.exe", "", "virtctl.exe", []string{"repos/kubevirt/kubevirt/releases/tags/v1.2.3"}},
		{"oidc-login", Platform{"linux", "amd64"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_amd64.zip", "kubelogin", "kubectl-oidc_login", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_amd64.zip.sha256"}},
		{"oidc-login", Platform{"linux", "arm64"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_arm64.zip", "kubelogin", "kubectl-oidc_login", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_arm64.zip.sha256"}},
		{"oidc-login", Platform{"linux", "arm"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_arm.zip", "kubelogin", "kubectl-oidc_login", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_arm.zip.sha256"}},
		{"oidc-login", Platform{"linux", "ppc64le"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_ppc64le.zip", "kubelogin", "kubectl-oidc_login", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_ppc64le.zip.sha256"}},
		{"oidc-login", Platform{"darwin", "amd64"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_darwin_amd64.zip", "kubelogin", "kubectl-oidc_login", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_darwin_amd64.zip.sha256"}},
		{"oidc-login", Platform{"darwin", "arm64"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_darwin_arm64.zip", "kubelogin", "kubectl-oidc_login", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_darwin_arm64.zip.sha256"}},
		{"oidc-login", Platform{"windows", "amd64"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_windows_amd64.zip", "kubelogin.exe", "kubectl-oidc_login.exe", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_windows_amd64.zip.sha256"}},
		{"oidc-login", Platform{"windows", "arm64"}, "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_windows_arm64.zip", "kubelogin.exe", "kubectl-oidc_login.exe", []string{"https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_windows_arm64.zip.sha256"}},
		{"azure-kubelogin", Platform{"linux", "amd64"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-linux-amd64.zip", "bin/linux_amd64/kubelogin", "kubelogin", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-linux-amd64.zip.sha256"}},
		{"azure-kubelogin", Platform{"linux", "arm64"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-linux-arm64.zip", "bin/linux_arm64/kubelogin", "kubelogin", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-linux-arm64.zip.sha256"}},
		// Azure builds linux/arm with GOARM=7 and names it armv7 (release.yml).
		{"azure-kubelogin", Platform{"linux", "arm"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-linux-armv7.zip", "bin/linux_armv7/kubelogin", "kubelogin", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-linux-armv7.zip.sha256"}},
		{"azure-kubelogin", Platform{"darwin", "amd64"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-darwin-amd64.zip", "bin/darwin_amd64/kubelogin", "kubelogin", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-darwin-amd64.zip.sha256"}},
		{"azure-kubelogin", Platform{"darwin", "arm64"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-darwin-arm64.zip", "bin/darwin_arm64/kubelogin", "kubelogin", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-darwin-arm64.zip.sha256"}},
		{"azure-kubelogin", Platform{"windows", "amd64"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-win-amd64.zip", "bin/windows_amd64/kubelogin.exe", "kubelogin.exe", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-win-amd64.zip.sha256"}},
		{"azure-kubelogin", Platform{"windows", "arm64"}, "https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-win-arm64.zip", "bin/windows_arm64/kubelogin.exe", "kubelogin.exe", []string{"https://github.com/Azure/kubelogin/releases/download/v1.2.3/kubelogin-win-arm64.zip.sha256"}},
		{"aws-iam-authenticator", Platform{"linux", "amd64"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_linux_amd64", "", "aws-iam-authenticator", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
		{"aws-iam-authenticator", Platform{"linux", "arm64"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_linux_arm64", "", "aws-iam-authenticator", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
		{"aws-iam-authenticator", Platform{"linux", "ppc64le"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_linux_ppc64le", "", "aws-iam-authenticator", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
		{"aws-iam-authenticator", Platform{"linux", "s390x"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_linux_s390x", "", "aws-iam-authenticator", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
		{"aws-iam-authenticator", Platform{"darwin", "amd64"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_darwin_amd64", "", "aws-iam-authenticator", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
		{"aws-iam-authenticator", Platform{"darwin", "arm64"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_darwin_arm64", "", "aws-iam-authenticator", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
		{"aws-iam-authenticator", Platform{"windows", "amd64"}, "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/aws-iam-authenticator_1.2.3_windows_amd64.exe", "", "aws-iam-authenticator.exe", []string{"https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/v1.2.3/authenticator_1.2.3_checksums.txt"}},
	}
	seen := map[string][]Platform{}
	for _, tt := range tests {
		tool := Lookup(tt.tool)
		a, ok := tool.Artifact("v1.2.3", tt.p)
		if !ok {
			t.Errorf("%s has no file for %s", tt.tool, tt.p)
			continue
		}
		var at []string
		for _, pr := range a.Proofs {
			at = append(at, pr.At)
			if pr.Asset != a.Name {
				t.Errorf("%s %s: a proof names the file %q, not %q", tt.tool, tt.p, pr.Asset, a.Name)
			}
		}
		if a.URL != tt.url || a.Member != tt.member || a.Program != tt.program || !slices.Equal(at, tt.proofs) {
			t.Errorf("%s %s:\n got %s %q %s %q\nwant %s %q %s %q", tt.tool, tt.p, a.URL, a.Member, a.Program, at, tt.url, tt.member, tt.program, tt.proofs)
		}
		if want := tt.url[strings.LastIndex(tt.url, "/")+1:]; a.Name != want {
			t.Errorf("%s %s: name %q, want %q", tt.tool, tt.p, a.Name, want)
		}
		if (a.Archive == Raw) != (tt.member == "") {
			t.Errorf("%s %s: archive %s with member %q", tt.tool, tt.p, a.Archive, tt.member)
		}
		seen[tt.tool] = append(seen[tt.tool], tt.p)
	}
	// Every platform an entry claims is in the table above, and no other.
	for _, tool := range All() {
		if tool.Delegate != "" {
			continue
		}
		if !slices.Equal(seen[tool.Name], tool.Platforms) {
			t.Errorf("%s: platforms %v, table has %v", tool.Name, tool.Platforms, seen[tool.Name])
		}
		if _, ok := tool.Artifact("v1.2.3", Platform{"plan9", "amd64"}); ok {
			t.Errorf("%s claims a plan9 file", tool.Name)
		}
	}
}

func TestEveryDownloadHasEvidence(t *testing.T) {
	for _, tool := range All() {
		if tool.Delegate != "" {
			if len(tool.Evidence) != 0 || len(tool.Platforms) != 0 {
				t.Errorf("%s delegates, yet describes downloads", tool.Name)
			}
			if _, ok := tool.Artifact("v1.0.0", Platform{"linux", "amd64"}); ok {
				t.Errorf("%s delegates, yet has an artifact", tool.Name)
			}
			continue
		}
		if len(tool.Evidence) == 0 {
			t.Errorf("%s has no evidence", tool.Name)
		}
		for _, e := range tool.Evidence {
			if e.Whose == "" {
				t.Errorf("%s: evidence %s does not say whose word it is", tool.Name, e.Kind)
			}
		}
		for _, u := range []string{tool.File, tool.Versions.URL} {
			if !strings.HasPrefix(u, "https://") {
				t.Errorf("%s: %q is not upstream https", tool.Name, u)
			}
		}
	}
}

func TestDelegated(t *testing.T) {
	g := Lookup("gke-gcloud-auth-plugin")
	if g == nil || !strings.Contains(g.Delegate, "gcloud components install gke-gcloud-auth-plugin") {
		t.Fatalf("gke-gcloud-auth-plugin: %+v", g)
	}
	if Lookup("kubelogin") != nil {
		t.Error(`"kubelogin" is ambiguous (Azure's or int128's) and must not name a tool`)
	}
}

func TestChoose(t *testing.T) {
	helm, oidc := Helm(), OIDCLogin()
	tests := []struct {
		tool *Tool
		spec string
		want Choice
		err  bool
	}{
		{helm, "", Choice{Kind: VersionMarker, URL: "https://get.helm.sh/helm-latest-version", CacheBust: true}, false},
		{helm, "latest", Choice{Kind: VersionMarker, URL: "https://get.helm.sh/helm-latest-version", CacheBust: true}, false},
		{helm, "3", Choice{Kind: VersionMarker, URL: "https://get.helm.sh/helm3-latest-version", CacheBust: true, Line: "v3."}, false},
		{helm, "v3", Choice{Kind: VersionMarker, URL: "https://get.helm.sh/helm3-latest-version", CacheBust: true, Line: "v3."}, false},
		{helm, "3.16.1", Choice{Tag: "v3.16.1"}, false},
		{helm, " v4.0.0-rc.1 ", Choice{Tag: "v4.0.0-rc.1"}, false},
		{helm, "5", Choice{}, true},
		{oidc, "", Choice{Kind: VersionReleaseRedirect, URL: "https://github.com/int128/kubelogin/releases/latest"}, false},
		{oidc, "3", Choice{}, true},
		{oidc, "v1.2", Choice{}, true},
		{oidc, "v1.2.3; rm -rf /", Choice{}, true},
		{oidc, "../v1.2.3", Choice{}, true},
	}
	for _, tt := range tests {
		got, err := tt.tool.Choose(tt.spec)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s Choose(%q) = %+v, %v", tt.tool.Name, tt.spec, got, err)
		}
	}
}

func TestReleaseTag(t *testing.T) {
	up := "https://github.com/int128/kubelogin/releases/latest"
	mirror := "http://127.0.0.1:8080/files/github.com/int128/kubelogin/releases/latest"
	tests := []struct {
		asked, loc, want string
	}{
		{up, "https://github.com/int128/kubelogin/releases/tag/v1.34.0", "v1.34.0"},
		{mirror, "http://127.0.0.1:8080/files/github.com/int128/kubelogin/releases/tag/v1.34.0", "v1.34.0"},
		{up, "https://evil.example/int128/kubelogin/releases/tag/v1.34.0", ""},
		{up, "http://github.com/int128/kubelogin/releases/tag/v1.34.0", ""},
		{up, "https://github.com/someone/else/releases/tag/v9.9.9", ""},
		{up, "https://github.com/int128/kubelogin/releases/tag/nightly", ""},
		{up, "https://github.com/int128/kubelogin/releases", ""},
		{mirror, "http://127.0.0.1:8081/files/github.com/int128/kubelogin/releases/tag/v1.34.0", ""},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.asked)
		l, _ := url.Parse(tt.loc)
		got, err := ReleaseTag(a, l)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("ReleaseTag(%s, %s) = %q, %v; want %q", tt.asked, tt.loc, got, err, tt.want)
		}
	}
}

func TestMirrored(t *testing.T) {
	tests := []struct{ root, up, want string }{
		{"", "https://get.helm.sh/helm-v3.16.1-linux-amd64.tar.gz", "https://get.helm.sh/helm-v3.16.1-linux-amd64.tar.gz"},
		{"https://files.example/k8s/", "https://get.helm.sh/helm-latest-version?x=1", "https://files.example/k8s/get.helm.sh/helm-latest-version?x=1"},
		{"https://u:p@files.example", "https://github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_amd64.zip",
			"https://u:p@files.example/github.com/int128/kubelogin/releases/download/v1.2.3/kubelogin_linux_amd64.zip"},
		{"https://files.example/a b", "https://dl.k8s.io/release/stable.txt", "https://files.example/a b/dl.k8s.io/release/stable.txt"},
	}
	for _, tt := range tests {
		if got := Mirrored(tt.root, tt.up); got != tt.want {
			t.Errorf("Mirrored(%q, %q) = %q, want %q", tt.root, tt.up, got, tt.want)
		}
	}
}
