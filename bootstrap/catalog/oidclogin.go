package catalog

// OIDCLogin is int128/kubelogin, the kubectl plugin `kubectl oidc-login`
// (installed as kubectl-oidc_login, the name kubectl looks for). It is not
// Azure's kubelogin (AzureKubelogin), though Homebrew, Chocolatey and Scoop call
// it "kubelogin".
func OIDCLogin() *Tool {
	return &Tool{
		Name:    "oidc-login",
		About:   "the kubectl plugin for OpenID Connect logins (int128/kubelogin)",
		Source:  "https://github.com/int128/kubelogin releases",
		Program: "kubectl-oidc_login",
		Versions: Versions{
			Kind: VersionReleaseRedirect,
			URL:  "https://github.com/int128/kubelogin/releases/latest",
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "arm"}, {"linux", "ppc64le"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"}, {"windows", "arm64"},
		},
		File:    "https://github.com/int128/kubelogin/releases/download/{v}/kubelogin_{os}_{arch}.zip",
		Archive: Zip,
		Member:  "kubelogin{exe}",
		Evidence: []Evidence{
			{Kind: SHA256File, URL: "{file}.sha256", Whose: "int128/kubelogin's release"},
		},
	}
}
