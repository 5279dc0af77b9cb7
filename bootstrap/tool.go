package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/archive"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/ghrelease"
	"github.com/kubeboot/kubeboot/bootstrap/internal/pgp"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
)

// ToolRequest says which catalogue tool to install where.
type ToolRequest struct {
	// Tool is a catalogue name (catalog.Names): "helm", "virtctl",
	// "oidc-login"...
	Tool string
	// Version is "" or "latest" (the tool's newest release), a line the
	// catalogue names ("3" for helm v3), or an exact version. For kubectl,
	// any spec ParseSpec reads.
	Version string
	// Dir is the folder to install into. Default as InstallRequest.Dir.
	Dir string
	// Platform is the OS/arch to download for. Default HostPlatform().
	Platform Platform
	// Force installs even when Dir already holds the same program.
	Force bool
	// ForceOverwrite replaces a program a package manager owns.
	ForceOverwrite bool
	// Signature governs PGP signatures (helm's), checked against the
	// keyring kubeboot carries (catalog.Keyring) or Options.Keyrings':
	// SignatureAuto (the default) checks the signature whenever the
	// release publishes one, and refuses a file whose signature does not
	// verify; SignatureRequire also refuses a file published without one;
	// SignatureOff reads none.
	Signature SignatureMode
	// Progress, if set, is called as the download's bytes arrive.
	Progress func(done, total int64)
}

// ToolResult describes an installed tool.
type ToolResult struct {
	Tool    string `json:"tool"`
	Path    string `json:"path"`
	Version string `json:"version"`
	// SHA256 is the installed program's digest.
	SHA256  string `json:"sha256"`
	Changed bool   `json:"changed"`
	// URL is where the file came from (a mirror's when MirrorRoot is
	// set), credentials redacted.
	URL string `json:"url"`
	// FileSHA256 is the digest of the downloaded file (the archive, or the
	// program itself), the one the evidence vouches for.
	FileSHA256 string `json:"fileSha256"`
	// Member is the archive member the program came from; "" for a bare
	// binary.
	Member string `json:"member,omitempty"`
	Bytes  int64  `json:"bytes"`
	// Evidence lists what FileSHA256 was checked against.
	Evidence []ToolEvidence `json:"evidence"`
	// Unchecked names the evidence the release publishes that was not
	// checked, and why (a PGP signature without its keyring).
	Unchecked []string `json:"unchecked,omitempty"`
	// LeftAlone is the package-managed program in the default folder that
	// InstallTool did not replace, installing into UserInstallDir()
	// instead.
	LeftAlone *pkgmgr.Ownership `json:"leftAlone,omitempty"`
	Platform  Platform          `json:"-"`
}

// ToolEvidence is one proof a ToolResult rests on.
type ToolEvidence struct {
	Kind catalog.EvidenceKind `json:"kind"`
	// URL is where it was read, credentials redacted.
	URL string `json:"url"`
	// Whose says whose word it is: for a GitHub asset digest, GitHub's.
	Whose string `json:"whose"`
}

var (
	// ErrUnknownTool means a name is not in the catalogue. Errors are an
	// *UnknownToolError.
	ErrUnknownTool = errors.New("unknown tool")

	// ErrDelegated means a tool has no download of its own: another
	// installer provides it. Errors are a *DelegatedError.
	ErrDelegated = errors.New("installed by another tool")

	// ErrEvidenceMissing means a file is published without the evidence
	// the catalogue says vouches for it (a withheld checksum file, an
	// asset GitHub recorded no digest for). It matches ErrVerification.
	ErrEvidenceMissing = errors.New("evidence missing")

	// ErrBadArchive means a verified archive was refused for what it
	// holds: a member that escapes its folder (zip-slip, an absolute
	// path), two members named as the program, the program missing, a
	// link or elsewhere than the catalogue says. It matches
	// ErrVerification.
	ErrBadArchive = archive.ErrBadArchive

	// ErrPGPSignature means a PGP signature does not verify with any key
	// of its keyring: made by another key, forged, or over another file.
	// It matches ErrVerification.
	ErrPGPSignature = pgp.ErrBadSignature

	// ErrKeyringMissing means SignatureRequire asked for a PGP signature
	// check without the keyring to check it with (Options.Keyrings).
	ErrKeyringMissing = errors.New("keyring missing")
)

