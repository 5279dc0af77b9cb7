package verify

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-version"
)

// Skew levels.
const (
	SkewOK      = "ok"
	SkewWarn    = "warn"
	SkewUnknown = "unknown"
)

// SkewVerdict says whether a kubectl is supported with a server.
type SkewVerdict struct {
	Level   string `json:"level"` // SkewOK, SkewWarn or SkewUnknown
	Kubectl string `json:"kubectl,omitempty"`
	Server  string `json:"server,omitempty"`
	// Message is one sentence of fact for the user. Fix is left empty by
	// Skew: a CLI fills it with its own command for installing the
	// matching kubectl when Level is not SkewOK.
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// Skew compares a kubectl version with an API server version (both as
// `kubectl version` prints them: "v1.37.2", "v1.36.0-gke.100", ...).
// kubectl is supported within one minor version of the server, older or
// newer. An empty kubectlVersion means no kubectl was found.
func Skew(kubectlVersion, serverVersion string) SkewVerdict {
	v := SkewVerdict{Kubectl: kubectlVersion, Server: serverVersion}
	if strings.TrimSpace(kubectlVersion) == "" {
		v.Level = SkewUnknown
		v.Message = "no kubectl found on PATH"
		return v
	}
	k, err1 := version.NewVersion(kubectlVersion)
	s, err2 := version.NewVersion(serverVersion)
	if err1 != nil || err2 != nil {
		v.Level = SkewUnknown
		v.Message = fmt.Sprintf("cannot compare kubectl %q with server %q: not both are versions", kubectlVersion, serverVersion)
		return v
	}
	ks, ss := k.Segments(), s.Segments()
	diff := ks[1] - ss[1]
	switch {
	case ks[0] != ss[0]:
		v.Level = SkewWarn
		v.Message = fmt.Sprintf("kubectl %s and server %s differ in major version: unsupported", kubectlVersion, serverVersion)
	case diff >= -1 && diff <= 1:
		v.Level = SkewOK
		v.Message = fmt.Sprintf("kubectl %s is supported with server %s (within one minor version)", kubectlVersion, serverVersion)
	default:
		older := "older"
		if diff > 0 {
			older = "newer"
		}
		n := max(diff, -diff)
		v.Level = SkewWarn
		v.Message = fmt.Sprintf("kubectl %s is %d minor versions %s than server %s; kubectl is supported within one minor version, so some commands may fail or misbehave",
			kubectlVersion, n, older, serverVersion)
	}
	return v
}

// MinorSpec returns the kubeboot version spec "1.N" for a server version
// such as "v1.37.2" or "v1.36.4-eks-1234": bootstrap resolves it to the
// newest patch of that minor (release/stable-1.N.txt).
func MinorSpec(serverVersion string) (string, error) {
	s, err := version.NewVersion(serverVersion)
	if err != nil {
		return "", fmt.Errorf("server version %q: %w", serverVersion, err)
	}
	seg := s.Segments()
	return fmt.Sprintf("%d.%d", seg[0], seg[1]), nil
}
