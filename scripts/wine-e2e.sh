#!/usr/bin/env bash
# End to end on Windows, under Wine: kubeboot.exe installs kubectl.exe from
# a loopback mirror into the per-user folder, and this checks the file, the
# user Path in HKCU\Environment (type kept, added once), the replacement of
# a kubectl.exe that is running, `kubeboot kubeconfig path` when that
# command exists, and `kubeboot kubectl` (the store, exit codes, the shim). Run scripts/wine-setup.sh first (make test-windows does).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wine-env.sh

work=$(mktemp -d)
mirror_pid='' sleeper_pid=''
cleanup() {
	[ -n "$sleeper_pid" ] && kill "$sleeper_pid" 2>/dev/null
	[ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "wine-e2e: FAIL: $*" >&2; exit 1; }
step() { echo "wine-e2e: $*" >&2; }

export GOOS=windows GOARCH=amd64 CGO_ENABLED=0
go build -trimpath -tags nethttpomithttp2 -gcflags=all=-l -o "$work/kubeboot.exe" ./installers/kubeboot
go build -trimpath -ldflags "-s -w -X main.gitVersion=v1.37.2" -o "$work/kubectl.exe" ./internal/cmd/kubectl-standin
go build -trimpath -o "$work/sleeper.exe" scripts/wine/sleeper.go
unset GOOS GOARCH
go build -o "$work/devmirror" ./internal/cmd/devmirror

# Windows programs read trust from the Windows certificate store, not
# SSL_CERT_FILE: serve plain http, which kubeboot allows on loopback.
"$work/devmirror" -http -platform windows/amd64 -kubectl "$work/kubectl.exe" -version v1.37.2 -trusted-root "$work/trusted_root.json" >"$work/url" &
mirror_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
mirror=$(cat "$work/url")
[ -n "$mirror" ] || fail "the mirror did not start"

# A known user Path to start from: expandable, with a variable in it.
user=$(wine_run cmd /c 'echo %USERNAME%' | tr -d '\r')
win_bin="C:\\users\\$user\\AppData\\Local\\Programs\\kubeboot\\bin"
unix_bin="$WINEPREFIX/drive_c/users/$user/AppData/Local/Programs/kubeboot/bin"
rm -rf "$unix_bin"
wine_run reg add 'HKCU\Environment' /v Path /t REG_EXPAND_SZ /d '%USERPROFILE%\go\bin' /f >/dev/null 2>&1
machine_before=$(wine_run reg query 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment' /v Path 2>/dev/null | tr -d '\r')

has_old() { compgen -G "$unix_bin/kubectl.exe.old-*" >/dev/null; }
kubeboot() { KUBEBOOT_MIRROR="$mirror" KUBEBOOT_SIGSTORE_TRUSTED_ROOT="Z:$work/trusted_root.json" wine_run "$work/kubeboot.exe" "$@"; }
user_path() { wine_run reg query 'HKCU\Environment' /v Path 2>/dev/null | tr -d '\r' | grep -i ' Path '; }

step "install kubectl into the per-user folder"
out=$(kubeboot install kubectl 2>&1) || fail "install: $out"
echo "$out" | sed 's/^/    /' >&2
echo "$out" | grep -q "open a new terminal" || fail "no 'open a new terminal' advice"
want=$(sha256sum "$work/kubectl.exe" | cut -d' ' -f1)
got=$(sha256sum "$unix_bin/kubectl.exe" | cut -d' ' -f1) || fail "no kubectl.exe in $unix_bin"
[ "$got" = "$want" ] || fail "installed kubectl.exe has sha256 $got, want $want"
ver=$(wine_run "$unix_bin/kubectl.exe" version --client | tr -d '\r')
[ "$ver" = "Client Version: v1.37.2" ] || fail "kubectl.exe version --client said: $ver"

step "check the user Path in HKCU\\Environment"
line=$(user_path)
echo "    $line" >&2
echo "$line" | grep -q 'REG_EXPAND_SZ' || fail "user Path is no longer REG_EXPAND_SZ: $line"
expected="%USERPROFILE%\\go\\bin;$win_bin"
[ "$(echo "$line" | sed 's/.*REG_EXPAND_SZ *//')" = "$expected" ] || fail "user Path is '$line', want '$expected'"
[ "$(wine_run reg query 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment' /v Path 2>/dev/null | tr -d '\r')" = "$machine_before" ] ||
	fail "the machine Path changed"

step "a second run changes nothing and adds nothing twice"
out=$(kubeboot install kubectl -o json 2>&1) || fail "second install: $out"
echo "$out" | grep -Eq '"changed": ?false' || fail "second install changed something: $out"
echo "$out" | grep -Eq '"method": ?"direct"' || fail "no method in the JSON: $out"
[ "$(user_path)" = "$line" ] || fail "user Path changed on the second run: $(user_path)"

step "replace a kubectl.exe that is running"
cp "$work/sleeper.exe" "$unix_bin/kubectl.exe"
HOME="$WINE_HOME" "$WINE64" "$unix_bin/kubectl.exe" 60 &
sleeper_pid=$!
sleep 1.5
out=$(kubeboot install kubectl 2>&1) || fail "install over a running kubectl.exe: $out"
got=$(sha256sum "$unix_bin/kubectl.exe" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "kubectl.exe was not replaced while running"
has_old || step "note: no kubectl.exe.old-N: Wine let the rename through"
kill "$sleeper_pid" 2>/dev/null; wait "$sleeper_pid" 2>/dev/null || true
sleeper_pid=
ok=
for _ in 1 2 3 4 5; do # the exited program (and Wine's process for it) may hold its file a moment
	if out=$(kubeboot install kubectl 2>&1); then
		ok=yes
		has_old || break
	fi
	sleep 1
done
[ -n "$ok" ] || fail "install after the old one exited: $out"
if has_old; then
	fail "the next run left $(cd "$unix_bin" && echo kubectl.exe.old-*)"
fi

if kubeboot help 2>/dev/null | tr -d '\r' | grep -Eq '^ *(kubeboot )?kubeconfig '; then
	step "kubeconfig path"
	p=$(kubeboot kubeconfig path 2>&1 | tr -d '\r') || fail "kubeconfig path: $p"
	echo "    $p" >&2
	echo "$p" | grep -qi "C:\\\\users\\\\$user\\\\.kube\\\\config" || fail "kubeconfig path said: $p"
else
	step "skipped: this kubeboot has no kubeconfig command"
fi
step "kubeboot kubectl: the store, exit codes and the shim"
# kubeboot kubectl runs kubectl.exe as a child and passes its exit code on.
out=$(KUBEBOOT_KUBECTL_VERSION=v1.37.2 kubeboot kubectl -- version --client 2>&1 | tr -d '\r') || fail "kubeboot kubectl: $out"
[ "$out" = "Client Version: v1.37.2" ] || fail "kubeboot kubectl -- version --client said: $out"
store_exe="$WINEPREFIX/drive_c/users/$user/AppData/Local/kubeboot/kubectl/v1.37.2/windows-amd64/kubectl.exe"
[ -f "$store_exe" ] || fail "no kubectl.exe in the store under AppData\\Local\\kubeboot\\kubectl"
[ -f "$(dirname "$store_exe")/receipt.json" ] || fail "no receipt beside $store_exe"
set +e
KUBEBOOT_KUBECTL_VERSION=v1.37.2 kubeboot kubectl -- exit 7 >/dev/null 2>&1
code=$?
set -e
[ "$code" = 7 ] || fail "kubeboot kubectl -- exit 7 exited $code"
out=$(KUBEBOOT_KUBECTL_VERSION=v1.37.2 kubeboot kubectl list 2>&1 | tr -d '\r') || fail "kubectl list: $out"
echo "$out" | grep -q '^v1.37.2 *windows/amd64' || fail "kubectl list said: $out"
shim_dir="$work/shim dir"
out=$(kubeboot kubectl shim install --dir "Z:$shim_dir" 2>&1 | tr -d '\r') || fail "shim install: $out"
[ -f "$shim_dir/kubectl.exe" ] || fail "no kubectl.exe shim in $shim_dir: $out"
out=$(KUBEBOOT_MIRROR="$mirror" KUBEBOOT_KUBECTL_VERSION=v1.37.2 wine_run "$shim_dir/kubectl.exe" version --client 2>&1 | tr -d '\r') || fail "the shim: $out"
[ "$out" = "Client Version: v1.37.2" ] || fail "the shim kubectl.exe version --client said: $out"
out=$(kubeboot kubectl shim uninstall --dir "Z:$shim_dir" 2>&1 | tr -d '\r') || fail "shim uninstall: $out"
[ ! -e "$shim_dir/kubectl.exe" ] || fail "shim uninstall left $shim_dir/kubectl.exe"
step "ok"
