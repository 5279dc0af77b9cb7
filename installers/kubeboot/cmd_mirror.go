package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
)

// MirrorOptions are the flags of `kubeboot mirror sync` and `mirror verify`.
type MirrorOptions struct {
	app       *app
	output    outputOptions
	Dir       string
	Versions  []string
	Platforms []string
	From      string
	Layout    string
	Parallel  int
	Tools     []string
	Verbose   bool
	Sigstore  bool
	signature *signatureFlags
}

// NewCmdMirror is `kubeboot mirror`, a verified dl.k8s.io-shaped tree for
// an organisation.
func NewCmdMirror(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mirror",
		Short: "build and check a verified kubectl mirror for an organisation",
		Long: "Build a dl.k8s.io-shaped folder (release/ markers, release/vX.Y.Z/bin/OS/ARCH/kubectl with .sha256, .sig, .cert)\n" +
			"that any static web server, object store or repository manager can serve to kubeboot, curl and kubespray.",
		Args: unknownSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdMirrorSync(a), newCmdMirrorVerify(a))
	return cmd
}

func (o *MirrorOptions) addCommon(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Var(enumFlag(&o.Layout, string(mirrorsync.LayoutPlain), string(mirrorsync.LayoutPlain), string(mirrorsync.LayoutKubespray)), "layout",
		"plain (release/… at the folder's top) or kubespray (the same under dl.k8s.io/, for files_repo)")
	f.BoolVar(&o.Verbose, "verbose", false, "print every file as it is done")
	o.signature = addSignatureFlags(cmd, o.app.host)
	addOutputFlags(cmd, &o.output)
	_ = cmd.RegisterFlagCompletionFunc("layout", fixedValues(string(mirrorsync.LayoutPlain), string(mirrorsync.LayoutKubespray)))
}

