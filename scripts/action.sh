#!/usr/bin/env bash
# The logic of the kubeboot GitHub Action (action.yml): install a verified
# kubectl into the runner's tool cache and put it on PATH.
#
#   1. kubeboot itself: KUBEBOOT_BIN when set (CI of this repository, tests);
#      otherwise the release for this runner, downloaded and verified by
#      scripts/install.sh (install.ps1 on Windows) against the release's
#      checksums.txt, and its Sigstore bundle when cosign is installed. For
#      an exact kubeboot-version the verified archive is kept in the tool
#      cache: every job fetches checksums.txt again and runs only a kubeboot
#      extracted from an archive that matches it.
#   2. kubeboot install kubectl --version SPEC --method direct --json into
#      a staging folder of this job: kubeboot resolves SPEC (falling back
#      from a release marker ahead of the CDN as `kubeboot install` does) and
#      verifies the checksum and, by default, the Sigstore signature before
#      anything is written (exit 3 otherwise, and nothing is added to PATH).
#      The staging folder is first given the tool cache's kubectl of the
#      version SPEC resolved to last time on this runner, so that kubeboot
#      finds the published file there and downloads nothing.
#   3. The staged file is hashed; $RUNNER_TOOL_CACHE/kubectl/<X.Y.Z>/<arch>
#      is kept only when it holds nothing but a kubectl with that same
#      sha256, and otherwise rebuilt with the staged file. The kubectl on
#      PATH is hashed last: path, version and sha256 in $GITHUB_OUTPUT
#      always describe the file the folder in $GITHUB_PATH holds.
#
# Inputs (environment, as the runner passes them): INPUT_VERSION (any
# kubeboot spec; default stable), INPUT_VERIFY_SIGNATURE (auto|require|off),
# INPUT_MIRROR (a dl.k8s.io-shaped base URL; default $KUBEBOOT_MIRROR or
# https://dl.k8s.io), INPUT_KUBEBOOT_VERSION (a kubeboot release such as
# v1.2.3; default the latest). Runner: RUNNER_OS, RUNNER_ARCH,
# RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH. Also read:
# KUBEBOOT_BIN, KUBEBOOT_RELEASE_URL (where kubeboot releases are
# downloaded from), KUBEBOOT_INSTALL_TIMEOUT (install.sh's stall timeout),
# and what kubeboot itself reads (KUBEBOOT_SIGSTORE_TRUSTED_ROOT,
# SSL_CERT_FILE, HTTPS_PROXY...).
#
# Windows runners run it with Git for Windows' bash; paths handed to the
# runner are Windows paths.
set -euo pipefail

# The job log: workflow commands (::error, ::add-mask::) go there even from
# a command substitution, whose stdout is captured.
exec 3>&1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# command_data escapes a workflow command's message (% CR LF).
command_data() {
	local s=$1
	s=${s//'%'/'%25'}
	s=${s//$'\r'/'%0D'}
	s=${s//$'\n'/'%0A'}
	printf '%s' "$s"
}
fail() {
	echo "::error title=kubeboot::$(command_data "$*")" >&3
	echo "kubeboot action: $*" >&2
	exit "${code:-1}"
}
warn() {
	echo "::warning title=kubeboot::$(command_data "$*")" >&3
	echo "kubeboot action: warning: $*" >&2
}
need() { [ -n "${!1:-}" ] || fail "$1 is not set: this script runs inside a GitHub Actions job (see action.yml)"; }
for v in RUNNER_OS RUNNER_ARCH RUNNER_TOOL_CACHE RUNNER_TEMP GITHUB_OUTPUT GITHUB_PATH; do need "$v"; done

# mask_credentials URL masks, for the job's log, the user name and the
# password of URL: a token is as often passed as the user name
# (https://TOKEN@host/) as as the password. Both are also masked
# percent-decoded.
mask_credentials() {
	local rest=${1#*://} auth part
	[ "$rest" != "$1" ] || return 0
	auth=${rest%%[/?#]*}
	case $auth in *@*) ;; *) return 0 ;; esac
	auth=${auth%@*}
	for part in "${auth%%:*}" "$(case $auth in *:*) printf '%s' "${auth#*:}" ;; esac)"; do
		[ -n "$part" ] || continue
		echo "::add-mask::$part" >&3
		case $part in *%[0-9A-Fa-f][0-9A-Fa-f]*)
			part=$(printf '%b' "${part//%/\\x}")
			[ -z "$part" ] || echo "::add-mask::$part" >&3
			;;
		esac
	done
}

case $RUNNER_OS in
Linux) os=linux exe= ;;
macOS) os=darwin exe= ;;
Windows) os=windows exe=.exe ;;
*) fail "no kubectl for runner OS $RUNNER_OS" ;;
esac
case $RUNNER_ARCH in
X64 | ARM64) ;; # kubeboot installs for the machine it runs on
*) fail "no kubectl for runner architecture $RUNNER_ARCH (X64 and ARM64 are supported)" ;;
esac
cache_arch=$(printf '%s' "$RUNNER_ARCH" | tr '[:upper:]' '[:lower:]') # the tool cache's names: x64, arm64
# On Windows the shell works with /c/... paths (Git for Windows converts
# such arguments for kubeboot.exe); what goes back to the runner is the
# Windows path.
tool_cache=$RUNNER_TOOL_CACHE
runner_temp=${RUNNER_TEMP:?}
if [ "$os" = windows ] && command -v cygpath >/dev/null; then
	tool_cache=$(cygpath -u "$RUNNER_TOOL_CACHE")
	runner_temp=$(cygpath -u "$RUNNER_TEMP")
