// Package uninstall removes what kubeboot installed and nothing else.
//
// Invariants:
//
//   - A program is removed only when kubeboot can prove it put those very
//     bytes there: the install folder's record (exeinstall.RecordName,
//     written by the one executable installer at each install) names the
//     file with a SHA-256, the record and its folder pass the store's
//     ownership rule (store.CheckTrusted: the user's or the
//     administrator's, and no one else may write them), the path is a
//     regular file (never a link: neither a link nor what it leads to is
//     removed), no package manager owns it (pkgmgr.Owner), and its bytes,
//     hashed again under the folder's install lock right before the
//     removal, still have the recorded digest. Anything else is left, with
//     the reason.
//   - kubeboot's own binary is never removed, nor any kubeconfig: an
//     uninstall does not read or touch ~/.kube.
//   - Plan is pure: a function of what Gather saw (Candidate) to a Step
//     with a reason per decision, table-tested for every OS on any
//     machine. Apply carries a plan out; a dry run is the plan alone.
//   - A removal is a file removal and then the record's entry: an
//     uninstall killed between the two leaves a record of a missing file,
//     which the next run forgets. Rerunning an interrupted uninstall
//     finishes it.
package uninstall

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"

	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
)

// FileKind is what is at a path.
type FileKind string

const (
	Absent  FileKind = "absent"
	Regular FileKind = "file"
	Link    FileKind = "link"
	Other   FileKind = "other" // a folder, a device, a FIFO...
)

// Record is what an install folder's record says of one program.
type Record struct {
	Tool    string `json:"tool,omitempty"`
	Version string `json:"version,omitempty"`
	SHA256  string `json:"sha256"`
}

// Candidate is what Gather saw at one path an uninstall considers: the
// program of a catalogue tool in an install folder.
type Candidate struct {
	Tool string
	Path string
	Kind FileKind
	// LinkTarget is where a link leads (Kind Link).
	LinkTarget string
	// SHA256 is the regular file's digest; "" when it could not be read
	// (ReadErr says why).
	SHA256  string
	ReadErr string
	// Record is the folder's record of this file, nil when it has none.
	Record *Record
	// RecordDistrust says why the folder's record is not believed (another
	// user's, writable by others, unreadable); "" when it is.
	RecordDistrust string
	// Owner is the package manager that owns the file, if any.
	Owner pkgmgr.Ownership
	// Self is true for kubeboot's own binary.
	Self bool
}

// Action is what a step does.
type Action string

const (
	// Remove deletes the file (and its record).
	Remove Action = "remove"
	// Leave keeps it; the reason says why.
	Leave Action = "leave"
	// Forget drops the record of a file that is no longer there.
	Forget Action = "forget"
)

// Kind is what a step is about.
type Kind string

const (
	Program   Kind = "program"
	Store     Kind = "store"
	Shim      Kind = "shim"
	PathEntry Kind = "path-entry"
	Alias     Kind = "alias"
)

// Step is one decision of a plan.
type Step struct {
	Kind   Kind   `json:"kind"`
	Tool   string `json:"tool,omitempty"`
	Path   string `json:"path"`
	Action Action `json:"action"`
	Reason string `json:"reason"`
	// SHA256 is the digest the file must still have when it is removed.
	SHA256 string `json:"sha256,omitempty"`
	// Done is set by Apply: the step was carried out (for Leave, false).
	Done bool `json:"done"`
	// Error is set by Apply when the step could not be carried out; the
	// file was then left.
	Error string `json:"error,omitempty"`
}

