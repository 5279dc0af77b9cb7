#!/usr/bin/env bash
# Builds every release artifact into dist/ with goreleaser and publishes
# nothing. Without a real choco (Linux), a stand-in skips only `choco pack`;
# the nuspec and install script are still generated, and release-check
# verifies them. Signing is skipped: keyless cosign needs the GitHub OIDC
# token of .github/workflows/release.yml. RELEASE_PARALLELISM (default 1)
# bounds parallel builds.
set -euo pipefail
cd "$(dirname "$0")/.."
goreleaser=${GORELEASER:?set GORELEASER, or run make release-snapshot}
if ! command -v choco >/dev/null; then
	shim=$(mktemp -d)
	trap 'rm -rf "$shim"' EXIT
	ln -s "$PWD/scripts/release-choco-pack.sh" "$shim/choco"
	PATH="$shim:$PATH"
fi
"$goreleaser" release --snapshot --clean --skip=publish,sign --parallelism "${RELEASE_PARALLELISM:-1}"
