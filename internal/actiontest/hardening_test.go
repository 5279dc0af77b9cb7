//go:build unix

package actiontest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// wantNoGreenError: a job that reported an error never exits 0.
func wantNoGreenError(t *testing.T, j job) {
	t.Helper()
	if j.code == 0 && strings.Contains(j.stdout, "::error") {
		t.Fatalf("the job reported an error and exited 0:\nstdout %s\nstderr %s", j.stdout, j.stderr)
	}
}

// lyingKubeboot is a kubeboot that puts a kubectl into --dir and reports
// version v1.37.2 with sha256 sum.
func lyingKubeboot(t *testing.T, sum string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeboot")
	os.WriteFile(p, []byte(`#!/bin/sh
dir=
while [ $# -gt 0 ]; do [ "$1" = --dir ] && dir=$2; shift; done
printf '#!/bin/sh\necho kubectl v1.37.2\n' >"$dir/kubectl"
chmod 755 "$dir/kubectl"
printf '{"version":"v1.37.2","sha256":"%s","changed":true}\n' '`+sum+`'
`), 0o755)
	return p
}

// TestActionFailureNeverExitsZero: every failure after kubeboot installed
// kubectl fails the job (before, fail exited with kubeboot's exit code, 0).
func TestActionFailureNeverExitsZero(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	arch := strings.ToLower(runnerArch())

	t.Run("sha256 mismatch", func(t *testing.T) {
		r := newRunner(t, "KUBEBOOT_BIN="+lyingKubeboot(t, strings.Repeat("0", 64)))
		j := r.job("INPUT_VERSION=v1.37.2")
		wantNoGreenError(t, j)
		if j.code == 0 || j.path != "" || j.output != "" || !strings.Contains(j.stdout, "does not have the sha256 it reported") {
			t.Errorf("exit %d, PATH %q, outputs %q\nstdout %s\nstderr %s", j.code, j.path, j.output, j.stdout, j.stderr)
		}
	})

	// A kubeboot that fails without a word still fails the job with an
	// error annotation (before, the search for its message ended the
	// script silently).
	t.Run("kubeboot fails silently", func(t *testing.T) {
		silent := filepath.Join(t.TempDir(), "kubeboot")
		os.WriteFile(silent, []byte("#!/bin/sh\nexit 4\n"), 0o755)
		r := newRunner(t, "KUBEBOOT_BIN="+silent)
		j := r.job("INPUT_VERSION=v1.37.2")
		if j.code != 4 || j.path != "" || !strings.Contains(j.stdout, "::error title=kubeboot::kubeboot install kubectl --version v1.37.2 failed (exit 4)") {
			t.Errorf("exit %d, PATH %q\nstdout %s\nstderr %s", j.code, j.path, j.stdout, j.stderr)
		}
	})

	t.Run("a file where the version folder goes", func(t *testing.T) {
		r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
		os.MkdirAll(filepath.Join(r.toolCache, "kubectl"), 0o755)
		os.WriteFile(filepath.Join(r.toolCache, "kubectl", "1.37.2"), nil, 0o644)
		j := r.job("INPUT_VERSION=v1.37.2", "INPUT_MIRROR="+m.URL())
		wantNoGreenError(t, j)
		wantRunnable(t, m, j, "v1.37.2")
	})

	t.Run("a read-only folder of another user", func(t *testing.T) {
		if os.Geteuid() != 0 || exec.Command("unshare", "-m", "true").Run() != nil {
			t.Skip("needs root and unshare -m")
		}
		r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
		version := filepath.Join(r.toolCache, "kubectl", "1.37.2")
		os.MkdirAll(filepath.Join(version, arch), 0o755)
		os.WriteFile(filepath.Join(version, arch, "kubectl"), []byte("#!/bin/sh\necho stale\n"), 0o755)
		chownTree(t, version)
		r.prefix = []string{"unshare", "-m", "sh", "-c", `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"`, version}
		j := r.job("INPUT_VERSION=v1.37.2", "INPUT_MIRROR="+m.URL())
		wantNoGreenError(t, j)
		if j.code == 0 || j.path != "" || j.output != "" || !strings.Contains(j.stdout, "::error title=kubeboot::cannot") {
			t.Errorf("exit %d, PATH %q, outputs %q\nstdout %s\nstderr %s", j.code, j.path, j.output, j.stdout, j.stderr)
		}
	})
}

// nobody is the uid and gid of another user of a shared runner.
const nobody = 65534

func chownTree(t *testing.T, root string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			err = os.Lchown(p, nobody, nobody)
		}
		if err != nil {
			t.Fatal(err)
		}
		return nil
	})
}

