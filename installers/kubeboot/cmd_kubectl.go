package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/store"
)

// `kubeboot kubectl [--version SPEC|cluster|auto] [-v] [--] ARGS...` runs
// a kubectl from the store (bootstrap/store) with the user's arguments,
// streams, environment and exit code. How the version is chosen (auto):
//
//  1. --version, when given and not "auto";
//  2. the project pin: KUBEBOOT_KUBECTL_VERSION, else the nearest
//     .mise*.toml / mise*.toml / .tool-versions from the working folder
//     upwards (store.FindPin);
//  3. the minor version of the API server of the cluster kubectl would
//     talk to (kubectl's --kubeconfig, --context, --cluster, --server/-s
//     and TLS flags in ARGS, else KUBECONFIG and the current context),
//     newest patch; the answer is kept per cluster (cmd_kubectl_cluster.go)
//     for clusterMinorTTL in the store's folder, so a warm run asks
//     nothing (and a cluster that could not be asked, an exec plugin's
//     failure included, is left alone for clusterFailTTL); a minor with no
//     release yet (a pre-release server) runs the newest stored kubectl of
//     it, else stable;
//  4. stable, when there is no cluster to ask or it does not answer
//     within clusterAskTimeout.
//
// What a channel resolved to is remembered for channelTTL (the store's
// ResolveTTL): a warm run of a channel makes no request either.
//
// Nothing is printed on stdout before kubectl runs, and on stderr only
// with -v/--verbose (which version and why) or on failure.

// clusterMinorTTL is how long the server's minor version is trusted
// without asking again.
const clusterMinorTTL = time.Hour

// clusterAskTimeout bounds the question to the API server under auto: a
// cluster that does not answer costs at most this before stable is used.
const clusterAskTimeout = 3 * time.Second

// clusterFailTTL is how long a server that did not answer is not asked
// again, so that a cluster out of reach (VPN off) does not cost every
// kubectl command clusterAskTimeout.
const clusterFailTTL = time.Minute

// kubectlRetries and kubectlRetryBackoff are the store client's retries:
// fewer than the library's default (4, from 500 ms, about 7.5 s), so that
// a channel or constraint answered from the store while offline costs
// about 0.3 s more than the failed connection itself.
const (
	kubectlRetries      = 1
	kubectlRetryBackoff = 300 * time.Millisecond
)

// channelTTL is how long what a channel (stable, 1.37) resolved to is
// used without asking the mirror again, so that a warm run makes no
// request; staleWait is how long the mirror then has to answer before the
// newest stored match runs instead (store.Options).
const (
	channelTTL = 24 * time.Hour
	staleWait  = time.Second
)

// clusterCacheName is the file, in the store's folder, that keeps the API
// servers' minor versions. The store ignores files it did not make.
const clusterCacheName = ".cluster-versions.json"

// kubectlArgs is the command line of `kubeboot kubectl`, split.
type kubectlArgs struct {
	version string // "" or "auto": auto
	verbose bool
	help    bool
	// expectServer is --expect-server: refuse unless kubectl would talk
	// to this API server.
	expectServer string
	// args are kubectl's.
	args []string
}

// parseKubectlArgs takes kubeboot's own flags (--version, -v/--verbose,
// -h/--help) from the front of in; the first other argument, or what
// follows "--", starts kubectl's arguments, untouched.
func parseKubectlArgs(in []string) (kubectlArgs, error) {
	var k kubectlArgs
	for i := 0; i < len(in); i++ {
		s := in[i]
		switch {
		case s == "--":
			k.args = in[i+1:]
			return k, nil
		case s == "--version":
			if i+1 == len(in) {
				return k, usageErrorf("kubectl: --version needs a value: a version spec, cluster or auto")
			}
			i++
			k.version = in[i]
			if strings.TrimSpace(k.version) == "" {
				return k, usageErrorf("kubectl: --version needs a value: a version spec, cluster or auto")
			}
		case strings.HasPrefix(s, "--version="):
			k.version = strings.TrimPrefix(s, "--version=")
			if strings.TrimSpace(k.version) == "" {
				return k, usageErrorf("kubectl: --version= needs a value: a version spec, cluster or auto")
			}
		case s == "--expect-server":
			if i+1 == len(in) {
				return k, usageErrorf("kubectl: --expect-server needs the API server's URL")
			}
			i++
			k.expectServer = in[i]
		case strings.HasPrefix(s, "--expect-server="):
			k.expectServer = strings.TrimPrefix(s, "--expect-server=")
		case s == "-v" || s == "--verbose":
			k.verbose = true
		case s == "-h" || s == "--help":
			k.help = true
		default:
			k.args = in[i:]
			return k, nil
		}
	}
	return k, nil
}

