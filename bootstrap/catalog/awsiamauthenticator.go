package catalog

// AWSIAMAuthenticator is the credential plugin of EKS kubeconfigs that do
// not use `aws eks get-token`, from kubernetes-sigs' GitHub releases: a
// bare binary, with one checksum list per release.
func AWSIAMAuthenticator() *Tool {
	return &Tool{
		Name:    "aws-iam-authenticator",
		About:   "the AWS IAM credential plugin for EKS",
		Source:  "https://github.com/kubernetes-sigs/aws-iam-authenticator releases",
		Program: "aws-iam-authenticator",
		Versions: Versions{
			Kind: VersionReleaseRedirect,
			URL:  "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/latest",
		},
		Platforms: []Platform{
			{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "ppc64le"}, {"linux", "s390x"},
			{"darwin", "amd64"}, {"darwin", "arm64"},
			{"windows", "amd64"},
		},
		File:    "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/{v}/aws-iam-authenticator_{version}_{os}_{arch}{exe}",
		Archive: Raw,
		Evidence: []Evidence{
			{Kind: ChecksumList, URL: "https://github.com/kubernetes-sigs/aws-iam-authenticator/releases/download/{v}/authenticator_{version}_checksums.txt",
				Whose: "the release's authenticator_X_checksums.txt"},
		},
	}
}
