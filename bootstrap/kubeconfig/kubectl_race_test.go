package kubeconfig

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestImportConcurrentWithKubectl runs the real kubectl's `config
// set-context` and Import at the same time on one file, many rounds, and
// counts the entries that a command reported as written but the file lost.
//
// kubectl races itself: it reads the file before taking <file>.lock and,
// under the lock, deletes whatever appeared since its first read. So the
// kubectl runs are serialised among themselves (one at a time, retried
// while the lock is busy, as a user would), and only the losses kubeboot
// could have prevented fail the test:
//
//   - any kubectl context lost: the only other writer is Import, so Import
//     overwrote it;
//   - any imported context lost while no successful kubectl run overlapped
//     that import in time.
//
// An imported context lost while a kubectl run overlapped the import is
// counted and logged, not failed: kubectl's read before our write and its
// lock after it deletes it, and no lock can prevent that. (Without
// kubectl's lock, kubectl's in-place write also overwrites our rename in
// that window: measured before the fix, 10 rounds lost 16 of 240 kubectl
// contexts and 36 of 240 imported ones; with it, 0 and 0.)
func TestImportConcurrentWithKubectl(t *testing.T) {
	bin := kubectlBinary(t)
	rounds, perRound := 4, 24
	if n, err := strconv.Atoi(os.Getenv("KUBEBOOT_RACE_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	var totKubectl, totImport, lostKubectl, lostImport, excused, kubectlBusy int
	for round := 0; round < rounds; round++ {
		dir := testutil.TempDir(t)
		config := filepath.Join(dir, "config")
		os.WriteFile(config, []byte(`apiVersion: v1
kind: Config
clusters: [{name: base, cluster: {server: "https://base.example.com"}}]
users: [{name: base, user: {token: FAKE-CW-TOKEN-base}}]
contexts: [{name: base, context: {cluster: base, user: base}}]
current-context: base
`), 0o600)
		type span struct{ start, end time.Time }
		var (
			mu        sync.Mutex
			kOK       = map[string]span{}
			iOK       = map[string]span{}
			wg        sync.WaitGroup
			importErr error
		)
		wg.Add(1)
		go func() { // kubectl, one run at a time
			defer wg.Done()
			for i := 0; i < perRound; i++ {
				name := fmt.Sprintf("k%d", i)
				for try := 0; try < 200; try++ {
					cmd := exec.Command(bin, "config", "set-context", name, "--cluster=base", "--user=base")
					cmd.Env = []string{"HOME=" + dir, "KUBECONFIG=" + config}
					start := time.Now()
					if err := cmd.Run(); err == nil {
						mu.Lock()
						kOK[name] = span{start, time.Now()}
						mu.Unlock()
						break
					}
					mu.Lock()
					kubectlBusy++
					mu.Unlock()
					time.Sleep(time.Duration(try%5+1) * time.Millisecond)
				}
			}
		}()
		for g := 0; g < 2; g++ { // imports, two at a time
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := g; i < perRound; i += 2 {
					name := fmt.Sprintf("b%d", i)
					src := filepath.Join(dir, "src-"+name)
					os.WriteFile(src, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c-%[1]s, cluster: {server: "https://%[1]s.example.com"}}]
users: [{name: u-%[1]s, user: {token: FAKE-CW-TOKEN-%[1]s}}]
contexts: [{name: %[1]s, context: {cluster: c-%[1]s, user: u-%[1]s}}]
`, name)), 0o600)
					start := time.Now()
					res, err := Import(context.Background(), ImportOptions{
						Source: src, Kubeconfig: config, NoSwitch: true, LockTimeout: time.Minute,
						Getenv: func(string) string { return "" }, Home: dir,
					})
					mu.Lock()
					if err != nil {
						importErr = err
					} else if res.Written {
						iOK[name] = span{start, time.Now()}
					}
					mu.Unlock()
				}
			}(g)
		}
		wg.Wait()
		if importErr != nil {
			t.Fatalf("round %d: import failed: %v", round, importErr)
		}
		got, err := Load(config)
		if err != nil {
			t.Fatalf("round %d: the file does not parse after the race: %v", round, err)
		}
		rk, ri, rx := 0, 0, 0
		for name := range kOK {
			if !got.has(KindContext, name) {
				rk++
				t.Errorf("round %d: kubectl's context %s was reported written and is gone", round, name)
			}
		}
		for name, s := range iOK {
			if got.has(KindContext, name) {
				continue
			}
			overlapped := false
			for _, k := range kOK {
				if k.start.Before(s.end) && s.start.Before(k.end) {
					overlapped = true
				}
			}
			if overlapped {
				rx++
				continue
			}
			ri++
			t.Errorf("round %d: imported context %s is gone and no kubectl run overlapped its import", round, name)
		}
		if _, err := os.Lstat(config + ".lock"); err == nil {
			t.Errorf("round %d: %s.lock left behind", round, config)
		}
		t.Logf("round %d: kubectl wrote %d, lost %d; imports wrote %d, lost %d with no kubectl run overlapping + %d while one overlapped",
			round, len(kOK), rk, len(iOK), ri, rx)
		totKubectl += len(kOK)
		totImport += len(iOK)
		lostKubectl += rk
		lostImport += ri
		excused += rx
	}
	t.Logf("%d rounds: kubectl reported %d contexts written, %d lost; imports reported %d, %d lost with no kubectl run overlapping, %d lost while one overlapped (kubectl's read before its lock can delete those; no lock prevents it); kubectl found the lock busy %d times and retried",
		rounds, totKubectl, lostKubectl, totImport, lostImport, excused, kubectlBusy)
}

// TestUseInPlaceConcurrentWithKubectl: the real kubectl adds contexts one
// run at a time while Use, with summaries (the in-place rewrite users get
// from the CLI), switches between two contexts as fast as it can. Every
// context kubectl reported written must still be there: a rewrite in place
// from a summary of content kubectl has since changed would drop it.
func TestUseInPlaceConcurrentWithKubectl(t *testing.T) {
	bin := kubectlBinary(t)
	rounds, perRound := 2, 12
	if n, err := strconv.Atoi(os.Getenv("KUBEBOOT_RACE_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	var totKubectl, totUse, lost int
	for round := 0; round < rounds; round++ {
		dir := testutil.TempDir(t)
		config := filepath.Join(dir, "config")
		os.WriteFile(config, append(bigKubeconfig(50), "# kept\n"...), 0o600)
		opts := EditOptions{Kubeconfig: config, Home: dir, LockTimeout: time.Minute, Getenv: func(string) string { return "" },
			CacheDir: filepath.Join(dir, "cache")}
		// This file and these options take the in-place path: the comment,
		// which a full encode drops, survives two switches.
		for _, n := range []string{"ctx-1", "ctx-2"} {
			if _, err := Use(context.Background(), n, opts); err != nil {
				t.Fatal(err)
			}
		}
		if b, _ := os.ReadFile(config); !strings.Contains(string(b), "# kept") {
			t.Fatal("Use did not rewrite in place")
		}
		var (
			kOK    []string
			uses   int
			useErr error
			done   = make(chan struct{})
			wg     sync.WaitGroup
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if _, err := Use(context.Background(), []string{"ctx-1", "ctx-2"}[i%2], opts); err != nil {
					useErr = err
					return
				}
				uses++
			}
		}()
		for i := 0; i < perRound; i++ {
			name := fmt.Sprintf("k%d", i)
			for try := 0; try < 200; try++ {
				cmd := exec.Command(bin, "config", "set-context", name, "--cluster=cluster-0", "--user=user-0")
				cmd.Env = []string{"HOME=" + dir, "KUBECONFIG=" + config}
				if cmd.Run() == nil {
					kOK = append(kOK, name)
					break
				}
				time.Sleep(time.Duration(try%5+1) * time.Millisecond)
			}
		}
		close(done)
		wg.Wait()
		if useErr != nil {
			t.Fatalf("round %d: use failed: %v", round, useErr)
		}
		got, err := Load(config)
		if err != nil {
			t.Fatalf("round %d: the file does not parse after the race: %v", round, err)
		}
		for _, name := range kOK {
			if !got.has(KindContext, name) {
				lost++
				t.Errorf("round %d: kubectl's context %s was reported written and is gone", round, name)
			}
		}
		if c := got.CurrentContext; c != "ctx-1" && c != "ctx-2" {
			t.Errorf("round %d: current context %q", round, c)
		}
		if len(kOK) != perRound || uses == 0 {
			t.Fatalf("round %d: kubectl wrote %d of %d, Use ran %d times", round, len(kOK), perRound, uses)
		}
		totKubectl += len(kOK)
		totUse += uses
	}
	t.Logf("%d rounds: kubectl wrote %d contexts, %d lost; %d uses in between", rounds, totKubectl, lost, totUse)
}
