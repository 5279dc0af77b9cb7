package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// kubectlFigures measures the store and `kubeboot kubectl` (issue 14):
//
//   - Ensure of a stored exact version, in this process: time per call and
//     the requests the mirror saw meanwhile (must be 0);
//   - `kubeboot kubectl -- version --client` on a warm store against
//     running the stored kubectl directly and through the smallest Go
//     program that execs it (the floor of any wrapper), rotating, median
//     of runs;
//   - 8 concurrent first uses of one version by 8 processes sharing an
//     empty store: how many kubectl downloads the mirror served (must be
//     1) and how many runs succeeded (must be 8).
func kubectlFigures(bin string, env []string, m *mirror.Mirror, work string, runs int) ([]string, error) {
	ctx := context.Background()
	cache := filepath.Join(work, "kubectl-cache")
	env = append(env, "XDG_CACHE_HOME="+cache, store.PinEnv+"=v1.37.2")

	// Warm the store through the CLI, as a user's first run would.
	first := exec.Command(bin, "kubectl", "--", "version", "--client")
	first.Env = env
	if out, err := first.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kubeboot kubectl, first run: %v\n%s", err, out)
	}

	// Ensure in-process on that store.
	client, err := bootstrap.New(bootstrap.Options{BaseURL: m.URL(), HTTPClient: m.Client(), Signature: bootstrap.SignatureOptions{Mode: bootstrap.SignatureOff}})
	if err != nil {
		return nil, err
	}
	st, err := store.New(store.Options{Dir: filepath.Join(cache, "kubeboot", "kubectl"), Client: client})
	if err != nil {
		return nil, err
	}
	before := len(m.AllRequests())
	const calls = 2000
	start := time.Now()
	var stored string
	for i := 0; i < calls; i++ {
		e, err := st.Ensure(ctx, "v1.37.2")
		if err != nil {
			return nil, err
		}
		stored = e.Path
	}
	perCall := time.Since(start) / calls
	ensureRequests := len(m.AllRequests()) - before

	// The floor of any Go wrapper: a program that only execs kubectl.
	floorSrc := filepath.Join(work, "execfloor")
	if err := os.MkdirAll(floorSrc, 0o755); err != nil {
		return nil, err
	}
	const floorMain = "package main\n\nimport (\n\t\"os\"\n\t\"syscall\"\n)\n\nfunc main() { syscall.Exec(os.Args[1], os.Args[1:], os.Environ()) }\n"
	if err := os.WriteFile(filepath.Join(floorSrc, "main.go"), []byte(floorMain), 0o644); err != nil {
		return nil, err
	}
	floor := filepath.Join(work, "execfloor-bin")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", floor, "main.go")
	build.Dir, build.Env = floorSrc, append(os.Environ(), "GO111MODULE=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the exec floor: %v\n%s", err, out)
	}

	// Warm runs as users make them: without the bench mirror's own trust
	// root (parsed at start-up when named; a warm run verifies nothing).
	withRoot := env
	if os.Getenv("BENCH_KEEP_ROOT") == "" {
		var kept []string
		for _, kv := range env {
			if !strings.HasPrefix(kv, "KUBEBOOT_SIGSTORE_TRUSTED_ROOT=") {
				kept = append(kept, kv)
			}
		}
		env = kept
	}

	// The CLI against the stored kubectl itself and the floor, rotating.
	sides := [][]string{
		{bin, "kubectl", "--", "version", "--client"},
		{stored, "version", "--client"},
		{floor, stored, "version", "--client"},
	}
	// kubectl itself varies by several ms from run to run: at least 60
	// rounds, and the overhead as the median of each round's difference
	// as well as the difference of the medians.
	rounds := max(runs*3, 60)
	times := make([][]time.Duration, len(sides))
	for i := 0; i < rounds; i++ {
		for j := range sides {
			k := (i + j) % len(sides)
			cmd := exec.Command(sides[k][0], sides[k][1:]...)
			cmd.Env = env
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
			}
			times[k] = append(times[k], time.Since(t0))
		}
	}
	viaKubeboot, direct, viaFloor := times[0], times[1], times[2]

	// 8 processes, one empty store, one version.
	shared := filepath.Join(work, "kubectl-cache-shared")
	concEnv := append(append([]string(nil), withRoot...), "XDG_CACHE_HOME="+shared)
	downloadsBefore := versionDownloads(m, "v1.37.2")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	var firstErr error
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "kubectl", "--", "version", "--client")
			cmd.Env = concEnv
			out, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if firstErr == nil {
				firstErr = fmt.Errorf("%v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	downloads := versionDownloads(m, "v1.37.2") - downloadsBefore

	mk, md, mf := median(viaKubeboot), median(direct), median(viaFloor)
	pairedK, pairedF := make([]time.Duration, rounds), make([]time.Duration, rounds)
	for i := range rounds {
		pairedK[i], pairedF[i] = viaKubeboot[i]-direct[i], viaFloor[i]-direct[i]
	}
	pk, pf := median(pairedK), median(pairedF)
	lines := []string{
		fmt.Sprintf("store Ensure, stored exact    %d ns per call in-process (%d calls), %d requests at the mirror",
			perCall.Nanoseconds(), calls, ensureRequests),
		fmt.Sprintf("kubeboot kubectl, warm        median %v   stored kubectl directly %v   overhead %v (ratio %.2fx, %d runs each)",
			mk.Round(time.Microsecond*100), md.Round(time.Microsecond*100), (mk - md).Round(time.Microsecond*100), float64(mk)/float64(md), len(direct)),
		fmt.Sprintf("  the floor: a Go program that only execs kubectl, median %v, overhead %v; kubeboot's own part %v",
			mf.Round(time.Microsecond*100), (mf - md).Round(time.Microsecond*100), (mk - mf).Round(time.Microsecond*100)),
		fmt.Sprintf("  paired (median of the %d rounds' differences): kubeboot %v, the floor %v",
			rounds, pk.Round(time.Microsecond*100), pf.Round(time.Microsecond*100)),
		fmt.Sprintf("8 concurrent first uses       %d of 8 succeeded, %d kubectl download(s) in the mirror's log", ok, downloads),
	}
	if firstErr != nil {
		return lines, fmt.Errorf("a concurrent first use failed: %v", firstErr)
	}
	if ensureRequests != 0 || downloads != 1 {
		return lines, fmt.Errorf("the store asked the network (%d requests) or downloaded %d times", ensureRequests, downloads)
	}
	return lines, nil
}

// versionDownloads counts the mirror's requests for kubectl version tag.
func versionDownloads(m *mirror.Mirror, tag string) (n int) {
	for _, r := range m.Requests() {
		if strings.Contains(r.Path, "/"+tag+"/") && strings.HasSuffix(r.Path, "/kubectl") {
			n++
		}
	}
	return n
}