// wantOwn: p is a folder or file of this user (not a link) that no one
// else can write.
func wantOwn(t *testing.T, p string) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Errorf("%s: %v", p, err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode()&os.ModeSymlink != 0 || int(st.Uid) != os.Geteuid() || fi.Mode().Perm()&0o022 != 0 {
		t.Errorf("%s: mode %v, owner %d: not a folder or file of uid %d only it can write", p, fi.Mode(), st.Uid, os.Geteuid())
	}
}

// openTo65534 lets another user reach dir: its folders up to the
// system's temp folder become searchable.
func openTo65534(t *testing.T, dir string) {
	t.Helper()
	for d := dir; strings.HasPrefix(d, os.TempDir()+string(filepath.Separator)); d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			os.Chmod(d, fi.Mode().Perm()|0o055)
		}
	}
}

// TestActionUsesOnlyToolCacheEntriesOfItsOwn: a folder or file under
// $RUNNER_TOOL_CACHE/kubectl that another user owns, that others can
// write, or that is a link, is never used: it is replaced by one of the
// job (a link is removed, never written through), so the kubectl on PATH
// cannot be rewritten by anyone else after the job called it verified.
func TestActionUsesOnlyToolCacheEntriesOfItsOwn(t *testing.T) {
	skipUnlessUnix(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to play another user")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("no setpriv")
	}
	m, env := signingMirror(t)
	arch := strings.ToLower(runnerArch())
	kb := kubebootBin(t)

	// attacker is a folder of the other user that everyone can write.
	attacker := func(t *testing.T) string {
		d := filepath.Join(t.TempDir(), "attacker")
		os.Mkdir(d, 0o777)
		os.Chmod(d, 0o777)
		os.Chown(d, nobody, nobody)
		return d
	}
	for _, tc := range []struct {
		name string
		spec string
		// tamper changes the tool cache a green job of v1.37.2 left and
		// returns a folder that must be empty after the next job.
		tamper func(t *testing.T, kc string) string
	}{
		{"kubectl of another user", "v1.37.2", func(t *testing.T, kc string) string {
			chownTree(t, filepath.Join(kc, "1.37.2"))
			return ""
		}},
		{"folders of another user, constraint", "stable", func(t *testing.T, kc string) string {
			chownTree(t, kc)
			return ""
		}},
		{"writable by others", "v1.37.2", func(t *testing.T, kc string) string {
			os.Chmod(filepath.Join(kc, "1.37.2", arch), 0o777)
			os.Chmod(filepath.Join(kc, "1.37.2", arch, "kubectl"), 0o777)
			return ""
		}},
		{"version folder is a link", "v1.37.2", func(t *testing.T, kc string) string {
			a := attacker(t)
			os.RemoveAll(filepath.Join(kc, "1.37.2"))
			os.Symlink(a, filepath.Join(kc, "1.37.2"))
			return a
		}},
		{"kubectl folder is a link", "stable", func(t *testing.T, kc string) string {
			a := attacker(t)
			os.RemoveAll(kc)
			os.Symlink(a, kc)
			return a
		}},
		{"kubectl is a link to a verified copy of another user", "v1.37.2", func(t *testing.T, kc string) string {
			a := attacker(t)
			k := filepath.Join(kc, "1.37.2", arch, "kubectl")
			b, _ := os.ReadFile(k)
			os.WriteFile(filepath.Join(a, "kubectl"), b, 0o777)
			os.Chown(filepath.Join(a, "kubectl"), nobody, nobody)
			os.Remove(k)
			os.Symlink(filepath.Join(a, "kubectl"), k)
			return ""
		}},
		{"receipts folder is a link", "stable", func(t *testing.T, kc string) string {
			a := attacker(t)
			os.RemoveAll(filepath.Join(kc, ".kubeboot-resolved"))
			os.Symlink(a, filepath.Join(kc, ".kubeboot-resolved"))
			return a
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunner(t, append(env, "KUBEBOOT_BIN="+kb)...)
			kc := filepath.Join(r.toolCache, "kubectl")
			wantRunnable(t, m, r.job("INPUT_VERSION="+tc.spec, "INPUT_MIRROR="+m.URL()), "v1.37.2")
			mustBeEmpty := tc.tamper(t, kc)
			openTo65534(t, kc)

			j := r.job("INPUT_VERSION="+tc.spec, "INPUT_MIRROR="+m.URL())
			wantRunnable(t, m, j, "v1.37.2")
			p := outputs(j)["kubectl-path"]
			for _, own := range []string{kc, filepath.Join(kc, "1.37.2"), filepath.Dir(p), p} {
				wantOwn(t, own)
			}
			if !strings.Contains(j.stdout, "::warning title=kubeboot::") {
				t.Errorf("the replaced entry is not reported:\n%s", j.stdout)
			}
			if mustBeEmpty != "" {
				if entries, _ := os.ReadDir(mustBeEmpty); len(entries) != 0 {
					t.Errorf("the job wrote through a link into the other user's folder: %v", entries)
				}
			}
			// The other user cannot rewrite what the job put on PATH.
			err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
				"sh", "-c", `printf '#!/bin/sh\necho owned\n' >"$1"`, "sh", p).Run()
			if err == nil {
				t.Errorf("another user rewrote %s after the job", p)
			}
			wantRunnable(t, m, j, "v1.37.2")
		})
	}

	// A planted link where the completion marker goes: the link is
	// replaced, its target is not truncated.
	t.Run("completion marker is a link", func(t *testing.T) {
		r := newRunner(t, append(env, "KUBEBOOT_BIN="+kb)...)
		victim := filepath.Join(t.TempDir(), "precious")
		os.WriteFile(victim, []byte("precious"), 0o644)
		final := filepath.Join(r.toolCache, "kubectl", "1.37.2", arch)
		os.MkdirAll(filepath.Dir(final), 0o755)
		os.Symlink(victim, final+".complete")
		wantRunnable(t, m, r.job("INPUT_VERSION=v1.37.2", "INPUT_MIRROR="+m.URL()), "v1.37.2")
		if b, _ := os.ReadFile(victim); string(b) != "precious" {
			t.Errorf("the link's target was written: %q", b)
		}
		wantOwn(t, final+".complete")
		// Again with the folder in place, as a later job finds it.
		os.Remove(final + ".complete")
		os.Symlink(victim, final+".complete")
		wantRunnable(t, m, r.job("INPUT_VERSION=v1.37.2", "INPUT_MIRROR="+m.URL()), "v1.37.2")
		if b, _ := os.ReadFile(victim); string(b) != "precious" {
			t.Errorf("the link's target was written by a warm job: %q", b)
		}
		wantOwn(t, final+".complete")
	})
}

