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
	return c.fetchChecksum(ctx, u, wantName, maxDigestBytes)
}

// fetchChecksum is fetchDigest for a checksum file of at most limit bytes
// (a release's list of every file's digest is longer than a .sha256).
func (c *Client) fetchChecksum(ctx context.Context, u, wantName string, limit int64) (string, error) {
	body, err := c.fetch.Small(ctx, u, limit)
	return parseChecksum(fetch.Redact(u), wantName, body, err)
}

// parseChecksum reads the digest of wantName from a checksum file's body,
// read from where (redacted) with err.
func parseChecksum(where, wantName string, body []byte, err error) (string, error) {
	var tooLarge *fetch.TooLargeError
	if errors.As(err, &tooLarge) {
		return "", &DigestError{URL: where, Snippet: snippet(tooLarge.Prefix)}
	}
	if err != nil {
		return "", err
	}
	d, ok := exeinstall.ParseChecksum(body, wantName)
	if !ok {
		return "", &DigestError{URL: where, Snippet: snippet(body)}
	}
	return d, nil
}
