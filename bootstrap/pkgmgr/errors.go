package pkgmgr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrUnknownMethod means a method name is not one of Methods().
	ErrUnknownMethod = errors.New("unknown install method")
	// ErrUnavailable means an explicitly requested package manager is not
	// installed, or does not exist on this OS. The error is an
	// *UnavailableError.
	ErrUnavailable = errors.New("package manager not available")
	// ErrNeedsElevation means the manager (Chocolatey) must run from an
	// elevated (administrator) shell and this one is not.
	ErrNeedsElevation = errors.New("needs an elevated shell")
	// ErrManagerFailed means the manager ran and failed: a *CommandError.
	ErrManagerFailed = errors.New("package manager failed")
	// ErrTimeout means the manager did not finish in time: a *CommandError
	// whose TimedOut is true.
	ErrTimeout = errors.New("package manager timed out")
	// ErrUnexpectedKubectl means that after the manager succeeded, the
	// kubectl on PATH is not the one it installed: a *CheckError.
	ErrUnexpectedKubectl = errors.New("unexpected kubectl on PATH")
)

// UnavailableError reports an explicitly requested method that cannot be
// used on this machine.
type UnavailableError struct {
	Method Method
	GOOS   string
	Reason string // "not installed", "Windows only"...
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("cannot install with %s on %s: %s", e.Method, e.GOOS, e.Reason)
}

// Is makes errors.Is match ErrUnavailable.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// ElevationError reports a manager that needs administrator rights.
type ElevationError struct{ Manager Manager }

func (e *ElevationError) Error() string {
	return fmt.Sprintf("%s installs for all users and needs an elevated shell (Run as administrator); this one is not elevated", e.Manager)
}

// Is makes errors.Is match ErrNeedsElevation.
func (e *ElevationError) Is(target error) bool { return target == ErrNeedsElevation }

// CommandError reports a manager run that failed or timed out.
type CommandError struct {
	Args     []string // the command line run
	ExitCode int      // -1 when it did not exit on its own
	TimedOut bool
	Timeout  time.Duration
	Err      error
}

func (e *CommandError) Error() string {
	cmd := strings.Join(e.Args, " ")
	if e.TimedOut {
		return fmt.Sprintf("%s did not finish within %s and was stopped", cmd, e.Timeout)
	}
	if e.ExitCode >= 0 {
		return fmt.Sprintf("%s failed with exit code %d", cmd, e.ExitCode)
	}
	return fmt.Sprintf("%s: %v", cmd, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Is makes errors.Is match ErrManagerFailed, and ErrTimeout after a timeout.
func (e *CommandError) Is(target error) bool {
	return target == ErrManagerFailed || (e.TimedOut && target == ErrTimeout)
}

// CheckError reports that the kubectl on PATH after a manager's run is not
// the manager's.
type CheckError struct {
	Manager Manager
	Found   string    // the kubectl PATH finds, "" for none
	Owner   Ownership // who owns Found
}

func (e *CheckError) Error() string {
	if e.Found == "" {
		return fmt.Sprintf("%s succeeded, but no kubectl is on PATH", e.Manager)
	}
	return fmt.Sprintf("%s succeeded, but the kubectl on PATH is %s (owned by %s), not %s's", e.Manager, e.Found, e.Owner.Manager, e.Manager)
}

// Is makes errors.Is match ErrUnexpectedKubectl.
func (e *CheckError) Is(target error) bool { return target == ErrUnexpectedKubectl }
