# Release engineering (included by the Makefile): goreleaser snapshot builds
# and their checks, and govulncheck against an offline database. The tools
# are installed once into a cache keyed by version, never into go.mod.
KUBEBOOT_TOOLS ?= $(HOME)/.cache/kubeboot/bin
GORELEASER_VERSION ?= v2.15.1
GORELEASER ?= $(KUBEBOOT_TOOLS)/goreleaser-$(GORELEASER_VERSION)/goreleaser
export GORELEASER
ACTIONLINT_VERSION ?= v1.7.12
ACTIONLINT ?= $(KUBEBOOT_TOOLS)/actionlint-$(ACTIONLINT_VERSION)/actionlint
export ACTIONLINT

.PHONY: goreleaser actionlint release-snapshot release-check vuln

## goreleaser: install goreleaser (about 5 minutes and 1.5 GiB once; cached)
goreleaser: $(GORELEASER)
$(GORELEASER):
	@echo "installing goreleaser $(GORELEASER_VERSION) into $(@D) (about 5 minutes, once)"
	@tmp=$$(mktemp -d) && cd / && \
	GOFLAGS=-p=1 GOBIN=$$tmp GOTOOLCHAIN=local $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION) && \
	mkdir -p $(@D) && mv $$tmp/goreleaser $@ && rm -rf $$tmp

## actionlint: install rhysd/actionlint, the GitHub workflow linter (cached)
actionlint: $(ACTIONLINT)
$(ACTIONLINT):
	@echo "installing actionlint $(ACTIONLINT_VERSION) into $(@D) (once)"
	@tmp=$$(mktemp -d) && cd / && \
	GOBIN=$$tmp GOTOOLCHAIN=local $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) && \
	mkdir -p $(@D) && mv $$tmp/actionlint $@ && rm -rf $$tmp

## release-snapshot: every release artifact into dist/, nothing published
release-snapshot: $(GORELEASER)
	scripts/release-snapshot.sh

## release-check: goreleaser check, actionlint, a snapshot build, and checks
## of all it made
release-check: $(GORELEASER) $(ACTIONLINT)
	scripts/release-check.sh

## vuln: govulncheck with go1.26.8 and the release toolchain, offline database
vuln:
	scripts/vuln.sh
