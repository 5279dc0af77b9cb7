// Package mirrorsync builds and checks a dl.k8s.io-shaped tree of kubectl
// releases that an organisation serves to its machines from any static web
// server, object store or repository manager:
//
//	release/stable.txt, stable-1.txt, stable-1.N.txt, latest.txt, latest-1.txt, latest-1.N.txt
//	release/vX.Y.Z/bin/OS/ARCH/kubectl[.exe]{,.sha256,.sig,.cert}
//
// kubeboot (bootstrap.Options.BaseURL), plain curl recipes and kubespray
// (LayoutKubespray puts the same tree under dl.k8s.io/ for its files_repo)
// read it unchanged.
//
// Invariants:
//   - A binary appears under its final name only after it was verified on
//     the way in exactly as bootstrap.Client.Install verifies it (the
//     Sigstore signature over the published digest, then the SHA-256 of the
//     bytes received), by bootstrap.Client.FetchKubectl: temp file in the
//     destination folder, companions (.sha256, .sig, .cert) written
//     atomically, the binary renamed last, under the folder's install lock.
//     A file that fails is reported and never published; the rest of the
//     tree completes.
//   - A binary already present is re-checked locally and offline
//     (bootstrap.Client.VerifyKubectlFile: its signature and its .sha256)
//     and not requested again; two syncs into one tree take turns per
//     folder and download each file once.
//   - Every requested version/platform gets its folder bin/OS/ARCH before
//     its download starts. Markers are written last, each atomically, and
//     name only versions whose every platform folder holds a binary with
//     its .sha256 (and, for the versions of this run, every file verified),
//     so a failed or unfinished platform keeps its version out of them.
//     Marker files naming nothing the tree holds are removed. A folder that
//     holds nothing but its install lock (a failed download) does not count
//     as a platform of its version, and a failure never moves back or
//     removes a marker naming a version the tree still fully holds.
//   - With Options.SigstoreTUF, Sigstore's TUF repository is copied into
//     sigstore-tuf/ (bootstrap.Client.MirrorSigstoreTUF): verified as a
//     whole by kubeboot's own TUF client before any file of it lands,
//     timestamp.json written last; Verify checks the copy verifies from
//     the root clients start from, and is not stale.
//   - An interrupted sync (cancelled, or killed) leaves at most temp files,
//     which the next run sweeps under the folder's lock; a download broken
//     off within a run resumes with a Range request.
package mirrorsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap"
)

// Layout says where under Options.Dir the release tree goes.
type Layout string

const (
	// LayoutPlain (the default) puts release/ directly under Dir: Dir is
	// the mirror's base URL, as for bootstrap.Options.BaseURL.
	LayoutPlain Layout = "plain"
	// LayoutKubespray puts it under Dir/dl.k8s.io/, the layout of
	// kubespray's files_repo (files_repo/dl.k8s.io/release/...).
	LayoutKubespray Layout = "kubespray"
)

// DefaultParallel is how many binaries Sync downloads at once by default.
const DefaultParallel = 3

// MaxParallel bounds Options.Parallel.
const MaxParallel = 16

// Options configure Sync and Verify.
type Options struct {
	// Dir is the folder that holds the tree. Required.
	Dir string
	// Versions are kubeboot version specs ("stable", "1.36", "v1.35.4",
	// ">=1.35, <1.37"), each resolved against From. Required for Sync,
	// unless SigstoreTUF is set.
	Versions []string
	// SigstoreTUF makes Sync copy Sigstore's TUF repository
	// (Signature.TUFURL, else bootstrap.DefaultSigstoreTUFURL, verified
	// from Signature.TUFRoot, else the built-in root) into the tree's
	// sigstore-tuf/ folder, for clients whose SignatureOptions.TUFURL is
	// the mirror's URL followed by /sigstore-tuf.
	SigstoreTUF bool
	// Platforms to copy; default linux/amd64.
	Platforms []bootstrap.Platform
	// From is the upstream base URL; default bootstrap.DefaultBaseURL.
	From string
	// Layout is LayoutPlain when empty.
	Layout Layout
	// Parallel is how many binaries download at once; default
	// DefaultParallel, at most MaxParallel.
	Parallel int
	// Signature governs the signature check, with Install's rules and
	// defaults.
	Signature bootstrap.SignatureOptions
	// HTTPClient sends every request; default bootstrap.NewHTTPClient().
	HTTPClient *http.Client
	// Logf receives notes on what is done, one call at a time although
	// downloads run in parallel; default: discard.
	Logf func(format string, args ...any)

	// Tools are catalogue tools to copy as well, "NAME" (its latest
	// release) or "NAME@SPEC" ("helm@3", "virtctl@v1.6.0"), for every
	// platform of Platforms the tool is published for, into Dir in the
	// files_repo layout (see tools.go). Sync needs Versions or Tools.
	Tools []string
	// ToolsFrom is a mirror root the tools are read from (as
	// bootstrap.Options.MirrorRoot); default upstream's hosts.
	ToolsFrom string
	// GitHubAPIURL, GitHubToken and Keyrings are bootstrap.Options'.
	GitHubAPIURL string
	GitHubToken  string
	Keyrings     map[string][]byte
	// ToolSignature governs the tools' PGP signatures, as
	// bootstrap.ToolRequest.Signature.
	ToolSignature bootstrap.SignatureMode
}

