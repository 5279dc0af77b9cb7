package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/internal/archive"
	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
)

// ToolMirrorRequest says which release file of a catalogue tool to copy
// into a mirror tree.
type ToolMirrorRequest struct {
	// Tool is a catalogue name other than kubectl (whose tree is
	// dl.k8s.io's release/ layout, see mirrorsync).
	Tool string
	// Version is an exact version ("v3.19.0"); resolve a spec first with
	// ResolveTool, so every platform of one sync gets the same one.
	Version  string
	Platform Platform
	// Root is the tree: upstream's https://HOST/PATH is Root/HOST/PATH
	// (catalog.MirroredPath), the files_repo layout kubespray uses.
	Root string
	// Signature governs PGP signatures, as ToolRequest.Signature.
	Signature SignatureMode
	Progress  func(done, total int64)
}

// ToolMirrorResult describes one tool file in a mirror tree.
type ToolMirrorResult struct {
	Tool     string   `json:"tool"`
	Version  string   `json:"version"`
	Platform Platform `json:"-"`
	// Path is the file in the tree (an archive, or the program itself).
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Files are the evidence files in the tree the file was checked
	// against: checksum files, the .asc, the API's release answer.
	Files     []string       `json:"evidenceFiles"`
	Evidence  []ToolEvidence `json:"evidence"`
	Unchecked []string       `json:"unchecked,omitempty"`
	// Present is set when the tree already held the file and its evidence
	// and they checked out there: nothing was downloaded.
	Present bool  `json:"present"`
	Bytes   int64 `json:"bytes"`
}

// ResolveTool answers which exact version of a catalogue tool spec names
// (as ToolRequest.Version: "" or latest, a line, an exact version), by the
// tool's marker or latest-release redirect.
func (c *Client) ResolveTool(ctx context.Context, tool, spec string, p Platform) (string, error) {
	if tool == "kubectl" {
		return "", fmt.Errorf("%w: kubectl's versions are resolved by Resolve", ErrInvalidOption)
	}
	_, art, _, err := c.toolArtifact(ctx, tool, spec, p)
	return art.Version, err
}

// MirrorTool copies a catalogue tool's file for one platform, with the
// evidence it was verified against, into a mirror tree, so that a client
// whose MirrorRoot serves that tree installs it (InstallTool) without
// any other network. The file is verified on the way in exactly as
// InstallTool verifies it (every checksum, GitHub's asset digest, the PGP
// signature under req.Signature, the archive's rules), streamed into a temp
// file in its folder of the tree under that folder's install lock; only
// then are the pieces of evidence written, each atomically, and the file
// renamed into place last. A failure publishes nothing; what an earlier
// killed run left is swept. A file the tree already holds is checked
// there, offline (CheckMirroredTool), and not downloaded again unless it
// fails. Errors are InstallTool's.
func (c *Client) MirrorTool(ctx context.Context, req ToolMirrorRequest) (*ToolMirrorResult, error) {
	in, err := c.mirrorInstall(ctx, req.Tool, req.Version, req.Platform, req.Signature)
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(req.Root)
	if err != nil {
		return nil, err
	}
	art := in.art
	path := catalog.MirroredPath(root, art.URL)
	dir := filepath.Dir(path)
	if _, err := atomicfile.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the mirror folder: %w", err)
	}
	folder, err := exeinstall.Lock(ctx, dir, c.opts.Logf)
	if err != nil {
		return nil, err
	}
	defer folder.Unlock()
	folder.Sweep(art.Name)
	if _, err := os.Lstat(path); err == nil {
		res, err := c.CheckMirroredTool(ctx, root, req.Tool, art.Version, in.p, req.Signature)
		if err == nil {
			res.Present = true
			return res, nil
		}
		c.opts.Logf("%s does not check out (%v); fetching it again", path, err)
	}

	in.kept = map[string][]byte{}
	src := c.mirrored(art.URL)
	tr := &ToolResult{Tool: art.Tool, Version: art.Version, URL: fetch.Redact(src)}
	want, err := in.evidence(ctx, tr)
	if err != nil {
		return nil, err
	}
	file, err := folder.Create(art.Name)
	if err != nil {
		return nil, err
	}
	defer file.Discard()
	c.opts.Logf("downloading %s", tr.URL)
	n, err := c.fetch.Download(ctx, src, file, req.Progress)
	res := &ToolMirrorResult{Tool: art.Tool, Version: art.Version, Platform: in.p, Path: path, Bytes: n}
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
	if err := in.check(file.Name(), file.Sum(), want, tr); err != nil {
		return nil, err
	}
	// The evidence first, the file last: a tree holding the file holds
	// what vouches for it.
	for _, upstream := range sortedKeys(in.kept) {
		p := catalog.MirroredPath(root, upstream)
		if _, err := atomicfile.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("create the mirror folder: %w", err)
		}
		if err := atomicfile.WriteFile(p, in.kept[upstream], 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		res.Files = append(res.Files, p)
	}
	if err := file.Commit(0o644); err != nil {
		return nil, err
	}
	res.SHA256, res.Evidence, res.Unchecked = tr.FileSHA256, tr.Evidence, tr.Unchecked
	return res, nil
}

