package kubeconfig

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// The fault tests re-run this test binary as a child in a helper mode
// selected by KUBEBOOT_KUBECONFIG_HELPER, so that the child can be killed or
// limited without affecting the test process.
const helperEnv = "KUBEBOOT_KUBECONFIG_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "import-loop":
		helperImportLoop()
	case "import-limited":
		helperImportLimited()
	case "use-loop":
		helperUseLoop()
	case "delete-limited":
		helperDeleteLimited()
	case "hold-edit":
		helperHoldEdit()
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode")
		os.Exit(3)
	}
}

func helperOpts(src string) ImportOptions {
	return ImportOptions{
		Source: src, Kubeconfig: os.Getenv("HELPER_KUBECONFIG"), Policy: ConflictReplace,
		Getenv: func(string) string { return "" }, Home: os.TempDir(), LockTimeout: time.Minute,
	}
}

// helperImportLoop imports HELPER_SRC_A and HELPER_SRC_B alternately with
// ConflictReplace, forever, so that every import rewrites the file.
func helperImportLoop() {
	srcs := []string{os.Getenv("HELPER_SRC_A"), os.Getenv("HELPER_SRC_B")}
	writeForever(func(i int, now func() time.Time) error {
		opts := helperOpts(srcs[i%2])
		opts.Now = now
		_, err := Import(context.Background(), opts)
		return err
	})
}

// writeForever runs write with i = 0, 1, 2... and a clock that moves a
// second each time, until the process is killed; it prints "ready" after
// the first write, and exits 1 on an error.
func writeForever(write func(i int, now func() time.Time) error) {
	for i := 0; ; i++ {
		n := i
		if err := write(i, func() time.Time { return time.Unix(int64(n), 0) }); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if i == 0 {
			fmt.Println("ready")
		}
	}
}

// helperImportLimited imports HELPER_SRC_A under RLIMIT_FSIZE=HELPER_LIMIT
// and prints the error as JSON.
func helperImportLimited() {
	writeLimited(func() error {
		_, err := Import(context.Background(), helperOpts(os.Getenv("HELPER_SRC_A")))
		return err
	})
}

// writeLimited runs write under RLIMIT_FSIZE=HELPER_LIMIT and prints its
// error as JSON ({"error": ""} when it succeeded, {"setup": ...} when the
// limit could not be set).
func writeLimited(write func() error) {
	limit, _ := strconv.ParseUint(os.Getenv("HELPER_LIMIT"), 10, 64)
	if err := setFileSizeLimit(limit); err != nil {
		fmt.Println(`{"setup":` + strconv.Quote(err.Error()) + `}`)
		os.Exit(0)
	}
	msg := ""
	if err := write(); err != nil {
		msg = err.Error()
	}
	b, _ := json.Marshal(map[string]string{"error": msg})
	fmt.Println(string(b))
	os.Exit(0)
}

func helperCmd(t *testing.T, mode string, env ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode}, env...)...)
	return cmd
}

// leftovers lists the files of dir other than the config and its backups:
// locks and temp files of interrupted writes.
func leftovers(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if n == "config" || strings.HasPrefix(n, "config.kubeboot-backup-") {
			continue
		}
		out = append(out, n)
	}
	return out
}

func TestImportSurvivesKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is a Unix test")
	}
	if testing.Short() {
		t.Skip("kills child processes; skipped in -short")
	}
	src := testutil.TempDir(t)
	a := copyInto(t, "testdata/corpus/coreweave.yaml", src, "a")
	b := copyInto(t, "testdata/corpus/coreweave-other-org.yaml", src, "b")

	// The states the file may be in: the original, then alternately the
	// result of importing a and b. Compute them in a scratch folder.
	scratch := filepath.Join(testutil.TempDir(t), "config")
	copyInto(t, "testdata/corpus/multi.yaml", filepath.Dir(scratch), "config")
	valid := []string{string(readFile(t, scratch))}
	for i := 0; i < 4; i++ {
		opts := ImportOptions{Source: []string{a, b}[i%2], Kubeconfig: scratch, Policy: ConflictReplace, Getenv: func(string) string { return "" }, Home: src}
		if _, err := Import(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		valid = append(valid, string(readFile(t, scratch)))
	}

	interrupted := 0
	defer func() { t.Logf("%d of 8 kills left a temp file behind (a write was in flight)", interrupted) }()
	for round := 0; round < 8; round++ {
		dir := testutil.TempDir(t)
		config := copyInto(t, "testdata/corpus/multi.yaml", dir, "config")
		cmd := helperCmd(t, "import-loop", "HELPER_KUBECONFIG="+config, "HELPER_SRC_A="+a, "HELPER_SRC_B="+b)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if strings.TrimSpace(line) != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", line)
		}
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()

		got := string(readFile(t, config))
		ok := false
		for _, v := range valid {
			if got == v {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("round %d: after SIGKILL the file is none of the valid states:\n%s", round, got)
		}
		if _, err := Parse([]byte(got), config); err != nil {
			t.Fatal(err)
		}
		if len(leftovers(t, dir)) > 0 {
			interrupted++
		}
		for _, l := range leftovers(t, dir) {
			if l == "config.lock" {
				// kubectl's lock, taken by the killed run: it says so, and
				// the next import removes it.
				if b := readFile(t, filepath.Join(dir, l)); !strings.HasPrefix(string(b), lockMarker) {
					t.Errorf("round %d: config.lock left without kubeboot's marker: %q", round, b)
				}
				continue
			}
			// Temp files: of the config, or of the lock (written, then
			// linked as config.lock).
			if !(strings.HasPrefix(l, ".config.kubeboot-") || strings.HasPrefix(l, ".config.lock.kubeboot-")) || !strings.HasSuffix(l, ".tmp") {
				t.Errorf("round %d: unexpected leftover %s", round, l)
			}
		}
		// The next import sweeps temp files of the killed run.
		if _, err := Import(context.Background(), ImportOptions{Source: a, Kubeconfig: config, Policy: ConflictReplace, Getenv: func(string) string { return "" }, Home: src}); err != nil {
			t.Fatal(err)
		}
		if l := leftovers(t, dir); len(l) != 0 {
			t.Errorf("round %d: temp files or locks left after the next import: %v", round, l)
		}
	}
}

func TestImportFullDisk(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("RLIMIT_FSIZE is a Unix limit")
	}
	src := copyInto(t, "testdata/corpus/extras.yaml", testutil.TempDir(t), "cw-kubeconfig")
	orig := readFile(t, "testdata/corpus/multi.yaml")
	for _, tc := range []struct {
		name  string
		limit int
	}{
		{"backup fails", len(orig) / 2},
		{"write fails after the backup", len(orig) + 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			config := filepath.Join(dir, "config")
			os.WriteFile(config, orig, 0o600)
			cmd := helperCmd(t, "import-limited", "HELPER_KUBECONFIG="+config, "HELPER_SRC_A="+src, "HELPER_LIMIT="+strconv.Itoa(tc.limit))
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("helper died: %v (%s)", err, out)
			}
			var res map[string]string
			if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
				t.Fatalf("helper output %q", out)
			}
			if res["setup"] != "" {
				t.Skip("cannot limit file sizes: " + res["setup"])
			}
			if !strings.Contains(res["error"], "file too large") {
				t.Errorf("error = %q, want a file-too-large failure", res["error"])
			}
			if !bytes.Equal(readFile(t, config), orig) {
				t.Error("the original changed")
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
			if b, _ := filepath.Glob(config + ".kubeboot-backup-*"); len(b) != 0 {
				t.Errorf("backup of a failed import kept: %v", b)
			}
		})
	}
}