// Status says what happened to one binary.
type Status string

const (
	// Fetched: downloaded, verified and published by this run.
	Fetched Status = "fetched"
	// Present: already in the tree, re-hashed and re-verified locally.
	Present Status = "present"
	// Failed: not published (or, for Verify, not valid); see File.Err.
	Failed Status = "failed"
)

// File is one kubectl binary of the tree.
type File struct {
	Version  string             `json:"version"`
	Platform bootstrap.Platform `json:"-"`
	OSArch   string             `json:"platform"` // "linux/amd64"
	Path     string             `json:"path"`
	SHA256   string             `json:"sha256,omitempty"`
	Status   Status             `json:"status"`
	Bytes    int64              `json:"bytes"` // downloaded by this run
	// Signature is what the signature check found; nil when it is off.
	Signature *bootstrap.SignatureResult `json:"signature,omitempty"`
	Err       error                      `json:"-"`
	Error     string                     `json:"error,omitempty"`
	// chosenBy is what chose Version when no spec of the run named it
	// (bootstrap.Spec.ChosenBy): then it must be signed.
	chosenBy string
}

// Marker is one release marker file of the tree.
type Marker struct {
	Name    string `json:"name"`    // "stable-1.36"
	Path    string `json:"path"`    // the file
	Version string `json:"version"` // the version it names
	Err     error  `json:"-"`       // for Verify: why it is wrong
	Error   string `json:"error,omitempty"`
}

// Report says what Sync or Verify found.
type Report struct {
	// Root is the folder holding release/ (Dir, or Dir/dl.k8s.io).
	Root string `json:"root"`
	// Versions are the exact versions this run was about, oldest first.
	Versions []string `json:"versions"`
	Files    []File   `json:"files"`
	Markers  []Marker `json:"markers"`
	// Tools are the catalogue tools' files, ToolMarkers their version
	// markers (a release page, for a tool found by its redirect).
	Tools       []ToolFile `json:"tools,omitempty"`
	ToolMarkers []Marker   `json:"toolMarkers,omitempty"`
	// SigstoreTUF is the copy of Sigstore's TUF repository synced or
	// verified; nil when none was.
	SigstoreTUF *bootstrap.SigstoreTUFMirror `json:"sigstoreTUF,omitempty"`
}

// FailedTools lists the tool files that failed.
func (r *Report) FailedTools() []ToolFile {
	var out []ToolFile
	for _, f := range r.Tools {
		if f.Status == Failed {
			out = append(out, f)
		}
	}
	return out
}

// Failed lists the files that failed.
func (r *Report) Failed() []File {
	var out []File
	for _, f := range r.Files {
		if f.Status == Failed {
			out = append(out, f)
		}
	}
	return out
}

// ErrStaleMarker means a marker of the tree names a version the tree does
// not fully hold, or not the newest one of its line that it holds. The
// error is a *MarkerError; it matches bootstrap.ErrVerification.
var ErrStaleMarker = errors.New("stale release marker")

// MarkerError reports a marker that does not match the tree.
type MarkerError struct {
	Path   string // the marker file
	Names  string // the version it names ("" when unreadable)
	Want   string // what it should name ("" when nothing: it should not exist)
	Reason string
}

func (e *MarkerError) Error() string {
	return fmt.Sprintf("release marker %s %s; rerun the sync to rewrite the markers", e.Path, e.Reason)
}

// Is makes errors.Is match ErrStaleMarker and bootstrap.ErrVerification.
func (e *MarkerError) Is(target error) bool {
	return target == ErrStaleMarker || target == bootstrap.ErrVerification
}

