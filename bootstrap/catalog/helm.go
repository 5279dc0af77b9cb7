package catalog

// Helm is the Kubernetes package manager, from get.helm.sh. Its
// platforms are helm's Makefile's TARGET_OBJS (helm/helm e9b85e4,
// 2026-08): older releases lack some (loong64, riscv64), which then
// install as "not published". Both lines are served: "latest" is v4, "3"
// the newest v3. Each file is also signed with PGP by a Helm maintainer
// (.asc on the GitHub release), checked against the keyring "helm": the
// signing keys of helm's KEYS file, which the catalogue carries
// (keyrings.go), or the caller's.
func Helm() *Tool {
	return &Tool{
		Name:    "helm",
		About:   "the Kubernetes package manager",
		Source:  "https://get.helm.sh (the Helm project)",
		Program: "helm",
		Versions: Versions{
			Kind:      VersionMarker,
			URL:       "https://get.helm.sh/helm-latest-version",
			Lines:     map[string]string{"3": "https://get.helm.sh/helm3-latest-version", "4": "https://get.helm.sh/helm-latest-version"},
			CacheBust: true,
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "arm"}, {"linux", "386"}, {"linux", "ppc64le"}, {"linux", "s390x"}, {"linux", "loong64"}, {"linux", "riscv64"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"}, {"windows", "arm64"},
		},
		File:           "https://get.helm.sh/helm-{v}-{os}-{arch}.{ext}",
		Archive:        TarGz,
		WindowsArchive: Zip,
		Member:         "{os}-{arch}/helm{exe}",
		Evidence: []Evidence{
			{Kind: SHA256File, URL: "{file}.sha256sum", Whose: "the Helm project, beside the file on get.helm.sh"},
			{Kind: PGP, URL: "https://github.com/helm/helm/releases/download/{v}/helm-{v}-{os}-{arch}.{ext}.asc", Keyring: "helm",
				Whose: "a Helm maintainer's key of helm's KEYS file"},
		},
	}
}
