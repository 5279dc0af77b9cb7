// Package ghrelease is the one shape kubeboot reads of GitHub's REST API:
// a release, with its tag, page and assets (their download URL, size and,
// for assets uploaded since mid-2025, the sha256 digest GitHub records).
// Self-update reads kubeboot's own releases with it, the tool catalogue
// the asset digests of tools that publish no checksum. Requests are the
// callers' (their URL policy, token and bounds); this package only reads.
package ghrelease

import (
	"encoding/json"
	"fmt"
)

// MaxBytes bounds a release object read from the API (a release with a
// hundred assets is some tens of KiB).
const MaxBytes = 4 << 20

// Release is the part of GitHub's release object kubeboot reads.
type Release struct {
	TagName string  `json:"tag_name"`
	HTMLURL string  `json:"html_url"`
	Assets  []Asset `json:"assets"`
}

// Asset is one file attached to a release.
type Asset struct {
	Name string `json:"name"`
	URL  string `json:"browser_download_url"`
	Size int64  `json:"size"`
	// Digest is "sha256:HEX", nil when GitHub records none.
	Digest *string `json:"digest"`
}

// Parse reads a release object; one without a tag is not a release.
func Parse(body []byte) (*Release, error) {
	var r Release
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	if r.TagName == "" {
		return nil, fmt.Errorf("no tag_name: not a release")
	}
	return &r, nil
}

// Asset returns the asset called name.
func (r *Release) Asset(name string) (Asset, bool) {
	for _, a := range r.Assets {
		if a.Name == name {
			return a, true
		}
	}
	return Asset{}, false
}