// Error is what Sync and Verify return when some files or markers failed
// while the rest were handled. errors.Is sees through to every failure:
// errors.Is(err, bootstrap.ErrVerification) holds when any of them is a
// verification failure.
type Error struct {
	Op     string // "sync" or "verify"
	Errors []error
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, err := range e.Errors {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("mirror %s: %d failure(s): %s", e.Op, len(e.Errors), strings.Join(msgs, "; "))
}

// Unwrap returns every failure.
func (e *Error) Unwrap() []error { return e.Errors }

// ErrIncomplete means a platform folder of the tree holds no binary: a
// sync failed or was interrupted there. The error is an *IncompleteError.
var ErrIncomplete = errors.New("incomplete mirror")

// IncompleteError reports a platform folder without its binary.
type IncompleteError struct {
	Version  string
	Platform bootstrap.Platform
	Path     string // the binary that is missing
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("kubectl %s for %s is missing (%s): a sync failed or was interrupted there; "+
		"sync that version and platform again, or remove the folder if the platform is no longer wanted", e.Version, e.Platform, e.Path)
}

// Is makes errors.Is match ErrIncomplete.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// root returns the folder holding release/.
func root(dir string, l Layout) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("%w: the mirror folder is required", bootstrap.ErrInvalidOption)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	switch l {
	case "", LayoutPlain:
		return abs, nil
	case LayoutKubespray:
		return filepath.Join(abs, "dl.k8s.io"), nil
	}
	return "", fmt.Errorf("%w: layout %q: use plain or kubespray", bootstrap.ErrInvalidOption, l)
}

// ParseLayout parses plain or kubespray ("" is plain).
func ParseLayout(s string) (Layout, error) {
	switch l := Layout(strings.ToLower(strings.TrimSpace(s))); l {
	case "":
		return LayoutPlain, nil
	case LayoutPlain, LayoutKubespray:
		return l, nil
	}
	return "", fmt.Errorf("%w: layout %q: use plain or kubespray", bootstrap.ErrInvalidOption, s)
}

func (o *Options) client() (*bootstrap.Client, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	var mu sync.Mutex
	logf := o.Logf
	o.Logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logf(format, args...)
	}
	return bootstrap.New(bootstrap.Options{
		BaseURL:       o.From,
		HTTPClient:    o.HTTPClient,
		Signature:     o.Signature,
		Logf:          o.Logf,
		NoDigestCache: true,
		MirrorRoot:    o.ToolsFrom,
		GitHubAPIURL:  o.GitHubAPIURL,
		GitHubToken:   o.GitHubToken,
		Keyrings:      o.Keyrings,
	})
}

// binDir is where version tag's binary for p lives under root.
func binDir(root, tag string, p bootstrap.Platform) string {
	return filepath.Join(root, "release", tag, "bin", p.OS, p.Arch)
}

