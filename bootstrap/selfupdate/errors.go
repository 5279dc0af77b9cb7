package selfupdate

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

var (
	// ErrNoRelease means the repository has no such release (or no release
	// at all). Errors are a *ReleaseError, which also matches fs.ErrNotExist.
	ErrNoRelease = errors.New("no such release")

	// ErrNoAsset means the release lacks this platform's archive or
	// checksums.txt. Errors are an *AssetError.
	ErrNoAsset = errors.New("release asset missing")

	// ErrNoChecksum means checksums.txt lists no digest for the archive (or
	// an unreadable one). Errors are a *ChecksumsError, which also matches
	// bootstrap.ErrVerification: nothing unverified is ever installed.
	ErrNoChecksum = errors.New("no checksum for the archive")

	// ErrNotSigned means the release has no valid Sigstore signature of its
	// checksums.txt by the expected workflow. Errors are a
	// *SignatureError; they match bootstrap.ErrVerification.
	ErrNotSigned = errors.New("release not signed")

	// ErrTagMismatch means the API answered a request for release vX.Y.Z
	// with another release (an older one, however genuinely signed: its
	// signature names its own tag). Errors are a *TagError; they match
	// bootstrap.ErrVerification: nothing is downloaded.
	ErrTagMismatch = errors.New("release is not the one asked for")

	// ErrBadArchive means the verified archive does not hold the binary
	// as its only member of that name, or holds a member that escapes its
	// folder. It is bootstrap.ErrBadArchive, and matches
	// bootstrap.ErrVerification.
	ErrBadArchive = bootstrap.ErrBadArchive

	// ErrRateLimited means GitHub refused the API request for now; a token
	// raises the limit.
	ErrRateLimited = errors.New("GitHub API rate limit")
)

// ReleaseError reports a release that does not exist. Tag is "latest" when
// the latest release was asked for.
type ReleaseError struct {
	Repo string
	Tag  string
}

func (e *ReleaseError) Error() string {
	if e.Tag == "latest" {
		return fmt.Sprintf("%s has no published release", e.Repo)
	}
	return fmt.Sprintf("%s has no release %s", e.Repo, e.Tag)
}

// Is makes errors.Is match ErrNoRelease and fs.ErrNotExist.
func (e *ReleaseError) Is(target error) bool {
	return target == ErrNoRelease || target == fs.ErrNotExist
}

// AssetError reports a release that lacks files this platform needs.
type AssetError struct {
	Tag      string
	Platform bootstrap.Platform
	Missing  []string // the names looked for and not found
	Have     []string // every asset of the release
}

func (e *AssetError) Error() string {
	return fmt.Sprintf("release %s has no %s for %s (it has: %s)",
		e.Tag, strings.Join(e.Missing, " or "), e.Platform, strings.Join(e.Have, ", "))
}

// Is makes errors.Is match ErrNoAsset.
func (e *AssetError) Is(target error) bool { return target == ErrNoAsset }

// ChecksumsError reports a checksums.txt without a usable line for Name.
type ChecksumsError struct {
	URL  string // of checksums.txt
	Name string // the archive
}

func (e *ChecksumsError) Error() string {
	return fmt.Sprintf("%s lists no sha256 digest for %s", e.URL, e.Name)
}

// Is makes errors.Is match ErrNoChecksum and bootstrap.ErrVerification.
func (e *ChecksumsError) Is(target error) bool {
	return target == ErrNoChecksum || target == bootstrap.ErrVerification
}

// SignatureError reports a release whose checksums.txt is not signed by
// the expected identity: no bundle, or one that does not verify (Err, a
// *sigstore.Error, says why).
type SignatureError struct {
	Tag    string
	Signer sigstore.Policy
	Err    error // nil when the bundle is missing
}

func (e *SignatureError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("release %s has no %s, so its checksums cannot be traced to %s; refusing it", e.Tag, BundleName, e.Signer.Identity)
	}
	return fmt.Sprintf("release %s: the signature of %s does not hold: %v; refusing it", e.Tag, ChecksumsName, e.Err)
}

func (e *SignatureError) Unwrap() error { return e.Err }

// Is makes errors.Is match ErrNotSigned and bootstrap.ErrVerification.
func (e *SignatureError) Is(target error) bool {
	return target == ErrNotSigned || target == bootstrap.ErrVerification
}

// TagError reports an API answer for release Want that is release Got.
type TagError struct {
	Repo      string
	Want, Got string
}

func (e *TagError) Error() string {
	return fmt.Sprintf("asked %s for release %s, the API answered release %s; refusing it", e.Repo, e.Want, e.Got)
}

// Is makes errors.Is match ErrTagMismatch and bootstrap.ErrVerification.
func (e *TagError) Is(target error) bool {
	return target == ErrTagMismatch || target == bootstrap.ErrVerification
}
