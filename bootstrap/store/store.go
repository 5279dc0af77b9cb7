// Package store keeps verified kubectls by version, so that a tool asking
// for "kubectl v1.36.4" on every run gets it from disk, without a network
// request, after the first time:
//
//	<Dir>/v1.36.4/linux-amd64/kubectl
//	<Dir>/v1.36.4/linux-amd64/receipt.json
//	<Dir>\v1.36.4\windows-amd64\kubectl.exe     (Windows)
//
// Dir defaults to <user cache>/kubeboot/kubectl (os.UserCacheDir:
// ~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData% on Windows).
//
// Every other catalogue tool with a download of its own (Options.Tool:
// helm, virtctl, the credential plugins) is kept the same way, in
// <user cache>/kubeboot/<tool>/vX.Y.Z/OS-ARCH/<program> with its receipt,
// under the same invariants; bootstrap.Client.InstallTool installs it
// (its checksums, GitHub's asset digest, helm's PGP signature), and the
// receipt records the evidence it rested on instead of a Sigstore
// signer. A tool's versions are its catalogue's specs: latest, a line
// ("3" for helm v3), or an exact version; offline, latest answers with
// the newest intact entry and a line with the newest of that line.
//
// Invariants:
//
//   - An entry is a version folder's platform folder holding kubectl and a
//     receipt: the version, platform, SHA-256 (verified against the
//     mirror's published digest, which the release's Sigstore signature
//     vouches for when Install verifies one, and rehashed before the
//     receipt was written), the signer's identity, the source URL with
//     credentials redacted, the install time, and the file's identity
//     (size, modification and change times, inode). A file whose identity
//     differs from its receipt (changed, truncated, replaced, missing) is
//     never used: Ensure installs it again.
//   - Ensure of an exact version whose entry is intact makes no network
//     request: a stat and a small read. Installing goes through
//     bootstrap.Client.Install into the version's folder, under that
//     folder's install lock, so concurrent first uses, in one process or
//     many, download once.
//   - A channel (stable, 1.36, latest-1.37...) or a constraint asks the
//     network, unless Options.ResolveTTL lets it remember the answer: then
//     a warm Ensure of a channel makes no request either, and a stale
//     answer with a slow or unreachable mirror is answered from the store
//     within Options.StaleWait. When the network fails (unreachable, stalled, 5xx after the
//     client's retries, but never a verification failure), Ensure answers
//     with the newest intact entry the spec allows (bootstrap.Spec.Matches:
//     stable channels never pick a pre-release) and says so through Logf.
//     An exact version that is not stored cannot be answered offline: the
//     error matches ErrNotStored and the network error.
//   - The store trusts only what belongs to the user running it or to the
//     administrator and that no one else may write (CheckTrusted; a
//     world-writable folder counts only with the sticky bit): an entry
//     whose folders, receipt or kubectl fail the rule, and a ResolvedName
//     that does, are passed over (Logf says why), never removed nor
//     written into; a store folder that fails it is an error
//     (ErrUntrusted) naming it.
//   - Remove and Prune delete only what the store put there (the receipt,
//     kubectl, leftovers of interrupted installs, the lock file and the
//     then empty folders), holding the version folder's install lock, so
//     they never race an install of the same version.
//
// On Windows, os.Stat reports no inode or change time and any program can
// set a file's times back, so a receipt there catches every ordinary change
// (a rewrite, a truncation, a copy over it) but not deliberate forgery;
// whoever could forge the times could as well rewrite the receipt beside
// it, in the user's own cache folder.
//
// Pins: FindPin reads the version a project asks for, in this order:
//
//  1. the environment variable KUBEBOOT_KUBECTL_VERSION, when not empty;
//  2. otherwise, from the given folder upwards to the root, the nearest
//     folder with a file that pins kubectl; within one folder, mise's own
//     order: .mise.local.toml, mise.local.toml, .mise.toml, mise.toml, then
//     .tool-versions (asdf and mise). A file that does not mention kubectl
//     is passed over; a malformed one is an error naming the file and line.
//     Only pin files that are regular files of at most 64 KiB, and that
//     belong, with the folder holding them, to the user running kubeboot
//     or to the administrator, and that no one else may write (git's
//     safe.directory rule, stricter; a world-writable folder counts only
//     with the sticky bit, as /tmp), are read: a .tool-versions another
//     user left in a shared parent such as /tmp pins nothing, nor does a
//     root's file anyone may write. A link is judged as itself (its owner
//     and folder) and then its target the same way; a FIFO or a link to a
//     device is passed over (PinOptions.Logf says which and why). A UTF-8
//     byte order mark is ignored.
//     mise's global configuration (~/.config/mise/config.toml, MISE_*
//     variables) is not read; pin files in the home folder count when it
//     is one of the folders searched.
//
// In .tool-versions the line "kubectl 1.36.4" pins it (several versions on
// one line: the first wins; # starts a comment). In mise files the
// [tools] table's kubectl key does, as a string ("1.36"), an array whose
// first element counts (["1.36", "1.35"]), an inline table
// ({ version = "1.36" }), or a [tools.kubectl] table with a version key.
// Versions in files follow asdf and mise: "latest" there means the newest
// stable release ("stable" here), "prefix:1.36" means 1.36. The values
// "system", "ref:..." and "path:..." cannot be served from the store and
// are errors.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
	"github.com/kubeboot/kubeboot/bootstrap/internal/ospath"
)