fi
if command -v sha256sum >/dev/null; then
	sha256() { sha256sum | cut -d ' ' -f 1; } # of stdin
elif command -v shasum >/dev/null; then
	sha256() { shasum -a 256 | cut -d ' ' -f 1; }
else
	fail "needs sha256sum or shasum to check the kubectl it puts on PATH"
fi

# An exact version: a path element, so nothing but a version.
exact_re='^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$'

spec=${INPUT_VERSION:-stable}
mirror=${INPUT_MIRROR:-${KUBEBOOT_MIRROR:-https://dl.k8s.io}}
mirror=${mirror%/}
# Credentials in the mirror URL or the release URL are masked in the job's
# log; the mirror's reach kubeboot through the environment, not its
# command line.
mask_credentials "$mirror"
mask_credentials "${KUBEBOOT_RELEASE_URL:-}"
sigmode=${INPUT_VERIFY_SIGNATURE:-auto}
case $sigmode in auto | require | off) ;; *) fail "verify-signature must be auto, require or off, not '$sigmode'" ;; esac

work=$(mktemp -d "$runner_temp/kubeboot-action.XXXXXX") || fail "cannot create a folder in RUNNER_TEMP ($runner_temp)"
staging=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	rm -rf "$work"
	[ -z "$staging" ] || rm -rf "$staging"
}
trap cleanup EXIT

