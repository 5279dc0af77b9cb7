// Package bootstrap installs kubectl the safe way and is meant to be imported
// by any Go tool that needs a kubectl of a known version.
//
// The model has three steps, each usable on its own:
//
//   - Resolve turns a version spec ("stable", "latest", "1.36", "latest-1.37",
//     "v1.36.4", or a constraint such as ">=1.35, <1.37") into one exact
//     version, reading the dl.k8s.io release markers.
//   - Install downloads kubectl for a platform, hashing it while it streams
//     into a temp file beside the destination, compares the SHA-256 with the
//     published digest, and only then renames it over the old kubectl. A run
//     killed at any moment leaves the old kubectl intact.
//   - The result says what changed, and where PATH would pick up another
//     kubectl first.
//
// A Client holds the mirror URL, the HTTP client and the retry policy:
//
//	c, err := bootstrap.New(bootstrap.Options{})
//	res, err := c.Install(ctx, bootstrap.InstallRequest{Version: "stable"})
//
// Errors that callers branch on are exported: ErrVerification (and the more
// precise ErrChecksumMismatch, ErrBadMarker, ErrBadDigest), ErrUnsupportedPlatform,
// ErrInsecureURL, ErrNoMatchingVersion, and *HTTPError, which matches
// fs.ErrNotExist for a 404. The package never prints, exits or panics; pass
// Options.Logf to hear what it does.
//
// FetchKubectl and VerifyKubectlFile apply Install's checks to a mirror's
// own copy of a kubectl (the binary with its .sha256, .sig and .cert), for
// bootstrap/mirrorsync.
//
// InstallTool installs the other tools of bootstrap/catalog (helm,
// virtctl, the credential plugins a kubeconfig's exec entries run) the
// same way: the version from where the project says, the file checked
// against the evidence the project publishes (a checksum file, GitHub's
// asset digest, helm's PGP signature when given its keyring), the program
// taken out of a verified archive, one rename. Options.MirrorRoot serves
// them from one mirror tree (ROOT/HOST/PATH); MirrorTool fills such a
// tree with a file and its evidence, verified the same way on the way in,
// and CheckMirroredTool checks a tree's file offline (bootstrap/mirrorsync
// drives both).
//
// Sub-packages handle the rest of the onboarding: kubeconfig imports and
// merges kubeconfig files safely.
package bootstrap
