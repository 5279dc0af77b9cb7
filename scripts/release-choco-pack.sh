#!/bin/sh
# Stand-in for `choco` on machines without Chocolatey (release-snapshot.sh
# puts it on PATH as `choco`). It skips `choco pack` and refuses anything
# else; goreleaser has already written dist/kubeboot.choco/ (nuspec and
# tools/chocolateyinstall.ps1), which release-check verifies.
if [ "$1" = pack ]; then
	echo "choco pack skipped (no Chocolatey on this machine): $2 was generated, not packed" >&2
	exit 0
fi
echo "choco stand-in: only 'pack' is supported, got: $*" >&2
exit 1