// ReceiptName is the receipt file beside each stored kubectl.
const ReceiptName = "receipt.json"

// maxReceiptBytes bounds how much of a receipt is read.
const maxReceiptBytes = 64 << 10

// ErrNotStored means the store has no intact kubectl for a version (or
// none matching a spec) and could not install one: Ensure while the
// network fails, or Remove of a version that is not there. Errors are a
// *NotStoredError, which also matches the network error that prevented the
// install (errors.Is(err, bootstrap.ErrStalled), for one).
var ErrNotStored = errors.New("kubectl version not in the store")

// NotStoredError reports a spec the store could not answer.
type NotStoredError struct {
	Spec     string             // as asked
	Platform bootstrap.Platform // the store's platform
	Dir      string             // the store's folder
	Err      error              // why it could not be installed; nil for Remove
	// Tool is the catalogue tool asked for; "" for kubectl.
	Tool string
}

// Subject names what is not stored: "kubectl v1.36.4", or "a kubectl
// matching "1.36"" for a channel or constraint.
func (e *NotStoredError) Subject() string {
	if e.Tool != "" {
		if _, ok := catalog.Tag(e.Spec); ok {
			return e.Tool + " " + e.Spec
		}
		return fmt.Sprintf("a %s matching %q", e.Tool, e.Spec)
	}
	if s, err := bootstrap.ParseSpec(e.Spec); err == nil && s.Kind != bootstrap.SpecExact {
		return "a kubectl matching " + fmt.Sprintf("%q", e.Spec)
	}
	return "kubectl " + e.Spec
}

func (e *NotStoredError) Error() string {
	what := e.Subject()
	if e.Err == nil {
		return fmt.Sprintf("%s for %s is not in the store %s", what, e.Platform, e.Dir)
	}
	return fmt.Sprintf("%s for %s is not in the store %s, and installing it failed: %v; connect to the network (or set a reachable mirror) once, and it is kept for offline use", what, e.Platform, e.Dir, e.Err)
}

// Is makes errors.Is match ErrNotStored.
func (e *NotStoredError) Is(target error) bool { return target == ErrNotStored }

// Unwrap returns the network error, so errors.Is sees it too.
func (e *NotStoredError) Unwrap() error { return e.Err }

// Options configure a Store.
type Options struct {
	// Dir is the store's folder. Default DefaultDir().
	Dir string
	// Client installs missing versions. Default bootstrap.New with zero
	// Options (dl.k8s.io).
	Client *bootstrap.Client
	// Platform is the OS/arch of the kubectls Ensure installs and answers
	// with. Default bootstrap.HostPlatform().
	Platform bootstrap.Platform
	// Logf receives notes: installs, receipts that no longer match, and
	// every answer given from the store because the network failed.
	// Default: discard.
	Logf func(format string, args ...any)
	// Now stamps receipts. Default time.Now.
	Now func() time.Time
	// VerifiedDir, when set, is a folder of the user's own (created 0700
	// when missing; used only when it belongs to the user and, on Unix,
	// no one else may write it) where the store notes the entries it
	// rehashed and found intact but whose receipts it cannot refresh (a
	// shared or read-only store), so the next run does not hash them
	// again. Default: none, and such entries are hashed on each use.
	VerifiedDir string
	// ResolveTTL, when positive, is how long Ensure remembers what a
	// channel or constraint resolved to, per spec and mirror URL (without
	// credentials or query), in ResolvedName: within it, a stored answer
	// costs no network request. A channel the mirror does not publish (a
	// pre-release minor) is remembered as such for ten minutes. Zero asks
	// the mirror on every Ensure of a channel.
	ResolveTTL time.Duration
	// Tool is the catalogue tool the store keeps ("helm", "virtctl",
	// catalog.Names); "" or "kubectl" is kubectl. Dir then defaults to
	// DefaultDirFor(Tool). ResolveTTL and StaleWait are kubectl's only.
	Tool string
	// StaleWait, when positive (and with ResolveTTL), bounds the question
	// to the mirror when a stored kubectl matches the spec: past it, or
	// when the mirror cannot be asked at all (unreachable, an untrusted
	// certificate, a page that is not a release marker), the newest stored
	// match answers at once, with Offline set, and the mirror is asked again
	// ten minutes later. Zero: the client's own bounds.
	StaleWait time.Duration
	// BeforeWait, when set, is called before Ensure asks the mirror or
	// installs (which may wait for another process's install of the same
	// version), possibly more than once: a command-line tool can start
	// handling Ctrl-C there. A warm Ensure, which only stats and reads
	// small files, never calls it.
	BeforeWait func()
}