// kubectlChoice is which kubectl spec runs, and why.
type kubectlChoice struct {
	Spec string `json:"spec"`
	// Source is flag, env, pin, cluster or stable.
	Source string `json:"source"`
	Reason string `json:"reason"`
	// ChosenBy names the server that chose Spec (Source cluster), whose
	// choice must then be signed; "" when the user or a marker did.
	ChosenBy string `json:"-"`
}

// clusterMinor is a server's minor version as last asked; Spec is empty
// when it did not answer then. Server is for people reading the file: the
// URL without credentials or query.
type clusterMinor struct {
	Server string    `json:"server,omitempty"`
	Spec   string    `json:"spec"` // "1.37"
	Asked  time.Time `json:"asked"`
}

// errClusterSilent means the server did not answer a moment ago, so it was
// not asked again.
var errClusterSilent = errors.New("it did not answer")

// recentFailure reports whether server failed to answer less than ttl
// before now.
func recentFailure(cache map[string]clusterMinor, server string, now time.Time, ttl time.Duration) (time.Duration, bool) {
	m, ok := cache[server]
	if !ok || m.Spec != "" {
		return 0, false
	}
	age := now.Sub(m.Asked)
	return age, age >= 0 && age < ttl
}

// freshMinor returns the cached spec of server when it was asked less
// than ttl before now (and not in the future, a clock set back).
func freshMinor(cache map[string]clusterMinor, server string, now time.Time, ttl time.Duration) (clusterMinor, bool) {
	m, ok := cache[server]
	if !ok || m.Spec == "" {
		return m, false
	}
	age := now.Sub(m.Asked)
	return m, age >= 0 && age < ttl
}

// storeDir is the store's folder: <cache>/kubeboot/kubectl, as
// store.DefaultDir, from the host.
func (a *app) storeDir() (string, error) {
	if a.host.CacheDir == "" {
		return "", errors.New("cannot find the user cache folder for the kubectl store: set HOME (LocalAppData on Windows)")
	}
	return filepath.Join(a.host.CacheDir, "kubectl"), nil
}

// newStore opens the store with a client of few retries (see
// kubectlRetries) and, when verbose, the store's notes on stderr.
func (a *app) newStore(verbose bool) (*store.Store, error) {
	dir, err := a.storeDir()
	if err != nil {
		return nil, err
	}
	opts, err := a.clientOptions("", verbose, nil) // no signature flags: the environment decides
	if err != nil {
		return nil, err
	}
	opts.Retries, opts.RetryBackoff = kubectlRetries, kubectlRetryBackoff
	client, err := bootstrap.New(opts)
	if err != nil {
		return nil, err
	}
	so := store.Options{Dir: dir, Client: client, Now: a.host.Now, ResolveTTL: channelTTL, StaleWait: staleWait, VerifiedDir: verifiedDir(),
		BeforeWait: a.watchInterrupts}
	if verbose {
		so.Logf = a.logf
	}
	return store.New(so)
}

// cacheHint says how to choose another cache folder (which holds the
// kubectl store) on this OS, as os.UserCacheDir finds it.
func (a *app) cacheHint() string {
	switch a.host.GOOS {
	case "windows":
		return "set LocalAppData to a folder of your own"
	case "darwin", "ios":
		return "set HOME to a folder of your own (the store is in ~/Library/Caches/kubeboot)"
	}
	return "set XDG_CACHE_HOME to a folder of your own (the store is $XDG_CACHE_HOME/kubeboot/kubectl)"
}

// verifiedDir is where the store notes kubectls it checked but whose
// receipts it cannot refresh (a read-only store): a per-user folder in the
// temporary folder, which the store uses only when it is the user's own.
func verifiedDir() string {
	name := "kubeboot-verified"
	if uid := os.Getuid(); uid >= 0 {
		name += "-" + strconv.Itoa(uid)
	}
	return filepath.Join(os.TempDir(), name)
}

