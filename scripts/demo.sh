#!/usr/bin/env bash
# The demo: the getting-started page done by kubeboot, without internet.
# kubectl comes from a dl.k8s.io-shaped mirror on loopback HTTPS. When
# scripts/k8s-tools.sh has built the real Kubernetes binaries (make tools),
# the mirror serves the real kubectl and a real kube-apiserver answers the
# credentials check; otherwise a small kubectl stand-in is served and the
# kubeconfig steps use a sample cw-kubeconfig.
#
# Everything happens in a temporary HOME: your own kubeconfig and PATH are
# never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
wait_for() { for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "demo: $2 did not start" >&2; exit 1; }

go build -o "$work/kubeboot" ./installers/kubeboot
go build -o "$work/devmirror" ./internal/cmd/devmirror

# Build and look up everything before HOME moves (Go's caches live there).
tools=$(scripts/k8s-tools.sh --cached-only 2>/dev/null) || tools=
[ -z "$tools" ] || go build -o "$work/devcluster" ./internal/cmd/devcluster
go build -ldflags "-X main.gitVersion=v1.37.2" -o "$work/kubectl-standin" ./internal/cmd/kubectl-standin

export HOME="$work/home"
mkdir -p "$HOME/Downloads"
bin="$HOME/.local/bin"
export PATH="$bin:$PATH" # as a user who followed kubeboot's PATH advice

cluster=
if [ -n "$tools" ]; then
	served="$tools/kubectl"
	export KUBEBOOT_TEST_APISERVER="$tools/kube-apiserver" KUBEBOOT_TEST_ETCD="$tools/etcd" KUBEBOOT_TEST_KUBECTL="$tools/kubectl"
	"$work/devcluster" -kubeconfig "$HOME/Downloads/cw-kubeconfig" >"$work/cluster.ready" &
	pids+=($!)
	cluster=yes
	echo "serving the real kubectl; starting a real kube-apiserver on loopback"
else
	served="$work/kubectl-standin"
	cp bootstrap/kubeconfig/testdata/corpus/coreweave.yaml "$HOME/Downloads/cw-kubeconfig"
	echo "serving a small kubectl stand-in (run 'make tools' once to use the real kubectl and a real API server)"
fi

"$work/devmirror" -kubectl "$served" -version v1.37.2 -cert "$work/ca.pem" -trusted-root "$work/trusted_root.json" >"$work/url" &
pids+=($!)
wait_for "$work/url" "the mirror"
# The mirror signs kubectl as dl.k8s.io does, with a test Sigstore CA that
# only this trust root trusts (real installs use the embedded public one).
export SSL_CERT_FILE="$work/ca.pem" KUBEBOOT_MIRROR KUBEBOOT_SIGSTORE_TRUSTED_ROOT="$work/trusted_root.json"
KUBEBOOT_MIRROR=$(cat "$work/url")
echo "mirror: $KUBEBOOT_MIRROR (stable.txt says v1.37.2)"

step kubeboot install kubectl --dir "$bin"
"$work/kubeboot" install kubectl --dir "$bin"
step kubeboot install kubectl --dir "$bin" "  # again: nothing to download"
"$work/kubeboot" install kubectl --dir "$bin"
step kubectl version --client
kubectl version --client

if [ -n "$cluster" ]; then
	wait_for "$work/cluster.ready" "the API server"
	step kubeboot setup --yes --dir "$bin" "  # the whole page: kubectl, ~/Downloads/cw-kubeconfig, context, access"
	"$work/kubeboot" setup --yes --dir "$bin"
	step kubectl get secret
	kubectl get secret
	step kubeboot doctor
	"$work/kubeboot" doctor
else
	step kubeboot kubeconfig import --dry-run
	"$work/kubeboot" kubeconfig import --dry-run
	step kubeboot kubeconfig import
	"$work/kubeboot" kubeconfig import
	step kubeboot kubeconfig path
	"$work/kubeboot" kubeconfig path
fi

step kubeboot install kubectl --dir "$bin" --version 1.99 "  # a version the mirror lacks"
"$work/kubeboot" install kubectl --dir "$bin" --version 1.99 || echo "(exit code $?)"