// Store is a folder of verified kubectls by version. It is safe for
// concurrent use, also by several processes sharing the folder.
type Store struct {
	dir    string
	client *bootstrap.Client
	p      bootstrap.Platform
	logf   func(string, ...any)
	now    func() time.Time

	resolveTTL, staleWait time.Duration
	verifiedDir           string
	// tool is the catalogue tool kept; nil for kubectl.
	tool       *catalog.Tool
	beforeWait func()
}

// New validates opts, fills in defaults and returns a Store. It creates no
// folder; Ensure does when it first installs.
func New(opts Options) (*Store, error) {
	if opts.Platform == (bootstrap.Platform{}) {
		opts.Platform = bootstrap.HostPlatform()
	}
	var tool *catalog.Tool
	if opts.Tool != "" && opts.Tool != "kubectl" {
		if tool = catalog.Lookup(opts.Tool); tool == nil {
			return nil, fmt.Errorf("%w: %w", bootstrap.ErrInvalidOption, &bootstrap.UnknownToolError{Name: opts.Tool})
		}
		if tool.Delegate != "" {
			return nil, fmt.Errorf("%w: %w", bootstrap.ErrInvalidOption, &bootstrap.DelegatedError{Tool: tool.Name, Instead: tool.Delegate})
		}
		if !tool.Supports(catalog.Platform{OS: opts.Platform.OS, Arch: opts.Platform.Arch}) {
			return nil, fmt.Errorf("%w: %s is not published for %s", bootstrap.ErrUnsupportedPlatform, tool.Name, opts.Platform)
		}
	} else if err := opts.Platform.Validate(); err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		d, err := DefaultDirFor(opts.Tool)
		if err != nil {
			return nil, err
		}
		opts.Dir = d
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("store folder %q: %w", opts.Dir, err)
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BeforeWait == nil {
		opts.BeforeWait = func() {}
	}
	if opts.Client == nil {
		if opts.Client, err = bootstrap.New(bootstrap.Options{}); err != nil {
			return nil, err
		}
	}
	return &Store{dir: dir, client: opts.Client, p: opts.Platform, logf: opts.Logf, now: opts.Now, resolveTTL: opts.ResolveTTL, staleWait: opts.StaleWait, verifiedDir: opts.VerifiedDir, tool: tool, beforeWait: opts.BeforeWait}, nil
}

// Dir is the store's folder (absolute).
func (s *Store) Dir() string { return s.dir }

// Platform is the platform Ensure installs for.
func (s *Store) Platform() bootstrap.Platform { return s.p }

// DefaultDir returns <user cache folder>/kubeboot/kubectl.
func DefaultDir() (string, error) { return DefaultDirFor("kubectl") }

// DefaultDirFor returns <user cache folder>/kubeboot/<tool> ("" is
// kubectl).
func DefaultDirFor(tool string) (string, error) {
	if tool == "" {
		tool = "kubectl"
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache folder for the %s store: %w", tool, err)
	}
	return filepath.Join(cache, "kubeboot", tool), nil
}

// toolName is the tool's name for errors: "" for kubectl.
func (s *Store) toolName() string {
	if s.tool == nil {
		return ""
	}
	return s.tool.Name
}

// Tool is the name of the tool the store keeps ("kubectl", "helm"...).
func (s *Store) Tool() string {
	if s.tool == nil {
		return "kubectl"
	}
	return s.tool.Name
}

