package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/internal/mirror"
)

// wrapperTarget is the most `kubeboot kubectl` may add to a warm kubectl
// command, as the median of paired differences (issue 23, item 9).
const wrapperTarget = 10 * time.Millisecond

// side is one kubeboot measured: a name for the report and its binary.
type side struct {
	name, bin string
}

// wrapperResult is what wrapperFigures found: the report's lines and the
// paired overhead of the first kubeboot.
type wrapperResult struct {
	lines  []string
	paired time.Duration
	// low and high bound paired's 95% confidence interval.
	low, high time.Duration
}

// wrapperFigures times `kubeboot kubectl -- version --client` of each
// kubeboot in kbs and the same through its shim (a link named kubectl to
// it), against the stored kubectl run directly and through the floor (a
// program that only execs it), every one once per round, rotating which
// goes first. kubectl itself varies by several ms from run to run, so the
// overhead is the median of each round's difference with the direct run
// (paired) as well as the difference of the medians.
func wrapperFigures(kbs []side, stored, floor string, env []string, work string, rounds int) (wrapperResult, error) {
	type cmdSide struct {
		name string
		argv []string
	}
	var sides []cmdSide
	for _, kb := range kbs {
		dir := filepath.Join(work, "shim-"+kb.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return wrapperResult{}, err
		}
		shim := filepath.Join(dir, "kubectl")
		os.Remove(shim)
		if err := os.Symlink(kb.bin, shim); err != nil {
			return wrapperResult{}, err
		}
		sides = append(sides,
			cmdSide{kb.name + " kubectl", []string{kb.bin, "kubectl", "--", "version", "--client"}},
			cmdSide{kb.name + " shim", []string{shim, "version", "--client"}})
	}
	direct := len(sides)
	sides = append(sides,
		cmdSide{"stored kubectl", []string{stored, "version", "--client"}},
		cmdSide{"exec floor", []string{floor, stored, "version", "--client"}})

	// One unmeasured round: page cache, and the first run's writes. Wall
	// time is what users feel; CPU time (user and system, of the process
	// and so of kubectl, which replaces kubeboot in it) is what the
	// wrapper spends, and is far less disturbed by a busy machine.
	times := make([][]time.Duration, len(sides))
	cpu := make([][]time.Duration, len(sides))
	for i := -1; i < rounds; i++ {
		for j := range sides {
			k := (max(i, 0) + j) % len(sides)
			cmd := exec.Command(sides[k].argv[0], sides[k].argv[1:]...)
			cmd.Env = env
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				return wrapperResult{}, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
			}
			if i >= 0 {
				times[k] = append(times[k], time.Since(t0))
				cpu[k] = append(cpu[k], cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			}
		}
	}
	md := median(times[direct])
	r := wrapperResult{lines: []string{fmt.Sprintf("warm kubectl version --client, %d rotating rounds: the stored kubectl directly, median %v (CPU %v)",
		rounds, round(md), round(median(cpu[direct])))}}
	for k, s := range sides {
		if k == direct {
			continue
		}
		p := paired(times[k], times[direct])
		if k == 0 {
			r.paired = p[len(p)/2]
			r.low, r.high = medianCI(p)
		}
		c := paired(cpu[k], cpu[direct])
		r.lines = append(r.lines, fmt.Sprintf("  %-24s median %v   overhead %v   paired %v (quartiles %v..%v); CPU paired %v",
			s.name, round(median(times[k])), round(median(times[k])-md), round(p[len(p)/2]), round(p[len(p)/4]), round(p[len(p)*3/4]), round(c[len(c)/2])))
	}
	if len(kbs) > 1 {
		// The first kubeboot against each other one, round by round.
		for i := 1; i < len(kbs); i++ {
			p, q := paired(times[0], times[2*i]), paired(times[1], times[2*i+1])
			pc, qc := paired(cpu[0], cpu[2*i]), paired(cpu[1], cpu[2*i+1])
			r.lines = append(r.lines, fmt.Sprintf("  %s minus %s, paired: kubectl %v, shim %v; CPU kubectl %v, shim %v", kbs[0].name, kbs[i].name,
				round(p[len(p)/2]), round(q[len(q)/2]), round(pc[len(pc)/2]), round(qc[len(qc)/2])))
		}
	}
	verdict := "met"
	switch {
	case r.low > wrapperTarget:
		verdict = "NOT MET"
	case r.high > wrapperTarget:
		verdict = "not shown: the machine is too busy to tell (run again when it is quieter, or with more -runs)"
	}
	r.lines = append(r.lines, fmt.Sprintf("  target: %s kubectl adds at most %v (paired median %v, 95%% interval %v..%v): %s",
		kbs[0].name, wrapperTarget, round(r.paired), round(r.low), round(r.high), verdict))
	return r, nil
}

