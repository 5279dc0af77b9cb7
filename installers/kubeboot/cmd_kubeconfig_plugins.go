package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/execplugin"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// KubeconfigPluginsOptions are the flags of `kubeboot kubeconfig plugins`.
type KubeconfigPluginsOptions struct {
	app *app
	writeFlags
	Fix bool
	Dir string
}

// NewCmdKubeconfigPlugins is `kubeboot kubeconfig plugins`.
func NewCmdKubeconfigPlugins(a *app) *cobra.Command {
	o := &KubeconfigPluginsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "check the credential plugins (exec) the kubeconfig's users run; --fix installs and repairs them",
		Long: "For every user of the kubeconfig kubectl uses that runs a credential plugin (exec), say which plugin it is\n" +
			"(Azure's kubelogin, int128's oidc-login, aws eks get-token, aws-iam-authenticator, gke-gcloud-auth-plugin),\n" +
			"whether kubectl finds its program here (on PATH, or at its path), and what is wrong. It exits 1 when something is.\n" +
			"--fix installs a missing plugin with the same verified download as kubeboot install (gke-gcloud-auth-plugin and\n" +
			"the AWS CLI come with other installers, which it names), and repairs each user through kubeboot's kubeconfig\n" +
			"writer (locks, a backup): apiVersion client.authentication.k8s.io/v1alpha1, which kubectl 1.24 and later refuse,\n" +
			"becomes v1beta1; a command path that does not exist here becomes the program found here; Azure kubelogin's\n" +
			"arguments given to int128's oidc-login (or the other way round) get the right program.\n" +
			"--dry-run shows what --fix would do. Argument values and exec env values are never shown.",
		Example: "  kubeboot kubeconfig plugins\n  kubeboot kubeconfig plugins --fix --dry-run\n  kubeboot kubeconfig plugins --fix\n  kubeboot kubeconfig plugins -o json",
		Args:    noArgs(""),
		RunE:    func(cmd *cobra.Command, _ []string) error { return kubeconfigPluginsRun(cmd.Context(), o) },
	}
	cmd.Flags().BoolVar(&o.Fix, "fix", false, "install missing plugins and repair the users' exec sections")
	cmd.Flags().StringVar(&o.Dir, "dir", "", "the folder plugins are installed into and looked for outside PATH (default: kubeboot install's)")
	addWriteFlags(cmd, &o.writeFlags)
	return cmd
}

// pluginsOutput is the JSON of `kubeboot kubeconfig plugins`.
type pluginsOutput struct {
	// Plan is what was found, and the steps that repair it.
	Plan *execplugin.Plan `json:"plan"`
	// Installed are the tools --fix installed.
	Installed []*bootstrap.ToolResult `json:"installed,omitempty"`
	// Repaired is the write --fix made (or would make, with --dry-run).
	Repaired *execplugin.RepairResult `json:"repaired,omitempty"`
	// Remaining is what is still wrong after --fix.
	Remaining *execplugin.Plan `json:"remaining,omitempty"`
	DryRun    bool             `json:"dryRun,omitempty"`
}

// pluginMachine is this machine as the plugin plan sees it: besides
// PATH, programs are looked for in dir (--dir), else in kubeboot
// install's folders, and in extra, the folders programs were just
// installed into.
func (a *app) pluginMachine(dir string, extra ...string) execplugin.Machine {
	if dir != "" {
		extra = append(extra, dir)
	} else {
		env := a.host.env()
		for _, dir := range []func() (string, error){env.DefaultInstallDir, env.UserInstallDir} {
			if d, err := dir(); err == nil && d != "" {
				extra = append(extra, d)
			}
		}
	}
	m := execplugin.Probe(a.host.Getenv, extra...)
	m.GOOS, m.GOARCH = a.host.GOOS, a.host.GOARCH
	return m
}

