package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// A tool that needs the kubectl its project pins: the first run downloads
// it into the store, every later run finds it there without the network,
// even with the mirror gone.
func ExampleStore_Ensure() {
	// A dl.k8s.io-shaped mirror on loopback, so the example runs without
	// internet. Real callers leave Client unset (dl.k8s.io).
	// It signs kubectl with a test Sigstore CA; real callers leave
	// Signature empty too (the public-good root, the Kubernetes signer).
	m := mirror.Start(mirror.Options{Sign: true})
	m.AddKubectl("v1.36.4", runtime.GOOS, runtime.GOARCH, []byte("kubectl v1.36.4 bytes"))
	root, _ := sigstore.ParseTrustedRoot(m.TrustedRootJSON())
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	client, _ := bootstrap.New(bootstrap.Options{BaseURL: m.URL(), HTTPClient: m.Client(), CacheDir: tmp,
		Signature: bootstrap.SignatureOptions{TrustedRoot: root}})

	// The project pins kubectl in its .tool-versions.
	project := filepath.Join(tmp, "project")
	os.MkdirAll(filepath.Join(project, "deploy"), 0o755)
	os.WriteFile(filepath.Join(project, ".tool-versions"), []byte("kubectl 1.36.4\n"), 0o644)
	getenv := func(string) string { return "" } // os.Getenv in real use: KUBEBOOT_KUBECTL_VERSION wins
	pin, err := store.FindPin(filepath.Join(project, "deploy"), store.PinOptions{Getenv: getenv})
	if err != nil || pin == nil {
		fmt.Println("no pin:", err)
		return
	}
	fmt.Println("pinned:", pin.Spec, "by", filepath.Base(pin.Source))

	s, err := store.New(store.Options{Dir: filepath.Join(tmp, "store"), Client: client})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := s.Ensure(context.Background(), pin.Spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Version, "downloaded:", e.Downloaded, "signed by", e.Receipt.Signature.Identity)

	m.Close() // offline from here on
	e, err = s.Ensure(context.Background(), pin.Spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Version, "downloaded:", e.Downloaded)
	rel, _ := filepath.Rel(s.Dir(), filepath.Dir(e.Path))
	fmt.Println("stored in", strings.Replace(filepath.ToSlash(rel), runtime.GOOS+"-"+runtime.GOARCH, "OS-ARCH", 1))
	// Output:
	// pinned: 1.36.4 by .tool-versions
	// v1.36.4 downloaded: true signed by krel-staging@k8s-releng-prod.iam.gserviceaccount.com
	// v1.36.4 downloaded: false
	// stored in v1.36.4/OS-ARCH
}
