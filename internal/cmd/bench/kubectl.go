package main

import (
	"context"
	"fmt"
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
//   - `kubeboot kubectl -- version --client` and the shim on a warm store
//     against running the stored kubectl directly and through the
//     smallest Go program that execs it (the floor of any wrapper),
//     rotating, paired medians against the 10 ms target, and the requests
//     the mirror saw meanwhile (must be 0): wrapperFigures;
//   - 8 concurrent first uses of one version by 8 processes sharing an
//     empty store: how many kubectl downloads the mirror served (must be
//     1) and how many runs succeeded (must be 8).
func kubectlFigures(kbs []side, env []string, m *mirror.Mirror, work string, runs int) ([]string, error) {
	ctx := context.Background()
	bin := kbs[0].bin
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

	floor, err := buildExecFloor(work)
	if err != nil {
		return nil, err
	}

	// Warm runs as users make them: without the bench mirror's own trust
	// root (parsed at start-up when named; a warm run verifies nothing).
	withRoot := env
	env = withoutTrustedRoot(env)
	rounds := max(runs*3, 60)
	warmBefore := len(m.AllRequests())
	w, err := wrapperFigures(kbs, stored, floor, env, work, rounds)
	if err != nil {
		return nil, err
	}
	warmRequests := len(m.AllRequests()) - warmBefore

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

	lines := []string{
		fmt.Sprintf("store Ensure, stored exact    %d ns per call in-process (%d calls), %d requests at the mirror",
			perCall.Nanoseconds(), calls, ensureRequests),
	}
	lines = append(lines, w.lines...)
	lines = append(lines,
		fmt.Sprintf("  requests at the mirror during the %d warm runs of each: %d", rounds, warmRequests),
		fmt.Sprintf("8 concurrent first uses       %d of 8 succeeded, %d kubectl download(s) in the mirror's log", ok, downloads),
	)
	if firstErr != nil {
		return lines, fmt.Errorf("a concurrent first use failed: %v", firstErr)
	}
	if ensureRequests != 0 || warmRequests != 0 || downloads != 1 {
		return lines, fmt.Errorf("the store asked the network (%d requests in-process, %d on warm runs) or downloaded %d times", ensureRequests, warmRequests, downloads)
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
