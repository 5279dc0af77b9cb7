package mirrorsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// The catalogue's other tools (helm, virtctl, the credential plugins) go
// into the same folder in the files_repo layout: upstream's
// https://HOST/PATH is Dir/HOST/PATH whatever Options.Layout says, so
// that a client whose MirrorRoot is the URL serving Dir installs them
// (bootstrap.Client.InstallTool):
//
//	get.helm.sh/helm-vX-OS-ARCH.tar.gz{,.sha256sum}, helm-latest-version, helm3-latest-version
//	github.com/helm/helm/releases/download/vX/helm-vX-OS-ARCH.tar.gz.asc
//	github.com/O/R/releases/download/vX/FILE (+ its .sha256 or checksum list)
//	github.com/O/R/releases/latest                  (a marker holding the tag: a static server cannot redirect)
//	api.github.com/repos/O/R/releases/tags/vX       (GitHub's release answer, with the asset digests)
//	storage.googleapis.com/kubevirt-prow/release/kubevirt/kubevirt/stable.txt
//
// The GitHub API answers are served from the same tree: a client with a
// MirrorRoot and no GitHubAPIURL reads MirrorRoot/api.github.com/, so an
// air-gapped organisation needs no API of its own (a GitHub Enterprise
// Server would not hold kubevirt's releases anyway). The invariants are
// the kubectl tree's: a file appears under its name only after it was
// verified on the way in exactly as InstallTool verifies it
// (bootstrap.Client.MirrorTool), its evidence written before it; a file
// present is checked again offline and not requested; a version marker is
// written last, only when every platform of its version is in the tree.

// ToolFile is one file of a catalogue tool in the tree.
type ToolFile struct {
	Tool     string             `json:"tool"`
	Version  string             `json:"version"`
	Platform bootstrap.Platform `json:"-"`
	OSArch   string             `json:"platform"`
	Path     string             `json:"path,omitempty"`
	SHA256   string             `json:"sha256,omitempty"`
	Status   Status             `json:"status"`
	Bytes    int64              `json:"bytes"`
	// Evidence lists what the file was checked against, and whose word
	// each is; Unchecked what was not (a PGP signature without a keyring).
	Evidence  []bootstrap.ToolEvidence `json:"evidence,omitempty"`
	Unchecked []string                 `json:"unchecked,omitempty"`
	Err       error                    `json:"-"`
	Error     string                   `json:"error,omitempty"`
}

// ToolSpec parses "NAME" or "NAME@SPEC" (helm@3, virtctl@v1.6.0).
func ToolSpec(s string) (tool, spec string, err error) {
	tool, spec, _ = strings.Cut(strings.TrimSpace(s), "@")
	t := catalog.Lookup(tool)
	switch {
	case t == nil:
		return "", "", fmt.Errorf("%w: %w", bootstrap.ErrInvalidOption, &bootstrap.UnknownToolError{Name: tool})
	case t.Name == "kubectl":
		return "", "", fmt.Errorf("%w: kubectl is mirrored by its versions (--versions), in dl.k8s.io's layout", bootstrap.ErrInvalidOption)
	case t.Delegate != "":
		return "", "", fmt.Errorf("%w: %w", bootstrap.ErrInvalidOption, &bootstrap.DelegatedError{Tool: t.Name, Instead: t.Delegate})
	}
	if _, err := t.Choose(spec); err != nil {
		return "", "", fmt.Errorf("%w: %v", bootstrap.ErrInvalidVersionSpec, err)
	}
	return tool, spec, nil
}

// toolPlatforms are the platforms of ps tool t publishes.
func toolPlatforms(t *catalog.Tool, ps []bootstrap.Platform) []bootstrap.Platform {
	var out []bootstrap.Platform
	for _, p := range ps {
		if t.Supports(catalog.Platform{OS: p.OS, Arch: p.Arch}) {
			out = append(out, p)
		}
	}
	return out
}

