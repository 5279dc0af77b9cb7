#!/usr/bin/env bash
# Prepares Wine to run Go windows/amd64 programs and test binaries, once:
#   - installs Debian's wine64 (Wine 8.0) and the MinGW-w64 C compiler when
#     missing (needs root or sudo; nothing else is downloaded);
#   - creates a Wine prefix under ~/.cache/kubeboot/wine (KUBEBOOT_WINE_DIR)
#     with a HOME of its own, so Wine never links into the real home;
#   - builds scripts/wine/bcryptprimitives.c (ProcessPrng, which Go >= 1.22
#     needs and Wine 8 lacks) and copies it into the prefix's system32.
# Idempotent and safe to run concurrently: a second run is a no-op (≈ 0 s).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wine-env.sh

need=()
[ -x "$WINE64" ] || need+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64-win32)
if [ ${#need[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "wine-setup: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Another apt run may hold the lock for a while: wait for it.
	$sudo apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need[@]}" >&2 ||
		{ $sudo apt-get update >&2 && $sudo apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need[@]}" >&2; }
fi

mkdir -p "$KUBEBOOT_WINE_DIR" "$WINE_HOME"
exec 9>"$KUBEBOOT_WINE_DIR/.lock"
flock 9

src=scripts/wine/bcryptprimitives.c
dll="$KUBEBOOT_WINE_DIR/bcryptprimitives.dll"
sys32="$WINEPREFIX/drive_c/windows/system32"
stamp="$KUBEBOOT_WINE_DIR/.ready"
sum=$(sha256sum "$src" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && cmp -s "$dll" "$sys32/bcryptprimitives.dll"; then
	exit 0
fi

if [ ! -f "$WINEPREFIX/system.reg" ]; then
	echo "wine-setup: creating the prefix $WINEPREFIX" >&2
	wine_run wineboot --init >/dev/null 2>&1
	"$WINESERVER" -w
fi
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$dll.tmp" "$src" -ladvapi32
mv "$dll.tmp" "$dll"
cp "$dll" "$sys32/bcryptprimitives.dll"
echo "$sum" >"$stamp"
echo "wine-setup: ready ($WINEPREFIX)" >&2
