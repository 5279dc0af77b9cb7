package bootstrap

import (
	"fmt"
	"runtime"
	"strings"
)

// Platform is an operating system and CPU architecture, in Go's names, which
// are also the folder names under dl.k8s.io/release/<version>/bin/.
type Platform struct {
	OS   string
	Arch string
}

// String returns "os/arch".
func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Executable returns kubectl's file name on this platform.
func (p Platform) Executable() string {
	if p.OS == "windows" {
		return "kubectl.exe"
	}
	return "kubectl"
}

// KubectlPlatforms lists the platforms for which current Kubernetes releases
// publish kubectl (linux/arm and 386 were dropped).
var KubectlPlatforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"}, {"linux", "ppc64le"}, {"linux", "s390x"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// HostPlatform returns the platform this program runs on.
func HostPlatform() Platform { return Platform{runtime.GOOS, runtime.GOARCH} }

// Validate returns an error matching ErrUnsupportedPlatform when kubectl is
// not published for p.
func (p Platform) Validate() error {
	for _, k := range KubectlPlatforms {
		if k == p {
			return nil
		}
	}
	names := make([]string, len(KubectlPlatforms))
	for i, k := range KubectlPlatforms {
		names[i] = k.String()
	}
	return fmt.Errorf("%w: kubectl is not published for %s; it exists for %s",
		ErrUnsupportedPlatform, p, strings.Join(names, ", "))
}