// UnknownToolError reports a name the catalogue lacks.
type UnknownToolError struct{ Name string }

func (e *UnknownToolError) Error() string {
	return fmt.Sprintf("kubeboot does not install %q; it installs %s", e.Name, strings.Join(catalog.Names(), ", "))
}

// Is makes errors.Is match ErrUnknownTool.
func (e *UnknownToolError) Is(target error) bool { return target == ErrUnknownTool }

// DelegatedError reports a tool another installer provides.
type DelegatedError struct {
	Tool    string
	Instead string // what installs it
}

func (e *DelegatedError) Error() string {
	return fmt.Sprintf("%s has no standalone download that kubeboot could verify; install it with %s", e.Tool, e.Instead)
}

// Is makes errors.Is match ErrDelegated.
func (e *DelegatedError) Is(target error) bool { return target == ErrDelegated }

// EvidenceMissingError reports a file published without its evidence.
type EvidenceMissingError struct {
	Tool, Version string
	URL           string // where the evidence should be, redacted
	Reason        string
}

func (e *EvidenceMissingError) Error() string {
	return fmt.Sprintf("%s %s is published without its evidence: %s (%s)", e.Tool, e.Version, e.Reason, e.URL)
}

// Is makes errors.Is match ErrEvidenceMissing and ErrVerification.
func (e *EvidenceMissingError) Is(target error) bool {
	return target == ErrEvidenceMissing || target == ErrVerification
}

// VersionRedirectError reports a releases/latest page whose redirect
// cannot name the version: to another host or repository, or to a tag
// that is not a version. It matches ErrBadMarker and ErrVerification.
type VersionRedirectError struct {
	URL      string // the page asked, redacted
	Location string // where it redirected, redacted
	Reason   string
}

func (e *VersionRedirectError) Error() string {
	return fmt.Sprintf("the latest-release page %s cannot say the version: %s (Location %s)", e.URL, e.Reason, e.Location)
}

// Is makes errors.Is match ErrBadMarker and ErrVerification.
func (e *VersionRedirectError) Is(target error) bool {
	return target == ErrBadMarker || target == ErrVerification
}

// maxChecksumListBytes bounds a release's checksum list.
const maxChecksumListBytes = 64 << 10

// InstallTool installs a catalogue tool: it finds the version (a marker,
// or the redirect of GitHub's latest-release page, which must stay on its
// host), reads the evidence the catalogue names for the platform's file
// (its published checksum, or GitHub's asset digest), and, holding the
// folder's install lock, streams the file into a temp file beside the
// target while hashing it. Only when that digest equals every piece of
// evidence, and a PGP signature (read before the download, when its
// keyring is given; see ToolRequest.Signature) verifies over the file, is
// an archive opened (archive's rules: one member of the
// program's name, at the catalogue's path, nothing that escapes) and the
// program streamed into a second temp file, which one rename puts in
// place. On any failure the folder's previous program is left as it was.
//
// A tool with no standalone download is a *DelegatedError saying what
// installs it. kubectl goes through Install, with its own specs and its
// signature check. Errors that mean a file cannot be trusted (a checksum
// mismatch, withheld evidence, a PGP signature by another key, an
// unusable archive, a version redirect to another host) match
// ErrVerification; a version or platform that is not
// published matches fs.ErrNotExist.
func (c *Client) InstallTool(ctx context.Context, req ToolRequest) (*ToolResult, error) {
	if req.Tool == "kubectl" {
		return c.installKubectlTool(ctx, req)
	}
	t, art, p, err := c.toolArtifact(ctx, req.Tool, req.Version, req.Platform)
	if err != nil {
		return nil, err
	}
	in := &toolInstall{c: c, req: req, t: t, art: art, p: p}
	res, err := in.run(ctx)
	if err == nil && res.SHA256 != "" && len(res.Evidence) > 0 {
		var kinds []string
		for _, e := range res.Evidence {
			kinds = append(kinds, string(e.Kind))
		}
		vp := VerifiedProgram{Tool: res.Tool, Version: res.Version, Evidence: strings.Join(kinds, ", ")}
		c.installed.update(func(m map[string]VerifiedProgram) bool {
			if m[res.SHA256] == vp {
				return false
			}
			m[res.SHA256] = vp
			return true
		})
	}
	return res, err
}

