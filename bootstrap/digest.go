package bootstrap

import (
	"context"
	"errors"

	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
)

// maxDigestBytes bounds a .sha256 file: a digest, two spaces and a name.
const maxDigestBytes = 1 << 10

// fetchDigest reads the .sha256 file at u and returns the digest it gives
// wantName (exeinstall.ParseChecksum: a bare digest, or sha256sum's format).
func (c *Client) fetchDigest(ctx context.Context, u, wantName string) (string, error) {
	body, err := c.fetch.Small(ctx, u, maxDigestBytes)
	var tooLarge *fetch.TooLargeError
	if errors.As(err, &tooLarge) {
		return "", &DigestError{URL: fetch.Redact(u), Snippet: snippet(tooLarge.Prefix)}
	}
	if err != nil {
		return "", err
	}
	d, ok := exeinstall.ParseChecksum(body, wantName)
	if !ok {
		return "", &DigestError{URL: fetch.Redact(u), Snippet: snippet(body)}
	}
	return d, nil
}
