// Command pinned-kubectl shows how a Go tool (a test harness, an operator's
// CLI) installs the kubectl it needs into its own cache folder, pinned to a
// release line, without touching the user's PATH or asking for sudo.
//
//	go run ./examples/pinned-kubectl [-version '~> 1.36.0'] [-dir DIR] [-mirror URL] [-trusted-root FILE]
//
// The kubectl is verified against its published SHA-256 and its Sigstore
// signature by the Kubernetes release team; -trusted-root replaces the
// embedded public-good Sigstore root (a private Sigstore, a test mirror).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

func main() {
	spec := flag.String("version", "~> 1.36.0", "kubectl version spec this tool is tested with")
	dir := flag.String("dir", "", "cache folder (default: the user cache folder/my-tool/bin)")
	mirrorURL := flag.String("mirror", "", "dl.k8s.io mirror (default https://dl.k8s.io)")
	rootFile := flag.String("trusted-root", "", "Sigstore trusted_root.json (default: the public-good root)")
	flag.Parse()

	if *dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			fail(err)
		}
		*dir = filepath.Join(cache, "my-tool", "bin")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	opts := bootstrap.Options{BaseURL: *mirrorURL}
	if *rootFile != "" {
		b, err := os.ReadFile(*rootFile)
		if err == nil {
			opts.Signature.TrustedRoot, err = sigstore.ParseTrustedRoot(b)
		}
		if err != nil {
			fail(err)
		}
	}
	client, err := bootstrap.New(opts)
	if err != nil {
		fail(err)
	}
	res, err := client.Install(ctx, bootstrap.InstallRequest{Version: *spec, Dir: *dir})
	if errors.Is(err, bootstrap.ErrVerification) {
		fail(fmt.Errorf("refusing an unverified kubectl: %w", err))
	}
	if err != nil {
		fail(err)
	}
	fmt.Printf("using kubectl %s at %s (downloaded now: %v, signed by %s)\n", res.Version, res.Path, res.Changed, res.Signature.Identity)

	// Call it by absolute path: never rely on whatever kubectl PATH finds.
	out, err := exec.CommandContext(ctx, res.Path, "version", "--client").CombinedOutput()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pinned-kubectl:", err)
	os.Exit(1)
}