// chooseKubectl decides which spec runs for want (--version; "" is auto)
// and kubectl's arguments args. Only "cluster" fails when the cluster
// cannot be asked; auto then says stable and why.
func (a *app) chooseKubectl(ctx context.Context, want string, args []string, storeDir string, verbose bool) (kubectlChoice, error) {
	switch want {
	case "", "auto":
	case "cluster":
		c, err := a.clusterChoice(ctx, args, storeDir)
		if err != nil {
			return c, fmt.Errorf("ask the cluster its version (--version cluster): %w", err)
		}
		return c, nil
	default:
		if _, plain := bootstrap.ExactTag(want); !plain { // no version parser for a plain one
			if _, err := bootstrap.ParseSpec(want); err != nil {
				return kubectlChoice{}, err
			}
		}
		return kubectlChoice{Spec: want, Source: "flag", Reason: "--version " + want}, nil
	}
	pin, err := a.findPin(verbose)
	if pe := (*store.PinError)(nil); errors.As(err, &pe) && pe.File == store.PinEnv {
		return kubectlChoice{}, fmt.Errorf("%w; fix or unset %s (auto: choose as if it were unset)", err, store.PinEnv)
	}
	if err != nil {
		return kubectlChoice{}, fmt.Errorf("%w; fix the pin, or override it with %s", err, store.PinEnv)
	}
	if pin != nil {
		if pin.Source == store.PinEnv {
			return kubectlChoice{Spec: pin.Spec, Source: "env", Reason: "pinned by " + store.PinEnv}, nil
		}
		return kubectlChoice{Spec: pin.Spec, Source: "pin", Reason: fmt.Sprintf("pinned by %s:%d", pin.Source, pin.Line)}, nil
	}
	c, err := a.clusterChoice(ctx, args, storeDir)
	if cause := context.Cause(ctx); err != nil && cause != nil {
		return kubectlChoice{}, cause // Ctrl-C or SIGTERM: not a reason to run stable
	}
	if err != nil {
		msg, _ := explain(err)
		return kubectlChoice{Spec: "stable", Source: "stable", Reason: "no project pin, and the cluster's version is unknown: " + msg}, nil
	}
	return c, nil
}

// findPin is the project pin: KUBEBOOT_KUBECTL_VERSION, else the pin files
// from the working folder upwards. A working folder that is gone (deleted
// under the shell) has no pin files; with verbose, files passed over are
// named on stderr.
func (a *app) findPin(verbose bool) (*store.Pin, error) {
	h := a.host
	opts := store.PinOptions{Getenv: h.Getenv}
	if strings.TrimSpace(h.Getenv(store.PinEnv)) == "auto" {
		// As --version auto: no pin from the environment.
		opts.Getenv = func(k string) string {
			if k == store.PinEnv {
				return ""
			}
			return h.Getenv(k)
		}
	}
	if verbose {
		opts.Logf = a.logf
	}
	wd, err := h.Getwd()
	if err != nil {
		if strings.TrimSpace(opts.Getenv(store.PinEnv)) != "" {
			return store.FindPin("", opts) // the environment is read first: no folder needed
		}
		if verbose {
			a.logf("no project pin: the working folder cannot be found (%v)", err)
		}
		return nil, nil
	}
	return store.FindPin(wd, opts)
}

// clusterChoice is the minor version of the API server kubectl would talk
// to with args, from the cache when fresh. A failure to answer, whatever
// its cause (no route, a stall, an exec plugin that fails or takes too
// long), is remembered for clusterFailTTL.
func (a *app) clusterChoice(ctx context.Context, args []string, storeDir string) (kubectlChoice, error) {
	h := a.host
	t, err := kubectlTarget(args)
	if err != nil {
		return kubectlChoice{}, err
	}
	wd, _ := h.Getwd()
	locs, err := h.kubeconfigLocations(kubectlPath(t.Kubeconfig, wd))
	if err != nil {
		return kubectlChoice{}, err
	}
	view, err := kubeconfig.LoadView(locs.Files)
	if err != nil {
		return kubectlChoice{}, err
	}
	c, err := resolveCluster(view, t, wd)
	if err != nil {
		return kubectlChoice{}, err
	}
	cachePath := filepath.Join(storeDir, clusterCacheName)
	cache := readClusterCache(cachePath)
	now := h.Now()
	if m, ok := freshMinor(cache, c.key, now, clusterMinorTTL); ok {
		return kubectlChoice{Spec: m.Spec, Source: "cluster", ChosenBy: "the API server " + c.shown,
			Reason: fmt.Sprintf("context %s: the API server %s runs %s (asked %s ago)", c.context, c.shown, m.Spec, now.Sub(m.Asked).Round(time.Second))}, nil
	}
	if age, ok := recentFailure(cache, c.key, now, clusterFailTTL); ok {
		return kubectlChoice{}, fmt.Errorf("the API server %s of context %s is not asked again for a minute: %w %s ago", c.shown, c.context, errClusterSilent, age.Round(time.Second))
	}
	a.watchInterrupts() // the network, and perhaps a credential plugin
	spec, err := askClusterVersion(ctx, c, clusterAskTimeout)
	if err != nil {
		if ctx.Err() == nil { // not the user's Ctrl-C
			cache[c.key] = clusterMinor{Server: c.shown, Asked: now}
			_ = writeClusterCache(cachePath, cache, now)
		}
		return kubectlChoice{}, err
	}
	cache[c.key] = clusterMinor{Server: c.shown, Spec: spec, Asked: now}
	_ = writeClusterCache(cachePath, cache, now) // a cache: a failure only costs the next run a request
	return kubectlChoice{Spec: spec, Source: "cluster", ChosenBy: "the API server " + c.shown, Reason: fmt.Sprintf("context %s: the API server %s runs %s", c.context, c.shown, spec)}, nil
}