// program is the stored program's name for p.
func (s *Store) program(p bootstrap.Platform) string {
	if s.tool == nil {
		return p.Executable()
	}
	return s.tool.ProgramFor(catalog.Platform{OS: p.OS, Arch: p.Arch})
}

// platformOf parses a platform folder name ("linux-amd64") of a
// platform the store's tool is published for.
func (s *Store) platformOf(name string) (bootstrap.Platform, bool) {
	if s.tool == nil {
		return platformOf(name)
	}
	for _, p := range s.tool.Platforms {
		if p.OS+"-"+p.Arch == name {
			return bootstrap.Platform{OS: p.OS, Arch: p.Arch}, true
		}
	}
	return bootstrap.Platform{}, false
}

// exactTag returns the tag of an exact version of the store's tool.
func (s *Store) exactTag(ver string) (string, error) {
	if s.tool == nil {
		return exactTag(ver)
	}
	if tag, ok := catalog.Tag(ver); ok {
		return tag, nil
	}
	return "", fmt.Errorf("%w %q: name an exact version of %s such as v1.2.3", bootstrap.ErrInvalidVersionSpec, ver, s.tool.Name)
}

// defaultDir is DefaultDir for any OS, following os.UserCacheDir's rules,
// so the layout of every OS is tested on Linux.
func defaultDir(goos string, getenv func(string) string, home string) (string, error) {
	var cache string
	switch goos {
	case "windows":
		cache = getenv("LocalAppData")
	case "darwin", "ios":
		if home != "" {
			cache = ospath.Join(goos, home, "Library", "Caches")
		}
	default:
		cache = getenv("XDG_CACHE_HOME")
		if cache == "" && home != "" {
			cache = ospath.Join(goos, home, ".cache")
		}
	}
	if cache == "" {
		return "", errors.New("find the user cache folder for the kubectl store: neither the cache folder variable nor a home folder is set")
	}
	return ospath.Join(goos, cache, "kubeboot", "kubectl"), nil
}

// entryDir is where version tag of kubectl for p lives under dir, in
// goos's path dialect.
func entryDir(goos, dir, tag string, p bootstrap.Platform) string {
	return ospath.Join(goos, dir, tag, p.OS+"-"+p.Arch)
}

// Path returns where the store keeps kubectl version (exact: "v1.36.4" or
// "1.36.4") for its platform, whether or not it is there.
func (s *Store) Path(ver string) (string, error) {
	tag, err := s.exactTag(ver)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.entryDir(tag, s.p), s.program(s.p)), nil
}

func (s *Store) entryDir(tag string, p bootstrap.Platform) string {
	return filepath.FromSlash(entryDir(runtime.GOOS, filepath.ToSlash(s.dir), tag, p))
}

// exactTag returns the tag of an exact version spec.
func exactTag(ver string) (string, error) {
	sp, err := bootstrap.ParseSpec(ver)
	if err != nil {
		return "", err
	}
	if sp.Kind != bootstrap.SpecExact {
		return "", fmt.Errorf("%w %q: name an exact version such as v1.36.4", bootstrap.ErrInvalidVersionSpec, ver)
	}
	return bootstrap.Tag(sp.Exact), nil
}

// SignatureReceipt records who signed a stored kubectl: the Sigstore
// identity and issuer bootstrap.Client.Install verified. Receipts of
// kubectls installed without a verified signature (SignatureOff, or a
// release before bootstrap.FirstSignedVersion) carry none.
type SignatureReceipt struct {
	Identity string `json:"identity"`
	Issuer   string `json:"issuer"`
	// Transparency is what Rekor showed of the signature at install time;
	// nil when it was not asked. A stored kubectl is not asked again,
	// except under bootstrap.TransparencyRequire when this holds no
	// verified entry: it is then looked up (and the receipt rewritten) or
	// refused.
	Transparency *bootstrap.TransparencyResult `json:"transparency,omitempty"`
}

// logged reports whether r records a verified transparency log entry.
func (r *Receipt) logged() bool {
	return r.Signature != nil && r.Signature.Transparency != nil && r.Signature.Transparency.Verified
}

// FileIdentity describes the stored file when the receipt was written.
// Fields the OS does not report (the inode and change time on Windows) are
// zero.
type FileIdentity struct {
	Size       int64  `json:"size"`
	ModTime    int64  `json:"mtimeNs"`
	ChangeTime int64  `json:"ctimeNs,omitempty"`
	Inode      uint64 `json:"inode,omitempty"`
	Device     uint64 `json:"device,omitempty"`
}

