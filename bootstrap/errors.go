package bootstrap

import (
	"errors"
	"fmt"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
)

var (
	// ErrVerification is matched by every error that means "what the mirror
	// served cannot be trusted": a checksum mismatch, a malformed release
	// marker or a malformed digest file.
	ErrVerification = verifyerr.ErrVerification

	// ErrChecksumMismatch means a download's SHA-256 differs from the
	// published digest. The error is a *ChecksumError.
	ErrChecksumMismatch = errors.New("checksum mismatch")

	// ErrBadMarker means a release marker (stable.txt...) did not hold a
	// single version. The error is a *MarkerError.
	ErrBadMarker = errors.New("malformed release marker")

	// ErrBadDigest means a .sha256 file did not hold a SHA-256 digest.
	ErrBadDigest = errors.New("malformed digest file")

	// ErrUnsupportedPlatform means kubectl is not published for the
	// requested OS/architecture.
	ErrUnsupportedPlatform = errors.New("unsupported platform")

	// ErrInsecureURL means a URL (the mirror, or a redirect) would use plain
	// http to a host other than loopback, or a redirect would leave https
	// for http.
	ErrInsecureURL = fetch.ErrInsecureURL

	// ErrInvalidVersionSpec means a version spec could not be understood.
	ErrInvalidVersionSpec = errors.New("invalid version spec")

	// ErrNoMatchingVersion means no published stable version satisfies a
	// constraint.
	ErrNoMatchingVersion = errors.New("no matching kubectl version")

	// ErrStalled means a request (a download, or a small read such as a
	// release marker) received no bytes for longer than the stall timeout,
	// on every attempt. The message names the host and the timeout.
	ErrStalled = fetch.ErrStalled

	// ErrDownloadTooLarge means a download was longer than the length its
	// server announced, or than Options.MaxDownloadBytes; it was stopped
	// and nothing was installed.
	ErrDownloadTooLarge = fetch.ErrTooLarge

	// ErrManagedTarget means the install target is a file a package manager
	// owns (Homebrew's link into its Cellar, a Chocolatey shim, a Debian
	// package's file...). Install never writes such a file unless
	// InstallRequest.ForceOverwrite says so. Errors are a
	// *ManagedTargetError.
	ErrManagedTarget = errors.New("install target belongs to a package manager")
)

// ManagedTargetError reports an install into a folder whose kubectl a
// package manager owns.
type ManagedTargetError struct {
	Path  string           // the kubectl that would have been replaced
	Owner pkgmgr.Ownership // who owns it
}

func (e *ManagedTargetError) Error() string {
	pkg := ""
	if e.Owner.Package != "" {
		pkg = " (package " + e.Owner.Package + ")"
	}
	return fmt.Sprintf("%s belongs to %s%s; replacing it would break that package manager's upgrades", e.Path, e.Owner.Manager, pkg)
}

// Is makes errors.Is match ErrManagedTarget.
func (e *ManagedTargetError) Is(target error) bool { return target == ErrManagedTarget }

// ChecksumError reports a download whose SHA-256 differs from the digest
// published beside it. It matches ErrChecksumMismatch and ErrVerification.
type ChecksumError struct {
	URL  string
	Want string // hex digest published by the mirror
	Got  string // hex digest of the bytes received
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: published sha256 %s, downloaded file has %s", e.URL, e.Want, e.Got)
}

// Is makes errors.Is match ErrChecksumMismatch and ErrVerification.
func (e *ChecksumError) Is(target error) bool {
	return target == ErrChecksumMismatch || target == ErrVerification
}

// MarkerError reports a release marker that is not a single version string.
// Snippet holds the first bytes received, with anything unprintable escaped.
type MarkerError struct {
	URL     string
	Snippet string
	Reason  string
}

func (e *MarkerError) Error() string {
	return fmt.Sprintf("release marker %s is not a version (%s): starts with %s", e.URL, e.Reason, e.Snippet)
}

// Is makes errors.Is match ErrBadMarker and ErrVerification.
func (e *MarkerError) Is(target error) bool {
	return target == ErrBadMarker || target == ErrVerification
}

// DigestError reports a .sha256 file that does not hold a SHA-256 digest.
type DigestError struct {
	URL     string
	Snippet string
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("digest file %s does not hold a sha256 digest: starts with %s", e.URL, e.Snippet)
}

// Is makes errors.Is match ErrBadDigest and ErrVerification.
func (e *DigestError) Is(target error) bool {
	return target == ErrBadDigest || target == ErrVerification
}

// HTTPError reports an HTTP response with an unexpected status. A 404
// matches fs.ErrNotExist, so callers can tell "no such version" apart. Its
// URL never holds credentials. Temporary reports whether retrying may help
// (5xx, 429, 408).
type HTTPError = fetch.HTTPError
