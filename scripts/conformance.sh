#!/usr/bin/env bash
# Runs sigstore-conformance's bundle-verify cases through `kubeboot
# verify-blob`, each twice (the artifact file, then --digest sha256:HEX),
# and prints one line per wrong verdict and the pass count. A case passes
# when both runs give its verdict (exit 0 for a valid bundle, 3 for one
# ending in _fail).
#
#   scripts/conformance.sh [KUBEBOOT_BINARY] [CASES_DIR]
#
# Defaults: a fresh build of ./installers/kubeboot, and
# ../shared/fixtures/sigstore-conformance/bundle-verify. `make test` runs
# the same cases in Go (TestSigstoreConformance in installers/kubeboot).
set -uo pipefail
cd "$(dirname "$0")/.."

kb=${1:-}
cases=${2:-../shared/fixtures/sigstore-conformance/bundle-verify}
if [ ! -d "$cases" ]; then
	echo "conformance: no cases at $cases" >&2
	exit 2
fi
if [ -z "$kb" ]; then
	kb=$(mktemp -d)/kubeboot
	go build -o "$kb" ./installers/kubeboot || exit 2
fi

identity=https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
issuer=https://token.actions.githubusercontent.com
pass=0 total=0
for d in "$cases"/*/; do
	d=${d%/}
	name=$(basename "$d")
	[ -f "$d/bundle.sigstore.json" ] || continue
	total=$((total + 1))
	want=0
	case $name in *_fail) want=3 ;; esac
	artifact=$cases/a.txt
	[ -f "$d/artifact" ] && artifact=$d/artifact
	args=(--bundle "$d/bundle.sigstore.json")
	if [ -f "$d/key.pub" ]; then
		args+=(--key "$d/key.pub")
	else
		id=$identity iss=$issuer
		[ -f "$d/identity" ] && id=$(cat "$d/identity")
		[ -f "$d/issuer" ] && iss=$(cat "$d/issuer")
		args+=(--certificate-identity "$id" --certificate-oidc-issuer "$iss")
	fi
	# The suite's default root is the public-good one: the embedded root.
	if [ -f "$d/trusted_root.json" ]; then
		args+=(--trusted-root "$d/trusted_root.json")
	else
		args+=(--trusted-root "")
	fi
	ok=1
	for input in file digest; do
		if [ $input = file ]; then
			out=$(KUBEBOOT_SIGSTORE_TRUSTED_ROOT= "$kb" verify-blob "$artifact" "${args[@]}" 2>&1)
		else
			out=$(KUBEBOOT_SIGSTORE_TRUSTED_ROOT= "$kb" verify-blob --digest "sha256:$(sha256sum <"$artifact" | cut -d' ' -f1)" "${args[@]}" 2>&1)
		fi
		code=$?
		if [ $code != $want ]; then
			ok=0
			echo "WRONG $name ($input): exit $code, want $want: $(head -c 300 <<<"$out" | tr '\n' ' ')"
		fi
	done
	pass=$((pass + ok))
done
echo "conformance: $pass/$total cases pass (each with the file and with --digest)"
[ $pass = $total ]
