# shellcheck shell=bash
# Sourced by the scripts/wine-*.sh scripts:
# where the Wine prefix lives and how Wine is called. Override the folder
# with KUBEBOOT_WINE_DIR.
KUBEBOOT_WINE_DIR=${KUBEBOOT_WINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeboot/wine}
export WINEPREFIX="$KUBEBOOT_WINE_DIR/prefix"
# Wine links the Windows user's Documents and Downloads to $HOME: give it a
# home of its own so that tests never write into the real one.
WINE_HOME="$KUBEBOOT_WINE_DIR/home"
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=} # no Mono/Gecko prompts
WINE64=${WINE64:-/usr/lib/wine/wine64}
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver64}
[ -x "$WINESERVER" ] || WINESERVER=/usr/lib/wine/wineserver
# wine_run runs a Windows program with the Wine home.
wine_run() { HOME="$WINE_HOME" DISPLAY='' "$WINE64" "$@"; }
