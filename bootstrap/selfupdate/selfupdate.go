// Package selfupdate replaces the running kubeboot with a release published
// on GitHub or GitHub Enterprise: it finds the release through the REST API,
// downloads this platform's archive and checksums.txt, verifies the SHA-256,
// extracts the binary and renames it over the executable.
//
// Like the rest of bootstrap it never prints, exits or panics. Verification
// failures match bootstrap.ErrVerification (a wrong digest is a
// *bootstrap.ChecksumError), so callers treat them like a bad kubectl.
package selfupdate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	goversion "github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/ghrelease"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

const (
	// DefaultAPIURL is github.com's REST API root.
	DefaultAPIURL = "https://api.github.com/"
	// DefaultOwner is the owner of kubeboot's own repository.
	DefaultOwner = "kubeboot"
	// DefaultRepo is the name of kubeboot's own repository.
	DefaultRepo = "kubeboot"
	// ChecksumsName is the release asset listing every archive's SHA-256,
	// in sha256sum format.
	ChecksumsName = "checksums.txt"
	// BundleName is the Sigstore bundle of checksums.txt: the keyless
	// signature the release workflow makes, which Apply checks before it
	// trusts any digest in checksums.txt.
	BundleName = ChecksumsName + ".sigstore.json"
)

// Options configure an Updater. The zero value updates kubeboot from
// github.com for this platform.
type Options struct {
	// APIURL is the REST API root: DefaultAPIURL, or for GitHub Enterprise
	// Server https://HOST/api/v3/. Plain http is accepted only for loopback.
	APIURL string

	// Owner and Repo name the repository. Default kubeboot/kubeboot.
	Owner, Repo string

	// Token authenticates API requests (higher rate limit, private
	// repositories); callers usually pass $GITHUB_TOKEN. It is sent only
	// to the API host, checked on every request and every redirect hop,
	// never to download hosts, and never logged.
	Token string

	// HTTPClient sends every request. Default: bootstrap.NewHTTPClient().
	HTTPClient *http.Client

	// Retries, RetryBackoff and StallTimeout govern downloads as in
	// bootstrap.Options (defaults 4, 500ms, 30s).
	Retries      int
	RetryBackoff time.Duration
	StallTimeout time.Duration

	// UserAgent is sent with every request. Default "kubeboot".
	UserAgent string

	// Binary is the executable's name inside the archives (".exe" is added
	// on Windows) and the archives' name prefix. Default "kubeboot".
	Binary string

	// Platform selects the archive. Default bootstrap.HostPlatform().
	Platform bootstrap.Platform

	// Logf receives notes on what is fetched. Default: discard.
	Logf func(format string, args ...any)

	// TrustedRoot is the Sigstore trust root for the release signature.
	// Default: TrustedRootFunc's, else sigstore.PublicGood().
	TrustedRoot *sigstore.TrustedRoot

	// TrustedRootFunc, when TrustedRoot is nil, returns the trust root
	// when a release signature is checked: bootstrap.Client.SigstoreRoot,
	// so that the release is verified under the root kept current through
	// Sigstore's TUF repository, as kubectl is, and not only the one
	// built in. ctx is Apply's. An error (no root can be had, such as a
	// private TUF root whose repository cannot be reached) fails Apply.
	TrustedRootFunc func(ctx context.Context) (*sigstore.TrustedRoot, error)

	// Signer is who must have signed a release's checksums.txt. Default
	// sigstore.GitHubRelease(Owner/Repo, tag): the repository's
	// .github/workflows/release.yml on that tag, through GitHub Actions'
	// OIDC issuer.
	Signer func(tag string) sigstore.Policy
}

// Updater finds releases and applies them. It is safe for concurrent use.
type Updater struct {
	opts    Options
	api     *url.URL      // the REST API root, ending in "/"
	apiHTTP *http.Client  // the URL policy, plus the token for the API host only
	fetch   *fetch.Client // downloads: no token, other hosts
}

