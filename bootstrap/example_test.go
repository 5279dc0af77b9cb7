package bootstrap_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// startExampleMirror serves a tiny dl.k8s.io-shaped tree, signed by a test
// Sigstore CA, so the examples run without internet, and returns the
// options that reach it. Real callers leave BaseURL, HTTPClient and
// Signature empty: dl.k8s.io, verified against the public-good Sigstore
// root and the Kubernetes release identity.
func startExampleMirror() (*mirror.Mirror, bootstrap.Options) {
	m := mirror.Start(mirror.Options{})
	ca := sigtest.NewCA(exampleTB{}, sigtest.Options{})
	m.SetSigner(func(sum []byte) ([]byte, []byte) { return ca.SignDigest(exampleTB{}, sum, sigtest.Leaf{}) })
	root, _ := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	m.SetMarker("stable", "v1.37.2\n")
	m.SetMarker("stable-1.36", "v1.36.4\n")
	m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, []byte("kubectl v1.37.2 bytes"))
	m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, []byte("kubectl v1.36.4 bytes"))
	return m, bootstrap.Options{BaseURL: m.URL(), HTTPClient: m.Client(), Signature: bootstrap.SignatureOptions{TrustedRoot: root}}
}

// exampleTB lets the test CA run outside a test.
type exampleTB struct{}

func (exampleTB) Helper()           {}
func (exampleTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// Install a pinned kubectl line into a tool's own folder, as a test harness
// would; a second call finds it up to date and downloads nothing.
func ExampleClient_Install() {
	m, opts := startExampleMirror()
	defer m.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	c, err := bootstrap.New(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		res, err := c.Install(context.Background(), bootstrap.InstallRequest{Version: "1.36", Dir: dir})
		if err != nil {
			fmt.Println(err)
			return
		}
		name := strings.TrimSuffix(filepath.Base(res.Path), ".exe") // kubectl.exe on Windows
		fmt.Println(name, res.Version, "changed:", res.Changed)
	}
	// Output:
	// kubectl v1.36.4 changed: true
	// kubectl v1.36.4 changed: false
}

// Resolve a constraint to the newest stable release that satisfies it.
func ExampleClient_Resolve() {
	m, opts := startExampleMirror()
	defer m.Close()
	c, _ := bootstrap.New(opts)
	v, err := c.Resolve(context.Background(), ">=1.36, <1.37")
	fmt.Println(bootstrap.Tag(v), err)
	// Output: v1.36.4 <nil>
}

// A tampered download is never installed; the error says what was expected.
func ExampleChecksumError() {
	m, opts := startExampleMirror()
	defer m.Close()
	m.Put(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), []byte("tampered"))
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	c, _ := bootstrap.New(opts)
	_, err := c.Install(context.Background(), bootstrap.InstallRequest{Dir: dir})
	var ce *bootstrap.ChecksumError
	if errors.As(err, &ce) {
		fmt.Println("refused: got", ce.Got[:12], "want", ce.Want[:12])
	}
	_, statErr := os.Stat(filepath.Join(dir, bootstrap.HostPlatform().Executable()))
	fmt.Println("kubectl installed:", statErr == nil)
	// Output:
	// refused: got d121be310300 want d576ee9663c6
	// kubectl installed: false
}
