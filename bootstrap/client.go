package bootstrap

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/pgp"
	"github.com/kubeboot/kubeboot/bootstrap/internal/tuf"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// DefaultBaseURL is where Kubernetes publishes kubectl and its markers.
const DefaultBaseURL = "https://dl.k8s.io"

// Options configure a Client. The zero value is ready to use.
type Options struct {
	// BaseURL is the mirror: a tree shaped like dl.k8s.io, with release/
	// markers and release/vX.Y.Z/bin/OS/ARCH/kubectl. Plain http is accepted
	// only for loopback hosts. Credentials in it (https://user:pass@host/)
	// are sent as Basic auth to that host and never appear in errors, logs
	// or results. Default DefaultBaseURL.
	BaseURL string

	// HTTPClient sends every request. Its redirect policy is wrapped so that
	// no redirect leads from https to http. Default: a client that honours
	// HTTPS_PROXY/NO_PROXY and has connect, TLS and header timeouts.
	HTTPClient *http.Client

	// Retries is how many times a request is retried after a connection
	// error, a stall or a 5xx answer, counted from the last progress.
	// Default 4; negative means never retry.
	Retries int

	// RetryBackoff is the first delay between attempts; it doubles each
	// time. Default 500ms.
	RetryBackoff time.Duration

	// StallTimeout aborts an attempt that receives no bytes for this long,
	// whether it reads a release marker, a digest or kubectl itself.
	// Default 30s.
	StallTimeout time.Duration

	// MaxDownloadBytes stops a download longer than this (kubectl is under
	// 100 MB; a server sending forever must not fill the disk). Default
	// 512 MiB.
	MaxDownloadBytes int64

	// Signature governs the check of kubectl's Sigstore signature; the
	// zero value verifies it against the Kubernetes release identity and
	// the embedded public-good trust root, and requires it from v1.26.
	Signature SignatureOptions

	// PackageManagers is the machine Install asks which package manager,
	// if any, owns a kubectl it would replace. Default pkgmgr.Host().
	PackageManagers pkgmgr.System

	// ConstraintMinors bounds how many minor versions a constraint search
	// reads. Default DefaultConstraintMinors.
	ConstraintMinors int

	// UserAgent is sent with every request. Default "kubeboot".
	UserAgent string

	// Logf receives notes on retries and decisions. Default: discard.
	Logf func(format string, args ...any)

	// CacheDir is where the client remembers the digests of the files it
	// installed, with their size and timestamps, so that an up-to-date
	// rerun need not rehash kubectl; the releases it verified, so that it
	// need not verify them again; and the newest version each channel of
	// each mirror answered, so that a channel never moves kubectl back;
	// and, for other tools, the digest of the program each verified
	// archive holds, so that a rerun need not download it again.
	// Default: the user cache folder's kubeboot subfolder. NoDigestCache
	// turns them all off.
	CacheDir      string
	NoDigestCache bool

	// Environment is where the default install folder is worked out from
	// (LOCALAPPDATA, the home folder). The zero value is this process's.
	Environment Environment

	// MirrorRoot, when set, serves every upstream file https://HOST/PATH
	// of the catalogue's other tools (InstallTool) as MirrorRoot/HOST/PATH,
	// the files_repo layout kubespray uses: release pages, markers,
	// checksums and the files themselves. kubectl keeps BaseURL. Plain
	// http only to loopback; credentials in it are redacted like BaseURL's.
	MirrorRoot string

	// GitHubAPIURL is GitHub's REST API root, read for the asset digests
	// of tools whose only evidence they are (virtctl): DefaultGitHubAPIURL,
	// or https://HOST/api/v3/ for GitHub Enterprise Server. When empty
	// and MirrorRoot is set, it is MirrorRoot/api.github.com/ (the
	// files_repo rule applied to https://api.github.com/PATH, which is
	// where mirrorsync puts the release answers it verified), and
	// GitHubToken is not sent: the mirror is not GitHub.
	GitHubAPIURL string

	// Keyrings are OpenPGP public keys (armored, or binary) by the name a
	// catalogue entry's PGP evidence gives its keyring ("helm": the keys
	// of helm's KEYS file). One given here replaces the keyring kubeboot
	// carries under that name (catalog.Keyring); InstallTool checks a PGP
	// signature only against its keyring.
	Keyrings map[string][]byte

	// GitHubToken, when set, authenticates requests to GitHubAPIURL's host
	// (a higher rate limit). It is sent to that host only, on every hop,
	// and never appears in errors, logs or results.
	GitHubToken string
}