// New validates opts, fills in defaults and returns an Updater.
func New(opts Options) (*Updater, error) {
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	api, err := fetch.ParseRoot("GitHub API URL", opts.APIURL)
	if err != nil {
		return nil, err
	}
	if opts.Owner == "" {
		opts.Owner = DefaultOwner
	}
	if opts.Repo == "" {
		opts.Repo = DefaultRepo
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "kubeboot"
	}
	if opts.Binary == "" {
		opts.Binary = "kubeboot"
	}
	if opts.Platform == (bootstrap.Platform{}) {
		opts.Platform = bootstrap.HostPlatform()
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.TrustedRoot == nil && opts.TrustedRootFunc == nil {
		opts.TrustedRoot = sigstore.PublicGood()
	}
	if opts.Signer == nil {
		repo := opts.Owner + "/" + opts.Repo
		opts.Signer = func(tag string) sigstore.Policy { return sigstore.GitHubRelease(repo, tag) }
	}
	dl := fetch.New(fetch.Options{
		HTTPClient: opts.HTTPClient,
		Retries:    opts.Retries,
		Backoff:    opts.RetryBackoff,
		Stall:      opts.StallTimeout,
		UserAgent:  opts.UserAgent,
		Logf:       opts.Logf,
	})
	apiClient := *dl.HTTPClient() // the URL policy, plus the token for the API host only
	base := apiClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	apiClient.Transport = &tokenTransport{host: api.Host, token: opts.Token, base: base}
	return &Updater{opts: opts, api: api, apiHTTP: &apiClient, fetch: dl}, nil
}

// tokenTransport sends the token to one host and to no other, on every
// redirect hop: net/http's own stripping of credentials on a redirect to
// another host is kept, and nothing adds the token back.
type tokenTransport struct {
	host, token string
	base        http.RoundTripper
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	mine := t.token != "" && strings.EqualFold(req.URL.Host, t.host)
	if mine || req.Header.Get("Authorization") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
		if mine {
			req.Header.Set("Authorization", "Bearer "+t.token)
		}
	}
	return t.base.RoundTrip(req)
}

// Asset is one file attached to a release.
type Asset struct {
	Name string
	URL  string // browser_download_url
	Size int64
}

// Release is a published release and the files this platform needs.
type Release struct {
	Tag       string // "v1.2.3"
	Version   string // "1.2.3", as `kubeboot version` prints it
	URL       string // the release's web page
	Archive   Asset  // this platform's archive
	Checksums Asset  // checksums.txt
	Bundle    Asset  // checksums.txt.sigstore.json; Name "" when the release has none
}

// Find returns the latest release, or the one tagged version ("v1.2.3";
// a missing "v" is added) when version is neither empty nor "latest": an
// answer for another tag is refused (ErrTagMismatch), since a release's
// signature vouches for its own tag, not for the one asked. Errors match
// ErrNoRelease when there is no such release, ErrNoAsset when it has no
// archive for the platform, ErrRateLimited when GitHub refuses for now.
func (u *Updater) Find(ctx context.Context, version string) (*Release, error) {
	want := "latest"
	path := "releases/latest"
	if version == "" || version == "latest" {
		u.opts.Logf("looking up the latest release of %s/%s at %s", u.opts.Owner, u.opts.Repo, fetch.RedactURL(u.api))
	} else {
		want = "v" + strings.TrimPrefix(version, "v")
		path = "releases/tags/" + url.PathEscape(want)
		u.opts.Logf("looking up release %s of %s/%s at %s", want, u.opts.Owner, u.opts.Repo, fetch.RedactURL(u.api))
	}
	rel, err := u.getRelease(ctx, want, path)
	if err != nil {
		return nil, err
	}
	if want != "latest" && rel.TagName != want {
		return nil, &TagError{Repo: u.opts.Owner + "/" + u.opts.Repo, Want: want, Got: rel.TagName}
	}
	return u.pick(rel)
}