// VerifiedProgram is what the client's cache remembers of a program
// InstallTool installed: which tool and version it is, and the kinds of
// evidence (catalog.EvidenceKind, comma-separated) its file was checked
// against.
type VerifiedProgram struct {
	Tool     string `json:"tool"`
	Version  string `json:"version"`
	Evidence string `json:"evidence"`
}

// VerifiedProgram returns what InstallTool recorded of the program whose
// SHA-256 is sum, in this client's cache folder (none without one, beyond
// this process).
func (c *Client) VerifiedProgram(sum string) (VerifiedProgram, bool) {
	return c.installed.get(strings.ToLower(sum))
}

// toolArtifact finds a catalogue tool's file: the version spec resolved
// (a marker, or a latest-release redirect) and the platform checked.
func (c *Client) toolArtifact(ctx context.Context, name, spec string, p Platform) (*catalog.Tool, catalog.Artifact, Platform, error) {
	t := catalog.Lookup(name)
	if t == nil {
		return nil, catalog.Artifact{}, p, &UnknownToolError{Name: name}
	}
	if t.Delegate != "" {
		return nil, catalog.Artifact{}, p, &DelegatedError{Tool: t.Name, Instead: t.Delegate}
	}
	if p == (Platform{}) {
		p = HostPlatform()
	}
	cp := catalog.Platform{OS: p.OS, Arch: p.Arch}
	if !t.Supports(cp) {
		names := make([]string, len(t.Platforms))
		for i, q := range t.Platforms {
			names[i] = q.String()
		}
		return nil, catalog.Artifact{}, p, fmt.Errorf("%w: %s is not published for %s; it exists for %s", ErrUnsupportedPlatform, t.Name, p, strings.Join(names, ", "))
	}
	choice, err := t.Choose(spec)
	if err != nil {
		return nil, catalog.Artifact{}, p, fmt.Errorf("%w: %v", ErrInvalidVersionSpec, err)
	}
	tag := choice.Tag
	if tag == "" {
		if tag, err = c.toolVersion(ctx, t, choice); err != nil {
			return nil, catalog.Artifact{}, p, err
		}
	}
	art, _ := t.Artifact(tag, cp)
	return t, art, p, nil
}

// installKubectlTool is InstallTool for kubectl: Install, reported as a
// tool.
func (c *Client) installKubectlTool(ctx context.Context, req ToolRequest) (*ToolResult, error) {
	res, err := c.Install(ctx, InstallRequest{Version: req.Version, Dir: req.Dir, Platform: req.Platform,
		Force: req.Force, ForceOverwrite: req.ForceOverwrite, Progress: req.Progress})
	if err != nil {
		return nil, err
	}
	ev := []ToolEvidence{{Kind: catalog.SHA256File, URL: res.URL + ".sha256", Whose: "Kubernetes release engineering"}}
	if res.Signature != nil && res.Signature.Verified {
		ev = append(ev, ToolEvidence{Kind: catalog.Sigstore, URL: res.URL + ".sig", Whose: res.Signature.Identity})
	}
	return &ToolResult{Tool: "kubectl", Path: res.Path, Version: res.Version, SHA256: res.SHA256, Changed: res.Changed,
		URL: res.URL, FileSHA256: res.SHA256, Bytes: res.Bytes, Evidence: ev, LeftAlone: res.LeftAlone, Platform: res.Platform}, nil
}

// mirrored is where upstream's URL is fetched from: the mirror root's
// copy when one is set.
func (c *Client) mirrored(upstream string) string { return catalog.Mirrored(c.mirrorRoot, upstream) }

