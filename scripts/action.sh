#!/usr/bin/env bash
# The logic of the kubeboot GitHub Action (action.yml): install a verified
# kubectl into the runner's tool cache and put it on PATH.
#
#   1. kubeboot itself: KUBEBOOT_BIN when set (CI of this repository, tests);
#      otherwise the release for this runner, downloaded and verified by
#      scripts/install.sh (install.ps1 on Windows) against the release's
#      checksums.txt, and its Sigstore bundle when cosign is installed. An
#      exact kubeboot-version is kept in the tool cache, so it is fetched
#      once per runner.
#   2. The kubectl version is made exact first (a release marker is read
#      from the mirror), so that the folder is
#      $RUNNER_TOOL_CACHE/kubectl/<X.Y.Z>/<arch> and a later job of the same
#      version, on a self-hosted runner, finds it there: kubeboot then checks
#      the published digest and signature and downloads nothing.
#   3. kubeboot install kubectl --method direct --dir FOLDER --json: the
#      checksum and, by default, the Sigstore signature are verified before
#      anything is written (exit 3 otherwise, and nothing is added to PATH).
#   4. FOLDER goes to $GITHUB_PATH; kubectl-path, version and sha256 to
#      $GITHUB_OUTPUT.
#
# Inputs (environment, as the runner passes them): INPUT_VERSION (any
# kubeboot spec; default stable), INPUT_VERIFY_SIGNATURE (auto|require|off),
# INPUT_MIRROR (a dl.k8s.io-shaped base URL; default $KUBEBOOT_MIRROR or
# https://dl.k8s.io), INPUT_KUBEBOOT_VERSION (a kubeboot release such as
# v1.2.3; default the latest). Runner: RUNNER_OS, RUNNER_ARCH,
# RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH. Also read:
# KUBEBOOT_BIN, KUBEBOOT_RELEASE_URL (where kubeboot releases are
# downloaded from), and what kubeboot itself reads
# (KUBEBOOT_SIGSTORE_TRUSTED_ROOT, SSL_CERT_FILE, HTTPS_PROXY...).
#
# Windows runners run it with Git for Windows' bash; paths handed to the
# runner are Windows paths (kubeboot.exe reports them so).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() {
	echo "::error title=kubeboot::$*"
	echo "kubeboot action: $*" >&2
	exit "${code:-1}"
}
need() { [ -n "${!1:-}" ] || fail "$1 is not set: this script runs inside a GitHub Actions job (see action.yml)"; }
for v in RUNNER_OS RUNNER_ARCH RUNNER_TOOL_CACHE RUNNER_TEMP GITHUB_OUTPUT GITHUB_PATH; do need "$v"; done

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
# Windows path kubeboot reports.
tool_cache=$RUNNER_TOOL_CACHE
runner_temp=${RUNNER_TEMP:?}
if [ "$os" = windows ] && command -v cygpath >/dev/null; then
	tool_cache=$(cygpath -u "$RUNNER_TOOL_CACHE")
	runner_temp=$(cygpath -u "$RUNNER_TEMP")
fi