# 1. kubeboot. An exact kubeboot-version keeps its verified archive in the
# tool cache; the kubeboot run is always extracted in this job from an
# archive whose sha256 matches the release's checksums.txt, fetched anew.
kubeboot_bin() {
	if [ -n "${KUBEBOOT_BIN:-}" ]; then
		[ -x "$KUBEBOOT_BIN" ] || fail "KUBEBOOT_BIN=$KUBEBOOT_BIN is not an executable"
		printf '%s\n' "$KUBEBOOT_BIN"
		return
	fi
	local kv=${INPUT_KUBEBOOT_VERSION:-} keep='' dest=$work/bin
	case $kv in
	"" | latest) kv= ;;
	*)
		[[ $kv =~ $exact_re ]] ||
			fail "kubeboot-version must be a kubeboot release such as v1.2.3 (or empty for the latest), not '$kv'"
		kv=v${kv#v}
		keep=$tool_cache/kubeboot/${kv#v}/$cache_arch
		;;
	esac
	mkdir -p "$dest" || fail "cannot create $dest"
	local log=$work/install.log rc=0
	if [ "$os" = windows ]; then
		KUBEBOOT_VERSION=$kv KUBEBOOT_INSTALL_DIR=$(cygpath -w "$dest") KUBEBOOT_INSTALL_RUN='' \
			pwsh -NoProfile -NonInteractive -File "$here/install.ps1" >"$log" 2>&1 || rc=$?
	else
		KUBEBOOT_VERSION=$kv KUBEBOOT_INSTALL_DIR=$dest KUBEBOOT_INSTALL_RUN='' KUBEBOOT_ARCHIVE_DIR=$keep \
			sh "$here/install.sh" >"$log" 2>&1 || rc=$?
	fi
	cat "$log" >&2
	if [ "$rc" -ne 0 ]; then
		fail "could not install a verified kubeboot ${kv:-(the latest release)} (exit $rc): $(grep -E 'install\.(sh|ps1): ' "$log" | tail -n 1 | sed -E 's/.*install\.(sh|ps1): //')"
	fi
	printf '%s\n' "$dest/kubeboot$exe"
}
kubeboot=$(kubeboot_bin)

# 2. kubectl, resolved and verified by kubeboot into a staging folder of
# this job, in the tool cache's file system (so that its file can be
# renamed into place).
kc=$tool_cache/kubectl
mkdir -p "$kc" || fail "cannot create $kc in the tool cache (RUNNER_TOOL_CACHE)"
# Staging folders of jobs killed an hour ago or more.
find "$kc" -maxdepth 1 -name '.staging-*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
staging=$(mktemp -d "$kc/.staging-XXXXXX") || fail "cannot create a staging folder in $kc"
# What SPEC resolved to last time on this runner: only which tool-cache
# kubectl to offer kubeboot, which re-checks it against the published
# digest and signature and replaces it unless it is that very file.
receipt=$kc/.kubeboot-resolved/$(printf '%s %s' "$cache_arch" "$spec" | sha256)
hint=
if [[ $spec =~ $exact_re ]]; then
	hint=v${spec#v}
elif [ -f "$receipt" ] && [ ! -L "$receipt" ]; then
	hint=$(head -c 64 "$receipt" | tr -d '[:space:]')
	[[ $hint =~ $exact_re ]] || hint=
fi
staged=$staging/kubectl$exe
if [ -n "$hint" ]; then
	seed=$kc/${hint#v}/$cache_arch/kubectl$exe
	if [ -f "$seed" ] && [ ! -L "$seed" ]; then
		ln "$seed" "$staged" 2>/dev/null || cp "$seed" "$staged" 2>/dev/null || rm -f "$staged"
		chmod 755 "$staged" 2>/dev/null || true
	fi
fi

[ -z "${INPUT_MIRROR:-}" ] || export KUBEBOOT_MIRROR=$mirror
out=$work/install.json
code=0
"$kubeboot" install kubectl --method direct --dir "$staging" --version="$spec" --verify-signature="$sigmode" --json \
	>"$out" 2>"$work/kubeboot.err" || code=$?
cat "$work/kubeboot.err" >&2

# The JSON's top-level members (their names are stable; nothing else of it
# is relied on, and nested objects are skipped, whatever their keys and
# order). members prints "KEY<TAB>VALUE" per top-level member with a string
# or scalar value, strings unescaped.
members() {
	awk '
	function unescape(v,   out, i, c, n) {
		out = ""
		for (i = 1; i <= length(v); i++) {
			c = substr(v, i, 1)
			if (c != "\\") { out = out c; continue }
			n = substr(v, ++i, 1)
			if (n == "u") {
				h = tolower(substr(v, i + 1, 4)); i += 4
				if (h == "0026") out = out "&"; else if (h == "003c") out = out "<"; else if (h == "003e") out = out ">"; else out = out "?"
			} else if (n == "n") out = out "\n"; else if (n == "t") out = out "\t"; else out = out n
		}
		return out
	}
	{ s = s $0 "\n" }
	END {
		n = length(s); depth = 0; key = ""; want = 0
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (c == "\"") {
				j = i + 1
				while (j <= n && substr(s, j, 1) != "\"") j += (substr(s, j, 1) == "\\") ? 2 : 1
				str = substr(s, i + 1, j - i - 1); i = j
				if (depth != 1) continue
				if (want) { print key "\t" unescape(str); want = 0; continue }
				k = i + 1; while (substr(s, k, 1) ~ /[ \t\r\n]/) k++
				if (substr(s, k, 1) == ":") { key = str; want = 1; i = k }
			} else if (c == "{" || c == "[") { depth++; if (depth > 1) want = 0 }
			else if (c == "}" || c == "]") depth--
			else if (c == ",") want = 0
			else if (depth == 1 && want && c !~ /[ \t\r\n]/) {
				j = i; while (j <= n && substr(s, j, 1) !~ /[,} \t\r\n]/) j++
				print key "\t" substr(s, i, j - i); want = 0; i = j - 1
			}
		}
	}' "$1"
}
field() { members "$out" | awk -F '\t' -v k="$1" '$1 == k { print substr($0, length(k) + 2); exit }'; }

if [ "$code" -ne 0 ]; then
	# kubeboot's own words (it names the host and redacts credentials).
	why=$(field error | head -n 1)
	[ -n "$why" ] || why=$(grep '^kubeboot: ' "$work/kubeboot.err" | tail -n 1 | sed 's/^kubeboot: //')
	[ "$code" -ne 3 ] || fail "kubectl $spec failed verification (checksum or signature); nothing was added to PATH: $why"
	fail "kubeboot install kubectl --version $spec failed (exit $code); nothing was added to PATH: $why"
fi
got_version=$(field version)
sha256=$(field sha256)
downloaded=$(field changed)
if ! [[ $got_version =~ $exact_re && $got_version == v* && $sha256 =~ ^[0-9a-f]{64}$ ]]; then
	fail "kubeboot did not report the installed kubectl's version and sha256"
fi
# is_verified FILE: a regular file (not a link), executable, with
# the verified sha256.
is_verified() { [ -f "$1" ] && [ ! -L "$1" ] && [ -x "$1" ] && [ "$(sha256 <"$1")" = "$sha256" ]; }
is_verified "$staged" ||
	fail "the kubectl kubeboot installed in $staging does not have the sha256 it reported ($sha256)"

# 3. Into the tool cache. The folder goes on PATH whole, so it is kept
# only when it holds nothing but the verified kubectl (and kubeboot's
# install lock); otherwise it is rebuilt around the staged file.
final=$kc/${got_version#v}/$cache_arch
target=$final/kubectl$exe
only_kubectl() {
	local e
	[ -d "$1" ] && [ ! -L "$1" ] || return 1
	for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		case ${e##*/} in "kubectl$exe" | .kubeboot-install.lock) ;; *) return 1 ;; esac
	done
}
note=
[ "$downloaded" != false ] || note=" (already in the tool cache: nothing downloaded)"
if ! { only_kubectl "$final" && is_verified "$target"; }; then
	if [ -e "$target" ] || [ -L "$target" ] || { [ -e "$final" ] && ! only_kubectl "$final"; }; then
		warn "$final did not hold just the verified kubectl $got_version (sha256 $sha256); replaced it"
	fi
	# A folder holding anything else, or a kubectl that is no regular
	# file, is removed; a wrong kubectl file alone is replaced by a rename
	# (atomic, so a concurrent job of the same version is not disturbed).
	if [ -L "$final" ] || [ -L "$target" ] || { [ -e "$target" ] && [ ! -f "$target" ]; } ||
		{ [ -e "$final" ] && ! only_kubectl "$final"; }; then
		rm -rf "$final" "$final.complete" || fail "cannot replace $final"
	fi
	mkdir -p "$final" || fail "cannot create $final"
	mv -f "$staged" "$target" || fail "cannot move the verified kubectl into $final"
	# What goes on PATH is checked last, whatever happened in between.
	is_verified "$target" ||
		fail "$target is not the verified kubectl $got_version after the move; nothing was added to PATH"
fi
: >"$final.complete" # as @actions/tool-cache marks a complete folder
if ! [[ $spec =~ $exact_re ]]; then
	tmp_receipt=
	if ! { mkdir -p "${receipt%/*}" && tmp_receipt=$(mktemp "$receipt.XXXXXX") &&
		printf '%s\n' "$got_version" >"$tmp_receipt" && mv -f "$tmp_receipt" "$receipt"; } 2>/dev/null; then
		[ -z "$tmp_receipt" ] || rm -f "$tmp_receipt" # only a hint for the next job
	fi
fi

bin_dir=$final
if [ "$os" = windows ]; then
	! command -v cygpath >/dev/null || bin_dir=$(cygpath -w "$final")
	path=$bin_dir\\kubectl$exe
else
	path=$bin_dir/kubectl$exe
fi
echo "$bin_dir" >>"$GITHUB_PATH"
{
	echo "kubectl-path=$path"
	echo "version=$got_version"
	echo "sha256=$sha256"
} >>"$GITHUB_OUTPUT"
fallback=$(field fallbackFrom)
[ -z "$fallback" ] || echo "note: kubectl $fallback is not on the mirror yet; using $got_version, the newest published patch" >&2
echo "kubectl $got_version at $path (sha256 $sha256, verified)$note" >&2
