package catalog

import "github.com/kubeboot/kubeboot/bootstrap/sigstore"

// Kubectl is Kubernetes' client, from dl.k8s.io. bootstrap.Client.Install
// installs it, with version specs richer than other tools' (1.N,
// constraints, the cluster's version, read by bootstrap.ParseSpec); this
// entry describes the same files and proofs.
func Kubectl() *Tool {
	signer := sigstore.KubernetesRelease
	return &Tool{
		Name:    "kubectl",
		About:   "the Kubernetes command line",
		Source:  "https://dl.k8s.io (Kubernetes release engineering)",
		Program: "kubectl",
		Versions: Versions{
			Kind: VersionMarker,
			URL:  "https://dl.k8s.io/release/stable.txt",
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "ppc64le"}, {"linux", "s390x"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"}, {"windows", "arm64"},
		},
		File:    "https://dl.k8s.io/release/{v}/bin/{os}/{arch}/kubectl{exe}",
		Archive: Raw,
		Evidence: []Evidence{
			{Kind: SHA256File, URL: "{file}.sha256", Whose: "Kubernetes release engineering"},
			{Kind: Sigstore, URL: "{file}.sig", Signer: &signer, Whose: "Kubernetes release engineering (krel), logged in Rekor"},
		},
	}
}