spec=${INPUT_VERSION:-stable}
mirror=${INPUT_MIRROR:-${KUBEBOOT_MIRROR:-https://dl.k8s.io}}
mirror=${mirror%/}
# A password in the mirror URL is masked in the job's log, and handed to
# kubeboot through the environment, not its command line.
if [[ $mirror =~ ^https?://[^/@]*:([^/@]+)@ ]]; then
	echo "::add-mask::${BASH_REMATCH[1]}"
fi
sigmode=${INPUT_VERIFY_SIGNATURE:-auto}
case $sigmode in auto | require | off) ;; *) fail "verify-signature must be auto, require or off, not '$sigmode'" ;; esac

# 1. kubeboot.
kubeboot_bin() {
	if [ -n "${KUBEBOOT_BIN:-}" ]; then
		[ -x "$KUBEBOOT_BIN" ] || fail "KUBEBOOT_BIN=$KUBEBOOT_BIN is not an executable"
		printf '%s\n' "$KUBEBOOT_BIN"
		return
	fi
	local kv=${INPUT_KUBEBOOT_VERSION:-} dest
	if [[ $kv =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
		dest=$tool_cache/kubeboot/${kv#v}/$cache_arch
	else
		kv=
		dest=$runner_temp/kubeboot-action/bin
	fi
	if [ -n "$kv" ] && [ -x "$dest/kubeboot$exe" ] && [ -f "$dest.complete" ]; then
		printf '%s\n' "$dest/kubeboot$exe"
		return
	fi
	mkdir -p "$dest"
	if [ "$os" = windows ]; then
		KUBEBOOT_VERSION=$kv KUBEBOOT_INSTALL_DIR=$(cygpath -w "$dest") KUBEBOOT_INSTALL_RUN='' \
			pwsh -NoProfile -NonInteractive -File "$here/install.ps1" >&2 ||
			fail "could not install a verified kubeboot (install.ps1)"
	else
		KUBEBOOT_VERSION=$kv KUBEBOOT_INSTALL_DIR=$dest KUBEBOOT_INSTALL_RUN='' \
			sh "$here/install.sh" >&2 ||
			fail "could not install a verified kubeboot (install.sh)"
	fi
	[ -z "$kv" ] || : >"$dest.complete"
	printf '%s\n' "$dest/kubeboot$exe"
}
kubeboot=$(kubeboot_bin)

# 2. An exact version for the cache folder. Exact specs are used as they
# are; a release marker (stable, latest, 1.N, stable-1.N, latest-1.N) is
# read from the mirror; anything else (a constraint, cluster) is installed
# into a staging folder first and moved under its exact version.
curl_mirror() { curl -fsSL --proto '=https,http' --proto-redir '=https' --retry 3 "$1"; }
marker=
case $spec in
v[0-9]*.[0-9]*.[0-9]* | [0-9]*.[0-9]*.[0-9]*) version=v${spec#v} ;;
stable | latest | stable-[0-9]* | latest-[0-9]*) marker=$spec ;;
[0-9]*.[0-9]* | v[0-9]*.[0-9]*) marker=stable-${spec#v} ;;
*) version= ;;
esac
if [ -n "$marker" ]; then
	case $mirror in https://* | http://127.0.0.1[:/]* | http://localhost[:/]* | http://127.0.0.1 | http://localhost) ;;
	*) fail "the mirror must use https (plain http only to localhost)" ;;
	esac
	version=$(curl_mirror "$mirror/release/$marker.txt" | tr -d '[:space:]') ||
		fail "cannot read the release marker $marker.txt from the mirror"
	[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
		fail "release marker $marker.txt does not hold a version"
fi

if [ -n "$version" ]; then
	dir=$tool_cache/kubectl/${version#v}/$cache_arch
else
	dir=$tool_cache/kubectl/.staging-$$/$cache_arch
fi
mkdir -p "$dir"

# 3. Install, verified.
args=(install kubectl --method direct --dir "$dir" --version "${version:-$spec}" --verify-signature "$sigmode" --json)
[ -z "${INPUT_MIRROR:-}" ] || export KUBEBOOT_MIRROR=$mirror
out=$runner_temp/kubeboot-action-$$.json
code=0
"$kubeboot" "${args[@]}" >"$out" || code=$?
if [ "$code" -ne 0 ]; then
	[ -n "$version" ] || rm -rf "${dir%/*}"
	[ "$code" -ne 3 ] || fail "kubectl ${version:-$spec} failed verification (checksum or signature); nothing was added to PATH"
	fail "kubeboot install kubectl ${version:-$spec} failed (exit $code); nothing was added to PATH"
fi

# The JSON's top-level path, version and sha256 (their names are stable;
# nothing else of it is relied on, and nested objects are skipped, whatever
# their keys and order). members prints "KEY<TAB>VALUE" per top-level
# member with a string or scalar value, strings unescaped.
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
path=$(field path)
got_version=$(field version)
sha256=$(field sha256)
cached=
[ "$(field changed)" != false ] || cached=" (already in the tool cache: nothing downloaded)"
rm -f "$out"
if [ -z "$path" ] || [ -z "$got_version" ] || ! [[ $sha256 =~ ^[0-9a-f]{64}$ ]]; then
	fail "kubeboot did not report the installed kubectl's path, version and sha256"
fi

# A marker ahead of the CDN (kubeboot fell back to an earlier patch) or a
# staged constraint: move the folder under the version installed.
final=$tool_cache/kubectl/${got_version#v}/$cache_arch
if [ "$dir" != "$final" ]; then
	if [ -x "$final/kubectl$exe" ]; then
		rm -rf "$dir"
	else
		mkdir -p "${final%/*}"
		mv "$dir" "$final"
	fi
	[ -n "$version" ] || rmdir "${dir%/*}" 2>/dev/null || true
	dir=$final
	sep=/
	if [ "$os" = windows ]; then
		sep="\\"
		! command -v cygpath >/dev/null || final=$(cygpath -w "$final")
	fi
	path=$final${sep}kubectl$exe
fi
: >"$dir.complete" # as @actions/tool-cache marks a complete folder

bin_dir=${path%[/\\]*}
echo "$bin_dir" >>"$GITHUB_PATH"
{
	echo "kubectl-path=$path"
	echo "version=$got_version"
	echo "sha256=$sha256"
} >>"$GITHUB_OUTPUT"
echo "kubectl $got_version at $path (sha256 $sha256, verified)$cached" >&2
