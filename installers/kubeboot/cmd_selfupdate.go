package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	goversion "github.com/hashicorp/go-version"
	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
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

// SelfUpdateOptions are the flags of `kubeboot self-update`.
type SelfUpdateOptions struct {
	app     *app
	Check   bool
	Version string
	Verbose bool
	// TrustedRoot is a Sigstore trusted_root.json for the release
	// signature; "" means $KUBEBOOT_SIGSTORE_TRUSTED_ROOT, else the
	// public-good root kept current through TUF, as install keeps it.
	TrustedRoot string
}

// NewCmdSelfUpdate is `kubeboot self-update`: it replaces this executable
// with the latest (or --version) release from GitHub. GITHUB_TOKEN, when
// set, authenticates the API calls; KUBEBOOT_GITHUB_API_URL points at
// GitHub Enterprise (or a test server) and KUBEBOOT_GITHUB_REPO at another
// owner/name.
func NewCmdSelfUpdate(a *app) *cobra.Command {
	o := &SelfUpdateOptions{app: a}
	cmd := &cobra.Command{
		Use:   "self-update",
		Short: "replace kubeboot with its latest verified release",
		Long: "Download the latest kubeboot release (or --version) from GitHub, check it against the release's\n" +
			"checksums.txt, and replace this executable. GITHUB_TOKEN, when set, authenticates the API calls.",
		Example: "  kubeboot self-update --check\n  kubeboot self-update\n  kubeboot self-update --version v1.2.3",
		Args:    noArgs(", only flags"),
		RunE:    func(cmd *cobra.Command, _ []string) error { return selfUpdateRun(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.Check, "check", false, "only report the installed and the latest version")
	f.StringVar(&o.Version, "version", "", "install this release (vX.Y.Z) instead of the latest, even if older")
	f.BoolVar(&o.Verbose, "verbose", false, "print what is fetched")
	f.Var(pathFlag(a.host, &o.TrustedRoot), "trusted-root", "a Sigstore trusted_root.json to check the release signature with\n(default $KUBEBOOT_SIGSTORE_TRUSTED_ROOT, else the public-good root kept current through its TUF repository)")
	return cmd
}

func selfUpdateRun(ctx context.Context, o *SelfUpdateOptions) error {
	a, h := o.app, o.app.host
	want := o.Version
	if want != "" {
		if _, err := goversion.NewSemver(strings.TrimPrefix(want, "v")); err != nil || strings.Count(want, ".") < 2 {
			return usageErrorf("--version wants a release such as v1.2.3, not %q", want)
		}
	}
	opts := selfupdate.Options{
		APIURL:     h.Getenv("KUBEBOOT_GITHUB_API_URL"),
		Token:      h.Getenv("GITHUB_TOKEN"),
		UserAgent:  "kubeboot/" + version,
		HTTPClient: h.HTTPClient,
	}
	if repo := h.Getenv("KUBEBOOT_GITHUB_REPO"); repo != "" {
		var ok bool
		if opts.Owner, opts.Repo, ok = strings.Cut(repo, "/"); !ok || opts.Owner == "" || opts.Repo == "" {
			return usageErrorf("KUBEBOOT_GITHUB_REPO wants owner/name, not %q", repo)
		}
	}
	if o.Verbose {
		opts.Logf = a.logf
	}
	var err error
	if opts.TrustedRoot, err = trustedRootFrom(o.TrustedRoot, h.Getenv); err != nil {
		return err
	}
	if opts.TrustedRoot == nil {
		// The root kept current through Sigstore's TUF repository, by the
		// refresh install uses (and its cache).
		roots := bootstrap.Options{UserAgent: opts.UserAgent, HTTPClient: h.HTTPClient, CacheDir: h.CacheDir, NoDigestCache: h.CacheDir == "", Logf: opts.Logf}
		if err := tufFrom(&roots.Signature, h.Getenv); err != nil {
			return err
		}
		c, err := bootstrap.New(roots)
		if err != nil {
			return err
		}
		opts.TrustedRootFunc = c.SigstoreRoot
	}
	u, err := selfupdate.New(opts)
	if err != nil {
		return err
	}
	rel, err := u.Find(ctx, want)
	if err != nil {
		return err
	}
	current := strings.TrimPrefix(version, "v")
	if o.Check {
		if selfupdate.Newer(version, rel) {
			fmt.Fprintf(h.Stdout, "kubeboot %s is installed; %s is available: run `kubeboot self-update`\n", current, rel.Tag)
		} else {
			fmt.Fprintf(h.Stdout, "kubeboot %s is installed; the latest release is %s: up to date\n", current, rel.Tag)
		}
		return nil
	}
	if rel.Version == current || (want == "" && !selfupdate.Newer(version, rel)) {
		fmt.Fprintf(h.Stdout, "kubeboot %s is already installed (latest release %s)\n", current, rel.Tag)
		return nil
	}
	exe, err := h.Executable()
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
	fmt.Fprintf(h.Stdout, "updated kubeboot %s to %s at %s (sha256 %s and the release signature verified)\n", current, res.Version, res.Path, res.SHA256)
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
	case errors.Is(err, selfupdate.ErrTagMismatch):
		return "nothing was replaced: the GitHub API (or a proxy before it) answered with another release than the one named; " +
			"check KUBEBOOT_GITHUB_API_URL and any proxy, and run again"
	case errors.Is(err, selfupdate.ErrNoChecksum):
		return "nothing was replaced: the release's checksums.txt does not vouch for the archive; report it at https://github.com/kubeboot/kubeboot/issues"
	}
	return ""
}