func kubeconfigPluginsRun(ctx context.Context, o *KubeconfigPluginsOptions) error {
	a, h := o.app, o.app.host
	fix := o.Fix || o.DryRun
	opts := a.editOptions(o.DryRun, o.Verbose)
	m := a.pluginMachine(o.Dir)
	plan, err := execplugin.Check(ctx, opts, m)
	if err != nil {
		return err
	}
	out := pluginsOutput{Plan: plan, DryRun: o.DryRun}
	if !o.output.JSON() {
		// A dry run shows every step --fix would take, installs included.
		printPluginPlan(h.Stdout, plan, fix && !o.DryRun)
	}
	if !fix || plan.Problems() == 0 {
		if o.output.JSON() {
			if err := writeJSON(h.Stdout, out); err != nil {
				return err
			}
		} else if plan.Problems() > 0 {
			fmt.Fprintf(h.Stderr, "the credential plugins of %d user(s) need fixing: kubeboot kubeconfig plugins --fix (--dry-run shows the changes first)\n", plan.Problems())
		}
		return pluginsExit(plan)
	}

	if !o.DryRun {
		// A kubeconfig that cannot be written is refused before anything
		// is installed.
		dry := opts
		dry.DryRun, dry.CheckLocks = true, true
		if _, err := execplugin.Repair(ctx, dry, m); err != nil {
			return err
		}
		var dirs []string
		for _, tool := range plan.Installs() {
			res, err := a.installPlugin(ctx, tool, o.Dir, o.Verbose, o.output.JSON())
			if err != nil {
				return &toolError{tool, fmt.Errorf("install %s: %w; the kubeconfig was not changed", tool, err)}
			}
			out.Installed = append(out.Installed, res)
			dirs = append(dirs, filepath.Dir(res.Path))
			if !o.output.JSON() {
				fmt.Fprintf(h.Stdout, "installed %s %s at %s (sha256 %s verified against %s)\n", tool, res.Version, res.Path, res.FileSHA256, evidenceNote(res.Evidence))
			}
		}
		m = a.pluginMachine(o.Dir, dirs...)
	}
	rep, err := execplugin.Repair(ctx, opts, m)
	if err != nil {
		return err
	}
	out.Repaired = rep
	if !o.DryRun {
		if out.Remaining, err = execplugin.Check(ctx, opts, m); err != nil {
			return err
		}
	}
	if o.output.JSON() {
		if err := writeJSON(h.Stdout, out); err != nil {
			return err
		}
	} else {
		if o.DryRun {
			printEdit(h.Stdout, rep.Edit)
		} else {
			printRepair(h.Stdout, rep)
		}
		if out.Remaining != nil && out.Remaining.Problems() > 0 {
			fmt.Fprintln(h.Stdout, "still wrong:")
			printPluginPlan(h.Stdout, out.Remaining, false)
		}
	}
	if o.DryRun {
		return nil
	}
	return pluginsExit(out.Remaining)
}

// pluginsExit is exit 1 when users' plugins are wrong.
func pluginsExit(p *execplugin.Plan) error {
	if p == nil || p.Problems() == 0 {
		return nil
	}
	return &exitError{code: exitFailure, msg: fmt.Sprintf("the credential plugins of %d user(s) need fixing", p.Problems())}
}

// installPlugin installs a catalogue tool as `kubeboot install TOOL`
// would, into dir ("" is install's default folder).
func (a *app) installPlugin(ctx context.Context, tool, dir string, verbose, quiet bool) (*bootstrap.ToolResult, error) {
	h := a.host
	opts, err := a.clientOptions("", verbose, nil)
	if err != nil {
		return nil, err
	}
	opts.MirrorRoot = h.Getenv("KUBEBOOT_MIRROR_ROOT")
	opts.GitHubAPIURL = h.Getenv("KUBEBOOT_GITHUB_API_URL")
	opts.GitHubToken = h.Getenv("GITHUB_TOKEN")
	client, err := bootstrap.New(opts)
	if err != nil {
		return nil, err
	}
	prog := a.newProgress("downloading "+tool, quiet)
	res, err := client.InstallTool(ctx, bootstrap.ToolRequest{Tool: tool, Dir: dir, Progress: prog.callback()})
	prog.done()
	return res, err
}

// printPluginPlan says, per user, which plugin it runs, whether it is
// found, what is wrong and what --fix would do; fixing, only what --fix
// leaves to the user (the installs and repairs are said as they are
// done).
func printPluginPlan(w io.Writer, p *execplugin.Plan, fixing bool) {
	if len(p.Users) == 0 {
		fmt.Fprintln(w, "no user of the kubeconfig runs a credential plugin")
		return
	}
	for _, u := range p.Users {
		state := "found " + shown(u.Found)
		if u.Found == "" {
			state = "not found"
		}
		fmt.Fprintf(w, "user %s (%s): %s, command %s, %s\n", shown(u.User), shown(u.File), u.Plugin, shown(u.Command), state)
		for _, pr := range u.Problems {
			fmt.Fprintf(w, "  problem: %s\n", pr)
		}
		for _, s := range u.Steps {
			switch {
			case !fixing:
				fmt.Fprintf(w, "  --fix would: %s\n", stepText(s))
			case s.Do == execplugin.DoDelegate:
				fmt.Fprintf(w, "  %s\n", stepText(s))
			}
		}
		if u.OK() {
			fmt.Fprintln(w, "  ok")
		}
	}
}

