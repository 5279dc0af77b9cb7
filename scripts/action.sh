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
#      sha256, and otherwise rebuilt with the staged file. Every folder from
#      $RUNNER_TOOL_CACHE/kubectl down and every file used there must be
#      the runner user's own, not a link, and not writable by group or
#      others (mine); anything else is replaced, a link removed itself. The kubectl on
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
# runner are Windows paths. Any failure exits non-zero with an ::error
# annotation; inputs with control characters are refused; nothing shown
# (its own messages, what kubeboot and install.sh print) can be taken for a
# workflow command, and what may be a credential in a URL is masked and
# scrubbed from all of it.
set -euo pipefail

# The job log: workflow commands (::error, ::add-mask::) go there even from
# a command substitution, whose stdout is captured.
exec 3>&1
# What this job creates in the tool cache is writable by this user alone,
# whatever the runner's umask: a folder or file others can write is not
# used (see mine below).
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# secrets: the credentials, query strings and fragments of the URLs this
# job was given (mask_credentials); scrub replaces them by *** in anything
# the action shows, as the runner does with masked values.
secrets=()
scrub() {
	local s=$1 x
	for x in ${secrets[@]+"${secrets[@]}"}; do s=${s//"$x"/'***'}; done
	printf '%s' "$s"
}
# command_data escapes a workflow command's message (% CR LF), so that it
# stays on one line; "##[" (the runner's older command prefix, recognised
# anywhere in a line) is broken up.
command_data() {
	local s=$1
	s=${s//'%'/'%25'}
	s=${s//$'\r'/'%0D'}
	s=${s//$'\n'/'%0A'}
	s=${s//'##['/'# #['}
	printf '%s' "$s"
}
# show FILE copies what a program printed to the job's log (stderr),
# scrubbed, with nothing in it the runner would take as a workflow
# command: a line starting with "::" is indented by "| ", "##[" broken up.
show() {
	[ -s "$1" ] || return 0
	printf '%s\n' "$(scrub "$(cat "$1")")" | sed -e 's/^\([[:space:]]*\)::/| \1::/' -e 's/##\[/# #[/g' >&2
}
# die CODE MESSAGE...: the error annotation and a line on stderr, both
# scrubbed and on one line; the job fails with CODE, never 0.
die() {
	local rc=$1 msg
	shift
	msg=$(command_data "$(scrub "$*")")
	echo "::error title=kubeboot::$msg" >&3
	echo "kubeboot action: $msg" >&2
	[ "$rc" -ne 0 ] 2>/dev/null || rc=1
	exit "$rc"
}
fail() { die 1 "$@"; }
warn() {
	local msg
	msg=$(command_data "$(scrub "$*")")
	echo "::warning title=kubeboot::$msg" >&3
	echo "kubeboot action: warning: $msg" >&2
}
need() { [ -n "${!1:-}" ] || fail "$1 is not set: this script runs inside a GitHub Actions job (see action.yml)"; }
for v in RUNNER_OS RUNNER_ARCH RUNNER_TOOL_CACHE RUNNER_TEMP GITHUB_OUTPUT GITHUB_PATH; do need "$v"; done

# Inputs with a newline or another control character are refused before
# anything shows them: the runner would take a line of one for a workflow
# command of its own (::add-mask::, ::warning::...). Their values are not
# shown (a URL may hold a password).
for v in INPUT_VERSION:version INPUT_VERIFY_SIGNATURE:verify-signature INPUT_MIRROR:mirror \
	INPUT_KUBEBOOT_VERSION:kubeboot-version KUBEBOOT_MIRROR: KUBEBOOT_RELEASE_URL: \
	HTTPS_PROXY: https_proxy: HTTP_PROXY: http_proxy: ALL_PROXY: all_proxy:; do
	name=${v%%:*} what=${v#*:}
	case ${!name:-} in *[[:cntrl:]]*)
		if [ -n "$what" ]; then what="$what input"; else what=$name; fi
		fail "the $what holds a control character (a newline, tab or escape): give it on one line, without them"
		;;
	esac
done

# mask_credentials URL masks, for the job's log, and adds to secrets what
# could be a credential in URL, in every form it may take: everything
# before the last '@' before the host (user and password alike, since a
# token is as often passed as the user name, with or without a scheme,
# and a password may hold an unencoded '/' or '?'), its user name and its
# password, the query string and each of its values, and the fragment.
# Each is also masked percent-decoded.
mask_credentials() {
	local rest=$1 userinfo='' tail query='' fragment='' part decoded
	local -a parts=()
	case ${rest%%://*} in *[!A-Za-z0-9+.-]* | "") ;; *) [ "$rest" = "${rest#*://}" ] || rest=${rest#*://} ;; esac
	case $rest in *@*)
		userinfo=${rest%@*}
		parts+=("$userinfo" "${userinfo%%:*}")
		case $userinfo in *:*) parts+=("${userinfo#*:}") ;; esac
		;;
	esac
	tail=${rest##*@}
	case $tail in *'#'*) fragment=${tail#*'#'} tail=${tail%%'#'*} ;; esac
	case $tail in *'?'*) query=${tail#*'?'} ;; esac
	[ -z "$fragment" ] || parts+=("$fragment")
	if [ -n "$query" ]; then
		parts+=("$query")
		local q=$query'&' item
		while [ -n "$q" ]; do
			item=${q%%'&'*} q=${q#*'&'}
			# Values of a few characters are no credential; masked, they
			# would hide every occurrence in the log.
			case $item in *=????*) parts+=("${item#*=}") ;; esac
		done
	fi
	for part in ${parts[@]+"${parts[@]}"}; do
		[ -n "$part" ] || continue
		echo "::add-mask::$part" >&3
		secrets+=("$part")
		case $part in *%[0-9A-Fa-f][0-9A-Fa-f]*)
			decoded=${part//\\/\\\\}
			decoded=$(printf '%b' "${decoded//%/\\x}")
			case $decoded in "" | *[[:cntrl:]]*) ;; *)
				echo "::add-mask::$decoded" >&3
				secrets+=("$decoded")
				;;
			esac
			;;
		esac
	done
	# Longest first, so that scrub hides a whole credential, not a part.
	if [ ${#secrets[@]} -gt 1 ]; then
		local sorted
		sorted=$(printf '%s\n' "${secrets[@]}" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f 2-)
		secrets=()
		while IFS= read -r part; do secrets+=("$part"); done <<<"$sorted"
	fi
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
# log (and scrubbed from what it shows); the mirror's reach kubeboot
# through the environment, not its command line.
mask_credentials "$mirror"
mask_credentials "${KUBEBOOT_RELEASE_URL:-}"
# So are those of the proxies kubeboot and install.sh may go through.
for v in HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy; do
	[ -z "${!v:-}" ] || mask_credentials "${!v}"
done
sigmode=${INPUT_VERIFY_SIGNATURE:-auto}
case $sigmode in auto | require | off) ;; *) fail "verify-signature must be auto, require or off, not '$sigmode'" ;; esac

work=$(mktemp -d "$runner_temp/kubeboot-action.XXXXXX") || fail "cannot create a folder in RUNNER_TEMP ($runner_temp)"
staging=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	rm -rf "$work"
	[ -z "$staging" ] || rm -rf "$staging"
	[ -z "$held_lock" ] || rmdir -- "$held_lock" 2>/dev/null || true
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
	show "$log"
	if [ "$rc" -ne 0 ]; then
		fail "could not install a verified kubeboot ${kv:-(the latest release)} (exit $rc): $(sed -n -E 's/.*install\.(sh|ps1): //p' "$log" | tail -n 1)"
	fi
	printf '%s\n' "$dest/kubeboot$exe"
}
kubeboot=$(kubeboot_bin)

# mine PATH: a folder or file this job may use in the tool cache: not a
# link, owned by this runner's user, and not writable by group or others
# (no one else can change it after the job checked it). Windows runners
# (their permissions are ACLs) only refuse links.
mine() {
	[ ! -L "$1" ] && [ -e "$1" ] || return 1
	[ "$os" != windows ] || return 0
	[ -O "$1" ] || return 1
	local mode
	mode=$(ls -ld -- "$1" 2>/dev/null) || return 1
	case ${mode:5:1}${mode:8:1} in *w*) return 1 ;; esac
}
mine_dir() { [ -d "$1" ] && mine "$1"; }
mine_file() { [ -f "$1" ] && mine "$1"; }
# fresh_dir PATH makes PATH a folder of this job's own (mine_dir) unless it
# is one: anything else there (a link, a file, a folder of another user or
# one others can write) is moved into a new folder of the job (a link
# itself, never its target; a rename needs no write access to what is
# renamed), removed as far as this user can, and the folder is created
# anew. Concurrent jobs replace PATH one at a time (a lock next to it, a
# folder; one a killed job left is taken over after ~10 s), so that none
# moves away the fresh folder another just made.
held_lock=
fresh_dir() {
	mine_dir "$1" && return 0
	local aside tries=0 lock=${1%/*}/.${1##*/}.kubeboot-lock
	until mkdir -- "$lock" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -ne 100 ] || rm -rf -- "$lock" 2>/dev/null || true
		[ "$tries" -lt 200 ] || fail "cannot lock $lock to replace $1: remove it"
		sleep 0.1
	done
	held_lock=$lock
	if ! mine_dir "$1" && { [ -e "$1" ] || [ -L "$1" ]; }; then
		warn "$1 was not a folder of this runner's user that only it can write; replaced it"
		if ! { aside=$(mktemp -d "${1%/*}/.kubeboot-replaced-XXXXXX" 2>/dev/null) && mv -- "$1" "$aside/" 2>/dev/null; }; then
			fail "cannot remove $1 (not a folder of this runner's user that only it can write): remove it, or give it to the runner's user"
		fi
		rm -rf -- "$aside" 2>/dev/null || true
	fi
	mine_dir "$1" || mkdir -m 755 -- "$1" 2>/dev/null || true
	rmdir -- "$lock" 2>/dev/null || true
	held_lock=
	mine_dir "$1" || fail "cannot create $1 as a folder of this runner's user"
}

# 2. kubectl, resolved and verified by kubeboot into a staging folder of
# this job, in the tool cache's file system (so that its file can be
# renamed into place).
kc=$tool_cache/kubectl
mkdir -p -- "$tool_cache" 2>/dev/null || fail "cannot create $tool_cache, the tool cache (RUNNER_TOOL_CACHE)"
fresh_dir "$kc"
# Staging folders of jobs killed an hour ago or more.
find "$kc" -maxdepth 1 -name '.staging-*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
staging=$(mktemp -d "$kc/.staging-XXXXXX") || fail "cannot create a staging folder in $kc"
# What SPEC resolved to last time on this runner: only which tool-cache
# kubectl to offer kubeboot, which re-checks it against the published
# digest and signature and replaces it unless it is that very file.
resolved=$kc/.kubeboot-resolved
receipt=$resolved/$(printf '%s %s' "$cache_arch" "$spec" | sha256)
hint=
if [[ $spec =~ $exact_re ]]; then
	hint=v${spec#v}
elif mine_dir "$resolved" && mine_file "$receipt"; then
	hint=$(head -c 64 "$receipt" | tr -d '[:space:]')
	[[ $hint =~ $exact_re ]] || hint=
fi
staged=$staging/kubectl$exe
if [ -n "$hint" ]; then
	seed=$kc/${hint#v}/$cache_arch/kubectl$exe
	if mine_dir "${seed%/*/*}" && mine_dir "${seed%/*}" && mine_file "$seed"; then
		ln "$seed" "$staged" 2>/dev/null || cp "$seed" "$staged" 2>/dev/null || rm -f "$staged"
		chmod 755 "$staged" 2>/dev/null || true
	fi
fi

[ -z "${INPUT_MIRROR:-}" ] || export KUBEBOOT_MIRROR=$mirror
out=$work/install.json
kubeboot_code=0
"$kubeboot" install kubectl --method direct --dir "$staging" --version="$spec" --verify-signature="$sigmode" --json \
	>"$out" 2>"$work/kubeboot.err" || kubeboot_code=$?
show "$work/kubeboot.err"

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

if [ "$kubeboot_code" -ne 0 ]; then
	# kubeboot's own words (it names the host and redacts credentials).
	why=$(field error | head -n 1)
	[ -n "$why" ] || why=$(sed -n 's/^kubeboot: //p' "$work/kubeboot.err" | tail -n 1)
	[ -n "$why" ] || why="kubeboot gave no reason"
	[ "$kubeboot_code" -ne 3 ] ||
		die 3 "kubectl $spec failed verification (checksum or signature); nothing was added to PATH: $why"
	die "$kubeboot_code" "kubeboot install kubectl --version $spec failed (exit $kubeboot_code); nothing was added to PATH: $why"
fi
got_version=$(field version)
sha256=$(field sha256)
downloaded=$(field changed)
if ! [[ $got_version =~ $exact_re && $got_version == v* && $sha256 =~ ^[0-9a-f]{64}$ ]]; then
	fail "kubeboot did not report the installed kubectl's version and sha256"
fi
# is_verified FILE: a regular file (not a link) of this runner's user that
# only it can write, executable, with the verified sha256.
is_verified() { mine_file "$1" && [ -x "$1" ] && [ "$(sha256 <"$1")" = "$sha256" ]; }
is_verified "$staged" ||
	fail "the kubectl kubeboot installed in $staging does not have the sha256 it reported ($sha256)"

# 3. Into the tool cache. The folder goes on PATH whole, so it is kept
# only when it holds nothing but the verified kubectl (and kubeboot's
# install lock), and every folder from $kc down to it is the job's own
# (mine_dir); otherwise it is rebuilt around the staged file.
version_dir=$kc/${got_version#v}
final=$version_dir/$cache_arch
target=$final/kubectl$exe
only_kubectl() {
	local e
	mine_dir "$1" || return 1
	for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		case ${e##*/} in "kubectl$exe" | .kubeboot-install.lock) ;; *) return 1 ;; esac
	done
}
usable() { mine_dir "$version_dir" && only_kubectl "$final" && is_verified "$target"; }
note=
[ "$downloaded" != false ] || note=" (already in the tool cache: nothing downloaded)"
if ! usable; then
	if [ -e "$target" ] || [ -L "$target" ] || { [ -e "$final" ] && ! only_kubectl "$final"; }; then
		warn "$final did not hold just the verified kubectl $got_version (sha256 $sha256) of this runner's user; replaced it"
	fi
	fresh_dir "$version_dir"
	# A folder holding anything else, or a kubectl that is no regular
	# file, is removed; a wrong kubectl file alone is replaced by a rename
	# (atomic, so a concurrent job of the same version is not disturbed).
	if [ -L "$final" ] || [ -L "$target" ] || { [ -e "$target" ] && [ ! -f "$target" ]; } ||
		{ [ -e "$final" ] && ! only_kubectl "$final"; }; then
		rm -rf -- "$final" "$final.complete" 2>/dev/null || fail "cannot replace $final"
	fi
	fresh_dir "$final"
	mv -f "$staged" "$target" 2>/dev/null || fail "cannot move the verified kubectl into $final"
	# What goes on PATH is checked last, whatever happened in between.
	usable || fail "$target is not the verified kubectl $got_version after the move; nothing was added to PATH"
fi
# The completion marker, as @actions/tool-cache marks a complete folder:
# a link (or anything but a file of this job's user) there is removed,
# never written through.
if ! mine_file "$final.complete"; then
	rm -rf -- "$final.complete" 2>/dev/null || fail "cannot replace $final.complete"
	: >"$final.complete" || fail "cannot create $final.complete"
fi
if ! [[ $spec =~ $exact_re ]]; then
	# Only a hint for the next job: written when its folder is the job's
	# own, never through a link.
	if { [ -e "$resolved" ] || [ -L "$resolved" ]; } && ! mine_dir "$resolved"; then
		warn "$resolved was not a folder of this runner's user that only it can write; replaced it"
		rm -rf -- "$resolved" 2>/dev/null || true
	fi
	[ -e "$resolved" ] || mkdir -m 755 -- "$resolved" 2>/dev/null || true
	tmp_receipt=
	if ! { mine_dir "$resolved" && tmp_receipt=$(mktemp "$receipt.XXXXXX") &&
		printf '%s\n' "$got_version" >"$tmp_receipt" && mv -f "$tmp_receipt" "$receipt"; } 2>/dev/null; then
		[ -z "$tmp_receipt" ] || rm -f "$tmp_receipt"
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
[[ ! $fallback =~ $exact_re ]] || echo "note: kubectl $fallback is not on the mirror yet; using $got_version, the newest published patch" >&2
echo "kubectl $got_version at $path (sha256 $sha256, verified)$note" >&2
