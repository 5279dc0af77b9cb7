package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
	"github.com/kubeboot/kubeboot/bootstrap/winpath"
)

// toolNames lists what `kubeboot install` takes: the catalogue, kubectl
// first.
func toolNames() []string { return catalog.Names() }

// toolsLong is install's help on the tools other than kubectl.
func toolsLong() string {
	var own, delegated []string
	for _, t := range catalog.All()[1:] {
		if t.Delegate != "" {
			delegated = append(delegated, t.Name)
		} else {
			own = append(own, t.Name)
		}
	}
	return strings.Join(own[:len(own)-1], ", ") + " and " + own[len(own)-1] + " come from their projects' releases,\n" +
		"checked against the evidence each publishes (the README's tools table), and install the same way;\n" +
		strings.Join(delegated, ", ") + " comes with another installer, which kubeboot names.\n" +
		"helm's .asc is checked against helm's KEYS, which kubeboot carries, or KUBEBOOT_HELM_KEYRING=FILE instead;\n" +
		"--verify-signature auto: a published signature must verify; require: one must be published; off: skip it.\n" +
		"KUBEBOOT_MIRROR_ROOT serves each such file https://HOST/PATH as ROOT/HOST/PATH;\n" +
		"KUBEBOOT_GITHUB_API_URL and GITHUB_TOKEN reach GitHub's API."
}

// toolOutput is the JSON result of `kubeboot install TOOL` for a tool
// other than kubectl.
type toolOutput struct {
	*bootstrap.ToolResult
	DirOnPath bool `json:"dirOnPath"`
	// UserPath is set when the install folder was added to the Windows
	// user Path.
	UserPath *winpath.Result `json:"userPath,omitempty"`
}

// kubectlOnlyFlags are install's flags that only kubectl's install
// honours, with why.
var kubectlOnlyFlags = []struct{ name, why string }{
	{"mirror", "is a dl.k8s.io mirror for kubectl; other tools' files come from KUBEBOOT_MIRROR_ROOT (ROOT/HOST/PATH)"},
	{"method", "chooses between package managers for kubectl; other tools are installed by kubeboot's verified download"},
	{"certificate-identity", "names kubectl's Sigstore signer; %s publishes no Sigstore signature"},
	{"certificate-oidc-issuer", "names kubectl's Sigstore signer; %s publishes no Sigstore signature"},
	{"trusted-root", "is the Sigstore root for kubectl; %s publishes no Sigstore signature"},
	{"transparency", "looks kubectl's Sigstore signature up in Rekor; %s publishes no Sigstore signature"},
	{"rekor-url", "is the Rekor log for kubectl's Sigstore signature; %s publishes no Sigstore signature"},
	{"allow-downgrade", "is about kubectl's channels; for %s, name the version you want with --version"},
}