// DefaultGitHubAPIURL is github.com's REST API root.
const DefaultGitHubAPIURL = "https://api.github.com/"

// Client resolves, downloads and installs kubectl. It is safe for
// concurrent use.
type Client struct {
	opts    Options
	baseURL string // with credentials, for requests
	shown   string // redacted, for messages and results
	fetch   *fetch.Client
	// quietFetch is fetch without a line per retry.
	quietFetch *fetch.Client
	digests    *digestCache
	// channels remembers, per redacted mirror URL and spec, the newest
	// version a marker or constraint resolved to and was installed.
	channels memo[string]
	// verified remembers the releases whose digest (and signature) were
	// verified, per redacted mirror URL, version and platform.
	verified memo[verifiedRelease]
	// root is the Sigstore trust root in use once known (sigstoreRoot);
	// rootFresh says it need not be refreshed in this run.
	rootMu    sync.Mutex
	root      *sigstore.TrustedRoot
	rootFresh bool
	// rootNote says why root was not refreshed when a refresh failed in
	// this run (SignatureResult.TrustRoot); "" otherwise.
	rootNote string
	// installDirs returns the preferred default install folder and the
	// per-user one; tests replace it.
	installDirs func() (preferred, user string, err error)
	// programs remembers, per verified archive digest and member, the
	// digest of the program extracted from it, so that a rerun finds a
	// tool up to date without downloading the archive again.
	programs memo[string]
	// installed remembers, per program digest, which tool and version
	// InstallTool installed verified, and against what (VerifiedProgram).
	installed memo[VerifiedProgram]
	// mirrorRoot is Options.MirrorRoot without a trailing slash, with
	// credentials; githubAPI the API root with a trailing slash.
	mirrorRoot string
	githubAPI  *url.URL
	keyrings   map[string]func() (*pgp.Keyring, error)
}

// New validates opts, fills in defaults and returns a Client.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	base, err := ParseMirror(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.ConstraintMinors <= 0 {
		opts.ConstraintMinors = DefaultConstraintMinors
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "kubeboot"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Signature.Mode, err = ParseSignatureMode(string(opts.Signature.Mode)); err != nil {
		return nil, err
	}
	var root string
	if opts.MirrorRoot != "" {
		if root, err = ParseMirror(opts.MirrorRoot); err != nil {
			return nil, err
		}
	}
	token := opts.GitHubToken
	switch {
	case opts.GitHubAPIURL != "":
	case root != "":
		opts.GitHubAPIURL = catalog.Mirrored(root, DefaultGitHubAPIURL)
		token = ""
	default:
		opts.GitHubAPIURL = DefaultGitHubAPIURL
	}
	api, err := fetch.ParseRoot("GitHub API URL", opts.GitHubAPIURL)
	if err != nil {
		return nil, err
	}
	// The keyrings kubeboot carries are read when first used (checking
	// their self-signatures takes milliseconds); the caller's now, so
	// that a bad one is an invalid option.
	keyrings := map[string]func() (*pgp.Keyring, error){}
	for _, t := range catalog.All() {
		for _, e := range t.Evidence {
			if text := catalog.Keyring(e.Keyring); e.Kind == catalog.PGP && text != nil {
				keyrings[e.Keyring] = sync.OnceValues(func() (*pgp.Keyring, error) { return pgp.ParseKeyring(text) })
			}
		}
	}
	for name, text := range opts.Keyrings {
		kr, err := pgp.ParseKeyring(text)
		if err != nil {
			return nil, fmt.Errorf("%w: keyring %q: %v", ErrInvalidOption, name, err)
		}
		keyrings[name] = func() (*pgp.Keyring, error) { return kr, nil }
	}
	if opts.Signature.Transparency, err = ParseTransparencyMode(string(opts.Signature.Transparency)); err != nil {
		return nil, err
	}
	if opts.Signature.Transparency == TransparencyRequire && opts.Signature.Mode == SignatureOff {
		return nil, fmt.Errorf("%w: a transparency log entry is required, but signatures are not checked: the entry vouches for a signature", ErrInvalidOption)
	}
	if opts.Signature.RekorURL != "" {
		u, err := fetch.ParseURL("Rekor URL", opts.Signature.RekorURL)
		if err != nil {
			return nil, err
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("%w: Rekor URL %q must not have a query or fragment", ErrInvalidOption, fetch.RedactURL(u))
		}
		opts.Signature.RekorURL = strings.TrimRight(u.String(), "/")
	}
	if u := opts.Signature.TUFURL; u != "" && u != "off" {
		pu, err := fetch.ParseURL("Sigstore TUF repository URL", u)
		if err != nil {
			return nil, err
		}
		// File names are appended to it: a query would be lost or, kept
		// in the cache's name, written down.
		if pu.RawQuery != "" || pu.Fragment != "" {
			return nil, fmt.Errorf("%w: Sigstore TUF repository URL %q must not have a query or fragment", ErrInvalidOption, fetch.RedactURL(pu))
		}
	}
	if opts.Signature.TUFURL == "off" && opts.Signature.TUFRoot != nil {
		return nil, fmt.Errorf("%w: a TUF root.json to start from is given, but the TUF repository is off: give its URL, or a trusted root", ErrInvalidOption)
	}
	if r := opts.Signature.TUFRoot; r != nil {
		if _, err := tuf.ParseRoot(r); err != nil {
			return nil, fmt.Errorf("%w: the TUF root.json to start from: %v", ErrInvalidOption, err)
		}
	}
	var cache string // "" when the caches are off
	if !opts.NoDigestCache {
		if opts.CacheDir == "" {
			if dir, err := os.UserCacheDir(); err == nil {
				opts.CacheDir = filepath.Join(dir, "kubeboot")
			}
		}
		cache = opts.CacheDir
	}
	in := func(name string) string {
		if cache == "" {
			return ""
		}
		return filepath.Join(cache, name)
	}
	c := &Client{
		opts:        opts,
		baseURL:     base,
		shown:       fetch.Redact(base),
		digests:     &digestCache{memo[cacheEntry]{path: in("installed-digests.json")}},
		channels:    memo[string]{path: in("channels.json")},
		verified:    memo[verifiedRelease]{path: in("verified-releases.json")},
		programs:    memo[string]{path: in("tool-programs.json")},
		installed:   memo[VerifiedProgram]{path: in("tool-installs.json")},
		installDirs: opts.Environment.installDirs,
		mirrorRoot:  root,
		keyrings:    keyrings,
		githubAPI:   api,
	}
	fo := fetch.Options{
		Header:     githubToken(api, token),
		HTTPClient: opts.HTTPClient,
		Retries:    opts.Retries,
		Backoff:    opts.RetryBackoff,
		Stall:      opts.StallTimeout,
		MaxBytes:   opts.MaxDownloadBytes,
		UserAgent:  opts.UserAgent,
		Logf:       opts.Logf,
	}
	c.fetch = fetch.New(fo)
	// The trust root's refresh retries without a line per retry: its one
	// failure is said once (sigstoreRoot).
	fo.Logf = nil
	c.quietFetch = fetch.New(fo)
	return c, nil
}

