// Package catalog describes, as data, the tools kubeboot installs: for
// each, how its versions are found, where each platform's file is, which
// member of an archive is the program, and what evidence verifies the
// file. One file per tool holds its entry.
//
// Invariants:
//   - Every URL an entry names is upstream's (https://HOST/PATH); a mirror
//     serves the same file as ROOT/HOST/PATH (Mirrored).
//   - Every entry that kubeboot downloads names at least one piece of
//     evidence, and only evidence kubeboot checks: a tool is never
//     described as verified by something nobody verifies. A PGP
//     signature is checked against its keyring (Evidence.Keyring): the
//     keys the catalogue carries (Keyring), or the caller's instead.
//   - Nothing here reads the network, the disk or the environment: the
//     functions turn an entry, a version and a platform into URLs and
//     names, so every OS/arch is table-tested on any machine.
package catalog

import (
	"fmt"
	"maps"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// VersionKind says how a tool's versions are found.
type VersionKind string

const (
	// VersionMarker is a small file holding one version ("v1.2.3"), as
	// dl.k8s.io's stable.txt or get.helm.sh's helm-latest-version.
	VersionMarker VersionKind = "marker"
	// VersionReleaseRedirect is GitHub's https://github.com/O/R/releases/latest,
	// which redirects to .../releases/tag/vX.Y.Z: no API call, so no rate
	// limit.
	VersionReleaseRedirect VersionKind = "release-redirect"
)

// Versions says how a tool's versions are found.
type Versions struct {
	Kind VersionKind `json:"kind"`
	// URL is the marker, or the releases/latest page.
	URL string `json:"url"`
	// Lines are other markers by name ("3" for helm's v3 line), for a
	// version spec that names one.
	Lines map[string]string `json:"lines,omitempty"`
	// CacheBust asks for a marker with a query that changes every time:
	// its CDN serves stale copies otherwise.
	CacheBust bool `json:"cacheBust,omitempty"`
}

// ArchiveKind is how a published file holds the program.
type ArchiveKind string

const (
	Raw   ArchiveKind = "raw" // the file is the program
	TarGz ArchiveKind = "tar.gz"
	Zip   ArchiveKind = "zip"
)

// EvidenceKind is a kind of proof that a file is the one its publisher
// released.
type EvidenceKind string

const (
	// SHA256File is a file beside the download holding its SHA-256: the
	// bare hex digest, or "DIGEST  NAME" as sha256sum writes it.
	SHA256File EvidenceKind = "sha256-file"
	// ChecksumList is one file of the release listing every file's
	// SHA-256 in sha256sum's format ("DIGEST  NAME" per line).
	ChecksumList EvidenceKind = "checksum-list"
	// GitHubAssetDigest is the "sha256:HEX" digest GitHub's release API
	// gives an asset (for assets uploaded since mid-2025). It is GitHub's
	// word on what was uploaded, not the project's own statement.
	GitHubAssetDigest EvidenceKind = "github-asset-digest"
	// Sigstore is a keyless signature (.sig) and certificate (.cert)
	// beside the file, over its digest, by Signer.
	Sigstore EvidenceKind = "sigstore"
	// PGP is a detached OpenPGP signature (.asc) over the file by a key
	// of the keyring Evidence.Keyring names.
	PGP EvidenceKind = "pgp"
)

// Evidence is one proof a tool's releases carry.
type Evidence struct {
	Kind EvidenceKind `json:"kind"`
	// URL is where the proof is: a template (Expand); "{file}" is the
	// downloaded file's URL. Empty for GitHubAssetDigest.
	URL string `json:"url,omitempty"`
	// Repo is the GitHub repository ("owner/name") whose release API
	// holds the asset digest (GitHubAssetDigest).
	Repo string `json:"repo,omitempty"`
	// Signer is who must have signed (Sigstore).
	Signer *sigstore.Policy `json:"signer,omitempty"`
	// Keyring names the keyring whose keys may sign (PGP): "helm" is the
	// signing keys of helm's KEYS file (Keyring("helm")).
	Keyring string `json:"keyring,omitempty"`
	// Whose says whose word the proof is, for people.
	Whose string `json:"whose"`
}

// Platform is an operating system and architecture in Go's names.
type Platform struct {
	OS   string `json:"os"`
	Arch string `json:"arch"`
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Tool is one entry of the catalogue.
type Tool struct {
	// Name is what `install NAME` takes.
	Name string `json:"name"`
	// About says what the tool is for, in a few words.
	About string `json:"about"`
	// Source is the project that publishes it.
	Source string `json:"source"`
	// Program is the installed file's name (".exe" is added on Windows).
	Program  string   `json:"program"`
	Versions Versions `json:"versions"`
	// Platforms lists the platforms releases publish a file for.
	Platforms []Platform `json:"platforms"`
	// File is the URL template of a platform's file (Expand).
	File string `json:"file"`
	// Archive is how File holds the program, and WindowsArchive on
	// Windows when that differs.
	Archive        ArchiveKind `json:"archive"`
	WindowsArchive ArchiveKind `json:"windowsArchive,omitempty"`
	// Member is the template of the program's path inside the archive.
	Member string `json:"member,omitempty"`
	// OSNames renames Go's OS names in File ({os}) where the project
	// spells them otherwise ("windows" is "win" for Azure's kubelogin).
	OSNames map[string]string `json:"osNames,omitempty"`
	// ArchNames renames Go's architectures in File and Member ({arch})
	// where the project spells them otherwise ("arm" is "armv7" for
	// Azure's kubelogin).
	ArchNames map[string]string `json:"archNames,omitempty"`
	Evidence  []Evidence        `json:"evidence"`
	// Delegate, when set, means there is no standalone download: it says
	// how the tool is installed instead.
	Delegate string `json:"delegate,omitempty"`
}

// All returns the catalogue, in the order the README lists it.
func All() []*Tool {
	return []*Tool{Kubectl(), Helm(), Virtctl(), OIDCLogin(), AzureKubelogin(), AWSIAMAuthenticator(), GKEGcloudAuthPlugin()}
}

// Lookup returns the tool called name, or nil.
func Lookup(name string) *Tool {
	for _, t := range All() {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Names lists every tool's name.
func Names() []string {
	var names []string
	for _, t := range All() {
		names = append(names, t.Name)
	}
	return names
}

// Supports reports whether releases publish a file for p.
func (t *Tool) Supports(p Platform) bool { return slices.Contains(t.Platforms, p) }

// ArchiveFor is how p's file holds the program.
func (t *Tool) ArchiveFor(p Platform) ArchiveKind {
	if p.OS == "windows" && t.WindowsArchive != "" {
		return t.WindowsArchive
	}
	return t.Archive
}

// ProgramFor is the installed file's name on p.
func (t *Tool) ProgramFor(p Platform) string { return t.Program + exe(p) }

func exe(p Platform) string {
	if p.OS == "windows" {
		return ".exe"
	}
	return ""
}

// Expand fills a template for version tag ("v1.2.3") on p: {v} is the tag,
// {version} the tag without "v", {os} the OS as the project spells it
// (OSNames), {goos} Go's name, {arch} the architecture as the project
// spells it (ArchNames), {exe} ".exe" on
// Windows, {ext} the archive's extension.
func (t *Tool) Expand(tmpl, tag string, p Platform) string {
	osName := p.OS
	if n, ok := t.OSNames[p.OS]; ok {
		osName = n
	}
	arch := p.Arch
	if n, ok := t.ArchNames[p.Arch]; ok {
		arch = n
	}
	ext := ""
	if k := t.ArchiveFor(p); k != Raw {
		ext = string(k)
	}
	return strings.NewReplacer(
		"{v}", tag,
		"{version}", strings.TrimPrefix(tag, "v"),
		"{os}", osName,
		"{goos}", p.OS,
		"{arch}", arch,
		"{exe}", exe(p),
		"{ext}", ext,
	).Replace(tmpl)
}

// Artifact is one release's file for one platform, with its proofs.
type Artifact struct {
	Tool     string      `json:"tool"`
	Version  string      `json:"version"`
	Platform Platform    `json:"platform"`
	URL      string      `json:"url"`  // upstream's
	Name     string      `json:"name"` // the file's name, as checksum lists name it
	Archive  ArchiveKind `json:"archive"`
	// Member is the program's path in the archive; "" for Raw.
	Member string `json:"member,omitempty"`
	// Program is the installed file's name.
	Program string  `json:"program"`
	Proofs  []Proof `json:"proofs"`
}

// Proof is one piece of Evidence for one Artifact.
type Proof struct {
	Evidence
	// At is where to read it: the proof file's URL, or for
	// GitHubAssetDigest the repository's release-by-tag API path
	// ("repos/O/R/releases/tags/vX", relative to the API root).
	At string `json:"at"`
	// Asset is the name the proof gives the file.
	Asset string `json:"asset"`
}

// Artifact returns tag's file for p; ok is false when releases publish
// none for p, or the tool has no download of its own (Delegate).
func (t *Tool) Artifact(tag string, p Platform) (a Artifact, ok bool) {
	if t.Delegate != "" || !t.Supports(p) {
		return Artifact{}, false
	}
	a = Artifact{
		Tool: t.Name, Version: tag, Platform: p,
		URL:     t.Expand(t.File, tag, p),
		Archive: t.ArchiveFor(p),
		Program: t.ProgramFor(p),
	}
	a.Name = path.Base(a.URL)
	if a.Archive != Raw {
		a.Member = t.Expand(t.Member, tag, p)
	}
	for _, e := range t.Evidence {
		pr := Proof{Evidence: e, Asset: a.Name}
		switch e.Kind {
		case GitHubAssetDigest:
			pr.At = "repos/" + e.Repo + "/releases/tags/" + url.PathEscape(tag)
		default:
			pr.At = strings.ReplaceAll(t.Expand(e.URL, tag, p), "{file}", a.URL)
		}
		a.Proofs = append(a.Proofs, pr)
	}
	return a, true
}

// versionRE is compiled on first use: a package-level regexp would be
// compiled by every kubeboot start, `kubeboot kubectl` included.
var versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`) })

// Tag returns a version ("1.2.3", "v1.2.3", "v1.2.3-rc.1") as a tag with
// "v"; ok is false for anything else.
func Tag(s string) (tag string, ok bool) {
	s = strings.TrimSpace(s)
	if !versionRE().MatchString(s) {
		return "", false
	}
	return "v" + strings.TrimPrefix(s, "v"), true
}

// Choice is what a version spec asks for: an exact version, or the one a
// marker or a release redirect answers.
type Choice struct {
	// Tag is set for an exact version.
	Tag string
	// Kind and URL are how to find the version otherwise.
	Kind VersionKind
	URL  string
	// CacheBust asks for a query that changes every time.
	CacheBust bool
	// Line, for a line's name, is the prefix its versions have ("v3.").
	Line string
}

// Allows reports whether tag is a version ch may choose: any, or one of
// its line's.
func (ch Choice) Allows(tag string) bool { return strings.HasPrefix(tag, ch.Line) }

// Choose reads a version spec: "" or "latest" (the tool's default
// source), a line's name (Versions.Lines: "3" for helm v3), or an exact
// version. Errors say what is accepted.
func (t *Tool) Choose(spec string) (Choice, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "" || spec == "latest":
		return Choice{Kind: t.Versions.Kind, URL: t.Versions.URL, CacheBust: t.Versions.CacheBust}, nil
	case t.Versions.Lines[strings.TrimPrefix(spec, "v")] != "":
		name := strings.TrimPrefix(spec, "v")
		return Choice{Kind: VersionMarker, URL: t.Versions.Lines[name], CacheBust: t.Versions.CacheBust, Line: "v" + name + "."}, nil
	}
	if tag, ok := Tag(spec); ok {
		return Choice{Tag: tag}, nil
	}
	accepted := []string{"latest", "an exact version such as v1.2.3"}
	for _, l := range slices.Sorted(maps.Keys(t.Versions.Lines)) {
		accepted = append(accepted, l+" (the newest v"+l+")")
	}
	return Choice{}, fmt.Errorf("%s has no version %q: use %s", t.Name, spec, strings.Join(accepted, ", "))
}

// ReleaseTag reads the tag from the redirect of a releases/latest page:
// asked is the URL requested (upstream's or a mirror's), location where it
// redirected. The Location must stay on asked's scheme and host and name
// asked's .../releases/tag/TAG with TAG a version; anything else (another
// host, another repository) is refused, since it could name any version.
func ReleaseTag(asked, location *url.URL) (string, error) {
	if !strings.EqualFold(asked.Scheme, location.Scheme) || !strings.EqualFold(asked.Host, location.Host) {
		return "", fmt.Errorf("it redirects to another host (%s://%s), not to a release page on %s", location.Scheme, location.Host, asked.Host)
	}
	prefix := strings.TrimSuffix(asked.Path, "latest") + "tag/"
	if !strings.HasSuffix(asked.Path, "/releases/latest") || !strings.HasPrefix(location.Path, prefix) {
		return "", fmt.Errorf("it redirects to %s, not to a release of %s", location.Path, strings.TrimSuffix(asked.Path, "/latest"))
	}
	tag, ok := Tag(strings.TrimPrefix(location.Path, prefix))
	if !ok {
		return "", fmt.Errorf("the release it redirects to, %q, is not a version", strings.TrimPrefix(location.Path, prefix))
	}
	return tag, nil
}

// Mirrored is where a mirror root serves the upstream URL
// https://HOST/PATH: ROOT/HOST/PATH (the files_repo layout kubespray
// uses), the query kept. An empty root is upstream itself.
func Mirrored(root, upstream string) string {
	if root == "" {
		return upstream
	}
	u, err := url.Parse(upstream)
	if err != nil {
		return upstream
	}
	s := strings.TrimRight(root, "/") + "/" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

// MirroredPath is where a mirror tree in the folder root keeps the
// upstream URL https://HOST/PATH: root/HOST/PATH, the query dropped (a
// static server ignores it). The catalogue's URLs hold no "..".
func MirroredPath(root, upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return filepath.Join(root, "invalid-url")
	}
	return filepath.Join(root, u.Host, filepath.FromSlash(u.Path))
}