// toolInstallRun is `kubeboot install TOOL` for a catalogue tool other
// than kubectl: one verified download, no package manager.
func toolInstallRun(cmd *cobra.Command, o *InstallOptions, tool string) error {
	a, h := o.app, o.app.host
	for _, f := range kubectlOnlyFlags {
		if cmd.Flags().Changed(f.name) {
			why := f.why
			if strings.Contains(why, "%s") {
				why = fmt.Sprintf(why, tool)
			}
			return usageErrorf("--%s %s", f.name, why)
		}
	}
	t := catalog.Lookup(tool)
	keyrings, keyringEnv := map[string][]byte{}, ""
	for _, e := range t.Evidence {
		if e.Kind != catalog.PGP {
			continue
		}
		keyringEnv = "KUBEBOOT_" + strings.ToUpper(e.Keyring) + "_KEYRING"
		if file := h.Getenv(keyringEnv); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("read the keyring %s names: %w", keyringEnv, err)
			}
			keyrings[e.Keyring] = b
		}
	}
	if cmd.Flags().Changed("verify-signature") && keyringEnv == "" {
		return usageErrorf("--verify-signature governs signatures; %s publishes none that kubeboot checks", tool)
	}
	mode := bootstrap.SignatureAuto
	if keyringEnv != "" {
		m, err := o.signature.signatureMode(h.Getenv)
		if err != nil {
			return err
		}
		mode = m
	}
	version := o.Version
	switch {
	case !cmd.Flags().Changed("version"), version == "stable":
		version = "" // the tool's latest release
	case version == "cluster" && tool == "virtctl":
		// The KubeVirt the cluster runs, asked as kubectl's --version
		// cluster asks the API server's.
		locs, err := h.kubeconfigLocations(a.kubeconfig)
		if err != nil {
			return err
		}
		v, err := verify.KubeVirtVersion(cmd.Context(), verify.Options{Kubeconfig: locs.Files, Context: a.context})
		if err != nil {
			return &toolError{tool, fmt.Errorf("ask the cluster its KubeVirt version (--version cluster): %w", err)}
		}
		a.logf("the cluster runs KubeVirt %s", v)
		version = v
	case version == "cluster":
		return usageErrorf("--version cluster is for kubectl and virtctl; for %s use latest or a version such as v1.2.3", tool)
	}
	opts, err := a.clientOptions("", o.Verbose, nil)
	if err != nil {
		return err
	}
	opts.Keyrings = keyrings
	opts.MirrorRoot = h.Getenv("KUBEBOOT_MIRROR_ROOT")
	opts.GitHubAPIURL = h.Getenv("KUBEBOOT_GITHUB_API_URL")
	opts.GitHubToken = h.Getenv("GITHUB_TOKEN")
	client, err := bootstrap.New(opts)
	if err != nil {
		return err
	}
	prog := a.newProgress("downloading "+tool, o.output.JSON() || o.Quiet)
	res, err := client.InstallTool(cmd.Context(), bootstrap.ToolRequest{Tool: tool, Version: version, Dir: o.Dir,
		Force: o.Force, ForceOverwrite: o.ForceOverwrite, Signature: mode, Progress: prog.callback()})
	prog.done()
	if err != nil {
		return &toolError{tool, err}
	}
	onPath := true
	if res.Platform == bootstrap.HostPlatform() {
		onPath = h.env().CheckPath(res.Path).DirOnPath
	}
	// As for kubectl: on Windows the per-user folder goes on the user Path.
	var userPath *winpath.Result
	var userPathErr error
	if h.GOOS == "windows" && o.Dir == "" && !onPath && res.Platform == bootstrap.HostPlatform() {
		userPath, userPathErr = winpath.AddToUserPath(filepath.Dir(res.Path))
	}
	if o.output.JSON() {
		return writeJSON(h.Stdout, toolOutput{res, onPath, userPath})
	}
	if o.Quiet {
		return nil
	}
	if res.LeftAlone != nil {
		fmt.Fprintf(h.Stderr, "note: %s belongs to %s, so it was left alone; %s %s goes to %s\n",
			res.LeftAlone.Path, res.LeftAlone.Manager, tool, res.Version, filepath.Dir(res.Path))
	}
	for _, u := range res.Unchecked {
		fmt.Fprintf(h.Stderr, "note: not checked: %s\n", u)
	}
	if res.Changed {
		fmt.Fprintf(h.Stdout, "installed %s %s at %s (sha256 %s verified against %s)\n", tool, res.Version, res.Path, res.FileSHA256, evidenceNote(res.Evidence))
	} else {
		fmt.Fprintf(h.Stdout, "%s %s at %s is already up to date\n", tool, res.Version, res.Path)
	}
	switch {
	case userPath != nil && userPath.Added:
		fmt.Fprintf(h.Stderr, "added %s to your user Path; open a new terminal to use %s\n", userPath.Dir, tool)
	case userPath != nil:
		fmt.Fprintf(h.Stderr, "%s is on your user Path; open a new terminal to use %s\n", userPath.Dir, tool)
	case !onPath:
		if userPathErr != nil {
			fmt.Fprintf(h.Stderr, "warning: could not add %s to your user Path: %v\n", filepath.Dir(res.Path), userPathErr)
		}
		a.printPathAdvice(res.Path, bootstrap.PathReport{})
	}
	return nil
}

