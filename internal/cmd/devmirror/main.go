// Command devmirror serves a dl.k8s.io-shaped mirror on loopback HTTPS for
// the demo and the benchmark, so that neither needs the internet. It prints
// the mirror's URL on stdout, writes its CA certificate (for SSL_CERT_FILE)
// and the Sigstore trust root its kubectl signatures verify against (for
// KUBEBOOT_SIGSTORE_TRUSTED_ROOT), and serves until interrupted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

func main() {
	kubectl := flag.String("kubectl", "", "file to serve as kubectl for this OS/arch (required)")
	version := flag.String("version", "v1.37.2", "version to publish it as (stable.txt and stable-1.N.txt point at it)")
	certOut := flag.String("cert", "", "write the mirror's CA certificate here (PEM)")
	plainHTTP := flag.Bool("http", false, "serve plain http (kubeboot allows it on loopback): for clients that cannot be told to trust a CA file, such as Windows programs under Wine")
	platform := flag.String("platform", runtime.GOOS+"/"+runtime.GOARCH, "OS/arch to publish the kubectl for")
	rootOut := flag.String("trusted-root", "", "write the Sigstore trusted_root.json that trusts the mirror's signatures here")
	flag.Parse()
	if *kubectl == "" {
		fmt.Fprintln(os.Stderr, "devmirror: -kubectl FILE is required")
		os.Exit(2)
	}
	body, err := os.ReadFile(*kubectl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devmirror:", err)
		os.Exit(1)
	}
	m := mirror.Start(mirror.Options{PlainHTTP: *plainHTTP, Sign: true})
	defer m.Close()
	m.SetMarker("stable", *version+"\n")
	var major, minor int
	fmt.Sscanf(*version, "v%d.%d", &major, &minor)
	m.SetMarker(fmt.Sprintf("stable-%d.%d", major, minor), *version+"\n")
	goos, goarch, _ := strings.Cut(*platform, "/")
	m.AddKubectl(*version, goos, goarch, body)
	for file, body := range map[string][]byte{*certOut: m.CertPEM(), *rootOut: m.TrustedRootJSON()} {
		if file == "" {
			continue
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "devmirror:", err)
			os.Exit(1)
		}
	}
	fmt.Println(m.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