// CheckMirroredTool checks, offline, the file of tool version tag for p
// in the mirror tree root against the evidence the tree holds beside it,
// as InstallTool would check them over the network: a file or a piece of
// evidence missing, changed or contradicting is an error matching
// InstallTool's (ErrVerification, ErrEvidenceMissing; a missing file
// fs.ErrNotExist).
func (c *Client) CheckMirroredTool(ctx context.Context, root, tool, tag string, p Platform, mode SignatureMode) (*ToolMirrorResult, error) {
	in, err := c.mirrorInstall(ctx, tool, tag, p, mode)
	if err != nil {
		return nil, err
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, err
	}
	in.tree = root
	art := in.art
	path := catalog.MirroredPath(root, art.URL)
	res := &ToolMirrorResult{Tool: art.Tool, Version: art.Version, Platform: in.p, Path: path}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &ChecksumError{URL: path, Want: "a regular file", Got: fi.Mode().String()}
	}
	tr := &ToolResult{Tool: art.Tool, Version: art.Version, URL: path}
	want, err := in.evidence(ctx, tr)
	if err != nil {
		return nil, err
	}
	sum, _, err := hashFile(path)
	if err != nil {
		return nil, err
	}
	if err := in.check(path, sum, want, tr); err != nil {
		return nil, err
	}
	for _, e := range tr.Evidence {
		res.Files = append(res.Files, e.URL)
	}
	res.SHA256, res.Evidence, res.Unchecked = sum, tr.Evidence, tr.Unchecked
	return res, nil
}

// mirrorInstall prepares the checks of an exact version's file.
func (c *Client) mirrorInstall(ctx context.Context, tool, tag string, p Platform, mode SignatureMode) (*toolInstall, error) {
	if tool == "kubectl" {
		return nil, fmt.Errorf("%w: kubectl's mirror is dl.k8s.io's release tree, not a catalogue tool's", ErrInvalidOption)
	}
	if _, ok := catalog.Tag(tag); !ok {
		return nil, fmt.Errorf("%w: %s %q: a mirror copies exact versions such as v1.2.3", ErrInvalidVersionSpec, tool, tag)
	}
	t, art, p, err := c.toolArtifact(ctx, tool, tag, p)
	if err != nil {
		return nil, err
	}
	return &toolInstall{c: c, req: ToolRequest{Tool: tool, Version: tag, Platform: p, Signature: mode}, t: t, art: art, p: p}, nil
}

// check is what a mirrored file must pass: verified, and an archive
// holds the program as InstallTool takes it out.
func (in *toolInstall) check(path, sum, want string, res *ToolResult) error {
	if err := in.verified(path, sum, want, res); err != nil {
		return err
	}
	if in.art.Archive != catalog.Raw {
		return archive.Extract(path, in.art.Name, archive.Kind(in.art.Archive), in.art.Member, io.Discard)
	}
	return nil
}

// verified is what a downloaded file at path, whose digest is sum, must
// pass before anything is made of it: the evidence was all there, sum is
// want, and the PGP signature verifies.
func (in *toolInstall) verified(path, sum, want string, res *ToolResult) error {
	if in.missing != nil {
		return in.missing
	}
	res.FileSHA256 = sum
	if sum != want {
		return &ChecksumError{URL: res.URL, Want: want, Got: sum}
	}
	if in.signed != nil {
		return in.checkSignature(path, res)
	}
	return nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// readBounded reads a file of the tree of at most limit bytes; a larger
// one is a *fetch.TooLargeError, as over the network.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &fetch.TooLargeError{URL: path, Limit: limit, Prefix: b[:min(len(b), 64)]}
	}
	return b, nil
}
