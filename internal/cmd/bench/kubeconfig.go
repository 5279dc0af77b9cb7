package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
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
// cluster and user, as a user of many clusters has: random base64 tokens
// (one in five starting with a digit, + or /) and CA certificates, and
// every tenth user an exec credential plugin, as cloud CLIs write them.
// The random bytes come from a fixed seed, so every run reads the same file.
func writeBigKubeconfig(path string, n int) error {
	rng := rand.New(rand.NewChaCha8([32]byte{'k', 'u', 'b', 'e', 'b', 'o', 'o', 't'}))
	random := func(size int) string {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\ncurrent-context: ctx-0\nclusters:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "- name: cluster-%d\n  cluster:\n    server: https://k8s-%d.example.com:6443\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t%s\n", i, i, random(900))
	}
	b.WriteString("users:\n")
	for i := 0; i < n; i++ {
		if i%10 == 9 {
			fmt.Fprintf(&b, "- name: user-%d\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - eks\n      - get-token\n      - --cluster-name\n      - cluster-%d\n      command: aws\n      env:\n      - name: AWS_PROFILE\n        value: prod\n      interactiveMode: IfAvailable\n      provideClusterInfo: false\n", i, i)
			continue
		}
		fmt.Fprintf(&b, "- name: user-%d\n  user:\n    token: %s\n", i, random(48))
	}
	b.WriteString("contexts:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "- name: ctx-%d\n  context:\n    cluster: cluster-%d\n    user: user-%d\n    namespace: ns-%d\n", i, i, i, i)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// benchKubeconfig times the kubeboot kubeconfig list and use commands of
// the binary bin on a 1,000-context kubeconfig against kubectl config
// get-contexts and use-context on the same file, alternating, and List and
// Use in-process, with and without summaries (EditOptions.CacheDir).
//
// kubeboot keeps a summary of the content it last read or wrote, so a
// command is "warm" when the file is as kubeboot left it, and "cold" right
// after another program (here kubectl use-context) rewrote it. Both are
// measured: warm is the everyday case (list, use, list...), cold the first
// run after kubectl or an editor changed the file.
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
	cached := opts
	cached.CacheDir = filepath.Join(work, "library-cache")
	env := []string{"HOME=" + work, "KUBECONFIG=" + path, "XDG_CACHE_HOME=" + filepath.Join(work, "cache")}
	var kList, kUse, listWarm, listCold, useWarm, useCold []time.Duration
	var libList, libUse, libListCached, libUseCached []time.Duration
	n := 0
	name := func() string { n++; return fmt.Sprintf("ctx-%d", n%benchContexts) }
	cmd := func(into *[]time.Duration, bin string, args ...string) error {
		d, _, err := timed(exec.Command(bin, args...), env, "")
		if err != nil {
			return err
		}
		*into = append(*into, d)
		return nil
	}
	lib := func(into *[]time.Duration, f func() error) error {
		start := time.Now()
		if err := f(); err != nil {
			return err
		}
		*into = append(*into, time.Since(start))
		return nil
	}
	list := func(o kubeconfig.EditOptions) func() error {
		return func() error {
			infos, err := kubeconfig.List(o)
			if err == nil && len(infos) != benchContexts {
				err = fmt.Errorf("List found %d contexts", len(infos))
			}
			return err
		}
	}
	use := func(o kubeconfig.EditOptions) func() error {
		return func() error { _, err := kubeconfig.Use(context.Background(), name(), o); return err }
	}
	for i := 0; i < runs; i++ {
		steps := []error{
			cmd(&kUse, kubectlPath, "config", "use-context", name()),
			cmd(&useCold, bin, "kubeconfig", "use", name()),
			cmd(&listWarm, bin, "kubeconfig", "list"),
			cmd(&kList, kubectlPath, "config", "get-contexts"),
			cmd(&useWarm, bin, "kubeconfig", "use", name()),
			cmd(&kUse, kubectlPath, "config", "use-context", name()),
			cmd(&listCold, bin, "kubeconfig", "list"),
			cmd(&kList, kubectlPath, "config", "get-contexts"),
			lib(&libList, list(opts)),
			lib(&libUse, use(opts)),
			lib(new([]time.Duration), use(cached)), // the first after an uncached write: cold
			lib(&libListCached, list(cached)),
			lib(&libUseCached, use(cached)),
		}
		for _, err := range steps {
			if err != nil {
				return err
			}
		}
	}
	fmt.Printf("kubeconfig of %d contexts (%.1f MB), median of %d alternating runs\n", benchContexts, float64(fi.Size())/1e6, runs)
	row := func(what string, ours, theirs []time.Duration, cmd string) {
		fmt.Printf("  %-34s %8v   %-28s %8v   ratio %.2fx\n", what, median(ours).Round(time.Millisecond/10), cmd,
			median(theirs).Round(time.Millisecond/10), float64(median(ours))/float64(median(theirs)))
	}
	row("kubeboot kubeconfig list", listWarm, kList, "kubectl config get-contexts")
	row("kubeboot kubeconfig use", useWarm, kUse, "kubectl config use-context")
	row("  cold: after kubectl wrote, list", listCold, kList, "kubectl config get-contexts")
	row("  cold: after kubectl wrote, use", useCold, kUse, "kubectl config use-context")
	row("kubeconfig.List (library)", libListCached, kList, "kubectl config get-contexts")
	row("kubeconfig.Use (library)", libUseCached, kUse, "kubectl config use-context")
	row("  without CacheDir: List", libList, kList, "kubectl config get-contexts")
	row("  without CacheDir: Use", libUse, kUse, "kubectl config use-context")
	fmt.Println()
	return nil
}