// PlanFile decides what to do with one candidate. Absent files with no
// record are no step at all (ok false).
func PlanFile(c Candidate) (s Step, ok bool) {
	s = Step{Kind: Program, Tool: c.Tool, Path: c.Path, Action: Leave}
	switch {
	case c.Kind == Absent && c.Record != nil && c.RecordDistrust == "":
		s.Action, s.Reason = Forget, "not there any more; its install record is dropped"
	case c.Kind == Absent:
		return s, false
	case c.Self:
		s.Reason = "kubeboot itself: uninstall never removes the program running it; delete it by hand when you no longer need it"
	case c.Owner.Managed():
		s.Reason = fmt.Sprintf("it belongs to %s%s: uninstall it with %s", c.Owner.Manager, pkgName(c.Owner), c.Owner.Manager)
	case c.Kind == Link:
		s.Reason = fmt.Sprintf("a link to %s, not a file kubeboot installed: neither the link nor what it leads to is removed", c.LinkTarget)
	case c.Kind != Regular:
		s.Reason = "not a regular file, so not one kubeboot installed"
	case c.RecordDistrust != "":
		s.Reason = "its install record is not trusted: " + c.RecordDistrust
	case c.Record == nil:
		s.Reason = "no record that kubeboot installed it (another installer's, or installed by a kubeboot older than its install records): delete it yourself if it is yours"
	case c.SHA256 == "":
		s.Reason = "it cannot be read to check that it is what kubeboot installed: " + c.ReadErr
	case c.SHA256 != c.Record.SHA256:
		s.Reason = fmt.Sprintf("its bytes are not what kubeboot installed (sha256 %s, installed %s): changed or replaced since", short(c.SHA256), short(c.Record.SHA256))
	default:
		s.Action, s.SHA256 = Remove, c.SHA256
		s.Reason = "installed by kubeboot" + describe(c.Record) + ", unchanged since (sha256 " + short(c.SHA256) + ")"
	}
	return s, true
}

// Plan decides every candidate, in order.
func Plan(cs []Candidate) []Step {
	var out []Step
	for _, c := range cs {
		if s, ok := PlanFile(c); ok {
			out = append(out, s)
		}
	}
	return out
}

func pkgName(o pkgmgr.Ownership) string {
	if o.Package == "" {
		return ""
	}
	return " (package " + o.Package + ")"
}

func describe(r *Record) string {
	switch {
	case r.Tool != "" && r.Version != "":
		return " (" + r.Tool + " " + r.Version + ")"
	case r.Tool != "":
		return " (" + r.Tool + ")"
	}
	return ""
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12] + "…"
	}
	return d
}

// Windows error numbers a removal of a running or open program gives.
const (
	errorAccessDenied     = syscall.Errno(5)
	errorSharingViolation = syscall.Errno(32)
)

// RemoveFailure says, for the user, why removing a file on goos failed:
// on Windows a program that is running (or open elsewhere) cannot be
// deleted, and that is said as such, with what to do.
func RemoveFailure(goos string, err error) string {
	var errno syscall.Errno
	if goos == "windows" && errors.As(err, &errno) && (errno == errorAccessDenied || errno == errorSharingViolation) {
		return "it is running or open in another program (Windows deletes no running program): close it (every kubectl, a shell using it) and run uninstall again"
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("not allowed to delete it (%v): run uninstall as the user who installed it", err)
	}
	return err.Error()
}

// PlanPathEntry decides about the Windows user Path entry of an install
// folder: it goes only when kubeboot added it (winpath's record; never
// an entry the user or another installer made) and nothing of kubeboot's
// that is staying needs it (needed: the programs left in the folder with a
// record, kubeboot itself). No step when kubeboot did not add it.
func PlanPathEntry(dir string, addedByKubeboot bool, needed []string) (Step, bool) {
	s := Step{Kind: PathEntry, Path: dir, Action: Leave}
	switch {
	case !addedByKubeboot:
		return s, false
	case len(needed) > 0:
		s.Reason = fmt.Sprintf("kubeboot added it to your user Path, and %s stays in it", strings.Join(needed, ", "))
	default:
		s.Action = Remove
		s.Reason = "kubeboot added it to your user Path, and nothing of kubeboot's stays in it"
	}
	return s, true
}
