package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	goversion "github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap/selfupdate"
)

// notWritableError is a self-update that may not replace the executable,
// usually because a package manager or another user installed it.
type notWritableError struct {
	path string
	err  error
}

func (e *notWritableError) Error() string { return "cannot replace " + e.path + ": " + e.err.Error() }
func (e *notWritableError) Unwrap() error { return e.err }

// runSelfUpdate replaces this executable with the latest (or --version)
// release from GitHub. GITHUB_TOKEN, when set, authenticates the API
// calls; KUBEBOOT_GITHUB_API_URL points at GitHub Enterprise (or a test
// server) and KUBEBOOT_GITHUB_REPO at another owner/name.
func runSelfUpdate(ctx context.Context, a *app, args []string) error {
	c := findCommand("self-update")
	flags := newFlags("self-update")
	check := flags.Bool("check", false, "only report the installed and the latest version")
	want := flags.String("version", "", "install this release (vX.Y.Z) instead of the latest, even if older")
	verbose := flags.Bool("verbose", false, "print what is fetched")
	rootFile := flags.String("trusted-root", "", "a Sigstore trusted_root.json to check the release signature with\n(default $KUBEBOOT_SIGSTORE_TRUSTED_ROOT, else the embedded public-good root)")
	pos, err := a.parseFlags(c, flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("kubeboot self-update takes no arguments, only flags")
	}
	if *want != "" {
		if _, err := goversion.NewSemver(strings.TrimPrefix(*want, "v")); err != nil || strings.Count(*want, ".") < 2 {
			return usageErrorf("--version wants a release such as v1.2.3, not %q", *want)
		}
	}
	opts := selfupdate.Options{
		APIURL:    a.getenv("KUBEBOOT_GITHUB_API_URL"),
		Token:     a.getenv("GITHUB_TOKEN"),
		UserAgent: "kubeboot/" + version,
	}
	if repo := a.getenv("KUBEBOOT_GITHUB_REPO"); repo != "" {
		var ok bool
		if opts.Owner, opts.Repo, ok = strings.Cut(repo, "/"); !ok || opts.Owner == "" || opts.Repo == "" {
			return usageErrorf("KUBEBOOT_GITHUB_REPO wants owner/name, not %q", repo)
		}
	}
	if *verbose {
		opts.Logf = func(format string, args ...any) { fmt.Fprintf(a.stderr, "  "+format+"\n", args...) }
	}
	if opts.TrustedRoot, err = trustedRootFrom(*rootFile, a.getenv); err != nil {
		return err
	}
	u, err := selfupdate.New(opts)
	if err != nil {
		return err
	}
	rel, err := u.Find(ctx, *want)
	if err != nil {
		return err
	}
	current := strings.TrimPrefix(version, "v")
	if *check {
		if selfupdate.Newer(version, rel) {
			fmt.Fprintf(a.stdout, "kubeboot %s is installed; %s is available: run `kubeboot self-update`\n", current, rel.Tag)
		} else {
			fmt.Fprintf(a.stdout, "kubeboot %s is installed; the latest release is %s: up to date\n", current, rel.Tag)
		}
		return nil
	}
	if rel.Version == current || (*want == "" && !selfupdate.Newer(version, rel)) {
		fmt.Fprintf(a.stdout, "kubeboot %s is already installed (latest release %s)\n", current, rel.Tag)
		return nil
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return fmt.Errorf("find this executable: %w", err)
	}
	res, err := u.Apply(ctx, rel, exe)
	if errors.Is(err, fs.ErrPermission) {
		return &notWritableError{exe, err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "updated kubeboot %s to %s at %s (sha256 %s and the release signature verified)\n", current, res.Version, res.Path, res.SHA256)
	return nil
}

// selfUpdateHint is the next step for a failed self-update, or "".
func selfUpdateHint(err error) string {
	var nw *notWritableError
	switch {
	case errors.As(err, &nw):
		return "update kubeboot the way it was installed (brew upgrade, apt, dnf, scoop update), or run self-update as the user who owns " + filepath.Dir(nw.path)
	case errors.Is(err, selfupdate.ErrNoRelease):
		return "check the version against https://github.com/kubeboot/kubeboot/releases"
	case errors.Is(err, selfupdate.ErrNoAsset):
		return "this release has no build for your platform; use your package manager or pick another --version"
	case errors.Is(err, selfupdate.ErrRateLimited):
		return "GitHub limits anonymous API calls; set GITHUB_TOKEN to a token (it needs no scopes) and run again"
	case errors.Is(err, selfupdate.ErrNotSigned):
		return "nothing was replaced: kubeboot releases are signed by their release workflow, and this one's signature is missing or wrong; " +
			"report it at https://github.com/kubeboot/kubeboot/issues"
	case errors.Is(err, selfupdate.ErrNoChecksum):
		return "nothing was replaced: the release's checksums.txt does not vouch for the archive; report it at https://github.com/kubeboot/kubeboot/issues"
	}
	return ""
}