// readClusterCache reads the cache; a missing or damaged one is empty, and
// so is one that another user may have written (store.CheckTrusted).
func readClusterCache(path string) map[string]clusterMinor {
	cache := map[string]clusterMinor{}
	if store.CheckTrusted(path) != nil {
		return cache
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &cache)
	}
	if cache == nil {
		cache = map[string]clusterMinor{}
	}
	return cache
}

// writeClusterCache replaces the cache atomically: concurrent runs may
// lose each other's entry, never corrupt the file. Entries asked more than
// a day before now (and those of older kubeboots, keyed by URL) go.
func writeClusterCache(path string, cache map[string]clusterMinor, now time.Time) error {
	if err := store.CheckTrusted(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err // another user's file, or folder: left as it is
	}
	for k, m := range cache {
		if !strings.HasPrefix(k, "sha256:") || now.Sub(m.Asked) > 24*time.Hour || m.Asked.After(now.Add(time.Hour)) {
			delete(cache, k)
		}
	}
	b, err := json.MarshalIndent(cache, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), clusterCacheName+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := f.Write(append(b, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
	}
	return werr
}

// NewCmdKubectl is `kubeboot kubectl`.
func NewCmdKubectl(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kubectl [--version SPEC|cluster|auto] [-v] [--expect-server URL] [--] ARGS...",
		Short: "run the right kubectl for this project and cluster, from kubeboot's store",
		Long: "Run kubectl with ARGS, its version chosen here (auto, the default): the project pin\n" +
			"(" + store.PinEnv + ", else .mise.toml, mise.toml or .tool-versions from this folder upwards),\n" +
			"else the newest patch of the API server's minor version (the cluster of --kubeconfig, --context,\n" +
			"--cluster, --server in ARGS, else the current context's; remembered for an hour per cluster), else stable.\n" +
			"Each version is downloaded and verified once into the store, and what a channel means is remembered\n" +
			"for a day: a warm run makes no network request.\n\n" +
			"kubeboot's flags come first; the first other argument, or what follows --, is kubectl's.\n" +
			"-v/--verbose says on stderr which version was chosen and why.\n" +
			"--expect-server URL refuses to run (exit 1) unless kubectl would talk to that API server, and when\n" +
			"ARGS name the server in a way kubeboot cannot read for certain (a server flag twice, after --, after\n" +
			"a flag that may take it as its value, or inside -As...): pass --server/--context once, first.",
		Example: "  kubeboot kubectl get pods -n kube-system\n  kubeboot kubectl --version 1.36 -- version --client\n" +
			"  kubeboot kubectl list\n  kubeboot kubectl shim install",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := parseKubectlArgs(args)
			if err != nil {
				return err
			}
			if k.help {
				return cmd.Help()
			}
			return kubectlRun(cmd.Context(), a, k)
		},
	}
	cmd.AddCommand(newCmdKubectlList(a), newCmdKubectlPrune(a), newCmdKubectlShim(a))
	return cmd
}

// kubectlSubcommands are the commands under `kubeboot kubectl`; another
// first argument is kubectl's.
var kubectlSubcommands = []string{"list", "prune", "shim", "help"}