// syncTools copies every tool of opts.Tools into dir and writes the
// version markers of the specs that followed one.
func syncTools(ctx context.Context, c *bootstrap.Client, dir string, opts Options, rep *Report) []error {
	var errs []error
	type job struct {
		f    *ToolFile
		spec int
	}
	type want struct {
		tool   *catalog.Tool
		marker string // upstream's marker or release page, "" for an exact version
		files  []int
	}
	var wants []want
	for _, s := range opts.Tools {
		name, spec, err := ToolSpec(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t := catalog.Lookup(name)
		ps := toolPlatforms(t, opts.Platforms)
		if len(ps) == 0 {
			errs = append(errs, fmt.Errorf("%s is published for none of the platforms asked", name))
			continue
		}
		tag, err := c.ResolveTool(ctx, name, spec, ps[0])
		if err != nil {
			errs = append(errs, fmt.Errorf("resolve %s %q: %w", name, spec, err))
			continue
		}
		ch, _ := t.Choose(spec)
		w := want{tool: t, marker: ch.URL}
		for _, p := range ps {
			w.files = append(w.files, len(rep.Tools))
			rep.Tools = append(rep.Tools, ToolFile{Tool: name, Version: tag, Platform: p, OSArch: p.String()})
		}
		wants = append(wants, w)
	}
	jobs := make(chan *ToolFile)
	var wg sync.WaitGroup
	for range opts.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				syncTool(ctx, c, dir, opts, f)
			}
		}()
	}
	for i := range rep.Tools {
		jobs <- &rep.Tools[i]
	}
	close(jobs)
	wg.Wait()
	for _, w := range wants {
		ok := true
		for _, i := range w.files {
			if f := rep.Tools[i]; f.Status == Failed {
				errs = append(errs, f.Err)
				ok = false
			}
		}
		if !ok || w.marker == "" || ctx.Err() != nil {
			continue
		}
		tag := rep.Tools[w.files[0]].Version
		path := catalog.MirroredPath(dir, w.marker)
		m := Marker{Name: w.tool.Name + " " + strings.TrimPrefix(w.marker, "https://"), Path: path, Version: tag}
		if _, err := atomicfile.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := atomicfile.WriteFile(path, []byte(tag+"\n"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("write the marker %s: %w", path, err))
			continue
		}
		rep.ToolMarkers = append(rep.ToolMarkers, m)
	}
	return errs
}

func syncTool(ctx context.Context, c *bootstrap.Client, dir string, opts Options, f *ToolFile) {
	if err := ctx.Err(); err != nil {
		failTool(opts.Logf, f, err)
		return
	}
	res, err := c.MirrorTool(ctx, bootstrap.ToolMirrorRequest{Tool: f.Tool, Version: f.Version, Platform: f.Platform, Root: dir,
		Signature: opts.ToolSignature})
	if err != nil {
		failTool(opts.Logf, f, err)
		return
	}
	f.Path, f.SHA256, f.Bytes, f.Evidence, f.Unchecked = res.Path, res.SHA256, res.Bytes, res.Evidence, res.Unchecked
	f.Status = Fetched
	if res.Present {
		f.Status = Present
		return
	}
	opts.Logf("fetched %s %s for %s (%d bytes, sha256 %s)", f.Tool, f.Version, f.OSArch, res.Bytes, res.SHA256)
}

func failTool(logf func(string, ...any), f *ToolFile, err error) {
	err = fmt.Errorf("%s %s for %s: %w", f.Tool, f.Version, f.OSArch, err)
	f.Status, f.Err, f.Error = Failed, err, err.Error()
	logf("%v", err)
}

// scanTag stands for a version in a file's path while the tree is scanned.
const scanTag = "v999.999.999-kubebootscan"

// heldTools lists every catalogue tool file the tree under dir holds, by
// the paths the catalogue gives them.
func heldTools(dir string) []ToolFile {
	var out []ToolFile
	for _, t := range catalog.All() {
		if t.Delegate != "" || t.Name == "kubectl" {
			continue
		}
		for _, cp := range t.Platforms {
			art, _ := t.Artifact(scanTag, cp)
			for _, tag := range tagsIn(catalog.MirroredPath(dir, art.URL)) {
				a, _ := t.Artifact(tag, cp)
				path := catalog.MirroredPath(dir, a.URL)
				if _, err := os.Lstat(path); err != nil {
					continue
				}
				p := bootstrap.Platform{OS: cp.OS, Arch: cp.Arch}
				out = append(out, ToolFile{Tool: t.Name, Version: tag, Platform: p, OSArch: p.String(), Path: path})
			}
		}
	}
	return out
}

