package catalog

// AzureKubelogin is Azure/kubelogin, the credential plugin AKS kubeconfigs
// run as `kubelogin get-token`; winget and Scoop call it kubelogin or
// azure-kubelogin. Its Windows archives say "win" where Go says
// "windows", but the folder inside them says "windows".
func AzureKubelogin() *Tool {
	return &Tool{
		Name:    "azure-kubelogin",
		About:   "Azure's credential plugin for AKS (Azure/kubelogin)",
		Source:  "https://github.com/Azure/kubelogin releases",
		Program: "kubelogin",
		Versions: Versions{
			Kind: VersionReleaseRedirect,
			URL:  "https://github.com/Azure/kubelogin/releases/latest",
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "arm"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"}, {"windows", "arm64"},
		},
		File:    "https://github.com/Azure/kubelogin/releases/download/{v}/kubelogin-{os}-{arch}.zip",
		Archive: Zip,
		Member:  "bin/{goos}_{arch}/kubelogin{exe}",
		OSNames: map[string]string{"windows": "win"},
		Evidence: []Evidence{
			{Kind: SHA256File, URL: "{file}.sha256", Whose: "Azure/kubelogin's release"},
		},
	}
}