// githubToken returns the fetch header hook that sends token to the API
// host only; nil without a token.
func githubToken(api *url.URL, token string) func(*url.URL) http.Header {
	if token == "" {
		return nil
	}
	return func(u *url.URL) http.Header {
		if !strings.EqualFold(u.Scheme, api.Scheme) || !strings.EqualFold(u.Host, api.Host) {
			return nil
		}
		return http.Header{"Authorization": {"Bearer " + token}}
	}
}

// BaseURL returns the mirror the client reads, without a trailing slash
// and with any credentials redacted.
func (c *Client) BaseURL() string { return c.shown }

// SignatureRequired reports whether this client requires a valid
// signature for kubectl tag when chosenBy chose it ("" when the user named
// it): SignatureRequired under the client's mode. Code that reuses a
// kubectl verified earlier (a store) asks it before trusting one whose
// signature was not verified.
func (c *Client) SignatureRequired(tag, chosenBy string) bool {
	return SignatureRequired(c.opts.Signature.Mode, tag, chosenBy)
}

// TransparencyRequired reports whether this client requires a verified
// transparency log entry for every kubectl (TransparencyRequire). Code
// that reuses a kubectl verified earlier (a store) asks it before trusting
// one recorded without such an entry.
func (c *Client) TransparencyRequired() bool {
	return c.opts.Signature.Transparency == TransparencyRequire
}

// ParseMirror checks a mirror URL and returns it without a trailing slash.
// Errors match ErrInsecureURL for plain http to a non-loopback host; they
// never repeat credentials the URL holds.
func ParseMirror(raw string) (string, error) {
	u, err := fetch.ParseURL("mirror URL", raw)
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("mirror URL %q must not have a query or fragment", fetch.RedactURL(u))
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// NewHTTPClient returns the HTTP client the package uses by default: it
// honours HTTPS_PROXY/NO_PROXY and bounds connecting, the TLS handshake and
// waiting for headers, but not the body, which the stall timeout bounds.
func NewHTTPClient() *http.Client { return fetch.NewHTTPClient() }
