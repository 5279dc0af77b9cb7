#!/usr/bin/env bash
# go test -exec wrapper: runs a windows/amd64 test binary (or any Windows
# program) under Wine, in the prefix scripts/wine-setup.sh prepared:
#   GOOS=windows GOARCH=amd64 go test -exec "$PWD/scripts/wine-exec.sh" ./pkg
# The exit code is the program's.
set -euo pipefail
# shellcheck source=scripts/wine-env.sh
. "$(dirname "$(readlink -f "$0")")/wine-env.sh"
if [ ! -f "$KUBEBOOT_WINE_DIR/.ready" ]; then
	echo "wine-exec: run scripts/wine-setup.sh first" >&2
	exit 1
fi
wine_run "$@"
