package catalog

// Virtctl is KubeVirt's client, from kubevirt's GitHub releases. KubeVirt
// publishes no checksum: the only evidence is the digest GitHub's release
// API reports for the asset, which is GitHub's word on what was uploaded,
// not KubeVirt's. Its platforms are those hack/bazel-build.sh builds for
// a release and automation/release.sh uploads (kubevirt/kubevirt
// d923fdb, 2026-08; linux/s390x since v1.3).
func Virtctl() *Tool {
	return &Tool{
		Name:    "virtctl",
		About:   "KubeVirt's client, for virtual machines",
		Source:  "https://github.com/kubevirt/kubevirt releases",
		Program: "virtctl",
		Versions: Versions{
			Kind: VersionMarker,
			URL:  "https://storage.googleapis.com/kubevirt-prow/release/kubevirt/kubevirt/stable.txt",
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "s390x"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"},
		},
		File:    "https://github.com/kubevirt/kubevirt/releases/download/{v}/virtctl-{v}-{os}-{arch}{exe}",
		Archive: Raw,
		Evidence: []Evidence{
			{Kind: GitHubAssetDigest, Repo: "kubevirt/kubevirt", Whose: "GitHub's API (GitHub's record of the upload; KubeVirt publishes no checksum)"},
		},
	}
}
