package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// benchContexts is the size of the kubeconfig the list and use rows use.
const benchContexts = 1000

// writeBigKubeconfig writes a kubeconfig of n contexts, each with its own
// cluster and token user, as a user of many clusters has.
func writeBigKubeconfig(path string, n int) error {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\ncurrent-context: ctx-0\nclusters:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "- name: cluster-%d\n  cluster:\n    server: https://k8s-%d.example.com:6443\n    certificate-authority-data: %s\n", i, i, strings.Repeat("QUJD", 300))
	}
	b.WriteString("users:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "- name: user-%d\n  user:\n    token: fake-token-%d-%s\n", i, i, strings.Repeat("x", 40))
	}
	b.WriteString("contexts:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "- name: ctx-%d\n  context:\n    cluster: cluster-%d\n    user: user-%d\n    namespace: ns-%d\n", i, i, i, i)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// benchKubeconfig times List and Use in-process, and the kubeboot
// kubeconfig list and use commands of the binary bin, on a 1,000-context
// kubeconfig against kubectl config get-contexts and use-context on the
// same file, alternating, and prints the rows.
func benchKubeconfig(work, bin, kubectlPath string, runs int) error {
	dir := filepath.Join(work, "kube")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, "config")
	if err := writeBigKubeconfig(path, benchContexts); err != nil {
		return err
	}
	fi, _ := os.Stat(path)
	opts := kubeconfig.EditOptions{Kubeconfig: path, Home: work, KeepBackups: 1}
	env := []string{"HOME=" + work, "KUBECONFIG=" + path}
	var list, use, kList, kUse, cList, cUse []time.Duration
	for i := 0; i < runs; i++ {
		start := time.Now()
		infos, err := kubeconfig.List(opts)
		if err != nil {
			return err
		}
		if len(infos) != benchContexts {
			return fmt.Errorf("List found %d contexts", len(infos))
		}
		list = append(list, time.Since(start))
		d, _, err := timed(exec.Command(kubectlPath, "config", "get-contexts"), env, "")
		if err != nil {
			return err
		}
		kList = append(kList, d)

		name := fmt.Sprintf("ctx-%d", 1+i%(benchContexts-1))
		start = time.Now()
		if _, err := kubeconfig.Use(context.Background(), name, opts); err != nil {
			return err
		}
		use = append(use, time.Since(start))
		d, _, err = timed(exec.Command(kubectlPath, "config", "use-context", fmt.Sprintf("ctx-%d", i%benchContexts)), env, "")
		if err != nil {
			return err
		}
		kUse = append(kUse, d)

		if d, _, err = timed(exec.Command(bin, "kubeconfig", "list"), env, ""); err != nil {
			return err
		}
		cList = append(cList, d)
		if d, _, err = timed(exec.Command(bin, "kubeconfig", "use", fmt.Sprintf("ctx-%d", (i+7)%benchContexts)), env, ""); err != nil {
			return err
		}
		cUse = append(cUse, d)
	}
	fmt.Printf("kubeconfig of %d contexts (%.1f MB), median of %d alternating runs\n", benchContexts, float64(fi.Size())/1e6, runs)
	row := func(what string, ours, theirs []time.Duration, cmd string) {
		fmt.Printf("  %-26s %8v   %-28s %8v   ratio %.2fx\n", what, median(ours).Round(time.Millisecond/10), cmd,
			median(theirs).Round(time.Millisecond/10), float64(median(ours))/float64(median(theirs)))
	}
	row("kubeconfig.List (library)", list, kList, "kubectl config get-contexts")
	row("kubeconfig.Use (library)", use, kUse, "kubectl config use-context")
	row("kubeboot kubeconfig list", cList, kList, "kubectl config get-contexts")
	row("kubeboot kubeconfig use", cUse, kUse, "kubectl config use-context")
	fmt.Println()
	return nil
}