// directKubectl recognises `kubeboot kubectl ...` that runs kubectl (not
// list, prune, shim or help), so that execute runs it without building
// the command tree: every run of the shim comes this way. Anything else,
// malformed flags included, goes through cobra.
func directKubectl(args []string) (kubectlArgs, bool) {
	if len(args) == 0 || args[0] != "kubectl" {
		return kubectlArgs{}, false
	}
	k, err := parseKubectlArgs(args[1:])
	if err != nil || k.help {
		return k, false
	}
	dashes := slices.Contains(args[1:len(args)-len(k.args)], "--")
	if len(k.args) > 0 && !dashes && slices.Contains(kubectlSubcommands, k.args[0]) {
		return k, false
	}
	return k, true
}

// kubectlRun chooses, ensures and runs kubectl.
func kubectlRun(ctx context.Context, a *app, k kubectlArgs) error {
	h := a.host
	a.dieOfInterrupt = true
	if err := a.checkKubectlServer(k); err != nil {
		return err
	}
	st, err := a.newStore(k.verbose)
	if err != nil {
		return err
	}
	choice, err := a.chooseKubectl(ctx, k.version, k.args, st.Dir(), k.verbose)
	if err != nil {
		return err
	}
	e, err := st.EnsureChosen(ctx, choice.Spec, choice.ChosenBy)
	if ue := (*store.UntrustedError)(nil); errors.As(err, &ue) {
		err = fmt.Errorf("%w; make it yours alone, or keep kubeboot's store elsewhere: %s", err, a.cacheHint())
	}
	if err != nil && choice.Source == "cluster" && k.version != "cluster" && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, bootstrap.ErrNoMatchingVersion)) {
		// A pre-release API server (v1.38.0-alpha.1) has a minor with no
		// release yet: the newest stored or stable kubectl runs.
		e, choice, err = a.unreleasedMinor(ctx, st, choice, err)
	}
	if err != nil {
		return err
	}
	if k.verbose {
		fmt.Fprintf(h.Stderr, "kubeboot: kubectl %s (%s: %s)\n", e.Version, choice.Source, choice.Reason)
	}
	if self, err := h.Executable(); err == nil && sameFile(self, e.Path) {
		return fmt.Errorf("%s is kubeboot itself, not a kubectl: remove it from the store (kubeboot kubectl prune --keep 0)", e.Path)
	}
	if h.GOOS == "windows" {
		// kubectl runs as a child in the same console: kubeboot must
		// outlive its Ctrl-C to pass on its exit code.
		a.watchInterrupts()
	}
	if cause := context.Cause(ctx); cause != nil {
		return cause // Ctrl-C or SIGTERM while kubeboot chose or stored kubectl: it does not run
	}
	a.passInterrupts.Store(true) // Ctrl-C is kubectl's now (Windows: the same console)
	code, err := h.Exec(e.Path, k.args)
	a.passInterrupts.Store(false)
	if err != nil {
		return fmt.Errorf("run %s: %w", e.Path, err)
	}
	if code != 0 {
		return &exitError{code: code, msg: fmt.Sprintf("kubectl exited with %d", code)}
	}
	return nil
}

// unreleasedMinor answers a cluster choice whose minor has no release
// (why): the newest stored kubectl of that minor, else stable.
func (a *app) unreleasedMinor(ctx context.Context, st *store.Store, choice kubectlChoice, why error) (*store.Entry, kubectlChoice, error) {
	msg, _ := explain(why)
	if e, _ := st.NewestChosen(choice.Spec, choice.ChosenBy); e != nil {
		choice.Reason += fmt.Sprintf("; no release of %s is published (%s): the newest stored one", choice.Spec, msg)
		return e, choice, nil
	}
	choice = kubectlChoice{Spec: "stable", Source: "stable", Reason: choice.Reason + fmt.Sprintf("; no release of %s is published (%s), so stable", choice.Spec, msg)}
	e, err := st.Ensure(ctx, "stable")
	return e, choice, err
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// kubectlListEntry is one stored kubectl in `kubeboot kubectl list -o json`.
type kubectlListEntry struct {
	Version   string    `json:"version"`
	Platform  string    `json:"platform"`
	Path      string    `json:"path"`
	Intact    bool      `json:"intact"`
	SHA256    string    `json:"sha256"`
	Installed time.Time `json:"installed"`
}

// kubectlListOutput is the JSON result of `kubeboot kubectl list`.
type kubectlListOutput struct {
	Dir      string             `json:"dir"`
	Versions []kubectlListEntry `json:"versions"`
	// Here is what `kubeboot kubectl` would choose in this folder.
	Here kubectlChoice `json:"here"`
	// HereStored is the stored version that choice runs without asking
	// the network: set for an exact version that is stored.
	HereStored string `json:"hereStored,omitempty"`
	// HereError is why no choice could be made (a bad pin).
	HereError string `json:"hereError,omitempty"`
}

func toListEntries(es []store.Entry) []kubectlListEntry {
	out := []kubectlListEntry{}
	for _, e := range es {
		out = append(out, kubectlListEntry{e.Version, e.Platform.String(), e.Path, e.Intact, e.Receipt.SHA256, e.Receipt.Installed})
	}
	return out
}

func newCmdKubectlList(a *app) *cobra.Command {
	var out outputOptions
	var verbose bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "list the kubectls in the store, and which one kubectl would run here",
		Example: "  kubeboot kubectl list\n  kubeboot kubectl list -o json",
		Args:    noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := a.kubectlHere(cmd.Context(), verbose)
			if err != nil {
				return err
			}
			if out.JSON() {
				return writeJSON(a.host.Stdout, res)
			}
			w := a.host.Stdout
			if len(res.Versions) == 0 {
				fmt.Fprintf(w, "no kubectl in the store %s yet\n", res.Dir)
			}
			for _, e := range res.Versions {
				state := ""
				if !e.Intact {
					state = "  (changed since it was stored: installed again on next use)"
				}
				fmt.Fprintf(w, "%-10s %-14s %s%s\n", e.Version, e.Platform, e.Path, state)
			}
			fmt.Fprintln(w, hereLine(res))
			return nil
		},
	}
	addOutputFlags(cmd, &out)
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print the store's notes")
	return cmd
}

