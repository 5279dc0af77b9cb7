package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxDigestBytes bounds a .sha256 file: a digest, two spaces and a name.
const maxDigestBytes = 1 << 10

// parseDigest accepts what dl.k8s.io serves, a bare 64-hex digest, and the
// sha256sum format "DIGEST  NAME" (or "DIGEST *NAME") where NAME is the
// expected file. Upper-case hex is accepted; the result is lower-case.
func parseDigest(body []byte, wantName string) (string, bool) {
	fields := strings.Fields(string(body))
	switch {
	case len(fields) == 1:
	case len(fields) == 2:
		name := strings.TrimPrefix(fields[1], "*")
		if name != wantName && !strings.HasSuffix(name, "/"+wantName) {
			return "", false
		}
	default:
		return "", false
	}
	d := strings.ToLower(fields[0])
	if len(d) != sha256.Size*2 {
		return "", false
	}
	if _, err := hex.DecodeString(d); err != nil {
		return "", false
	}
	return d, true
}

// fetchDigest reads and parses the .sha256 file at u.
func (c *Client) fetchDigest(ctx context.Context, u, wantName string) (string, error) {
	body, err := c.fetch.getSmall(ctx, u, maxDigestBytes)
	var tooLarge *errTooLarge
	if errors.As(err, &tooLarge) {
		return "", &DigestError{URL: u, Snippet: snippet(body)}
	}
	if err != nil {
		return "", err
	}
	d, ok := parseDigest(body, wantName)
	if !ok {
		return "", &DigestError{URL: u, Snippet: snippet(body)}
	}
	return d, nil
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
