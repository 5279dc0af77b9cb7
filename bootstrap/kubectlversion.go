package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"time"

	"github.com/hashicorp/go-version"
)

// KubectlVersion runs `kubectl version --client -o json` for the kubectl at
// path and returns its version ("v1.37.2"). It never contacts a cluster.
func KubectlVersion(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "version", "--client", "-o", "json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("run %s version --client: %w (%s)", path, err, bytes.TrimSpace(firstLine(stderr.Bytes())))
	}
	var out struct {
		ClientVersion struct {
			GitVersion string `json:"gitVersion"`
		} `json:"clientVersion"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.ClientVersion.GitVersion == "" {
		return "", fmt.Errorf("%s version --client -o json printed no client version: %s", path, snippet(stdout.Bytes()))
	}
	if _, err := version.NewSemver(out.ClientVersion.GitVersion); err != nil {
		return "", fmt.Errorf("%s reports version %q: %w", path, out.ClientVersion.GitVersion, err)
	}
	return out.ClientVersion.GitVersion, nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}