// toolVersion finds the version a marker or a latest-release page names.
func (c *Client) toolVersion(ctx context.Context, t *catalog.Tool, ch catalog.Choice) (string, error) {
	src := c.mirrored(ch.URL)
	shown := fetch.Redact(src)
	switch ch.Kind {
	case catalog.VersionMarker:
		ask := src
		if ch.CacheBust {
			// Its CDN serves stale copies of the marker otherwise.
			ask += "?kubeboot=" + strconv.FormatInt(time.Now().UnixNano(), 36)
		}
		c.opts.Logf("reading %s's version from %s", t.Name, shown)
		tag, err := c.toolMarker(ctx, t, ask, shown)
		if err == nil && !ch.Allows(tag) {
			return "", &MarkerError{URL: shown, Snippet: tag, Reason: "of the line " + strings.TrimSuffix(ch.Line, ".") + ", it names another"}
		}
		return tag, err
	case catalog.VersionReleaseRedirect:
		c.opts.Logf("reading %s's latest release from the redirect of %s", t.Name, shown)
		loc, err := c.fetch.Redirect(ctx, src)
		var nr *fetch.RedirectError
		if c.mirrorRoot != "" && errors.As(err, &nr) && nr.StatusCode == http.StatusOK {
			// A static mirror cannot redirect: mirrorsync writes the
			// release page as a marker holding the tag instead.
			c.opts.Logf("%s answers with a page, not a redirect: reading it as a version marker", shown)
			return c.toolMarker(ctx, t, src, shown)
		}
		if err != nil {
			return "", fmt.Errorf("read %s's latest release: %w", t.Name, err)
		}
		asked, err := fetch.ParseURL("release page", src)
		if err != nil {
			return "", err
		}
		tag, err := catalog.ReleaseTag(asked, loc)
		if err != nil {
			return "", &VersionRedirectError{URL: shown, Location: fetch.RedactURL(loc), Reason: err.Error()}
		}
		return tag, nil
	}
	return "", fmt.Errorf("%s: unknown version source %q", t.Name, ch.Kind)
}

// toolMarker reads a version marker of t at ask (shown redacted).
func (c *Client) toolMarker(ctx context.Context, t *catalog.Tool, ask, shown string) (string, error) {
	body, err := c.fetch.Small(ctx, ask, 128)
	var tooLarge *fetch.TooLargeError
	if errors.As(err, &tooLarge) {
		return "", &MarkerError{URL: shown, Snippet: snippet(tooLarge.Prefix), Reason: "longer than a version"}
	}
	if err != nil {
		return "", fmt.Errorf("read %s's version: %w", t.Name, err)
	}
	tag, ok := catalog.Tag(string(body))
	if !ok {
		return "", &MarkerError{URL: shown, Snippet: snippet(body), Reason: "not a version such as v1.2.3"}
	}
	return tag, nil
}

// toolInstall is one InstallTool call.
type toolInstall struct {
	c   *Client
	req ToolRequest
	t   *catalog.Tool
	art catalog.Artifact
	p   Platform
	// missing is evidence that was not published: an error only once the
	// file itself is known to be (else the version is what is missing).
	missing error
	// signed is the PGP signature to check over the downloaded file.
	signed *pgpCheck
	// keyring judges the PGP signature: set when one is to be checked
	// (read, or required and missing); sigWhere is where the signature
	// is, redacted.
	keyring  *pgp.Keyring
	sigWhere string
	// tree, when set, is a mirror tree (ROOT/HOST/PATH) the evidence is
	// read from instead of the network: a check of what it holds.
	tree string
	// kept, when not nil, receives every piece of evidence read, by its
	// upstream URL, for a mirror to publish once the file verified.
	kept map[string][]byte
}

// small reads a piece of evidence: upstream's URL as src serves it, or
// from the tree. where is what messages name, credentials redacted.
func (in *toolInstall) small(ctx context.Context, upstream, src string, limit int64) (body []byte, where string, err error) {
	if in.tree != "" {
		where = catalog.MirroredPath(in.tree, upstream)
		body, err = readBounded(where, limit)
		return body, where, err
	}
	where = fetch.Redact(src)
	body, err = in.c.fetch.Small(ctx, src, limit)
	if err == nil && in.kept != nil {
		in.kept[upstream] = body
	}
	return body, where, err
}

// pgpCheck is a PGP signature read before the download, checked after it.
type pgpCheck struct {
	keyring *pgp.Keyring
	sig     []byte
	where   string // redacted
}

