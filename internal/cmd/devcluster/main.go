// Command devcluster runs a real etcd and kube-apiserver on loopback for the
// demo, with the users the tests know, and writes a CoreWeave-shaped
// kubeconfig for the admin user. It needs the binaries scripts/k8s-tools.sh
// builds, named by KUBEBOOT_TEST_APISERVER, KUBEBOOT_TEST_ETCD and
// KUBEBOOT_TEST_KUBECTL. It prints "ready" once the kubeconfig is written
// and runs until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubeboot/kubeboot/internal/k8stest"
)

func main() {
	out := flag.String("kubeconfig", "", "where to write the admin user's kubeconfig (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "devcluster: -kubeconfig PATH is required")
		os.Exit(2)
	}
	if missing := k8stest.Missing(); missing != "" {
		fmt.Fprintln(os.Stderr, "devcluster:", missing)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := k8stest.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		os.Exit(1)
	}
	defer s.Stop()
	if err := s.WriteKubeconfig(*out, s.Admin, k8stest.TenantNamespace); err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		return
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
