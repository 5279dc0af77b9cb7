# Windows tests that really run Windows binaries, under Wine on Linux.
# Needs Debian's wine64 and gcc-mingw-w64-x86-64-win32, which
# scripts/wine-setup.sh installs when missing (root or sudo), and a Wine
# prefix it creates once under ~/.cache/kubeboot/wine.

.PHONY: wine-setup test-windows test-windows-pending

WINE_EXEC := $(CURDIR)/scripts/wine-exec.sh
WINE_GO   := GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO)

# Packages with Windows logic whose tests pass under Wine. Their tests use
# testutil.TempDir, not t.TempDir, whose cleanup (os.RemoveAll) fails there,
# and make links with testutil.Symlink, which skips a case that needs one
# there (Wine 8 makes no link and shows none).
WINE_PKGS ?= ./bootstrap/winpath ./bootstrap/pkgmgr ./internal/testutil \
	./bootstrap/internal/atomicfile ./bootstrap/internal/filelock ./bootstrap/kubeconfig \
	./bootstrap/verify ./bootstrap/selfupdate ./bootstrap/internal/ospath \
	./bootstrap/internal/exeinstall ./bootstrap/internal/fetch \
	./bootstrap/internal/fileid ./bootstrap/store ./bootstrap/internal/removeall \
	./bootstrap/internal/archive ./bootstrap/uninstall ./bootstrap/shellalias
# The bootstrap package's tests (InstallTool's windows/amd64 zips and
# .exe: TestInstallTool*) join once its TestMain can take prebuilt
# kubectl stand-ins from $$KUBEBOOT_TEST_STANDINS (a test binary under Wine
# cannot run `go build`).
ifneq ($(shell grep -l KUBEBOOT_TEST_STANDINS bootstrap/main_test.go 2>/dev/null),)
WINE_PKGS += ./bootstrap
endif
WINE_STANDINS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kubeboot/wine/standins

# Packages with Windows logic whose tests do not pass under Wine yet.
WINE_PKGS_PENDING ?=

wine-setup:
	scripts/wine-setup.sh

## test-windows: the Windows tests and an end-to-end install under Wine
test-windows: wine-setup
	mkdir -p $(WINE_STANDINS)
	for v in v1.37.2 v1.36.4 v1.35.6; do \
	  $(WINE_GO) build -trimpath -ldflags "-s -w -X main.gitVersion=$$v" \
	    -o $(WINE_STANDINS)/kubectl-$$v.exe ./internal/cmd/kubectl-standin || exit 1; done
	KUBEBOOT_TEST_STANDINS='Z:$(WINE_STANDINS)' \
	  $(WINE_GO) test -p 1 -count=1 -exec $(WINE_EXEC) $(WINE_PKGS)
	KUBEBOOT_TEST_STANDINS='Z:$(WINE_STANDINS)' \
	  $(WINE_GO) test -count=1 -exec $(WINE_EXEC) -run 'OnWindows$$' ./installers/kubeboot
	scripts/wine-e2e.sh

## test-windows-pending: what test-windows leaves out, for information
test-windows-pending: wine-setup
	$(if $(strip $(WINE_PKGS_PENDING)),-$(WINE_GO) test -p 1 -count=1 -exec $(WINE_EXEC) $(WINE_PKGS_PENDING),@echo "test-windows-pending: none pending")
