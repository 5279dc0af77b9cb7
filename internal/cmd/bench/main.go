// Command bench measures kubeboot against the getting-started page's
// pipeline (curl stable.txt + curl kubectl, curl stable.txt + curl .sha256,
// sha256sum --check, chmod, mv) on the same loopback HTTPS mirror, in the
// same run, alternating the two so that machine noise hits both alike.
//
//	go run ./internal/cmd/bench -kubectl PATH [-runs 9] [-baseline REV]
//	go run ./internal/cmd/bench -kubectl PATH -wrapper-only [-runs 70] [-baseline REV]
//
// With -baseline, the kubeboot of another git revision (the last release,
// main before a change) is built too and measured in the same runs,
// alternating with this one, so that a change is judged by ratios rather
// than by figures from another day.
// It reports the median wall-time ratio, kubeboot's peak RSS for a small and
// a large kubectl (flat means constant memory), the no-op rerun time with
// the number of binary bytes fetched, and the stripped installer size for
// every release target; and the kubectl store's figures (kubectl.go):
// Ensure of a stored version, `kubeboot kubectl` against the stored kubectl
// run directly, and 8 concurrent first uses of one version. -wrapper-only
// measures only what `kubeboot kubectl` and its shim add to a warm kubectl
// command (wrapper.go), with -baseline's in the same rounds.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// buildTags are the installer's build tags, as the release uses them
// (.goreleaser.yml); make passes BUILD_TAGS.
var buildTags = "nethttpomithttp2"

// kubectlOnly skips everything but kubectlFigures.
var kubectlOnly bool

// buildGCFlags are the installer's compiler flags (make passes
// BUILD_GCFLAGS): no inlining, which keeps it small.
var buildGCFlags = "all=-l"