// stepText says a step for people.
func stepText(s execplugin.Step) string {
	switch s.Do {
	case execplugin.DoInstall:
		return "install " + s.Tool + " (" + s.Why + ")"
	case execplugin.DoDelegate:
		return "install " + s.Tool + " yourself: " + s.Why
	case execplugin.DoSetAPIVersion:
		from := s.From
		if from == "" {
			from = "(none)"
		}
		return "set apiVersion " + from + " to " + s.To + " (" + s.Why + ")"
	case execplugin.DoSetCommand:
		t := "set command " + shown(s.From) + " to " + shown(s.To)
		if s.DropFirstArg {
			t += " without the argument oidc-login"
		}
		if s.AfterInstall {
			t += ", once " + s.To + " is installed"
		}
		return t + " (" + s.Why + ")"
	}
	return string(s.Do)
}

// printRepair says what Repair wrote.
func printRepair(w io.Writer, r *execplugin.RepairResult) {
	for _, u := range r.Plan.Users {
		for _, s := range u.Steps {
			if s.Writes() && !s.AfterInstall {
				fmt.Fprintf(w, "repaired user %s: %s\n", shown(u.User), stepText(s))
			}
			if s.Do == execplugin.DoSetAPIVersion {
				// Whether the plugin answers in it cannot be told without
				// running it (and logging in).
				fmt.Fprintf(w, "  note: %s must answer in %s now; if kubectl says `no kind \"ExecCredential\" is registered for version ...`, the plugin is too old: %s\n",
					shown(u.Command), s.To, upgradePlugin(u.Command))
			}
		}
	}
	printEdit(w, r.Edit)
}

// shown is a name from a kubeconfig as a terminal may print it: quoted
// when it has spaces or characters a terminal would act on.
func shown(s string) string {
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// setupPlugins is setup's look at the credential plugins of the users the
// imported file (source) defines, in the kubeconfig it was merged into.
// Setup reports and changes nothing here: installing programs and
// rewriting the kubeconfig a second time are left to an explicit
// `kubeboot kubeconfig plugins --fix`, which the report names.
func (a *app) setupPlugins(ctx context.Context, source string, talk stream) []execplugin.UserPlan {
	src, err := kubeconfig.Load(source)
	if err != nil {
		return nil
	}
	plan, err := execplugin.Check(ctx, a.editOptions(false, false), a.pluginMachine(""))
	if err != nil {
		return nil
	}
	var users []execplugin.UserPlan
	bad := 0
	for _, u := range plan.Users {
		if _, ok := src.Lookup(kubeconfig.KindUser, u.User); !ok {
			continue
		}
		users = append(users, u)
		if !u.OK() {
			bad++
			fmt.Fprintf(talk.w, "%s user %s runs %s: %s\n", talk.mark(false), shown(u.User), u.Plugin, strings.Join(u.Problems, "; "))
		}
	}
	if bad > 0 {
		fmt.Fprintf(talk.w, "  fix the credential plugins with: kubeboot kubeconfig plugins --fix (--dry-run shows the changes first)\n")
	}
	return users
}

// doctorPlugins reports each credential plugin of the kubeconfig.
func (a *app) doctorPlugins(ctx context.Context, add func(check)) {
	plan, err := execplugin.Check(ctx, a.editOptions(false, false), a.pluginMachine(""))
	if err != nil {
		return // the kubeconfig checks say why
	}
	for _, u := range plan.Users {
		c := check{Name: "plugin", OK: u.OK()}
		if u.OK() {
			c.Detail = fmt.Sprintf("user %s runs %s (%s)", shown(u.User), u.Plugin, shown(u.Found))
			add(c)
			continue
		}
		c.Detail = fmt.Sprintf("user %s runs %s: %s", shown(u.User), u.Plugin, strings.Join(u.Problems, "; "))
		if len(u.Steps) > 0 {
			c.Fix = "kubeboot kubeconfig plugins --fix (--dry-run shows the changes first)"
		}
		for _, s := range u.Steps {
			if s.Do == execplugin.DoDelegate {
				c.Fix = stepText(s)
			}
		}
		add(c)
	}
}