// evidenceNote says, for people, what a tool's download was checked
// against.
func evidenceNote(ev []bootstrap.ToolEvidence) string {
	var parts []string
	for _, e := range ev {
		switch e.Kind {
		case catalog.GitHubAssetDigest:
			parts = append(parts, "the digest GitHub's API records for the upload (GitHub's word; the project publishes no checksum)")
		case catalog.PGP:
			parts = append(parts, "the PGP signature of "+e.Whose)
		case catalog.ChecksumList:
			parts = append(parts, "the release's checksum list "+filepath.Base(e.URL))
		default:
			parts = append(parts, "the published "+filepath.Ext(e.URL))
		}
	}
	return strings.Join(parts, " and ")
}

// toolError is a failure of `kubeboot install TOOL`, for hints that name
// the tool.
type toolError struct {
	tool string
	err  error
}

func (e *toolError) Error() string { return e.err.Error() }
func (e *toolError) Unwrap() error { return e.err }

// kubevirtHint says what to do when --version cluster could not read the
// cluster's KubeVirt version; "" for other errors.
func kubevirtHint(err error) string {
	switch {
	case errors.Is(err, verify.ErrNoKubeVirt):
		return "nothing was installed: check the context (--context, --kubeconfig), or name the virtctl version with --version vX.Y.Z"
	case errors.Is(err, verify.ErrKubeVirtVersion):
		return "nothing was installed: name the virtctl version with --version vX.Y.Z"
	}
	return ""
}

// toolHint says what to do after a failed tool install; "" leaves it to
// the general hints.
func toolHint(err error) string {
	var te *toolError
	if !errors.As(err, &te) {
		return ""
	}
	switch {
	case errors.Is(err, bootstrap.ErrDelegated):
		return "run that command, then check with: kubeboot doctor"
	case errors.Is(err, bootstrap.ErrEvidenceMissing):
		return "nothing was installed: without its published evidence the file cannot be told from a swapped one; " +
			"try again later or name an earlier release with --version (and check KUBEBOOT_MIRROR_ROOT if you use a mirror)"
	case errors.Is(err, bootstrap.ErrPGPSignature):
		return "nothing was installed: the file is not signed by a key of the keyring (the project's keys kubeboot carries, or KUBEBOOT_" + strings.ToUpper(te.tool) + "_KEYRING's); " +
			"if the project signs with a new key, give its KEYS file as KUBEBOOT_" + strings.ToUpper(te.tool) + "_KEYRING=FILE or update kubeboot, else your mirror, proxy or network may be tampering"
	case errors.Is(err, bootstrap.ErrKeyringMissing):
		return "give the keyring (KUBEBOOT_" + strings.ToUpper(te.tool) + "_KEYRING=FILE, armored public keys), or check the checksum alone with --verify-signature off"
	case errors.Is(err, bootstrap.ErrBadArchive):
		return "nothing was installed: the archive matches its published checksum but is not laid out like a release of " + te.tool +
			"; report it to the project, and check KUBEBOOT_MIRROR_ROOT if you use a mirror"
	case errors.As(err, new(*bootstrap.VersionRedirectError)):
		return "nothing was installed; a proxy or mirror may be rewriting GitHub's pages: name the version with --version vX.Y.Z"
	case errors.Is(err, bootstrap.ErrBadDigest):
		return "nothing was installed: the checksum file holds no checksum for the file; check KUBEBOOT_MIRROR_ROOT, or a proxy that rewrites pages"
	case errors.Is(err, bootstrap.ErrBadMarker):
		return "the version file did not hold a version; check KUBEBOOT_MIRROR_ROOT or a proxy that rewrites pages, or name the version with --version vX.Y.Z"
	case errors.Is(err, bootstrap.ErrUnsupportedPlatform):
		return "install " + te.tool + " with your system's package manager instead"
	case errors.Is(err, fs.ErrNotExist):
		return "check the version: kubeboot install " + te.tool + " --version latest"
	}
	return ""
}