// getRelease reads repos/OWNER/REPO/path from the API: tag names the
// release asked for, in errors.
func (u *Updater) getRelease(ctx context.Context, tag, path string) (*ghrelease.Release, error) {
	ref := &url.URL{Path: "repos/" + url.PathEscape(u.opts.Owner) + "/" + url.PathEscape(u.opts.Repo) + "/" + path}
	endpoint := u.api.ResolveReference(ref)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", u.opts.UserAgent)
	resp, err := u.apiHTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("look up release %s of %s/%s: %w", tag, u.opts.Owner, u.opts.Repo, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, ghrelease.MaxBytes+1))
	if err == nil && len(body) > ghrelease.MaxBytes {
		err = fmt.Errorf("the answer is larger than %d bytes", ghrelease.MaxBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("look up release %s of %s/%s: %w", tag, u.opts.Owner, u.opts.Repo, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, u.apiError(tag, resp, body)
	}
	rel, err := ghrelease.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("look up release %s of %s/%s: %s did not answer with a release: %w", tag, u.opts.Owner, u.opts.Repo, fetch.RedactURL(u.api), err)
	}
	return rel, nil
}

// pick selects the platform's archive and checksums.txt among the assets.
func (u *Updater) pick(rel *ghrelease.Release) (*Release, error) {
	r := &Release{Tag: rel.TagName, URL: rel.HTMLURL}
	r.Version = strings.TrimPrefix(r.Tag, "v")
	names := ArchiveNames(u.opts.Binary, r.Version, u.opts.Platform)
	byName := make(map[string]Asset, len(rel.Assets))
	var have []string
	for _, a := range rel.Assets {
		byName[a.Name] = Asset{Name: a.Name, URL: a.URL, Size: a.Size}
		have = append(have, a.Name)
	}
	for _, n := range names {
		if a, ok := byName[n]; ok {
			r.Archive = a
			break
		}
	}
	r.Checksums = byName[ChecksumsName]
	r.Bundle = byName[BundleName]
	var missing []string
	if r.Archive.Name == "" {
		missing = append(missing, names[0])
	}
	if r.Checksums.Name == "" {
		missing = append(missing, ChecksumsName)
	}
	if missing != nil {
		return nil, &AssetError{Tag: r.Tag, Platform: u.opts.Platform, Missing: missing, Have: have}
	}
	return r, nil
}

// ArchiveNames lists, in order of preference, the archive names goreleaser
// gives this platform's build: the version-less name kubeboot publishes
// (so releases/latest/download/NAME is stable), then goreleaser's default
// with the version in it.
func ArchiveNames(binary, version string, p bootstrap.Platform) []string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return []string{
		binary + "_" + p.OS + "_" + p.Arch + ext,
		binary + "_" + version + "_" + p.OS + "_" + p.Arch + ext,
	}
}

// Newer reports whether rel is newer than the current version. A current
// version that is not a semantic version (a "dev" build) is always older.
func Newer(current string, rel *Release) bool {
	cur, err := goversion.NewSemver(strings.TrimPrefix(current, "v"))
	if err != nil {
		return true
	}
	next, err := goversion.NewSemver(rel.Version)
	if err != nil {
		return false
	}
	return next.GreaterThan(cur)
}

// apiError turns an API answer other than 200 into this package's
// errors: 404 is ErrNoRelease; 429, and 403 with the rate limit spent or
// a message about it, are ErrRateLimited.
func (u *Updater) apiError(tag string, resp *http.Response, body []byte) error {
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &msg)
	limited := resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode == http.StatusForbidden && (resp.Header.Get("X-RateLimit-Remaining") == "0" || strings.Contains(strings.ToLower(msg.Message), "rate limit"))
	switch {
	case limited:
		return fmt.Errorf("%w: GitHub answered %s: %s", ErrRateLimited, resp.Status, snippet(msg.Message))
	case resp.StatusCode == http.StatusNotFound:
		return &ReleaseError{Repo: u.opts.Owner + "/" + u.opts.Repo, Tag: tag}
	}
	return fmt.Errorf("look up release %s of %s/%s: %s answered %s: %s", tag, u.opts.Owner, u.opts.Repo, fetch.RedactURL(u.api), resp.Status, snippet(msg.Message))
}

// snippet bounds a server's message for an error, escaping anything
// unprintable so a hostile server cannot write to the terminal.
func snippet(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.QuoteToASCII(s)
}