func newCmdMirrorSync(a *app) *cobra.Command {
	o := &MirrorOptions{app: a}
	cmd := &cobra.Command{
		Use:   "sync --dir DIR --versions SPEC[,SPEC…] [--tools TOOL[@SPEC][,…]] [--platforms OS/ARCH[,…]]",
		Short: "copy kubectl releases into a mirror folder, each verified before it is published",
		Long: "Copy kubectl for the given versions and platforms from dl.k8s.io (or --from) into DIR. Every binary is checked\n" +
			"against its Sigstore signature and its sha256 before it appears under its final name; a file that fails is\n" +
			"reported (exit 3) and never published, while the rest of the tree completes. A rerun fetches nothing already\n" +
			"present and valid; an interrupted run resumes.\n\n" +
			"--tools copies helm, virtctl and the credential plugins too, into DIR/HOST/PATH (the files_repo layout), each\n" +
			"file with the evidence it was verified against (checksums, helm's .asc, GitHub's release answer with virtctl's\n" +
			"asset digest under DIR/api.github.com/) and version markers; serve DIR and set KUBEBOOT_MIRROR_ROOT to its URL.\n" +
			"Tools are read from upstream, or from KUBEBOOT_MIRROR_ROOT and KUBEBOOT_GITHUB_API_URL when set.\n\n" +
			"--sigstore also copies Sigstore's TUF repository into DIR/sigstore-tuf, verified, for machines that refresh\n" +
			"their trust root from the mirror (KUBEBOOT_SIGSTORE_TUF_URL=MIRROR_URL/sigstore-tuf).",
		Example: "  kubeboot mirror sync --dir /srv/k8s --versions stable,1.36,1.35 --platforms linux/amd64,linux/arm64\n" +
			"  kubeboot mirror sync --dir /srv/files --layout kubespray --versions v1.36.4\n" +
			"  kubeboot mirror sync --dir /srv/files --tools helm,helm@3,virtctl,oidc-login,azure-kubelogin,aws-iam-authenticator --platforms linux/amd64,windows/amd64\n" +
			"  kubeboot mirror sync --dir /srv/k8s --versions stable --sigstore",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 0:
				return usageErrorf("kubeboot mirror sync takes flags only, not %q", args[0])
			case o.Dir == "" || len(o.Versions) == 0 && len(o.Tools) == 0 && !o.Sigstore:
				return usageErrorf("say where and what: kubeboot mirror sync --dir DIR --versions SPEC[,SPEC…] and/or --tools TOOL[,TOOL…] (or --sigstore)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, true) },
	}
	f := cmd.Flags()
	f.Var(pathFlag(a.host, &o.Dir), "dir", "the mirror folder (created when missing)")
	f.StringSliceVar(&o.Versions, "versions", nil, "kubectl version specs: stable, 1.N, vX.Y.Z, constraints (comma-separated or repeated)")
	f.StringSliceVar(&o.Platforms, "platforms", []string{"linux/amd64"}, "OS/ARCH pairs, such as linux/amd64,darwin/arm64,windows/amd64")
	f.StringSliceVar(&o.Tools, "tools", nil, "catalogue tools to copy as well: helm, virtctl, oidc-login, azure-kubelogin, aws-iam-authenticator; NAME@SPEC for a line or version (helm@3)")
	f.StringVar(&o.From, "from", "", "upstream base URL (default https://dl.k8s.io, or $KUBEBOOT_MIRROR)")
	f.IntVar(&o.Parallel, "parallel", mirrorsync.DefaultParallel, fmt.Sprintf("downloads at once (at most %d)", mirrorsync.MaxParallel))
	f.BoolVar(&o.Sigstore, "sigstore", false, "also copy Sigstore's TUF repository (verified) into DIR/sigstore-tuf\n(from $KUBEBOOT_SIGSTORE_TUF_URL, else https://tuf-repo-cdn.sigstore.dev)")
	o.addCommon(cmd)
	_ = cmd.MarkFlagDirname("dir")
	_ = cmd.RegisterFlagCompletionFunc("versions", fixedValues(versionChannels...))
	return cmd
}

func newCmdMirrorVerify(a *app) *cobra.Command {
	o := &MirrorOptions{app: a}
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "re-check every binary of a mirror folder against its sha256 and signature, and every marker",
		Long: "Re-check, offline, every binary of a mirror folder against its sha256 and signature, every marker, and\n" +
			"the copy of Sigstore's TUF repository in DIR/sigstore-tuf when there is one: it must verify from the\n" +
			"root kubeboot starts from and not be stale (sync it more often than its timestamp expires).",
		Example: "  kubeboot mirror verify /srv/k8s",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("say which folder to check: kubeboot mirror verify DIR")
			}
			o.Dir = a.host.expandHome(args[0])
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, false) },
	}
	o.addCommon(cmd)
	// verify checks the files offline, kubectl.rekor.json included: it
	// asks no transparency log.
	_ = cmd.Flags().MarkHidden("rekor-url")
	return cmd
}