// Receipt is what receipt.json says about a stored kubectl.
type Receipt struct {
	Version   string            `json:"version"`  // "v1.36.4"
	Platform  string            `json:"platform"` // "linux/amd64"
	SHA256    string            `json:"sha256"`
	URL       string            `json:"url"` // where it came from, credentials redacted
	Installed time.Time         `json:"installed"`
	File      FileIdentity      `json:"file"`
	Signature *SignatureReceipt `json:"signature,omitempty"`
	// Tool names a catalogue tool other than kubectl (absent for
	// kubectl); FileSHA256 is then the digest of the file its evidence
	// vouched for (an archive, or the program itself), and Evidence what
	// that was.
	Tool       string                   `json:"tool,omitempty"`
	FileSHA256 string                   `json:"fileSha256,omitempty"`
	Evidence   []bootstrap.ToolEvidence `json:"evidence,omitempty"`
}

// Entry is one stored kubectl.
type Entry struct {
	Version  string             // "v1.36.4"
	Platform bootstrap.Platform // its platform
	Path     string             // the kubectl executable
	Receipt  Receipt
	// Intact reports whether the file still matches its receipt. Ensure
	// only ever answers with intact entries.
	Intact bool

	// Set by Ensure only:
	Downloaded bool // this call downloaded it
	// Offline is set when the network failed and the entry is the newest
	// stored one the spec allows, not necessarily what the spec names now.
	Offline bool
	// HeldBack is set when the spec's marker answered an older version
	// than this mirror answered for it before, which was used instead.
	HeldBack *bootstrap.HeldBack
}

func toFileIdentity(id fileid.ID) FileIdentity {
	return FileIdentity{Size: id.Size, ModTime: id.ModTime, ChangeTime: id.ChangeTime, Inode: id.Inode, Device: id.Device}
}

// load reads the entry of tag for p. ok is false when there is no
// receipt, or one that does not describe this folder; Intact says whether
// the file matches it.
func (s *Store) load(tag string, p bootstrap.Platform) (*Entry, bool) {
	dir := s.entryDir(tag, p)
	if why := s.entryTrusted(dir, filepath.Join(dir, s.program(p))); why != "" {
		s.logf("passed over %s %s for %s in the store: %s", s.Tool(), tag, p, why)
		return nil, false
	}
	r, err := readReceipt(filepath.Join(dir, ReceiptName))
	if err != nil || r.Version != tag || r.Platform != p.String() || (r.Tool != "" || s.tool != nil) && r.Tool != s.Tool() {
		return nil, false
	}
	e := &Entry{Version: tag, Platform: p, Path: filepath.Join(dir, s.program(p)), Receipt: *r}
	fi, err := os.Stat(e.Path)
	if err != nil {
		return e, true
	}
	if id, ok := fileid.Of(fi); ok && toFileIdentity(id) == r.File {
		e.Intact = true
	} else if ok && fi.Size() == r.File.Size && s.noted(e, toFileIdentity(id)) {
		e.Intact = true // hashed by this user before, the receipt read-only
	} else if fi.Mode().IsRegular() && fi.Size() == r.File.Size {
		e.Intact = s.rehash(e)
	}
	return e, true
}

// rehash decides an entry whose file identity no longer matches its
// receipt but whose size does, by its content. A change time moves without
// the content changing: a hard link made by a backup or snapshot tool, a
// chmod, a profiler's build-id cache. When the SHA-256 is still the
// receipt's, the file is what was verified and signed, so the receipt
// takes the file's new identity (best effort: for a store this user cannot
// write, the check is noted in Options.VerifiedDir, and without one the
// file is hashed on each use) and the entry is intact; offline runs keep
// working. Otherwise it is not.
func (s *Store) rehash(e *Entry) bool {
	sum, id, unchanged, err := fileid.Hash(e.Path)
	if err != nil || !unchanged || sum != e.Receipt.SHA256 {
		return false
	}
	e.Receipt.File = toFileIdentity(id)
	if err := writeReceipt(filepath.Dir(e.Path), &e.Receipt); err != nil {
		if nerr := s.note(e, e.Receipt.File); nerr != nil {
			s.logf("%s matches its receipt's digest but the receipt could not be refreshed (%v) nor the check noted (%v): its content is hashed on each use", e.Path, err, nerr)
		}
	}
	return true
}

func readReceipt(path string) (*Receipt, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReceiptBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxReceiptBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxReceiptBytes)
	}
	var r Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// writeReceipt writes r atomically into dir.
func writeReceipt(dir string, r *Receipt) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ReceiptName), append(b, '\n'), 0o644)
}

