package kubeconfig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigKubeconfig returns a kubeconfig of n contexts, each with its own
// cluster (a 1.2 KB CA) and token user, as a user of many clusters has.
func bigKubeconfig(n int) []byte {
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
	return []byte(b.String())
}

func BenchmarkParse1000(b *testing.B) {
	data := bigKubeconfig(1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, "config"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal1000(b *testing.B) {
	c, err := Parse(bigKubeconfig(1000), "config")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOptions(b *testing.B, cached bool) EditOptions {
	dir := b.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, bigKubeconfig(1000), 0o600); err != nil {
		b.Fatal(err)
	}
	o := EditOptions{Kubeconfig: path, Home: dir, KeepBackups: 1}
	if cached {
		o.CacheDir = filepath.Join(dir, "cache")
	}
	return o
}

// BenchmarkList1000 and BenchmarkUse1000 are List and Use on a kubeconfig
// of 1,000 contexts (1.4 MB), without summaries (every call parses) and
// with them (CacheDir: the first call parses).
func BenchmarkList1000(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			opts := benchOptions(b, cached)
			for b.Loop() {
				infos, err := List(opts)
				if err != nil || len(infos) != 1000 {
					b.Fatal(len(infos), err)
				}
			}
		})
	}
}

func BenchmarkUse1000(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			opts := benchOptions(b, cached)
			i := 0
			for b.Loop() {
				i++
				if _, err := Use(context.Background(), fmt.Sprintf("ctx-%d", i%1000), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
