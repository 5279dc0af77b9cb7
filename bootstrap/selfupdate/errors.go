package selfupdate

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
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

	// ErrBadArchive means the verified archive does not hold the binary.
	ErrBadArchive = errors.New("archive does not hold the binary")

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
