package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/kubeboot/kubeboot/bootstrap/shellalias"
	"github.com/kubeboot/kubeboot/bootstrap/uninstall"
)

// aliasOutput is setup's word on the k alias: the line for the user's
// shell and profile, and whether setup appended it (--alias).
type aliasOutput struct {
	shellalias.Result
	// Defined is true when the profile already defines k: left alone.
	Defined bool `json:"defined,omitempty"`
}

// userShell is the shell whose profile the alias goes into: PowerShell on
// Windows, else $SHELL's.
func (a *app) userShell() (shellalias.Shell, error) {
	if a.host.GOOS == "windows" {
		return shellalias.PowerShell, nil
	}
	return shellalias.ParseShell(a.host.Getenv("SHELL"))
}

func (a *app) aliasProfile(sh shellalias.Shell) string {
	return shellalias.Profile(a.host.GOOS, sh, a.host.Getenv, a.host.Home)
}

// offerAlias ends setup with the k alias: under --alias it appends the
// marked line to the profile (asking first on a terminal, unless --yes);
// otherwise it only says which line to add where. A profile that defines
// k already, or holds the line, is left alone and nothing is said.
func (a *app) offerAlias(ctx context.Context, o *SetupOptions, talk stream, res *setupResult) error {
	sh, err := a.userShell()
	if err != nil || a.host.Home == "" {
		if o.Alias {
			return fmt.Errorf("--alias: %w; add the alias yourself", err)
		}
		return nil
	}
	path := a.aliasProfile(sh)
	line, _ := shellalias.Line(sh)
	out := &aliasOutput{Result: shellalias.Result{Shell: sh, Profile: path, Line: line}}
	res.Alias = out
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if shellalias.HasMarked(shellalias.Text(b)) {
		return nil
	}
	if f := shellalias.DefinedIn(sh, path); f != "" {
		out.Defined = true
		if o.Alias {
			fmt.Fprintf(talk.w, "note: %s already defines k, so no alias was added\n", f)
		}
		return nil
	}
	if !o.Alias {
		fmt.Fprintf(talk.w, "tip: for k as a short kubectl, add this line to %s (or rerun setup with --alias):\n  %s\n", path, line)
		return nil
	}
	if !o.Yes && a.host.StdinTerminal && !o.output.JSON() {
		yes, err := a.ask(ctx, fmt.Sprintf("Append this line to %s?\n  %s\n", path, line))
		if err != nil {
			return err
		}
		if !yes {
			fmt.Fprintf(talk.w, "no alias added; the line is above if you want it\n")
			return nil
		}
	}
	r, err := shellalias.Append(sh, path)
	if errors.Is(err, shellalias.ErrReadOnly) {
		fmt.Fprintf(talk.w, "note: %s is read-only, so it was left alone; for k, add this line to it yourself:\n  %s\n", path, line)
		return nil
	}
	if err != nil {
		return fmt.Errorf("add the k alias: %w", err)
	}
	out.Result = *r
	if r.Changed {
		fmt.Fprintf(talk.w, "%s alias k for kubectl in %s (open a new shell; kubeboot uninstall kubectl removes the line)\n", talk.mark(true), path)
	}
	return nil
}

// aliasSteps plans the removal of the marked k alias line from the
// profile of each shell.
func (a *app) aliasSteps() []uninstall.Step {
	if a.host.Home == "" {
		return nil
	}
	var steps []uninstall.Step
	seen := map[string]bool{}
	for _, sh := range shellalias.Shells() {
		path := a.aliasProfile(sh)
		if seen[path] {
			continue
		}
		seen[path] = true
		b, err := os.ReadFile(path)
		if err != nil || !shellalias.HasMarked(shellalias.Text(b)) {
			continue
		}
		steps = append(steps, uninstall.Step{Kind: uninstall.Alias, Tool: "kubectl", Path: path, Action: uninstall.Remove,
			Reason: "the line kubeboot added for the k alias (" + shellalias.Marker + "); the rest of the profile stays"})
	}
	return steps
}

// applyAlias removes the marked lines an uninstall plan names.
func (a *app) applyAlias(steps []uninstall.Step) {
	for i := range steps {
		s := &steps[i]
		if s.Kind != uninstall.Alias || s.Action != uninstall.Remove {
			continue
		}
		if _, err := shellalias.Remove(shellalias.Bash, s.Path); err != nil {
			s.Error = err.Error()
			continue
		}
		s.Done = true
	}
}
