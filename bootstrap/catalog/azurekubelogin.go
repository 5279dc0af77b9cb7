package catalog

// AzureKubelogin is Azure/kubelogin, the credential plugin AKS kubeconfigs
// run as `kubelogin get-token`; winget calls it Microsoft.Azure.Kubelogin,
// Chocolatey and Scoop azure-kubelogin. Its Windows archives say "win"
// where Go says "windows", but the folder inside them says "windows"; linux/arm is
// built with GOARM=7 and called armv7, file and folder alike
// (.github/workflows/release.yml and the Makefile of Azure/kubelogin
// 6678496, 2026-08).
func AzureKubelogin() *Tool {
	return &Tool{
		Name:    "azure-kubelogin",
		About:   "Azure's credential plugin for AKS (Azure/kubelogin)",
		Source:  "https://github.com/Azure/kubelogin releases",
		Program: "kubelogin",
		// Every release publishes kubelogin-version.txt ("v0.2.19"): a
		// marker a static mirror serves as it is.
		Versions: Versions{
			Kind: VersionMarker,
			URL:  "https://github.com/Azure/kubelogin/releases/latest/download/kubelogin-version.txt",
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "arm"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"}, {"windows", "arm64"},
		},
		File:      "https://github.com/Azure/kubelogin/releases/download/{v}/kubelogin-{os}-{arch}.zip",
		Archive:   Zip,
		Member:    "bin/{goos}_{arch}/kubelogin{exe}",
		OSNames:   map[string]string{"windows": "win"},
		ArchNames: map[string]string{"arm": "armv7"},
		Evidence: []Evidence{
			{Kind: SHA256File, URL: "{file}.sha256", Whose: "Azure/kubelogin's release"},
		},
	}
}