func (in *toolInstall) run(ctx context.Context) (*ToolResult, error) {
	c, art := in.c, in.art
	src := c.mirrored(art.URL)
	res := &ToolResult{Tool: art.Tool, Version: art.Version, URL: fetch.Redact(src), Member: art.Member, Platform: in.p}
	dir, err := in.folder(ctx, res)
	if err != nil {
		return nil, err
	}
	res.Path = filepath.Join(dir, art.Program)

	want, err := in.evidence(ctx, res)
	if err != nil {
		return nil, err
	}
	// The program this verified file holds, when known (a bare binary is
	// its own; an archive's is remembered from an earlier extraction):
	// a target that already holds it needs no download.
	known := want
	if art.Archive != catalog.Raw {
		known, _ = c.programs.get(programKey(want, art.Member))
	}
	// A signed file counts as known only once its signature verified
	// over a file of this digest, by a key the keyring still holds: that
	// also stands for a required signature no longer published. Other
	// missing evidence is reported once the download shows the file is.
	signedBy := ""
	if in.keyring != nil {
		if v, ok := c.programs.get(signatureKey(want)); ok {
			if fp, whose, _ := strings.Cut(v, "\t"); in.keyring.Has(fp) {
				signedBy = whose
			}
		}
	}
	if known != "" && !in.req.Force && (signedBy != "" || in.keyring == nil && in.missing == nil) {
		if sum, _, err := hashFile(res.Path); err == nil && sum == known {
			res.SHA256, res.FileSHA256 = known, want
			if signedBy != "" {
				res.Evidence = append(res.Evidence, ToolEvidence{Kind: catalog.PGP, URL: in.sigWhere, Whose: signedBy})
			}
			c.opts.Logf("%s already holds %s %s (sha256 %s)", res.Path, art.Tool, art.Version, known)
			return res, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create install folder: %w", err)
	}
	folder, err := exeinstall.Lock(ctx, dir, c.opts.Logf)
	if err != nil {
		return nil, err
	}
	defer folder.Unlock()
	folder.Sweep(art.Program)
	folder.Sweep(art.Name)

	// A bare binary streams straight into the program's temp file.
	tmpFor := art.Name
	if art.Archive == catalog.Raw {
		tmpFor = art.Program
	}
	file, err := folder.Create(tmpFor)
	if err != nil {
		return nil, err
	}
	defer file.Discard()
	c.opts.Logf("downloading %s", res.URL)
	n, err := c.fetch.Download(ctx, src, file, in.req.Progress)
	res.Bytes = n
	if err != nil {
		var se *fetch.SinkError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("write %s: %w", file.Name(), se.Err)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s %s is not published for %s: %w", art.Tool, art.Version, in.p, err)
		}
		return nil, fmt.Errorf("download %s %s: %w", art.Tool, art.Version, err)
	}
	if err := in.verified(file.Name(), file.Sum(), want, res); err != nil {
		return nil, err
	}
	program := file
	if art.Archive != catalog.Raw {
		if program, err = folder.Create(art.Program); err != nil {
			return nil, err
		}
		defer program.Discard()
		if err := archive.Extract(file.Name(), art.Name, archive.Kind(art.Archive), art.Member, program); err != nil {
			return nil, err
		}
	}
	res.SHA256 = program.Sum()
	if art.Archive != catalog.Raw {
		c.programs.update(func(m map[string]string) bool {
			m[programKey(want, art.Member)] = res.SHA256
			return true
		})
	}
	if !in.req.Force {
		if sum, _, err := hashFile(res.Path); err == nil && sum == res.SHA256 {
			c.opts.Logf("%s already holds %s %s (sha256 %s)", res.Path, art.Tool, art.Version, res.SHA256)
			return res, nil
		}
	}
	program.Describe(art.Tool, art.Version)
	if err := program.Commit(0o755); err != nil {
		return nil, err
	}
	res.Changed = true
	return res, nil
}

// programKey is where c.programs keeps the digest of the program at
// member of the archive whose digest is file.
func programKey(file, member string) string { return file + " " + member }