func main() {
	flag.StringVar(&buildTags, "tags", buildTags, "build tags of the installer (make passes BUILD_TAGS)")
	flag.StringVar(&buildGCFlags, "gcflags", buildGCFlags, "compiler flags of the installer (make passes BUILD_GCFLAGS)")
	kubectl := flag.String("kubectl", "", "a real kubectl to serve (about 60 MB)")
	runs := flag.Int("runs", 9, "measured runs of each side")
	budget := flag.Float64("budget", 8.75e6, "largest allowed stripped installer, in bytes (make passes SIZE_BUDGET)")
	baseline := flag.String("baseline", "", "a git revision whose kubeboot is measured alternately with this one")
	flag.BoolVar(&kubectlOnly, "kubectl-only", false, "measure only the kubectl store's figures (quick)")
	kubeconfigOnly := flag.Bool("kubeconfig-only", false, "only the kubeconfig list/use rows")
	wrapperOnly := flag.Bool("wrapper-only", false, "only what kubeboot kubectl and its shim add to a warm kubectl command (3 x runs rounds, at least 60)")
	flag.Parse()
	if *wrapperOnly {
		if err := runWrapperOnly(*kubectl, *runs, *baseline); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *kubeconfigOnly {
		work, err := os.MkdirTemp("", "kubeboot-bench-")
		if err == nil {
			defer os.RemoveAll(work)
			bin := filepath.Join(work, "kubeboot")
			if err = buildKubeboot(bin); err == nil {
				err = benchKubeconfig(work, bin, *kubectl, *runs)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*kubectl, *runs, *budget, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(kubectlPath string, runs int, sizeBudget float64, baselineRev string) error {
	if kubectlPath == "" {
		return fmt.Errorf("-kubectl PATH is required (make bench passes the one scripts/k8s-tools.sh builds)")
	}
	payload, err := os.ReadFile(kubectlPath)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kubeboot-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	bin := filepath.Join(work, "kubeboot")
	if err := buildKubeboot(bin); err != nil {
		return err
	}

	baseBin := ""
	if baselineRev != "" {
		if baseBin, err = buildRevision(work, baselineRev); err != nil {
			return err
		}
	}

	m := mirror.Start(mirror.Options{Sign: true}) // signed as dl.k8s.io is: the bench pays for verification
	defer m.Close()
	m.SetMarker("stable", "v1.37.2\n")
	m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, payload)
	small := payload[:len(payload)/8]
	m.AddKubectl("v1.37.1", runtime.GOOS, runtime.GOARCH, small)
	ca := filepath.Join(work, "ca.pem")
	if err := os.WriteFile(ca, m.CertPEM(), 0o644); err != nil {
		return err
	}
	root := filepath.Join(work, "trusted_root.json")
	if err := os.WriteFile(root, m.TrustedRootJSON(), 0o644); err != nil {
		return err
	}
	// The kubeboots measured keep their caches in the bench's folder, never
	// in the user's own.
	env := append(os.Environ(), "SSL_CERT_FILE="+ca, "KUBEBOOT_MIRROR="+m.URL(), "KUBEBOOT_SIGSTORE_TRUSTED_ROOT="+root,
		"XDG_CACHE_HOME="+filepath.Join(work, "cache"))

	kbDir := filepath.Join(work, "kubeboot-bin")
	baseDir := filepath.Join(work, "baseline-bin")
	pipeDir := filepath.Join(work, "pipeline")
	for _, d := range []string{kbDir, baseDir, pipeDir, filepath.Join(pipeDir, "bin")} {
		os.MkdirAll(d, 0o755)
	}
	kbs := []side{{"kubeboot", bin}}
	if baseBin != "" {
		kbs = append(kbs, side{"baseline " + baselineRev, baseBin})
	}
	if kubectlOnly {
		lines, err := kubectlFigures(kbs, env, m, work, runs)
		fmt.Printf("kubeboot bench (kubectl store only): %s/%s, %.1f MB kubectl, %s\n\n", runtime.GOOS, runtime.GOARCH, float64(len(payload))/1e6, time.Now().UTC().Format(time.RFC3339))
		for _, l := range lines {
			fmt.Println(l)
		}
		return err
	}
	kubeboot := func(args ...string) (time.Duration, int64, error) {
		return timed(exec.Command(bin, append([]string{"install", "kubectl", "--dir", kbDir, "--quiet"}, args...)...), env, "")
	}
	baseline := func(args ...string) (time.Duration, int64, error) {
		return timed(exec.Command(baseBin, append([]string{"install", "kubectl", "--dir", baseDir, "--quiet"}, args...)...), env, "")
	}
	// The seed page's Linux steps, with --cacert for the loopback mirror.
	base := m.URL()
	plat := runtime.GOOS + "/" + runtime.GOARCH
	script := strings.Join([]string{
		`curl -fsSLO --cacert "$CA" "$BASE/release/$(curl -fsSL --cacert "$CA" $BASE/release/stable.txt)/bin/` + plat + `/kubectl"`,
		`curl -fsSLO --cacert "$CA" "$BASE/release/$(curl -fsSL --cacert "$CA" $BASE/release/stable.txt)/bin/` + plat + `/kubectl.sha256"`,
		`echo "$(cat kubectl.sha256)  kubectl" | sha256sum --check --quiet`,
		`chmod +x kubectl`,
		`mv kubectl bin/kubectl`,
		`rm kubectl.sha256`,
	}, " && ")
	pipeline := func() (time.Duration, int64, error) {
		cmd := exec.Command("sh", "-c", script)
		return timed(cmd, append(os.Environ(), "CA="+ca, "BASE="+base), pipeDir)
	}

	// One warm-up of each (page cache, TLS session setup code paths).
	if _, _, err := kubeboot("--force"); err != nil {
		return err
	}
	if _, _, err := pipeline(); err != nil {
		return err
	}
	var kb, pipe, baseRuns []time.Duration
	var rssLarge, rssBase int64
	for i := 0; i < runs; i++ {
		order := []int{0, 1, 2}
		if i%2 == 1 {
			order = []int{2, 1, 0}
		}
		for _, side := range order {
			switch {
			case side == 0:
				d, rss, err := kubeboot("--force")
				if err != nil {
					return err
				}
				kb, rssLarge = append(kb, d), max(rssLarge, rss)
			case side == 1:
				d, _, err := pipeline()
				if err != nil {
					return err
				}
				pipe = append(pipe, d)
			case baseBin != "":
				d, rss, err := baseline("--force")
				if err != nil {
					return err
				}
				baseRuns, rssBase = append(baseRuns, d), max(rssBase, rss)
			}
		}
	}
	got, _ := os.ReadFile(filepath.Join(kbDir, "kubectl"))
	if !bytes.Equal(got, payload) {
		return fmt.Errorf("kubeboot installed %d bytes, not the %d served", len(got), len(payload))
	}

	// No-op reruns: the target is current, so no binary bytes may move.
	if baseBin != "" {
		if _, _, err := baseline(); err != nil {
			return err
		}
	}
	// Requests of one no-op rerun alone: the marker, and nothing else once
	// the release's verification is remembered.
	reqBefore := len(m.Requests())
	if _, _, err := kubeboot(); err != nil {
		return err
	}
	noopRequests := len(m.Requests()) - reqBefore
	before := binaryRequests(m)
	var noop, noopBase []time.Duration
	for i := 0; i < runs; i++ {
		d, _, err := kubeboot()
		if err != nil {
			return err
		}
		noop = append(noop, d)
		if baseBin != "" {
			d, _, err := baseline()
			if err != nil {
				return err
			}
			noopBase = append(noopBase, d)
		}
	}
	noopFetches := binaryRequests(m) - before

	// The same reruns with an empty digest cache each time: kubeboot must
	// rehash the installed kubectl to know it is current.
	var noopCold []time.Duration
	for i := 0; i < runs; i++ {
		cache, err := os.MkdirTemp(work, "cache-")
		if err != nil {
			return err
		}
		d, _, err := timed(exec.Command(bin, "install", "kubectl", "--dir", kbDir, "--quiet"), append(env, "XDG_CACHE_HOME="+cache), "")
		if err != nil {
			return err
		}
		noopCold = append(noopCold, d)
	}

	// Peak RSS with a kubectl one eighth the size: flat means streaming.
	var rssSmall int64
	for i := 0; i < 3; i++ {
		_, rss, err := kubeboot("--force", "--version", "v1.37.1")
		if err != nil {
			return err
		}
		rssSmall = max(rssSmall, rss)
	}

	kubectlLines, kubectlErr := kubectlFigures(kbs, env, m, work, runs)

	fmt.Printf("kubeboot bench: %s, %.1f MB kubectl from a loopback HTTPS mirror, %d alternating runs each, %s\n\n",
		plat, float64(len(payload))/1e6, runs, time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("install, median wall time   kubeboot %v   curl pipeline %v   ratio %.2fx\n",
		median(kb).Round(time.Millisecond), median(pipe).Round(time.Millisecond), float64(median(kb))/float64(median(pipe)))
	fmt.Printf("install, all runs (ms)      kubeboot %v\n                            pipeline %v\n", ms(kb), ms(pipe))
	fmt.Printf("peak RSS                    %.1f MB for %.1f MB kubectl, %.1f MB for %.1f MB kubectl\n",
		float64(rssLarge)/1e6, float64(len(payload))/1e6, float64(rssSmall)/1e6, float64(len(small))/1e6)
	fmt.Printf("no-op rerun, median         %v (%d binary requests in %d reruns; %d requests in all per rerun); %v with an empty digest cache (rehash)\n\n",
		median(noop).Round(time.Millisecond/10), noopFetches, runs, noopRequests, median(noopCold).Round(time.Millisecond/10))
	for _, l := range kubectlLines {
		fmt.Println(l)
	}
	fmt.Println()
	if kubectlErr != nil {
		return kubectlErr
	}
	if baseBin != "" {
		fmt.Printf("baseline %-18s install median %v (this one %.2fx), peak RSS %.1f MB, no-op median %v (this one %.2fx)\n\n",
			baselineRev, median(baseRuns).Round(time.Millisecond), float64(median(kb))/float64(median(baseRuns)), float64(rssBase)/1e6,
			median(noopBase).Round(time.Millisecond/10), float64(median(noop))/float64(median(noopBase)))
	}

	if err := benchKubeconfig(work, bin, kubectlPath, runs); err != nil {
		return err
	}

	fmt.Println("stripped installer size (go build -trimpath -tags " + buildTags + " -gcflags " + buildGCFlags + " -ldflags '-s -w', CGO_ENABLED=0)")
	over := false
	for _, p := range bootstrap.KubectlPlatforms {
		out := filepath.Join(work, "kubeboot-"+p.OS+"-"+p.Arch)
		cmd := exec.Command("go", "build", "-trimpath", "-tags", buildTags, "-gcflags", buildGCFlags, "-ldflags", "-s -w", "-o", out, "./installers/kubeboot")
		cmd.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build for %s: %v\n%s", p, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return err
		}
		mark := ""
		if float64(fi.Size()) > sizeBudget {
			mark, over = "  OVER BUDGET", true
		}
		fmt.Printf("  %-14s %5.2f MB%s\n", p, float64(fi.Size())/1e6, mark)
	}
	if over {
		return fmt.Errorf("an installer exceeds %.1f MB", sizeBudget/1e6)
	}
	return nil
}

// runWrapperOnly is -wrapper-only: benchWrapper in a folder of its own.
func runWrapperOnly(kubectlPath string, runs int, baselineRev string) error {
	if kubectlPath == "" {
		return fmt.Errorf("-kubectl PATH is required (make bench passes the one scripts/k8s-tools.sh builds)")
	}
	payload, err := os.ReadFile(kubectlPath)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kubeboot-bench-")
	if err != nil {
		return err
	}
	if os.Getenv("BENCH_KEEP_WORK") == "" {
		defer os.RemoveAll(work)
	} else {
		// To profile the warm path afterwards: XDG_CACHE_HOME=work/kubectl-cache
		// KUBEBOOT_KUBECTL_VERSION=v1.37.2 work/kubeboot kubectl -- ...
		defer fmt.Printf("  kept %s (the warm store is in its kubectl-cache)\n", work)
	}
	bin := filepath.Join(work, "kubeboot")
	if err := buildKubeboot(bin); err != nil {
		return err
	}
	baseBin := ""
	if baselineRev != "" {
		if baseBin, err = buildRevision(work, baselineRev); err != nil {
			return err
		}
	}
	return benchWrapper(bin, baseBin, baselineRev, payload, work, max(runs*3, 60))
}

// buildKubeboot builds this checkout's installer to bin, as released.
// Released builds are static (CGO_ENABLED=0 in .goreleaser.yml); a
// default build on a machine with a C compiler links glibc dynamically and
// starts ~3 ms slower, which is not what users run.
func buildKubeboot(bin string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-tags", buildTags, "-gcflags", buildGCFlags, "-ldflags", "-s -w", "-o", bin+".built", "./installers/kubeboot")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build kubeboot: %v\n%s", err, out)
	}
	return installed(bin+".built", bin)
}

// installed copies the binary the linker wrote at built to bin with
// write(2), as a download or a package manager writes it, and removes
// built. The linker writes through a memory map, which leaves the file in
// the page cache in small pages: such an 8 MB binary starts about 1.5 ms
// slower (Linux 6.x, same page faults), which no user's kubeboot does.
func installed(built, bin string) error {
	defer os.Remove(built)
	b, err := os.ReadFile(built)
	if err != nil {
		return err
	}
	return os.WriteFile(bin, b, 0o755)
}

// buildRevision builds the installer of a git revision into work, from a
// temporary worktree, as buildKubeboot does, and returns its path.
func buildRevision(work, rev string) (string, error) {
	tree := filepath.Join(work, "baseline-src")
	if out, err := exec.Command("git", "worktree", "add", "--detach", tree, rev).CombinedOutput(); err != nil {
		return "", fmt.Errorf("check out %s: %v\n%s", rev, err, out)
	}
	defer exec.Command("git", "worktree", "remove", "--force", tree).Run()
	bin := filepath.Join(work, "kubeboot-baseline")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", buildTags, "-gcflags", buildGCFlags, "-ldflags", "-s -w", "-o", bin+".built", "./installers/kubeboot")
	cmd.Dir, cmd.Env = tree, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v\n%s", rev, err, out)
	}
	return bin, installed(bin+".built", bin)
}

// timed runs cmd and returns its wall time and peak RSS in bytes. The RSS
// comes from /usr/bin/time, not from our own wait4: Linux keeps a process's
// peak across exec, so a child forked from this large process would report
// our memory, not its own.
func timed(cmd *exec.Cmd, env []string, dir string) (time.Duration, int64, error) {
	rssFile, err := os.CreateTemp("", "rss")
	if err != nil {
		return 0, 0, err
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	wrapped := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile.Name()}, cmd.Args...)...)
	wrapped.Env, wrapped.Dir = env, dir
	var stderr bytes.Buffer
	wrapped.Stderr = &stderr
	start := time.Now()
	err = wrapped.Run()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	var kb int64
	b, _ := os.ReadFile(rssFile.Name())
	fmt.Sscan(string(b), &kb)
	return d, kb * 1024, nil
}

func binaryRequests(m *mirror.Mirror) (n int) {
	for _, r := range m.Requests() {
		if strings.HasSuffix(r.Path, "/kubectl") {
			n++
		}
	}
	return n
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(ds []time.Duration) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.Milliseconds()
	}
	return out
}