// medianCI is a 95% confidence interval of the median of sorted d, by
// order statistics (the ranks n/2 -+ 0.98 sqrt(n)).
func medianCI(d []time.Duration) (low, high time.Duration) {
	n := len(d)
	k := int(0.98 * math.Sqrt(float64(n)))
	return d[max(n/2-k, 0)], d[min(n/2+k, n-1)]
}

// paired returns the sorted round-by-round differences a[i]-b[i].
func paired(a, b []time.Duration) []time.Duration {
	d := make([]time.Duration, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

// buildExecFloor builds the floor of any Go wrapper, a program that only
// execs its first argument, into work.
func buildExecFloor(work string) (string, error) {
	src := filepath.Join(work, "execfloor")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	const floorMain = "package main\n\nimport (\n\t\"os\"\n\t\"syscall\"\n)\n\nfunc main() { syscall.Exec(os.Args[1], os.Args[1:], os.Environ()) }\n"
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(floorMain), 0o644); err != nil {
		return "", err
	}
	floor := filepath.Join(work, "execfloor-bin")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", floor+".built", "main.go")
	build.Dir, build.Env = src, append(os.Environ(), "GO111MODULE=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the exec floor: %v\n%s", err, out)
	}
	return floor, installed(floor+".built", floor)
}

// withoutTrustedRoot drops the bench mirror's Sigstore trust root from
// env (BENCH_KEEP_ROOT keeps it): warm runs as users make them, whose
// kubeboot parses no trust root of its own.
func withoutTrustedRoot(env []string) []string {
	if os.Getenv("BENCH_KEEP_ROOT") != "" {
		return env
	}
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "KUBEBOOT_SIGSTORE_TRUSTED_ROOT=") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// benchWrapper is -wrapper-only: a warm store, then wrapperFigures for
// this kubeboot and, with -baseline, the baseline's in the same rounds.
func benchWrapper(bin, baseBin, baselineRev string, payload []byte, work string, rounds int) error {
	m := mirror.Start(mirror.Options{Sign: true})
	defer m.Close()
	m.SetMarker("stable", "v1.37.2\n")
	m.AddKubectl("v1.37.2", runtime.GOOS, runtime.GOARCH, payload)
	ca := filepath.Join(work, "ca.pem")
	if err := os.WriteFile(ca, m.CertPEM(), 0o644); err != nil {
		return err
	}
	root := filepath.Join(work, "trusted_root.json")
	if err := os.WriteFile(root, m.TrustedRootJSON(), 0o644); err != nil {
		return err
	}
	cache := filepath.Join(work, "kubectl-cache")
	env := append(os.Environ(), "SSL_CERT_FILE="+ca, "KUBEBOOT_MIRROR="+m.URL(), "KUBEBOOT_SIGSTORE_TRUSTED_ROOT="+root,
		"XDG_CACHE_HOME="+cache, store.PinEnv+"=v1.37.2")
	first := exec.Command(bin, "kubectl", "--", "version", "--client")
	first.Env = env
	if out, err := first.CombinedOutput(); err != nil {
		return fmt.Errorf("kubeboot kubectl, first run: %v\n%s", err, out)
	}
	st, err := store.New(store.Options{Dir: filepath.Join(cache, "kubeboot", "kubectl")})
	if err != nil {
		return err
	}
	stored, err := st.Path("v1.37.2")
	if err != nil {
		return err
	}
	floor, err := buildExecFloor(work)
	if err != nil {
		return err
	}
	kbs := []side{{"kubeboot", bin}}
	if baseBin != "" {
		kbs = append(kbs, side{"baseline " + baselineRev, baseBin})
	}
	before := len(m.AllRequests())
	w, err := wrapperFigures(kbs, stored, floor, withoutTrustedRoot(env), work, rounds)
	if err != nil {
		return err
	}
	fmt.Printf("kubeboot bench (wrapper only): %s/%s, %.1f MB kubectl, %s\n\n", runtime.GOOS, runtime.GOARCH, float64(len(payload))/1e6, time.Now().UTC().Format(time.RFC3339))
	for _, l := range w.lines {
		fmt.Println(l)
	}
	fmt.Printf("  requests at the mirror during the warm runs: %d\n", len(m.AllRequests())-before)
	return nil
}