// workflowCommands returns the lines of out the runner would take as
// workflow commands (after leading white space, "::" or a "##[" anywhere).
func workflowCommands(out string) []string {
	var cmds []string
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l := strings.TrimLeft(line, " \t"); strings.HasPrefix(l, "::") || strings.Contains(l, "##[") {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// TestActionRefusesControlCharactersInInputs: an input with a newline or
// another control character is refused up front with an error
// annotation, and nothing of any input reaches the job log as a workflow
// command of its own.
func TestActionRefusesControlCharactersInInputs(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	const inject = "\n::warning title=x::INJECTED\n::add-mask::kubectl\r::notice::INJECTED"
	for _, tc := range []struct{ name, env, input string }{
		{"version", "INPUT_VERSION", "1.37" + inject},
		{"version, tab", "INPUT_VERSION", "1.37\t"},
		{"version, escape", "INPUT_VERSION", "1.37\x1b[31m"},
		{"mirror", "INPUT_MIRROR", m.URL() + inject},
		{"verify-signature", "INPUT_VERIFY_SIGNATURE", "auto" + inject},
		{"kubeboot-version", "INPUT_KUBEBOOT_VERSION", "v1.2.3" + inject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputs := []string{"INPUT_VERSION=v1.37.2", "INPUT_MIRROR=" + m.URL(), tc.env + "=" + tc.input}
			j := r.job(inputs...)
			if j.code == 0 || j.path != "" || j.output != "" {
				t.Errorf("exit %d, PATH %q, outputs %q", j.code, j.path, j.output)
			}
			name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(tc.env, "INPUT_"), "_", "-"))
			cmds := workflowCommands(j.stdout + "\n" + j.stderr)
			if !slices.ContainsFunc(cmds, func(c string) bool {
				return strings.HasPrefix(c, "::error title=kubeboot::the "+name+" input") && strings.Contains(c, "control character")
			}) {
				t.Errorf("no error annotation naming the %s input:\nstdout %s\nstderr %s", name, j.stdout, j.stderr)
			}
			for _, c := range cmds {
				if !strings.HasPrefix(c, "::error title=kubeboot::") && !strings.HasPrefix(c, "::add-mask::") || c == "::add-mask::kubectl" {
					t.Errorf("an input injected the workflow command %q", c)
				}
			}
		})
	}
	// Without control characters: the input is still never a command.
	for _, version := range []string{"##[warning]INJECTED", "::warning::INJECTED", "1.37 ##[add-mask]kubectl"} {
		j := r.job("INPUT_VERSION="+version, "INPUT_MIRROR="+m.URL())
		if j.code == 0 {
			t.Errorf("%s: exit 0", version)
		}
		for _, c := range workflowCommands(j.stdout + "\n" + j.stderr) {
			if !strings.HasPrefix(c, "::error title=kubeboot::") || strings.Contains(c, "##[") {
				t.Errorf("%s: the input became the workflow command %q", version, c)
			}
		}
	}
}

