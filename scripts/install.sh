#!/bin/sh
# Installs kubeboot, then runs `kubeboot setup` with this script's arguments:
#
#   curl -fsSL https://github.com/kubeboot/kubeboot/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- --help     # arguments go to `kubeboot setup`
#
# It downloads this machine's archive and checksums.txt, refuses to go on
# unless the archive's SHA-256 matches its line in checksums.txt, and puts
# the single kubeboot binary in a per-user folder. When cosign is installed
# it first verifies checksums.txt.sigstore.json, the keyless signature of
# checksums.txt made by the release workflow, and refuses on failure; the
# tag is exact with KUBEBOOT_VERSION, any v* tag of that workflow otherwise.
# Without cosign it says that only the checksum was checked. Environment:
#   KUBEBOOT_VERSION      a release such as v1.2.3 (default: the latest)
#   KUBEBOOT_RELEASE_URL  folder holding the archives and checksums.txt, for
#                         mirrors and tests (default: GitHub releases)
#   KUBEBOOT_INSTALL_DIR  where the binary goes (default: ~/.local/bin)
#   KUBEBOOT_INSTALL_RUN  the kubeboot command run afterwards (default:
#                         setup; empty: run nothing; e.g. version in tests)
#   KUBEBOOT_ARCHIVE_DIR  a folder that keeps the verified archive; a kept
#                         archive is used instead of a download only when it
#                         matches checksums.txt, which is always downloaded
#                         (and verified with cosign)
#   KUBEBOOT_INSTALL_TIMEOUT  seconds a connection or a stalled download
#                         may take before it is retried (twice) or given up
#                         (default 30)
# Credentials, the query string and the fragment of KUBEBOOT_RELEASE_URL
# are never printed.
set -eu

fail() { echo "install.sh: $*" >&2; exit 1; }

repo=https://github.com/kubeboot/kubeboot/releases
if [ -n "${KUBEBOOT_VERSION:-}" ]; then
	base=${KUBEBOOT_RELEASE_URL:-$repo/download/$KUBEBOOT_VERSION}
else
	base=${KUBEBOOT_RELEASE_URL:-$repo/latest/download}
fi
# shown is base as messages show it: whatever precedes the last '@'
# before the host (user name and password alike: a token is often the user
# name, and a password may hold an unencoded '/' or '?') replaced, as
# kubeboot shows URLs, and any query string or fragment too.
case $base in
*://*) scheme=${base%%://*}:// rest=${base#*://} ;;
*) scheme="" rest=$base ;;
esac
case $rest in
*@*) tail=${rest##*@} shown=${scheme}redacted@ ;;
*) tail=$rest shown=$scheme ;;
esac
shown_host=${tail%%[/?#]*}
after=${tail#"$shown_host"}
path=${after%%[?#]*}
case ${after#"$path"} in
"") shown=$shown$shown_host$path ;;
\?*) shown="$shown$shown_host$path?redacted" ;;
*) shown="$shown$shown_host$path#redacted" ;;
esac
# The host of the URL, from its authority (after any user:password@,
# without the port): plain http only to a loopback host. An '@' after the
# authority (a user name or password holding an unencoded '/', '?' or '#'
# gives curl another host than the one after the last '@') is refused.
authority=${rest%%[/?#]*}
[ "${authority##*@}" = "$shown_host" ] ||
	fail "KUBEBOOT_RELEASE_URL has an '@' after its host: percent-encode a '/', '?' or '#' in its user name or password (%2F, %3F, %23) and an '@' in its path (%40): $shown"
case $shown_host in
\[*) host=${shown_host%%]*}] ;;
*) host=${shown_host%%:*} ;;
esac
host=$(printf '%s' "$host" | tr '[:upper:]' '[:lower:]')
case $base in
https://*) ;;
http://*)
	case $host in
	localhost | 127.0.0.1 | \[::1\]) ;;
	*) fail "KUBEBOOT_RELEASE_URL must use https (plain http only to a loopback host, not $host): $shown" ;;
	esac
	;;
*) fail "KUBEBOOT_RELEASE_URL must use https (plain http only to a loopback host): $shown" ;;
esac
keep=${KUBEBOOT_ARCHIVE_DIR:-}
timeout=${KUBEBOOT_INSTALL_TIMEOUT:-30}
case $timeout in "" | *[!0-9]* | 0) fail "KUBEBOOT_INSTALL_TIMEOUT must be a number of seconds, not '$timeout'" ;; esac
dir=${KUBEBOOT_INSTALL_DIR:-$HOME/.local/bin}
run=${KUBEBOOT_INSTALL_RUN-setup}