// Sync resolves every spec of opts.Versions against opts.From and copies
// each version's kubectl for every platform into the tree, verified, then
// rewrites the markers. Binaries already present and valid are not
// requested again. When some files fail, the others are still published
// and the error is an *Error listing the failures (errors.Is(err,
// bootstrap.ErrVerification) when one of them is untrustworthy); the
// Report is returned either way once the versions are resolved.
func Sync(ctx context.Context, opts Options) (*Report, error) {
	root, err := root(opts.Dir, opts.Layout)
	if err != nil {
		return nil, err
	}
	if len(opts.Versions) == 0 && len(opts.Tools) == 0 && !opts.SigstoreTUF {
		return nil, fmt.Errorf("%w: name at least one version or tool to mirror, or Sigstore's TUF repository", bootstrap.ErrInvalidOption)
	}
	if len(opts.Platforms) == 0 {
		opts.Platforms = []bootstrap.Platform{{OS: "linux", Arch: "amd64"}}
	}
	for _, p := range opts.Platforms {
		if err := p.Validate(); err != nil && len(opts.Versions) > 0 {
			return nil, err
		}
	}
	for _, s := range opts.Tools {
		if _, _, err := ToolSpec(s); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.Parallel <= 0:
		opts.Parallel = DefaultParallel
	case opts.Parallel > MaxParallel:
		opts.Parallel = MaxParallel
	}
	c, err := opts.client()
	if err != nil {
		return nil, err
	}
	rep := &Report{Root: root}
	var errs []error
	if opts.SigstoreTUF {
		// First: a kubectl below may be checked under its trusted root.
		tufDir := filepath.Join(root, bootstrap.SigstoreTUFFolder)
		m, err := c.MirrorSigstoreTUF(ctx, tufDir)
		if err != nil {
			opts.Logf("%v", err)
			errs = append(errs, err)
		} else {
			rep.SigstoreTUF = m
			opts.Logf("synced Sigstore's TUF repository into %s (root %d, %d files, %d downloaded)", tufDir, m.RootVersion, len(m.Files), m.Fetched)
		}
		if len(opts.Versions) == 0 {
			if len(errs) > 0 {
				return rep, &Error{Op: "sync", Errors: errs}
			}
			return rep, ctx.Err()
		}
	}
	seen := map[string]*version.Version{}
	chosenBy := map[string]string{} // "" once any spec named the version
	for _, spec := range opts.Versions {
		sp, err := bootstrap.ParseSpec(spec)
		if err != nil {
			return nil, err
		}
		v, err := c.Resolve(ctx, spec)
		if err != nil {
			return nil, fmt.Errorf("resolve %q: %w", spec, err)
		}
		tag := bootstrap.Tag(v)
		by := sp.ChosenBy(v)
		if by != "" {
			by += " at " + c.BaseURL()
		}
		if prev, ok := chosenBy[tag]; !ok || prev != "" {
			chosenBy[tag] = by
		}
		seen[tag] = v
	}
	vs := make([]*version.Version, 0, len(seen))
	for _, v := range seen {
		vs = append(vs, v)
	}
	sort.Sort(version.Collection(vs))
	for _, v := range vs {
		rep.Versions = append(rep.Versions, bootstrap.Tag(v))
		for _, p := range opts.Platforms {
			rep.Files = append(rep.Files, File{Version: bootstrap.Tag(v), Platform: p, OSArch: p.String(), chosenBy: chosenBy[bootstrap.Tag(v)],
				Path: filepath.Join(binDir(root, bootstrap.Tag(v), p), p.Executable())})
		}
	}

	jobs := make(chan *File)
	var wg sync.WaitGroup
	for range opts.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				syncFile(ctx, c, opts.Logf, f)
			}
		}()
	}
	for i := range rep.Files {
		jobs <- &rep.Files[i]
	}
	close(jobs)
	wg.Wait()

	failed, bad := map[string]bool{}, map[string]bool{}
	for _, f := range rep.Files {
		if f.Status == Failed {
			errs = append(errs, f.Err)
			failed[f.Version] = true
			if _, err := os.Lstat(f.Path); err == nil {
				bad[f.Version] = true // a file on disk that does not verify
			}
		}
	}
	if ctx.Err() == nil && len(opts.Versions) > 0 {
		// Markers last: a version counts only when all of it is here.
		markers, err := writeMarkers(root, failed, bad, opts.Signature.Mode == bootstrap.SignatureOff)
		rep.Markers = markers
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(opts.Tools) > 0 {
		errs = append(errs, syncTools(ctx, c, dir, opts, rep)...)
	}
	if len(errs) > 0 {
		return rep, &Error{Op: "sync", Errors: errs}
	}
	return rep, ctx.Err()
}

func syncFile(ctx context.Context, c *bootstrap.Client, logf func(string, ...any), f *File) {
	fail := func(err error) {
		f.Status, f.Err, f.Error = Failed, err, err.Error()
		logf("kubectl %s %s: %v", f.Version, f.OSArch, err)
	}
	if err := ctx.Err(); err != nil {
		fail(err)
		return
	}
	if pub, err := c.VerifyKubectlFile(f.Version, f.chosenBy, f.Platform, f.Path); err == nil {
		f.Status, f.SHA256, f.Signature = Present, pub.SHA256, pub.Signature
		return
	} else if !errors.Is(err, fs.ErrNotExist) {
		logf("%s is not valid (%v); fetching it again", f.Path, err)
	}
	// The folder says the platform belongs to the version: until its
	// binary is there, markers leave the version out (scan).
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		fail(fmt.Errorf("kubectl %s for %s: create folder: %w", f.Version, f.OSArch, err))
		return
	}
	pub, n, err := c.FetchKubectl(ctx, f.Version, f.chosenBy, f.Platform, filepath.Dir(f.Path))
	f.Bytes = n
	if err != nil {
		fail(fmt.Errorf("kubectl %s for %s: %w", f.Version, f.OSArch, err))
		return
	}
	f.Status, f.SHA256, f.Signature = Fetched, pub.SHA256, pub.Signature
	logf("fetched kubectl %s for %s (%d bytes, sha256 %s)", f.Version, f.OSArch, n, pub.SHA256)
}
