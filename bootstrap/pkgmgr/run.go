package pkgmgr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// DefaultTimeout bounds a manager's run when RunOptions.Timeout is zero:
// brew may update itself first, which takes minutes on a slow network.
const DefaultTimeout = 15 * time.Minute

// RunOptions configure Run.
type RunOptions struct {
	// System is used to check the kubectl on PATH afterwards. Default Host().
	System System
	// Output receives the manager's standard output and error as they
	// come. Default: discarded.
	Output io.Writer
	// Timeout stops the manager when it runs longer. Default DefaultTimeout.
	Timeout time.Duration
}

// RunResult describes the kubectl a manager installed.
type RunResult struct {
	Action Action `json:"action"`
	// Kubectl is the kubectl on PATH after the run, and Owner its owner,
	// which is the action's manager.
	Kubectl string    `json:"path"`
	Owner   Ownership `json:"owner"`
}

// Run runs a manager action from Plan, streaming its output, then checks
// that the kubectl on PATH is the manager's. Errors are a *CommandError
// (ErrManagerFailed, ErrTimeout) or a *CheckError (ErrUnexpectedKubectl).
func Run(ctx context.Context, a Action, opts RunOptions) (*RunResult, error) {
	argv := a.Command()
	if argv == nil {
		return nil, fmt.Errorf("pkgmgr.Run: %s is not a package manager action", a.Method)
	}
	s := opts.System.WithDefaults()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	// A child left holding the output pipe must not keep us waiting.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if err != nil {
		ce := &CommandError{Args: argv, ExitCode: -1, Err: err}
		var ee *exec.ExitError
		switch {
		case errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
			ce.TimedOut, ce.Timeout, ce.Err = true, timeout, context.DeadlineExceeded
		case ctx.Err() != nil:
			ce.Err = ctx.Err()
		case errors.As(err, &ee) && ee.ExitCode() >= 0:
			ce.ExitCode = ee.ExitCode()
		}
		return nil, ce
	}
	res := &RunResult{Action: a}
	mgr := a.Method.Manager()
	p, err := s.LookPath("kubectl")
	if err != nil {
		return nil, &CheckError{Manager: mgr}
	}
	res.Kubectl, res.Owner = p, Owner(ctx, s, p)
	if res.Owner.Manager != mgr {
		return nil, &CheckError{Manager: mgr, Found: p, Owner: res.Owner}
	}
	return res, nil
}
