package actiontest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionOnWindowsRunner runs the script as a Windows runner would
// (Git for Windows' bash: cygpath, Windows paths in RUNNER_*), with a fake
// kubeboot.exe that answers as the real one does there, so the path
// handling and the tolerant JSON reading are checked on Linux: GITHUB_PATH
// gets the Windows folder, a nested "path" before the top-level one is not
// taken, and a fallback to an earlier patch moves the folder under the
// version installed.
func TestActionOnWindowsRunner(t *testing.T) {
	skipUnlessUnix(t)
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	os.MkdirAll(bin, 0o755)
	// cygpath for a C: drive that lives in root/c.
	os.WriteFile(filepath.Join(bin, "cygpath"), []byte(`#!/bin/sh
case $1 in
-u) printf '%s\n' "$2" | sed -e 's|^C:|'"$FAKE_ROOT"'/c|' -e 's|\\|/|g' ;;
-w) printf '%s\n' "$2" | sed -e 's|^'"$FAKE_ROOT"'/c|C:|' -e 's|/|\\|g' ;;
*) exit 2 ;;
esac
`), 0o755)
	// kubeboot.exe: records its arguments, puts kubectl.exe into --dir and
	// prints JSON with Windows paths, keys in another order than today's,
	// a nested "path" first and camelCase neighbours.
	kubeboot := filepath.Join(bin, "kubeboot.exe")
	os.WriteFile(kubeboot, []byte(`#!/bin/sh
printf '%s\n' "$@" >"$FAKE_ROOT/args"
dir=
while [ $# -gt 0 ]; do [ "$1" = --dir ] && dir=$2; shift; done
v=${FAKE_VERSION:-v1.37.2}
echo "fake kubectl $v" >"$dir/kubectl.exe"
chmod 755 "$dir/kubectl.exe"
sum=$(sha256sum <"$dir/kubectl.exe" | cut -d ' ' -f 1)
win=$(printf '%s' "$dir" | sed -e 's|^'"$FAKE_ROOT"'/c|C:|' -e 's|/|\\\\|g')
printf '{"method":"direct","leftAlone":{"path":"C:\\\\Program Files\\\\other\\\\kubectl.exe","manager":"scoop"},"signature":{"verified":true,"identity":"krel"},"sha256":"%s","fallbackFrom":"%s","path":"%s\\\\kubectl.exe","version":"%s","changed":%s,"userPath":{"added":false}}\n' \
	"$sum" "${FAKE_FALLBACK:-}" "$win" "$v" "${FAKE_CHANGED:-false}"
`), 0o755)
	os.MkdirAll(filepath.Join(root, "c", "runner", "temp"), 0o755)

	for _, tc := range []struct {
		name, version, fallback, wantDir string
	}{
		{"exact", "v1.37.2", "", `C:\hostedtoolcache\windows\kubectl\1.37.2\x64`},
		{"fallback", "v1.37.1", "v1.37.2", `C:\hostedtoolcache\windows\kubectl\1.37.1\x64`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunner(t, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"FAKE_ROOT="+root, "FAKE_VERSION="+tc.version, "FAKE_FALLBACK="+tc.fallback,
				"KUBEBOOT_BIN="+kubeboot)
			r.env = append(r.env, "RUNNER_OS=Windows", "RUNNER_ARCH=X64", `RUNNER_TOOL_CACHE=C:\hostedtoolcache\windows`, `RUNNER_TEMP=C:\runner\temp`)
			j := r.job("INPUT_VERSION=v1.37.2")
			if j.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", j.code, j.stdout, j.stderr)
			}
			args, _ := os.ReadFile(filepath.Join(root, "args"))
			wantArg := "--dir\n" + root + "/c/hostedtoolcache/windows/kubectl/.staging-"
			if !strings.Contains(string(args), wantArg) || !strings.Contains(string(args), "--method\ndirect\n") {
				t.Errorf("kubeboot got\n%s\nwant %q", args, wantArg)
			}
			sum := sha256hex([]byte("fake kubectl " + tc.version + "\n"))
			if j.path != tc.wantDir+"\n" {
				t.Errorf("GITHUB_PATH %q, want %q", j.path, tc.wantDir+"\n")
			}
			want := "kubectl-path=" + tc.wantDir + `\kubectl.exe` + "\nversion=" + tc.version + "\nsha256=" + sum + "\n"
			if j.output != want {
				t.Errorf("GITHUB_OUTPUT\n%q\nwant\n%q", j.output, want)
			}
			unix := root + "/c/hostedtoolcache/windows/kubectl/" + strings.TrimPrefix(tc.version, "v") + "/x64"
			for _, f := range []string{unix + "/kubectl.exe", unix + ".complete"} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("tool cache: %v", err)
				}
			}
			if !strings.Contains(j.stderr, "already in the tool cache") {
				t.Errorf("changed:false not reported: %s", j.stderr)
			}
		})
	}
}
