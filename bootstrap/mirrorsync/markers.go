package mirrorsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// markerFile matches the names of the release markers this package writes
// (and the only .txt files it ever removes).
var markerFile = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(stable|latest)(-\d+(\.\d+)?)?\.txt$`) })

// heldVersion is one release folder of the tree.
type heldVersion struct {
	v         *version.Version
	platforms []bootstrap.Platform // the bin/OS/ARCH folders that count (see scan)
	complete  bool                 // every one of them holds a binary and its .sha256
	signed    bool                 // every one of them holds .sig and .cert beside the binary
	// missing are the platform folders without a binary: an abandoned
	// one (nothing in it but the install lock: a failed download) does
	// not count, an unfinished one (a temp file, companions) does.
	missing []bootstrap.Platform
}

// scan lists the release folders under root. A folder bin/OS/ARCH counts
// as complete when it holds the binary and its .sha256 (FetchKubectl
// renames the binary last, so the two are there together); one that holds
// nothing but the install lock, as a failed download leaves it, does not
// count at all, so a platform that failed once does not keep its version
// out of the markers of every later sync.
func scan(root string) (map[string]*heldVersion, error) {
	rel := filepath.Join(root, "release")
	entries, err := os.ReadDir(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*heldVersion{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]*heldVersion{}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "v") {
			continue
		}
		v, err := version.NewSemver(e.Name())
		if err != nil || bootstrap.Tag(v) != e.Name() {
			continue
		}
		h := &heldVersion{v: v, complete: true, signed: true}
		bin := filepath.Join(rel, e.Name(), "bin")
		oses, _ := os.ReadDir(bin)
		for _, o := range oses {
			if !o.IsDir() {
				continue
			}
			arches, _ := os.ReadDir(filepath.Join(bin, o.Name()))
			for _, a := range arches {
				if !a.IsDir() {
					continue
				}
				p := bootstrap.Platform{OS: o.Name(), Arch: a.Name()}
				exe := filepath.Join(bin, o.Name(), a.Name(), p.Executable())
				whole := true
				for _, f := range []string{exe, exe + ".sha256"} {
					if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
						whole = false
					}
				}
				if !whole {
					h.missing = append(h.missing, p)
					if abandoned(filepath.Join(bin, o.Name(), a.Name())) {
						continue
					}
					h.complete = false
				}
				for _, f := range []string{exe + ".sig", exe + ".cert"} {
					if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
						h.signed = false
					}
				}
				h.platforms = append(h.platforms, p)
			}
		}
		if len(h.platforms) == 0 {
			h.complete = false
		}
		out[e.Name()] = h
	}
	return out, nil
}

// abandoned reports whether a platform folder holds nothing but the
// install lock.
func abandoned(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() != bootstrap.InstallLockName {
			return false
		}
	}
	return true
}

// wantMarkers returns, for the complete versions, the markers dl.k8s.io
// would publish if these were all its releases: stable, stable-M and
// stable-M.N name the newest release without a pre-release part; latest,
// latest-M and latest-M.N the newest including pre-releases.
//
// Unless unsigned is true (signature checks are off), stable, latest,
// stable-M and latest-M name only signed versions: a client following
// them refuses an unsigned version a marker chose (bootstrap.SignatureAuto),
// so such a marker would only break it. A release line's own markers
// (stable-M.N) may name an unsigned version of that line, which a client
// asking for the line by name accepts.
func wantMarkers(held map[string]*heldVersion, exclude map[string]bool, unsigned bool) map[string]string {
	want := map[string]*version.Version{}
	newer := func(name string, v *version.Version) {
		if cur, ok := want[name]; !ok || v.GreaterThan(cur) {
			want[name] = v
		}
	}
	for tag, h := range held {
		if !h.complete || exclude[tag] {
			continue
		}
		seg := h.v.Segments()
		lines := []string{fmt.Sprintf("-%d.%d", seg[0], seg[1])}
		if h.signed || unsigned {
			lines = append(lines, "", fmt.Sprintf("-%d", seg[0]))
		}
		for _, l := range lines {
			newer("latest"+l, h.v)
			if h.v.Prerelease() == "" {
				newer("stable"+l, h.v)
			}
		}
	}
	out := make(map[string]string, len(want))
	for name, v := range want {
		out[name] = bootstrap.Tag(v)
	}
	return out
}

// writeMarkers rewrites root/release's markers for what the tree holds,
// each atomically, and removes marker files that name nothing held. No
// marker moves to a version in exclude (those with a file that failed this
// run); but a marker that names a version the tree still fully holds, none
// of whose files on disk failed (not in bad), is never moved back or
// removed by such a failure: one failed platform does not take the mirror
// down. unsigned is wantMarkers'.
func writeMarkers(root string, exclude, bad map[string]bool, unsigned bool) ([]Marker, error) {
	held, err := scan(root)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	want := wantMarkers(held, exclude, unsigned)
	rel := filepath.Join(root, "release")
	if current, _ := os.ReadDir(rel); len(exclude) > 0 {
		for _, e := range current {
			if !markerFile().MatchString(e.Name()) || !e.Type().IsRegular() {
				continue
			}
			name := strings.TrimSuffix(e.Name(), ".txt")
			b, err := readMarker(filepath.Join(rel, e.Name()))
			h := held[strings.TrimSpace(string(b))]
			if err != nil || h == nil || !h.complete || bad[bootstrap.Tag(h.v)] {
				continue
			}
			// The version may carry this marker at all (its line, and
			// whatever else wantMarkers asks of it).
			if wantMarkers(map[string]*heldVersion{bootstrap.Tag(h.v): h}, nil, unsigned)[name] != bootstrap.Tag(h.v) {
				continue
			}
			if cur, err := version.NewSemver(want[name]); err != nil || h.v.GreaterThan(cur) {
				want[name] = bootstrap.Tag(h.v)
			}
		}
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Marker
	var errs []error
	for _, n := range names {
		path := filepath.Join(rel, n+".txt")
		if b, err := os.ReadFile(path); err != nil || strings.TrimSpace(string(b)) != want[n] {
			// As dl.k8s.io serves them: the version, no newline.
			if err := atomicfile.WriteFile(path, []byte(want[n]), 0o644); err != nil {
				errs = append(errs, fmt.Errorf("write release marker %s: %w", path, err))
				continue
			}
		}
		out = append(out, Marker{Name: n, Path: path, Version: want[n]})
	}
	entries, _ := os.ReadDir(rel)
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".txt")
		if markerFile().MatchString(e.Name()) && e.Type().IsRegular() && want[name] == "" {
			if err := os.Remove(filepath.Join(rel, e.Name())); err != nil {
				errs = append(errs, fmt.Errorf("remove release marker %s, which names nothing the tree holds: %w", e.Name(), err))
			}
		}
	}
	return out, errors.Join(errs...)
}

// Verify re-checks the tree under dir (in opts.Layout) offline: every
// binary against its .sha256 and its signature (opts.Signature, Install's
// rules), every platform folder for its binary (one without is an
// *IncompleteError: a sync failed or was interrupted there), and every
// marker against the versions the tree fully holds (a missing, stale or
// extra marker is a *MarkerError). It reads no network.
// When anything fails the error is an *Error listing every failure; it
// matches bootstrap.ErrVerification for a tampered file or a stale marker.
func Verify(ctx context.Context, dir string, opts Options) (*Report, error) {
	root, err := root(dir, opts.Layout)
	if err != nil {
		return nil, err
	}
	c, err := opts.client()
	if err != nil {
		return nil, err
	}
	top, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var toolErrs []error
	tools := &Report{}
	if len(heldTools(top)) > 0 {
		toolErrs = verifyTools(ctx, c, top, opts, tools)
	}
	tufDir := filepath.Join(root, bootstrap.SigstoreTUFFolder)
	_, tufErr := os.Stat(tufDir)
	_, relErr := os.Stat(filepath.Join(root, "release"))
	if relErr != nil && len(tools.Tools) == 0 && tufErr != nil && !opts.SigstoreTUF {
		return nil, fmt.Errorf("%s holds no release folder, no tool's files and no copy of Sigstore's TUF repository: %w", root, relErr)
	}
	rep := &Report{Root: root}
	var errs []error
	if tufErr == nil || opts.SigstoreTUF {
		m, err := c.VerifySigstoreTUFMirror(tufDir)
		if err != nil {
			errs = append(errs, err)
		}
		rep.SigstoreTUF = m
	}
	if relErr != nil {
		if len(tools.Tools) > 0 {
			rep.Root = top
		}
		rep.Tools, rep.ToolMarkers = tools.Tools, tools.ToolMarkers
		errs = append(errs, toolErrs...)
		if len(errs) > 0 {
			return rep, &Error{Op: "verify", Errors: errs}
		}
		return rep, nil
	}
	held, err := scan(root)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	tags := make([]*version.Version, 0, len(held))
	for _, h := range held {
		tags = append(tags, h.v)
	}
	sort.Sort(version.Collection(tags))
	bad := map[string]bool{}
	for _, v := range tags {
		tag := bootstrap.Tag(v)
		rep.Versions = append(rep.Versions, tag)
		h := held[tag]
		for _, p := range h.missing {
			path := filepath.Join(binDir(root, tag, p), p.Executable())
			err := &IncompleteError{Version: tag, Platform: p, Path: path}
			rep.Files = append(rep.Files, File{Version: tag, Platform: p, OSArch: p.String(), Path: path, Status: Failed, Err: err, Error: err.Error()})
			errs = append(errs, err)
			bad[tag] = true
		}
		for _, p := range h.platforms {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			path := filepath.Join(binDir(root, tag, p), p.Executable())
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				continue // reported with h.missing
			}
			f := File{Version: tag, Platform: p, OSArch: p.String(), Path: path}
			pub, err := c.VerifyKubectlFile(tag, "", p, path)
			if err != nil {
				f.Status, f.Err, f.Error = Failed, err, err.Error()
				errs = append(errs, fmt.Errorf("kubectl %s for %s: %w", tag, p, err))
				bad[tag] = true
			} else {
				f.Status, f.SHA256, f.Signature = Present, pub.SHA256, pub.Signature
			}
			rep.Files = append(rep.Files, f)
		}
	}
	want := wantMarkers(held, bad, opts.Signature.Mode == bootstrap.SignatureOff)
	rel := filepath.Join(root, "release")
	found := map[string]bool{}
	entries, _ := os.ReadDir(rel)
	for _, e := range entries {
		if !markerFile().MatchString(e.Name()) {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".txt")
		found[name] = true
		path := filepath.Join(rel, e.Name())
		m := Marker{Name: name, Path: path}
		b, err := readMarker(path)
		names := strings.TrimSpace(string(b))
		m.Version = names
		unsignedHeld := held[names] != nil && held[names].complete && !held[names].signed && !bad[names]
		switch {
		case err != nil:
			m.Err = err
		case names != want[name] && unsignedHeld && opts.Signature.Mode != bootstrap.SignatureOff:
			m.Err = &MarkerError{Path: path, Names: names, Want: want[name], Reason: fmt.Sprintf("names %s, which has no signature: clients following %s refuse a version a marker chose unsigned", names, name)}
		case want[name] == "":
			m.Err = &MarkerError{Path: path, Names: names, Reason: fmt.Sprintf("names %q, but the tree fully holds no version of that line", names)}
		case names != want[name]:
			m.Err = &MarkerError{Path: path, Names: names, Want: want[name], Reason: fmt.Sprintf("names %q, but the newest version of that line the tree fully holds is %s", names, want[name])}
		}
		rep.Markers = append(rep.Markers, m)
	}
	missing := make([]string, 0)
	for name := range want {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		path := filepath.Join(rel, name+".txt")
		rep.Markers = append(rep.Markers, Marker{Name: name, Path: path, Err: &MarkerError{Path: path, Want: want[name], Reason: "is missing: it should name " + want[name]}})
	}
	for i := range rep.Markers {
		if m := &rep.Markers[i]; m.Err != nil {
			m.Error = m.Err.Error()
			errs = append(errs, m.Err)
		}
	}
	rep.Tools, rep.ToolMarkers = tools.Tools, tools.ToolMarkers
	errs = append(errs, toolErrs...)
	if len(errs) > 0 {
		return rep, &Error{Op: "verify", Errors: errs}
	}
	return rep, nil
}

// readMarker reads a marker file, at most 1 KiB of it (dl.k8s.io's are a
// version string).
func readMarker(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<10))
}
