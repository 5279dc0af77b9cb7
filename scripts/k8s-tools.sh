#!/usr/bin/env bash
# Builds the real Kubernetes parts the tests use (kubectl, kube-apiserver,
# etcd) from the module proxy, once, and prints the folder that holds them.
#
# The binaries are cached under ${KUBEBOOT_TOOLS_CACHE:-$XDG_CACHE_HOME/kubeboot/k8s-tools}/<key>,
# where <key> hashes tools/k8s/go.mod, go.sum, the etcd wrapper and the Go
# version: a cold build takes about 11 minutes on 2 cores, a warm run is instant.
#
# --cached-only: print the folder if the binaries are there, else exit 1.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mod="$top/tools/k8s"
k8s_version=$(awk '$1=="k8s.io/kubernetes" {print $2; exit}' "$mod/go.mod")
[ -n "$k8s_version" ] || k8s_version=$(grep -o 'k8s.io/kubernetes v[0-9.]*' "$mod/go.mod" | head -1 | awk '{print $2}')

key=$( (cat "$mod/go.mod" "$mod/go.sum" "$mod/etcd/main.go"; go version) | sha256sum | cut -c1-16)
cache=${KUBEBOOT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeboot/k8s-tools}
out="$cache/$key"

if [ -x "$out/kubectl" ] && [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ]; then
	echo "$out"
	exit 0
fi

if [ "${1:-}" = --cached-only ]; then
	exit 1
fi

echo "building kubectl, kube-apiserver and etcd $k8s_version into $out (about 11 minutes cold)" >&2
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$(echo "${k8s_version#v}" | cut -d. -f1)"
ldflags="$ldflags -X $pkg.gitMinor=$(echo "$k8s_version" | cut -d. -f2) -X $pkg.gitTreeState=clean"
ldflags="$ldflags -X $pkg.buildDate=1970-01-01T00:00:00Z"
(
	cd "$mod"
	CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
		k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kube-apiserver ./etcd
)
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "$out"