// tagsIn lists the versions for which a file of the path pattern (scanTag
// standing for the version) may be in the tree: the names in the folder
// of the pattern's first part that holds the version.
func tagsIn(pattern string) []string {
	parts := strings.Split(filepath.ToSlash(pattern), "/")
	for i, part := range parts {
		if !strings.Contains(part, strings.TrimPrefix(scanTag, "v")) {
			continue
		}
		re := regexp.QuoteMeta(part)
		re = strings.ReplaceAll(re, regexp.QuoteMeta(scanTag), `(v[0-9][0-9A-Za-z.+-]*)`)
		re = strings.ReplaceAll(re, regexp.QuoteMeta(strings.TrimPrefix(scanTag, "v")), `([0-9][0-9A-Za-z.+-]*)`)
		rx := regexp.MustCompile("^" + re + "$")
		entries, _ := os.ReadDir(filepath.FromSlash(strings.Join(parts[:i], "/")))
		var tags []string
		for _, e := range entries {
			if m := rx.FindStringSubmatch(e.Name()); m != nil {
				if tag, ok := catalog.Tag(m[1]); ok && !slices.Contains(tags, tag) {
					tags = append(tags, tag)
				}
			}
		}
		return tags
	}
	return nil
}

// verifyTools checks every tool file the tree holds, offline, against the
// evidence beside it, and every tool marker the tree holds: it must name
// a version whose files are all there and check out.
func verifyTools(ctx context.Context, c *bootstrap.Client, dir string, opts Options, rep *Report) []error {
	var errs []error
	rep.Tools = heldTools(dir)
	bad, held := map[string]bool{}, map[string]bool{}
	for i := range rep.Tools {
		f := &rep.Tools[i]
		if err := ctx.Err(); err != nil {
			return append(errs, err)
		}
		key := f.Tool + "@" + f.Version
		held[key] = true
		res, err := c.CheckMirroredTool(ctx, dir, f.Tool, f.Version, f.Platform, opts.ToolSignature)
		if err != nil {
			failTool(opts.Logf, f, err)
			errs = append(errs, f.Err)
			bad[key] = true
			continue
		}
		f.Status, f.SHA256, f.Evidence, f.Unchecked = Present, res.SHA256, res.Evidence, res.Unchecked
	}
	for _, t := range catalog.All() {
		if t.Delegate != "" || t.Name == "kubectl" {
			continue
		}
		markers := []string{t.Versions.URL}
		for _, u := range t.Versions.Lines {
			if !slices.Contains(markers, u) {
				markers = append(markers, u)
			}
		}
		slices.Sort(markers)
		for _, u := range markers {
			path := catalog.MirroredPath(dir, u)
			b, err := readMarker(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			names := strings.TrimSpace(string(b))
			m := Marker{Name: t.Name + " " + strings.TrimPrefix(u, "https://"), Path: path, Version: names}
			tag, ok := catalog.Tag(names)
			switch {
			case err != nil:
				m.Err = err
			case !ok:
				m.Err = &MarkerError{Path: path, Names: names, Reason: "does not hold a version such as v1.2.3"}
			case !held[t.Name+"@"+tag]:
				m.Err = &MarkerError{Path: path, Names: names, Reason: fmt.Sprintf("names %s %s, which the tree does not hold", t.Name, tag)}
			case bad[t.Name+"@"+tag]:
				m.Err = &MarkerError{Path: path, Names: names, Reason: fmt.Sprintf("names %s %s, whose files in the tree do not check out", t.Name, tag)}
			}
			if m.Err != nil {
				m.Error = m.Err.Error()
				errs = append(errs, m.Err)
			}
			rep.ToolMarkers = append(rep.ToolMarkers, m)
		}
	}
	return errs
}
