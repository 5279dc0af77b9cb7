package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/mirror"
)

// runWatched runs kubeboot in-process and reports whether it started
// watching for Ctrl-C (host.WatchInterrupts).
func (e *env) runWatched(args ...string) (result, bool) {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	h := e.host(&stdout, &stderr)
	h.Interrupts = make(chan os.Signal, 1)
	var watched atomic.Bool
	h.WatchInterrupts = func() { watched.Store(true) }
	code := execute(h, args)
	return result{code, stdout.String(), stderr.String()}, watched.Load()
}

// A warm `kubeboot kubectl` (and so the shim) leaves Ctrl-C to the OS:
// signal.Notify starts the runtime's signal threads, a third of what a
// warm run costs over a bare exec (issue 23, item 9). Whatever may wait
// does watch: a download, the cluster's version asked, every other
// command.
func TestKubectlWarmRunWatchesNoSignals(t *testing.T) {
	e := newEnv(t)
	pinned := []string{"kubectl", "--version", "v1.37.2", "--", "version", "--client"}
	if r, watched := e.runWatched(pinned...); r.code != 0 || !watched {
		t.Fatalf("cold (a download): %+v, watched %v; want it watched", r, watched)
	}
	if r, watched := e.runWatched(pinned...); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || watched {
		t.Fatalf("warm: %+v, watched %v; want it not watched", r, watched)
	}
	// A channel remembered, and the cluster's minor: cold asks, warm not.
	c := startFakeCluster(t, "v1.37.2")
	e.vars = append(e.vars, "KUBECONFIG="+c.kubeconfig(t, filepath.Join(t.TempDir(), "config")))
	auto := []string{"kubectl", "version", "--client"}
	if r, watched := e.runWatched(auto...); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || !watched {
		t.Fatalf("auto, the cluster asked: %+v, watched %v; want it watched", r, watched)
	}
	if r, watched := e.runWatched(auto...); r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || watched {
		t.Fatalf("auto, warm: %+v, watched %v; want it not watched", r, watched)
	}
	if r, watched := e.runWatched("kubectl", "list"); r.code != 0 || !watched {
		t.Fatalf("kubectl list: %+v, watched %v; want it watched", r, watched)
	}
}

// Ctrl-C while `kubeboot kubectl` downloads kubectl stops it as install
// does: one line, exit 130, nothing stored.
func TestKubectlInterruptMidDownload(t *testing.T) {
	e := newEnv(t)
	e.m.QueueFaults(mirror.KubectlPath("v1.37.2", runtime.GOOS, runtime.GOARCH), mirror.Fault{StallAfter: 100_000, Stall: time.Minute})
	e.interrupts = make(chan os.Signal, 1)
	_, stderr, code := e.start("kubectl", "--version", "v1.37.2", "--", "version", "--client")
	dir := filepath.Join(e.storeDir(), "v1.37.2", runtime.GOOS+"-"+runtime.GOARCH)
	waitFor(t, "part of the download", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, ".kubectl*"))
		for _, p := range m {
			if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
				return true
			}
		}
		return false
	})
	e.interrupts <- os.Interrupt
	select {
	case got := <-code:
		if got != exitInterrupted || strings.TrimSpace(stderr.String()) != "kubeboot: interrupted" {
			t.Errorf("exit %d, stderr %q; want 130 and one line", got, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-C mid-download did not stop kubeboot kubectl")
	}
	if _, err := os.Stat(filepath.Join(dir, "kubectl")); !os.IsNotExist(err) {
		t.Errorf("a kubectl was stored after Ctrl-C: %v", err)
	}
}

// An interrupt that arrives once kubectl is chosen and stored (the last
// moment of a download, after the cluster answered) still keeps kubectl
// from running: the run checks it right before the exec.
func TestKubectlInterruptedRunDoesNotExec(t *testing.T) {
	e := newEnv(t)
	if r := e.run("kubectl", "--version", "v1.37.2", "--", "version", "--client"); r.code != 0 {
		t.Fatalf("storing v1.37.2: %+v", r)
	}
	var stdout, stderr bytes.Buffer
	a := &app{host: e.host(&stdout, &stderr)}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errInterrupted)
	err := kubectlRun(ctx, a, kubectlArgs{version: "v1.37.2", args: []string{"version", "--client"}})
	if !errors.Is(err, errInterrupted) || stdout.Len() != 0 {
		t.Errorf("interrupted before the exec: %v, stdout %q; want errInterrupted and no kubectl", err, stdout.String())
	}
}