func (o *MirrorOptions) run(cmd *cobra.Command, sync bool) error {
	a, h := o.app, o.app.host
	layout, err := mirrorsync.ParseLayout(o.Layout)
	if err != nil {
		return usageErrorf("--layout: %v", err)
	}
	sig, err := o.signature.options(h.Getenv)
	if err != nil {
		return err
	}
	if (o.Sigstore || !sync) && sig.TrustedRoot != nil {
		// The repository copied (or checked) is the one clients refresh from, whatever
		// root this run checks kubectl with.
		if err := tufFrom(&sig, h.Getenv); err != nil {
			return err
		}
	}
	opts := mirrorsync.Options{Dir: o.Dir, Versions: o.Versions, From: o.From, Layout: layout, Parallel: o.Parallel,
		Signature: sig, HTTPClient: h.HTTPClient, SigstoreTUF: o.Sigstore}
	if opts.From == "" {
		opts.From = h.Getenv("KUBEBOOT_MIRROR")
	}
	for _, s := range o.Tools {
		if _, _, err := mirrorsync.ToolSpec(s); err != nil {
			return usageErrorf("--tools %q: %v", s, err)
		}
	}
	opts.Tools, opts.ToolSignature = o.Tools, sig.Mode
	opts.ToolsFrom, opts.GitHubAPIURL, opts.GitHubToken = h.Getenv("KUBEBOOT_MIRROR_ROOT"), h.Getenv("KUBEBOOT_GITHUB_API_URL"), h.Getenv("GITHUB_TOKEN")
	if opts.Keyrings, err = keyringsFromEnv(h.Getenv); err != nil {
		return err
	}
	for _, p := range o.Platforms {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(p), "/")
		plat := bootstrap.Platform{OS: goos, Arch: goarch}
		if !ok || (len(o.Versions) > 0 && plat.Validate() != nil) {
			return usageErrorf("--platforms %q: use OS/ARCH pairs such as linux/amd64 (kubectl is published for %s)", p, platformList())
		}
		opts.Platforms = append(opts.Platforms, plat)
	}
	if o.Verbose {
		opts.Logf = a.logf
	}
	var rep *mirrorsync.Report
	if sync {
		rep, err = mirrorsync.Sync(cmd.Context(), opts)
	} else {
		rep, err = mirrorsync.Verify(cmd.Context(), o.Dir, opts)
	}
	if rep == nil {
		return err
	}
	if o.output.JSON() {
		if werr := writeJSON(h.Stdout, rep); werr != nil {
			return werr
		}
		return err
	}
	counts := map[mirrorsync.Status]int{}
	var bytes int64
	for _, f := range rep.Files {
		counts[f.Status]++
		bytes += f.Bytes
		if f.Status == mirrorsync.Failed {
			fmt.Fprintf(h.Stderr, "✗ %s %s: %s\n", f.Version, f.OSArch, f.Error)
		}
	}
	verb := "checked"
	if sync {
		verb = "synced"
	}
	if len(rep.Files) > 0 || (len(rep.Tools) == 0 && (!sync || len(o.Versions) > 0)) {
		fmt.Fprintf(h.Stdout, "%s %s: %d kubectl binaries (%d downloaded, %.1f MB; %d already present; %d failed), %d markers\n",
			verb, rep.Root, len(rep.Files), counts[mirrorsync.Fetched], float64(bytes)/1e6, counts[mirrorsync.Present], len(rep.Failed()), len(rep.Markers))
	}
	if len(rep.Tools) > 0 {
		tc := map[mirrorsync.Status]int{}
		var tb int64
		for _, f := range rep.Tools {
			tc[f.Status]++
			tb += f.Bytes
			if f.Status == mirrorsync.Failed {
				fmt.Fprintf(h.Stderr, "✗ %s\n", f.Error)
			} else if o.Verbose {
				fmt.Fprintf(h.Stdout, "  %s %s %s: %s (sha256 %s)\n", f.Tool, f.Version, f.OSArch, f.Status, f.SHA256)
			}
			for _, u := range f.Unchecked {
				fmt.Fprintf(h.Stderr, "note: %s %s %s: not checked: %s\n", f.Tool, f.Version, f.OSArch, u)
			}
		}
		for _, m := range rep.ToolMarkers {
			if m.Err != nil {
				fmt.Fprintf(h.Stderr, "✗ %s\n", m.Error)
			}
		}
		fmt.Fprintf(h.Stdout, "%s %s: %d tool files (%d downloaded, %.1f MB; %d already present; %d failed), %d tool markers\n",
			verb, o.Dir, len(rep.Tools), tc[mirrorsync.Fetched], float64(tb)/1e6, tc[mirrorsync.Present], len(rep.FailedTools()), len(rep.ToolMarkers))
	}
	if m := rep.SigstoreTUF; m != nil {
		fmt.Fprintf(h.Stdout, "%s Sigstore's TUF repository in %s: root %d (expires %s), %d files (%d downloaded)\n",
			verb, m.Dir, m.RootVersion, m.Expires.UTC().Format(time.DateOnly), len(m.Files), m.Fetched)
	}
	return err
}

// keyringsFromEnv reads the keyring of every catalogue tool's PGP
// evidence that its variable (KUBEBOOT_HELM_KEYRING) names.
func keyringsFromEnv(getenv func(string) string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, t := range catalog.All() {
		for _, e := range t.Evidence {
			if e.Kind != catalog.PGP {
				continue
			}
			env := "KUBEBOOT_" + strings.ToUpper(e.Keyring) + "_KEYRING"
			if file := getenv(env); file != "" {
				b, err := os.ReadFile(file)
				if err != nil {
					return nil, fmt.Errorf("read the keyring %s names: %w", env, err)
				}
				out[e.Keyring] = b
			}
		}
	}
	return out, nil
}

// platformList names the platforms kubectl is published for.
func platformList() string {
	var s []string
	for _, p := range bootstrap.KubectlPlatforms {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}
