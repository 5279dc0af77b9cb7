#!/usr/bin/env bash
# Checks a release end to end without publishing: goreleaser check,
# actionlint over .github/workflows, a snapshot build into dist/, then
# internal/releasetest/releasecheck (size budget table, checksums.txt, Homebrew cask with ruby -c, Scoop manifest,
# Chocolatey nuspec, .deb and .rpm installed into throwaway roots), the
# install scripts with shellcheck and a PowerShell grammar, and the
# install.sh tests. RELEASE_CHECK_REUSE=1 skips the build if dist/ exists.
set -euo pipefail
cd "$(dirname "$0")/.."
goreleaser=${GORELEASER:?set GORELEASER, or run make release-check}
actionlint=${ACTIONLINT:?set ACTIONLINT, or run make release-check}

missing=()
for tool in ruby dpkg rpm shellcheck; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "release-check needs: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
	exit 1
fi

"$goreleaser" check
# actionlint runs shellcheck on the workflows' run: scripts too.
"$actionlint" && echo "ok   actionlint: .github/workflows"
if [ -z "${RELEASE_CHECK_REUSE:-}" ] || [ ! -f dist/artifacts.json ]; then
	scripts/release-snapshot.sh
fi
status=0
go run ./internal/releasetest/releasecheck -dist dist -budget "${RELEASE_SIZE_BUDGET:?set by the Makefile (SIZE_BUDGET)}" || status=1

shellcheck scripts/install.sh scripts/release-*.sh scripts/vuln.sh && echo "ok   shellcheck: install.sh and release scripts" || status=1

# PowerShell cannot run here: parse the scripts with the tree-sitter grammar
# from npm (cached), when node is present.
if command -v node >/dev/null && command -v npm >/dev/null; then
	ps1=$HOME/.cache/kubeboot/npm-ps1check
	if [ ! -d "$ps1/node_modules/tree-sitter-powershell" ]; then
		mkdir -p "$ps1" && npm install --prefix "$ps1" --no-audit --no-fund --ignore-scripts --silent \
			web-tree-sitter@0.27.2 tree-sitter-powershell@0.26.4
	fi
	NODE_PATH=$ps1/node_modules node internal/releasetest/ps1check/check.mjs \
		scripts/install.ps1 dist/kubeboot.choco/tools/chocolateyinstall.ps1 || status=1
else
	echo "skip PowerShell syntax check: no node/npm"
fi

go test -p 1 -count=1 ./internal/releasetest/ || status=1
exit $status