// TestActionMasksEveryFormOfMirrorCredentials: whatever precedes the last
// '@' before the host (a token without a scheme, a password holding '/' or
// '?'), a query string and a fragment are masked before anything else,
// and appear in no output of the job.
func TestActionMasksEveryFormOfMirrorCredentials(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
	host := strings.TrimPrefix(m.URL(), "https://")
	for _, tc := range []struct{ mirror, secret string }{
		{"t0ken-s3cret@" + host, "t0ken-s3cret"},
		{"https://u:PA/SSW0RD@" + host, "PA/SSW0RD"},
		{"https://u:PA?SSW0RD@" + host, "PA?SSW0RD"},
		{"https://u:PA#SSW0RD@" + host, "PA#SSW0RD"},
		{"https://to/k3n@" + host, "to/k3n"},
		{"http://u:PA/SSW0RD@127.0.0.1:1/r", "PA/SSW0RD"},
		{"https://" + host + "/?token=qu3ry-s3cret", "qu3ry-s3cret"},
		{"https://" + host + "/#fr4gment-s3cret", "fr4gment-s3cret"},
		{"https://u:pa%2Fss-w0rd@" + host, "pa/ss-w0rd"},
	} {
		t.Run(tc.mirror, func(t *testing.T) {
			for _, version := range []string{"v1.37.2", "stable", "v1.99.0"} {
				j := r.job("INPUT_VERSION="+version, "INPUT_MIRROR="+tc.mirror)
				wantNoGreenError(t, j)
				masks, rest := leadingMasks(j.stdout)
				if !slices.Contains(masks, tc.secret) {
					t.Errorf("%s: %q is not masked first: %q", version, tc.secret, masks)
				}
				for what, s := range map[string]string{"stdout": rest, "stderr": j.stderr, "outputs": j.output, "path": j.path} {
					if strings.Contains(s, tc.secret) {
						t.Errorf("%s: the secret is in %s:\n%s", version, what, s)
					}
				}
			}
		})
	}
}

// TestActionConcurrentJobsReplaceEntriesOfOthers: jobs starting at once on
// a tool cache whose kubectl folders belong to another user all end green
// with a kubectl of their own on PATH: one replaces each folder, the
// others take the fresh one instead of moving it away.
func TestActionConcurrentJobsReplaceEntriesOfOthers(t *testing.T) {
	skipUnlessUnix(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to play another user")
	}
	m, env := signingMirror(t)
	for range 2 {
		r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t))...)
		ran := filepath.Join(t.TempDir(), "ran")
		plant(t, r, "v1.36.4", ran)
		chownTree(t, filepath.Join(r.toolCache, "kubectl"))
		specs := []string{"1.36", ">=1.36, <1.37", "v1.36.4", "1.36", "v1.36.4", ">=1.36, <1.37"}
		jobs := make([]job, len(specs))
		var wg sync.WaitGroup
		for i, spec := range specs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				jobs[i] = r.job("INPUT_VERSION="+spec, "INPUT_MIRROR="+m.URL())
			}()
		}
		wg.Wait()
		for i, j := range jobs {
			t.Run(specs[i], func(t *testing.T) {
				wantRunnable(t, m, j, "v1.36.4")
				p := outputs(j)["kubectl-path"]
				for _, own := range []string{filepath.Join(r.toolCache, "kubectl"), filepath.Dir(filepath.Dir(p)), filepath.Dir(p), p} {
					wantOwn(t, own)
				}
			})
		}
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("the planted kubectl ran: %q", b)
		}
	}
}

// TestActionMasksProxyCredentials: the credentials of a proxy kubeboot
// goes through are masked before anything else and shown nowhere.
func TestActionMasksProxyCredentials(t *testing.T) {
	skipUnlessUnix(t)
	m, env := signingMirror(t)
	const secret = "pr0xy-s3cret"
	for _, v := range []string{"HTTPS_PROXY", "https_proxy"} {
		r := newRunner(t, append(env, "KUBEBOOT_BIN="+kubebootBin(t), v+"=http://user:"+secret+"@127.0.0.1:1", "NO_PROXY=", "no_proxy=")...)
		j := r.job("INPUT_VERSION=v1.37.2", "INPUT_MIRROR="+strings.Replace(m.URL(), "127.0.0.1", "localhost", 1))
		wantNoGreenError(t, j)
		masks, rest := leadingMasks(j.stdout)
		if !slices.Contains(masks, secret) {
			t.Errorf("%s: the proxy's password is not masked first: %q", v, masks)
		}
		if strings.Contains(rest+j.stderr+j.output, secret) {
			t.Errorf("%s: the proxy's password is shown:\n%s%s", v, rest, j.stderr)
		}
	}
}