// folder decides where the program goes: req.Dir, or the default folder,
// moving to the per-user one when a package manager owns the program in
// the default folder. A named folder whose program a package manager owns
// is a *ManagedTargetError unless ForceOverwrite.
func (in *toolInstall) folder(ctx context.Context, res *ToolResult) (string, error) {
	dir, user := in.req.Dir, ""
	if dir == "" {
		var err error
		if dir, user, err = in.c.installDirs(); err != nil {
			return "", fmt.Errorf("find an install folder: %w", err)
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if in.req.ForceOverwrite {
		return dir, nil
	}
	target := filepath.Join(dir, in.art.Program)
	if _, err := os.Lstat(target); err != nil {
		return dir, nil
	}
	owner := pkgmgr.Owner(ctx, in.c.opts.PackageManagers, target)
	if !owner.Managed() {
		return dir, nil
	}
	if user == "" || user == dir {
		return "", &ManagedTargetError{Path: target, Owner: owner}
	}
	in.c.opts.Logf("%s belongs to %s; installing into %s instead", target, owner.Manager, user)
	res.LeftAlone = &owner
	if o := pkgmgr.Owner(ctx, in.c.opts.PackageManagers, filepath.Join(user, in.art.Program)); o.Managed() {
		return "", &ManagedTargetError{Path: filepath.Join(user, in.art.Program), Owner: o}
	}
	return user, nil
}

// evidence reads every proof of the artifact and returns the digest they
// agree on. A proof that is not published is remembered in in.missing,
// which run reports once the file itself turns out to be published.
func (in *toolInstall) evidence(ctx context.Context, res *ToolResult) (string, error) {
	want := ""
	for _, pr := range in.art.Proofs {
		if pr.Kind == catalog.PGP {
			if err := in.pgpProof(ctx, pr, res); err != nil {
				return "", err
			}
			continue
		}
		d, where, err := in.proof(ctx, pr)
		if err != nil {
			return "", err
		}
		res.Evidence = append(res.Evidence, ToolEvidence{Kind: pr.Kind, URL: where, Whose: pr.Whose})
		if d == "" {
			continue // missing; see in.missing
		}
		if want != "" && d != want {
			return "", &ChecksumError{URL: where, Want: want, Got: d}
		}
		want = d
	}
	if want == "" && in.missing == nil {
		return "", fmt.Errorf("%s: the catalogue names no evidence kubeboot checks", in.art.Tool)
	}
	return want, nil
}

// proof reads one proof: the digest it gives the file and where it was
// read (redacted). A proof that is not published returns "" and sets
// in.missing; a release that does not exist is fs.ErrNotExist.
func (in *toolInstall) proof(ctx context.Context, pr catalog.Proof) (digest, where string, err error) {
	c, art := in.c, in.art
	switch pr.Kind {
	case catalog.SHA256File, catalog.ChecksumList:
		body, where, err := in.small(ctx, pr.At, c.mirrored(pr.At), maxChecksumListBytes)
		d, err := parseChecksum(where, pr.Asset, body, err)
		if errors.Is(err, fs.ErrNotExist) {
			in.missing = &EvidenceMissingError{Tool: art.Tool, Version: art.Version, URL: where, Reason: "its checksum file is not there"}
			return "", where, nil
		}
		if err != nil {
			return "", where, fmt.Errorf("read the published checksum of %s %s: %w", art.Tool, art.Version, err)
		}
		return d, where, nil
	case catalog.GitHubAssetDigest:
		return in.assetDigest(ctx, pr)
	}
	return "", "", fmt.Errorf("%s: kubeboot cannot check %s evidence outside kubectl's install", art.Tool, pr.Kind)
}

// pgpProof reads the PGP signature of the file when its keyring is at
// hand (and the mode wants it), for checkSignature after the download;
// otherwise it notes the signature as unchecked.
func (in *toolInstall) pgpProof(ctx context.Context, pr catalog.Proof, res *ToolResult) error {
	c, art := in.c, in.art
	mode, err := ParseSignatureMode(string(in.req.Signature))
	if err != nil {
		return err
	}
	var kr *pgp.Keyring
	if read := c.keyrings[pr.Keyring]; read != nil && mode != SignatureOff {
		if kr, err = read(); err != nil {
			return fmt.Errorf("read the keyring %q that kubeboot carries: %w", pr.Keyring, err)
		}
	}
	switch {
	case mode == SignatureOff:
		res.Unchecked = append(res.Unchecked, "the PGP signature (signature checks are off)")
		return nil
	case kr == nil && mode == SignatureRequire:
		return fmt.Errorf("%w: a PGP signature check of %s was required, and no keyring %q was given to check it with", ErrKeyringMissing, art.Tool, pr.Keyring)
	case kr == nil:
		res.Unchecked = append(res.Unchecked, fmt.Sprintf("the PGP signature (no keyring %q was given)", pr.Keyring))
		return nil
	}
	sig, where, err := in.small(ctx, pr.At, c.mirrored(pr.At), 64<<10)
	in.sigWhere = where
	if errors.Is(err, fs.ErrNotExist) {
		if mode == SignatureRequire {
			in.keyring = kr
			in.missing = &EvidenceMissingError{Tool: art.Tool, Version: art.Version, URL: where, Reason: "its PGP signature is not there, and a signature check was required"}
		} else {
			res.Unchecked = append(res.Unchecked, "the PGP signature (none is published at "+where+")")
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the PGP signature of %s %s: %w", art.Tool, art.Version, err)
	}
	in.signed = &pgpCheck{keyring: kr, sig: sig, where: where}
	in.keyring = kr
	return nil
}

// checkSignature checks the PGP signature over the downloaded file.
func (in *toolInstall) checkSignature(path string, res *ToolResult) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	key, err := in.signed.keyring.Verify(f, in.signed.sig)
	if err != nil {
		return fmt.Errorf("%s %s (%s): %w", in.art.Tool, in.art.Version, in.signed.where, err)
	}
	whose := "key " + key.Fingerprint
	if key.UserID != "" {
		whose = key.UserID + ", " + whose
	}
	res.Evidence = append(res.Evidence, ToolEvidence{Kind: catalog.PGP, URL: in.signed.where, Whose: whose})
	in.c.programs.update(func(m map[string]string) bool {
		m[signatureKey(res.FileSHA256)] = key.Fingerprint + "\t" + whose
		return true
	})
	return nil
}

// signatureKey is where c.programs keeps the key whose PGP signature
// verified over the file whose digest is file.
func signatureKey(file string) string { return file + " pgp" }

// assetDigest reads the digest GitHub's release API gives the asset.
func (in *toolInstall) assetDigest(ctx context.Context, pr catalog.Proof) (string, string, error) {
	c, art := in.c, in.art
	body, where, err := in.small(ctx, DefaultGitHubAPIURL+pr.At, c.githubAPI.JoinPath(pr.At).String(), ghrelease.MaxBytes)
	c.opts.Logf("read the digest GitHub records for %s from %s", pr.Asset, where)
	if errors.Is(err, fs.ErrNotExist) {
		return "", where, fmt.Errorf("%s has no release %s: %w", pr.Repo, art.Version, err)
	}
	if err != nil {
		return "", where, fmt.Errorf("ask GitHub's API for %s %s: %w", art.Tool, art.Version, err)
	}
	rel, err := ghrelease.Parse(body)
	if err != nil || rel.TagName != art.Version {
		return "", where, &DigestError{URL: where, Snippet: snippet(body)}
	}
	a, ok := rel.Asset(pr.Asset)
	if !ok {
		return "", where, fmt.Errorf("%s %s is not published for %s: release %s has no asset %s: %w", art.Tool, art.Version, in.p, art.Version, pr.Asset, fs.ErrNotExist)
	}
	if a.Digest == nil || *a.Digest == "" {
		in.missing = &EvidenceMissingError{Tool: art.Tool, Version: art.Version, URL: where,
			Reason: "GitHub's API records no digest for " + pr.Asset + " (assets uploaded before mid-2025 have none), and the project publishes no checksum"}
		return "", where, nil
	}
	hex, ok := strings.CutPrefix(*a.Digest, "sha256:")
	d, valid := exeinstall.ParseChecksum([]byte(hex), pr.Asset)
	if !ok || !valid {
		return "", where, &DigestError{URL: where, Snippet: snippet([]byte(*a.Digest))}
	}
	return d, where, nil
}