case $(uname -s) in
Linux) os=linux ;;
Darwin) os=darwin ;;
MINGW* | MSYS* | CYGWIN*) fail "on Windows, run scripts/install.ps1 in PowerShell" ;;
*) fail "no kubeboot build for $(uname -s); see $repo" ;;
esac
case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
ppc64le) arch=ppc64le ;;
s390x) arch=s390x ;;
*) fail "no kubeboot build for $os/$(uname -m); see $repo" ;;
esac
# An x86_64 shell under Rosetta on Apple silicon: take the native build.
if [ "$os/$arch" = darwin/amd64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
	arch=arm64
fi
archive=kubeboot_${os}_${arch}.tar.gz

# Every request is bounded: the connection and any stall of $timeout
# seconds, retried twice.
if command -v curl >/dev/null; then
	fetch() {
		curl -fsSL --proto '=https,http' --proto-redir '=https' --connect-timeout "$timeout" \
			--speed-limit 1 --speed-time "$timeout" --retry 2 -o "$2" "$1"
	}
elif command -v wget >/dev/null; then
	fetch() { wget -q --timeout="$timeout" --tries=3 -O "$2" "$1"; }
else
	fail "needs curl or wget"
fi
if command -v sha256sum >/dev/null; then
	sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null; then
	sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
	fail "needs sha256sum or shasum to verify the download; nothing was installed"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
fetch "$base/checksums.txt" "$tmp/checksums.txt" || fail "cannot download $shown/checksums.txt"
if command -v cosign >/dev/null; then
	bundle=$tmp/checksums.txt.sigstore.json
	fetch "$base/checksums.txt.sigstore.json" "$bundle" ||
		fail "cannot download $shown/checksums.txt.sigstore.json (the signature of checksums.txt); nothing was installed"
	workflow=https://github.com/kubeboot/kubeboot/.github/workflows/release.yml
	if [ -n "${KUBEBOOT_VERSION:-}" ]; then
		idflag=--certificate-identity
		id=$workflow@refs/tags/$KUBEBOOT_VERSION
	else
		idflag=--certificate-identity-regexp
		id='^https://github\.com/kubeboot/kubeboot/\.github/workflows/release\.yml@refs/tags/v[0-9][0-9A-Za-z.+-]*$'
	fi
	if ! cosign verify-blob --bundle "$bundle" "$idflag" "$id" \
		--certificate-oidc-issuer https://token.actions.githubusercontent.com "$tmp/checksums.txt" >"$tmp/cosign.out" 2>&1; then
		cat "$tmp/cosign.out" >&2
		fail "the signature of checksums.txt does not verify (cosign verify-blob, identity $id); nothing was installed"
	fi
	echo "signature of checksums.txt verified with cosign (release workflow of kubeboot/kubeboot)" >&2
else
	echo "note: cosign is not installed, so only the sha256 in checksums.txt is checked, not its signature" >&2
fi

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
case $want in
"" | *[!0-9a-f]*) fail "checksums.txt has no sha256 line for $archive; nothing was installed" ;;
esac
[ ${#want} -eq 64 ] || fail "checksums.txt has a malformed sha256 for $archive; nothing was installed"
# A kept archive is copied first and the copy checked, like a download.
got=
if [ -n "$keep" ] && [ -f "$keep/$archive" ] && cp "$keep/$archive" "$tmp/$archive" 2>/dev/null; then
	got=$(sha256 "$tmp/$archive")
	if [ "$got" = "$want" ]; then
		echo "using $keep/$archive: it matches checksums.txt" >&2
	else
		echo "note: $keep/$archive does not match checksums.txt; downloading it again" >&2
		got=
	fi
fi
if [ -z "$got" ]; then
	echo "downloading $shown/$archive" >&2
	fetch "$base/$archive" "$tmp/$archive" || fail "cannot download $shown/$archive"
	got=$(sha256 "$tmp/$archive")
fi
[ "$got" = "$want" ] || fail "checksum mismatch for $archive: checksums.txt says $want, the download has $got; nothing was installed"

tar -xzf "$tmp/$archive" -C "$tmp" kubeboot || fail "$archive does not hold kubeboot"
if [ -n "$keep" ]; then
	{ mkdir -p "$keep" && cp "$tmp/$archive" "$keep/.$archive.tmp.$$" && mv -f "$keep/.$archive.tmp.$$" "$keep/$archive"; } 2>/dev/null ||
		{ rm -f "$keep/.$archive.tmp.$$"; echo "note: could not keep $archive in $keep" >&2; }
fi
mkdir -p "$dir"
cp "$tmp/kubeboot" "$dir/.kubeboot.tmp.$$"
chmod 755 "$dir/.kubeboot.tmp.$$"
mv -f "$dir/.kubeboot.tmp.$$" "$dir/kubeboot"
echo "installed $dir/kubeboot (sha256 $got verified)" >&2
case :$PATH: in
*:"$dir":*) ;;
*) echo "note: $dir is not on your PATH; add it in your shell profile: export PATH=\"$dir:\$PATH\"" >&2 ;;
esac

rm -rf "$tmp"
if [ -n "$run" ]; then
	# Under `curl ... | sh` our stdin is the script itself: give setup the
	# terminal back so it can ask before changing anything.
	if [ ! -t 0 ] && (: </dev/tty) 2>/dev/null; then
		exec "$dir/kubeboot" "$run" "$@" </dev/tty
	fi
	exec "$dir/kubeboot" "$run" "$@"
fi
