#!/usr/bin/env bash
# The demo: kubeboot installs kubectl end to end from a dl.k8s.io-shaped
# mirror on loopback HTTPS, into a temporary folder, without internet.
# It serves the real kubectl when scripts/k8s-tools.sh has built it, else a
# small stand-in executable that answers `kubectl version --client`.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
mirror_pid=
cleanup() {
	[ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

go build -o "$work/kubeboot" ./installers/kubeboot
go build -o "$work/devmirror" ./internal/cmd/devmirror
if tools=$(scripts/k8s-tools.sh --cached-only 2>/dev/null); then
	served="$tools/kubectl"
	echo "serving the real kubectl from $served"
else
	served="$work/kubectl-standin"
	go build -ldflags "-X main.gitVersion=v1.37.2" -o "$served" ./internal/cmd/kubectl-standin
	echo "serving a small kubectl stand-in (run 'make tools' once to serve the real one)"
fi

"$work/devmirror" -kubectl "$served" -version v1.37.2 -cert "$work/ca.pem" >"$work/url" &
mirror_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
export SSL_CERT_FILE="$work/ca.pem" KUBEBOOT_MIRROR
KUBEBOOT_MIRROR=$(cat "$work/url")
echo "mirror: $KUBEBOOT_MIRROR (stable.txt says v1.37.2)"

bin="$work/bin"
export PATH="$bin:$PATH" # as a user who followed the PATH advice
step kubeboot install kubectl --dir "$bin"
"$work/kubeboot" install kubectl --dir "$bin"
step kubeboot install kubectl --dir "$bin"   "# again: nothing to download"
"$work/kubeboot" install kubectl --dir "$bin"
step "$bin/kubectl" version --client
"$bin/kubectl" version --client
step kubeboot install kubectl --dir "$bin" --version 1.99   "# a version the mirror lacks"
"$work/kubeboot" install kubectl --dir "$bin" --version 1.99 || echo "(exit code $?)"