// hereLine says in one line what `kubeboot kubectl` would run here.
func hereLine(res *kubectlListOutput) string {
	switch {
	case res.HereError != "":
		return "here: " + res.HereError
	case res.HereStored != "":
		return fmt.Sprintf("here: kubectl %s from the store (%s: %s)", res.HereStored, res.Here.Source, res.Here.Reason)
	}
	return fmt.Sprintf("here: kubectl %s, downloaded on first use (%s: %s)", res.Here.Spec, res.Here.Source, res.Here.Reason)
}

// kubectlHere lists the store and what auto chooses in this folder.
func (a *app) kubectlHere(ctx context.Context, verbose bool) (*kubectlListOutput, error) {
	st, err := a.newStore(verbose)
	if err != nil {
		return nil, err
	}
	entries, err := st.List()
	if err != nil {
		return nil, err
	}
	res := &kubectlListOutput{Dir: st.Dir(), Versions: toListEntries(entries)}
	choice, err := a.chooseKubectl(ctx, "", nil, st.Dir(), verbose)
	if err != nil {
		res.HereError = err.Error()
		return res, nil
	}
	res.Here = choice
	// Only an exact version is answered from the store without asking;
	// a channel asks the network for its newest release first.
	if sp, err := bootstrap.ParseSpec(choice.Spec); err == nil && sp.Kind == bootstrap.SpecExact {
		if e, _ := st.NewestChosen(choice.Spec, choice.ChosenBy); e != nil {
			res.HereStored = e.Version
		}
	}
	return res, nil
}

// kubectlPruneOutput is the JSON result of `kubeboot kubectl prune`.
type kubectlPruneOutput struct {
	Dir     string             `json:"dir"`
	Keep    int                `json:"keep"`
	Removed []kubectlListEntry `json:"removed"`
}

func newCmdKubectlPrune(a *app) *cobra.Command {
	var out outputOptions
	keep := 3
	cmd := &cobra.Command{
		Use:     "prune",
		Short:   "remove all but the newest --keep kubectl versions from the store",
		Example: "  kubeboot kubectl prune\n  kubeboot kubectl prune --keep 0",
		Args:    noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keep < 0 {
				return usageErrorf("kubectl prune: --keep must be 0 or more, not %d", keep)
			}
			st, err := a.newStore(false)
			if err != nil {
				return err
			}
			removed, err := st.Prune(cmd.Context(), keep)
			if err != nil {
				return err
			}
			if out.JSON() {
				return writeJSON(a.host.Stdout, kubectlPruneOutput{st.Dir(), keep, toListEntries(removed)})
			}
			for _, e := range removed {
				fmt.Fprintf(a.host.Stdout, "removed kubectl %s (%s)\n", e.Version, e.Platform)
			}
			if len(removed) == 0 {
				fmt.Fprintf(a.host.Stdout, "nothing to remove: the store %s holds at most %d versions per platform\n", st.Dir(), keep)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", keep, "how many of the newest versions of each platform to keep")
	addOutputFlags(cmd, &out)
	return cmd
}
