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
set -eu

fail() { echo "install.sh: $*" >&2; exit 1; }

repo=https://github.com/kubeboot/kubeboot/releases
if [ -n "${KUBEBOOT_VERSION:-}" ]; then
	base=${KUBEBOOT_RELEASE_URL:-$repo/download/$KUBEBOOT_VERSION}
else
	base=${KUBEBOOT_RELEASE_URL:-$repo/latest/download}
fi
case $base in
https://* | http://127.0.0.1[:/]* | http://localhost[:/]*) ;;
*) fail "KUBEBOOT_RELEASE_URL must use https (plain http only to localhost): $base" ;;
esac
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

if command -v curl >/dev/null; then
	fetch() { curl -fsSL --proto '=https,http' --proto-redir '=https' -o "$2" "$1"; }
elif command -v wget >/dev/null; then
	fetch() { wget -q -O "$2" "$1"; }
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
echo "downloading $base/$archive" >&2
fetch "$base/checksums.txt" "$tmp/checksums.txt" || fail "cannot download $base/checksums.txt"
if command -v cosign >/dev/null; then
	bundle=$tmp/checksums.txt.sigstore.json
	fetch "$base/checksums.txt.sigstore.json" "$bundle" ||
		fail "cannot download $base/checksums.txt.sigstore.json (the signature of checksums.txt); nothing was installed"
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
fetch "$base/$archive" "$tmp/$archive" || fail "cannot download $base/$archive"

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
case $want in
"" | *[!0-9a-f]*) fail "checksums.txt has no sha256 line for $archive; nothing was installed" ;;
esac
[ ${#want} -eq 64 ] || fail "checksums.txt has a malformed sha256 for $archive; nothing was installed"
got=$(sha256 "$tmp/$archive")
[ "$got" = "$want" ] || fail "checksum mismatch for $archive: checksums.txt says $want, the download has $got; nothing was installed"

tar -xzf "$tmp/$archive" -C "$tmp" kubeboot || fail "$archive does not hold kubeboot"
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
