//go:build unix

package kubeconfig

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// TestWritersExcludeEachOtherAcrossHomes: a kubeboot writing a kubeconfig
// that another kubeboot is writing waits for it, whoever and wherever the
// other is: another HOME reaching the file through a symlink, as uid
// 65534 (setpriv); another HOME in another mount namespace reaching it
// through a single-file bind mount (unshare -m), where neither kubectl's
// lock (<path>.lock) nor any file beside the path is shared. Both writes
// are kept.
func TestWritersExcludeEachOtherAcrossHomes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs helper processes")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: setpriv to another uid, unshare -m")
	}
	for _, tool := range []string{"setpriv", "unshare", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not found")
		}
	}
	for _, how := range []string{"symlink as uid 65534", "single-file bind mount"} {
		t.Run(how, func(t *testing.T) {
			root := t.TempDir()
			for d := root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
				os.Chmod(d, 0o755)
			}
			shared := filepath.Join(root, "shared")
			os.Mkdir(shared, 0o755)
			path := filepath.Join(shared, "config")
			os.WriteFile(path, []byte(pruneDoc), 0o600)
			exe := filepath.Join(root, "test.bin")
			copyExe(t, exe)
			other := filepath.Join(root, "other-home")
			os.MkdirAll(filepath.Join(other, ".kube"), 0o755)
			var cmd *exec.Cmd
			if how == "single-file bind mount" {
				mnt := filepath.Join(other, ".kube", "config")
				os.WriteFile(mnt, nil, 0o600)
				cmd = exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind "$1" "$2" && exec "$3" -test.run='^$'`, "sh", path, mnt, exe)
			} else {
				for _, p := range []string{shared, path, other, filepath.Join(other, ".kube")} {
					os.Chown(p, nobody, nobody)
				}
				os.Symlink(path, filepath.Join(other, ".kube", "config"))
				cmd = exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", exe, "-test.run=^$")
			}
			cmd.Env = append(os.Environ(), helperEnv+"=hold-edit", "HOME="+other, "HELPER_KUBECONFIG=")
			stdin, _ := cmd.StdinPipe()
			out, _ := cmd.StdoutPipe()
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewReader(out)
			if line, _ := lines.ReadString('\n'); strings.TrimSpace(line) != "holding" {
				t.Fatalf("helper said %q", line)
			}

			var mu sync.Mutex
			var logs []string
			home := filepath.Join(root, "my-home")
			opts := EditOptions{Kubeconfig: path, Home: home, StateDir: filepath.Join(home, "state"), Getenv: func(string) string { return "" }, LockTimeout: time.Minute,
				Logf: func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }}
			done := make(chan error, 1)
			go func() { _, err := SetNamespace(context.Background(), "mine", "lab", opts); done <- err }()
			select {
			case err := <-done:
				t.Fatalf("wrote while the other kubeboot was writing: %v", err)
			case <-time.After(700 * time.Millisecond):
			}
			mu.Lock()
			if !strings.Contains(strings.Join(logs, "\n"), "waiting for another writer of "+path+" to finish") {
				t.Errorf("logs %q", logs)
			}
			mu.Unlock()
			stdin.Close()
			rest, _ := io.ReadAll(lines)
			if err := cmd.Wait(); err != nil || strings.TrimSpace(string(rest)) != "done" {
				t.Fatalf("helper: %v %s", err, rest)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("still waiting after the other kubeboot finished")
			}
			if c := mustLoad(t, path); c.CurrentContext != "tunnel" || !strings.Contains(string(readFile(t, path)), "namespace: mine") {
				t.Errorf("a write was lost: current-context %q\n%s", c.CurrentContext, readFile(t, path))
			}
			if got := fmt.Sprint(folderNames(t, shared)); got != "[config]" {
				t.Errorf("left beside the kubeconfig: %s", got)
			}
		})
	}
}

// copyExe copies the test binary to exe, which others may run.
func copyExe(t *testing.T, exe string) {
	t.Helper()
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	dst.Close()
}

// TestKilledWriterLeavesNothingThatBlocks: a kubeboot killed (SIGKILL) in
// the middle of writing leaves at most its temp files and kubectl's lock
// with its marker; the next run goes ahead at once and leaves the folder
// as it was, nothing of kubeboot's in it.
func TestKilledWriterLeavesNothingThatBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	for round := 0; round < 6; round++ {
		dir := testutil.TempDir(t)
		config := copyInto(t, "testdata/corpus/multi.yaml", dir, "config")
		state := testutil.TempDir(t)
		cmd := helperCmd(t, "use-loop", "HELPER_KUBECONFIG="+config, "HELPER_STATE="+state)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", line)
		}
		time.Sleep(time.Duration(round*3) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		start := time.Now()
		opts := EditOptions{Kubeconfig: config, Home: dir, StateDir: state, Getenv: func(string) string { return "" }, LockTimeout: 5 * time.Second}
		if _, err := Use(context.Background(), "prod-alice", opts); err != nil {
			t.Fatalf("round %d: the run after a kill: %v", round, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("round %d: the run after a kill took %v", round, d)
		}
		if got := fmt.Sprint(folderNames(t, dir)); got != "[config]" {
			t.Errorf("round %d: after a kill and a rerun the folder holds %s", round, got)
		}
	}
}
