#!/usr/bin/env bash
# govulncheck against an offline vulnerability database (the public one is
# unreachable here): golang.org/x/vulndb from the module proxy, turned into
# a database by its cmd/gendb. Runs twice: with this machine's Go and with
# the release toolchain; only findings with the release toolchain fail.
# Tools and the database are cached under ~/.cache/kubeboot, keyed by version.
set -euo pipefail
cd "$(dirname "$0")/.."
govulncheck_version=v1.9.0
vulndb_version=v0.0.0-20261105234957-e22db6528018
release_go=$(sed -n 's/^ *- GOTOOLCHAIN=\(go[0-9.]*\)$/\1/p' .goreleaser.yml)
bin=${KUBEBOOT_TOOLS:-$HOME/.cache/kubeboot/bin}
db=$HOME/.cache/kubeboot/vulndb-$vulndb_version

# tool NAME PACKAGE@VERSION: install once into $bin/NAME-VERSION/.
tool() {
	local dir=$bin/$1-${2##*@}
	if [ ! -x "$dir/$1" ]; then
		echo "installing $2" >&2
		local tmp
		tmp=$(mktemp -d)
		(cd / && GOFLAGS=-p=1 GOBIN=$tmp GOTOOLCHAIN=local go install "$2")
		mkdir -p "$dir" && mv "$tmp/$1" "$dir/$1" && rm -rf "$tmp"
	fi
	echo "$dir/$1"
}
govulncheck=$(tool govulncheck golang.org/x/vuln/cmd/govulncheck@$govulncheck_version)

if [ ! -f "$db/index/db.json" ]; then
	gendb=$(tool gendb golang.org/x/vulndb/cmd/gendb@$vulndb_version)
	src=$(cd / && GOTOOLCHAIN=local go mod download -json golang.org/x/vulndb@$vulndb_version | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	# gendb reads a git repository: commit the reports into a throwaway one.
	mkdir -p "$work/repo/data" && cp -r "$src/data/osv" "$work/repo/data/" && chmod -R u+w "$work/repo"
	git -C "$work/repo" init -q
	git -C "$work/repo" add data
	git -C "$work/repo" -c user.name=vulndb -c user.email=vulndb@localhost commit -qm "golang.org/x/vulndb $vulndb_version"
	echo "building the vulnerability database in $db" >&2
	"$gendb" -repo "$work/repo" -out "$work/db"
	rm -rf "$db" && mkdir -p "$(dirname "$db")" && mv "$work/db" "$db"
fi

status=0
for toolchain in local "$release_go"; do
	echo "== govulncheck ./... with $(GOTOOLCHAIN=$toolchain go env GOVERSION) (database golang.org/x/vulndb $vulndb_version)"
	if GOTOOLCHAIN=$toolchain "$govulncheck" -db "file://$db" ./...; then
		echo "== no vulnerabilities reach kubeboot's code with $toolchain"
	elif [ "$toolchain" = local ]; then
		echo "== findings above are fixed by the release toolchain $release_go; not a failure"
	else
		status=1
	fi
done
exit $status