// List returns every stored kubectl of every platform, newest version
// first (platforms by name within a version), intact or not. Folders and
// files the store did not make are ignored.
func (s *Store) List() ([]Entry, error) {
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	versions, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the kubectl store: %w", err)
	}
	var out []Entry
	for _, vd := range versions {
		tag, ok := canonicalTag(vd.Name())
		if !ok || !vd.IsDir() {
			continue
		}
		plats, err := os.ReadDir(filepath.Join(s.dir, tag))
		if err != nil {
			continue
		}
		for _, pd := range plats {
			p, ok := s.platformOf(pd.Name())
			if !ok || !pd.IsDir() {
				continue
			}
			if e, ok := s.load(tag, p); ok {
				out = append(out, *e)
			}
		}
	}
	sortEntries(out)
	return out, nil
}

// canonicalTag accepts a folder name that is an exact version written as
// Tag writes it ("v1.36.4").
func canonicalTag(name string) (string, bool) {
	if !strings.HasPrefix(name, "v") {
		return "", false
	}
	v, err := version.NewSemver(name)
	if err != nil || bootstrap.Tag(v) != name {
		return "", false
	}
	return name, true
}

// platformOf parses a platform folder name ("linux-amd64").
func platformOf(name string) (bootstrap.Platform, bool) {
	for _, p := range bootstrap.KubectlPlatforms {
		if p.OS+"-"+p.Arch == name {
			return p, true
		}
	}
	return bootstrap.Platform{}, false
}

func sortEntries(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int {
		va, _ := version.NewVersion(a.Version)
		vb, _ := version.NewVersion(b.Version)
		if c := vb.Compare(va); c != 0 {
			return c
		}
		return strings.Compare(a.Platform.String(), b.Platform.String())
	})
}

// Remove deletes the stored kubectl version (exact) of the store's
// platform. It waits for an install of that version to finish first.
// Errors match ErrNotStored when it is not there.
func (s *Store) Remove(ctx context.Context, ver string) error {
	tag, err := s.exactTag(ver)
	if err != nil {
		return err
	}
	e, ok := s.load(tag, s.p)
	if !ok {
		return &NotStoredError{Spec: tag, Platform: s.p, Dir: s.dir, Tool: s.toolName()}
	}
	return s.remove(ctx, e)
}

// remove deletes e's files and then its folders if empty, under the
// folder's install lock.
func (s *Store) remove(ctx context.Context, e *Entry) error {
	dir := filepath.Dir(e.Path)
	lock, err := bootstrap.LockInstallDir(ctx, dir, s.logf)
	if err != nil {
		return fmt.Errorf("remove kubectl %s: %w", e.Version, err)
	}
	// kubectl goes first: if it cannot (a running kubectl.exe on Windows),
	// nothing changed; once it is gone the entry is not intact whatever
	// happens next, and Ensure would install it again.
	if err := os.Remove(e.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		lock.Unlock()
		return fmt.Errorf("remove kubectl %s: %w", e.Version, err)
	}
	if err := os.Remove(filepath.Join(dir, ReceiptName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		lock.Unlock()
		return fmt.Errorf("remove kubectl %s: %w", e.Version, err)
	}
	// The install's own record of the program (exeinstall.RecordName).
	os.Remove(filepath.Join(dir, exeinstall.RecordName))
	lock.SweepFile(s.program(e.Platform))
	if lock.UnlockAndRemove() {
		os.Remove(dir)               // only if empty: files the store did not make stay
		os.Remove(filepath.Dir(dir)) // the version folder, if no other platform is in it
	}
	s.logf("removed %s %s for %s from %s", s.Tool(), e.Version, e.Platform, s.dir)
	return nil
}

// Prune keeps the newest keep versions of each platform and removes the
// others, returning what it removed (newest first). keep 0 empties the
// store. An entry that cannot be removed (a kubectl.exe running on
// Windows) stays, and the others are still removed; the error then joins
// every such failure.
func (s *Store) Prune(ctx context.Context, keep int) ([]Entry, error) {
	if keep < 0 {
		return nil, fmt.Errorf("prune: keep must be 0 or more, not %d", keep)
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	kept := map[bootstrap.Platform]int{}
	var removed []Entry
	var errs []error
	for i := range all {
		e := &all[i]
		if kept[e.Platform] < keep {
			kept[e.Platform]++
			continue
		}
		if err := s.remove(ctx, e); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		removed = append(removed, *e)
	}
	return removed, errors.Join(errs...)
}
