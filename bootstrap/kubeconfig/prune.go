package kubeconfig

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"time"
)

// CheckState is the outcome of checking one context.
type CheckState string

// The outcomes of a check. Only CheckUnreachable and CheckRejected make a
// context prunable.
const (
	// CheckOK: the server answered and accepted the credentials.
	CheckOK CheckState = "ok"
	// CheckUnreachable: the server definitely did not answer: connection
	// refused, no route, or a host name that does not resolve. A check
	// that ran out of time is CheckUnknown, never this.
	CheckUnreachable CheckState = "unreachable"
	// CheckRejected: the server refused the credentials (401).
	CheckRejected CheckState = "rejected"
	// CheckUnknown: anything else (a timeout, a TLS problem, an exec
	// plugin that failed, a kubeconfig that cannot be used): the context
	// is kept.
	CheckUnknown CheckState = "unknown"
)

// Verdict is what a CheckFunc found. Reason is a short explanation
// without secrets.
type Verdict struct {
	State  CheckState `json:"state"`
	Reason string     `json:"reason,omitempty"`
}

// Prunable reports whether the verdict allows pruning the context.
func (v Verdict) Prunable() bool { return v.State == CheckUnreachable || v.State == CheckRejected }

// CheckFunc checks one context of the merged view (LoadView of the list:
// relative paths resolved, credentials included). It must honour ctx,
// which carries CheckOptions.Timeout. bootstrap/verify provides one
// (verify.ContextCheck), built on its connection and error types.
type CheckFunc func(ctx context.Context, view *Config, c ContextInfo) Verdict

// Defaults of CheckOptions.
const (
	DefaultCheckParallel = 8
	DefaultCheckTimeout  = 10 * time.Second
)

// CheckOptions bound Check and PlanPrune.
type CheckOptions struct {
	// Parallel is how many contexts are checked at once (default
	// DefaultCheckParallel).
	Parallel int
	// Timeout bounds each check (default DefaultCheckTimeout). A check
	// still running then, or ending after it, is CheckUnknown.
	Timeout time.Duration
}

// CheckedContext is a context and the verdict of its check.
type CheckedContext struct {
	ContextInfo
	Check Verdict `json:"check"`
}

// Check runs check on every context of the list (as List returns them),
// Parallel at a time, each bounded by Timeout; the results are in List's
// order. A check that does not return within its Timeout is reported as
// CheckUnknown at once (its goroutine is left to finish).
func Check(ctx context.Context, opts EditOptions, co CheckOptions, check CheckFunc) ([]CheckedContext, error) {
	locs, err := opts.locations()
	if err != nil {
		return nil, err
	}
	infos, err := List(opts)
	if err != nil {
		return nil, err
	}
	out := make([]CheckedContext, len(infos))
	if len(infos) == 0 {
		return out, nil
	}
	view, err := LoadView(locs.Files)
	if err != nil {
		return nil, err
	}
	return checkAll(ctx, view, infos, co, check), nil
}

func checkAll(ctx context.Context, view *Config, infos []ContextInfo, co CheckOptions, check CheckFunc) []CheckedContext {
	if co.Parallel <= 0 {
		co.Parallel = DefaultCheckParallel
	}
	if co.Timeout <= 0 {
		co.Timeout = DefaultCheckTimeout
	}
	out := make([]CheckedContext, len(infos))
	sem := make(chan struct{}, co.Parallel)
	var wg sync.WaitGroup
	for i, info := range infos {
		out[i].ContextInfo = info
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].Check = checkOne(ctx, view, info, co.Timeout, check)
		}()
	}
	wg.Wait()
	return out
}

// checkOne runs one check within timeout. The rule: a verdict counts only
// when the check returned before its deadline; past it the context is
// CheckUnknown ("timed out"), whatever the check would have said, so a
// slow network never gets a context pruned.
func checkOne(ctx context.Context, view *Config, info ContextInfo, timeout time.Duration, check CheckFunc) Verdict {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan Verdict, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- Verdict{State: CheckUnknown, Reason: "the check failed"}
			}
		}()
		done <- check(cctx, view, info)
	}()
	select {
	case v := <-done:
		if cctx.Err() != nil {
			return Verdict{State: CheckUnknown, Reason: "the check timed out after " + timeout.String()}
		}
		return v
	case <-cctx.Done():
		return Verdict{State: CheckUnknown, Reason: "the check timed out after " + timeout.String()}
	}
}

// PrunePlan is what Prune would remove: contexts whose server is
// unreachable or whose credentials are refused, and the clusters and users
// no remaining context refers to (including those already unreferenced).
// It holds names, servers and verdicts only.
type PrunePlan struct {
	// Contexts are the contexts to remove; Kept every other, with its
	// verdict. The current context is always kept.
	Contexts []CheckedContext `json:"contexts"`
	Kept     []CheckedContext `json:"kept"`
	Clusters []string         `json:"clusters,omitempty"`
	Users    []string         `json:"users,omitempty"`
}

// Empty reports that the plan removes nothing.
func (p *PrunePlan) Empty() bool {
	return len(p.Contexts)+len(p.Clusters)+len(p.Users) == 0
}

// PlanPrune checks every context (see Check) and returns what Prune would
// remove; it writes nothing. The current context is never planned for
// removal, whatever its verdict.
func PlanPrune(ctx context.Context, opts EditOptions, co CheckOptions, check CheckFunc) (*PrunePlan, error) {
	checked, err := Check(ctx, opts, co, check)
	if errors.Is(err, fs.ErrNotExist) {
		return &PrunePlan{}, nil
	}
	if err != nil {
		return nil, err
	}
	p := &PrunePlan{}
	remove := map[string]bool{}
	for _, c := range checked {
		if c.Check.Prunable() && !c.Current {
			p.Contexts = append(p.Contexts, c)
			remove[c.Name] = true
		} else {
			p.Kept = append(p.Kept, c)
		}
	}
	// The entries left unreferenced, computed on a copy of the files.
	locs, err := opts.locations()
	if err != nil {
		return nil, err
	}
	files, err := loadFiles(locs)
	if err != nil {
		return nil, err
	}
	d := deleteEntries(files, keys(remove), allNames(files, KindCluster), allNames(files, KindUser))
	p.Clusters, p.Users = d.Clusters, d.Users
	return p, nil
}

// Prune removes what plan lists, through Edit: the contexts (each from the
// file that holds it), then the planned clusters and users that no
// remaining context refers to at that moment. Entries gone since the plan
// are skipped; the current context is refused with a *CurrentContextError.
func Prune(ctx context.Context, plan *PrunePlan, opts EditOptions) (*DeleteResult, error) {
	var names []string
	for _, c := range plan.Contexts {
		names = append(names, c.Name)
	}
	return deleteThrough(ctx, opts, func(v *listView) ([]string, []string, error) {
		for _, n := range names {
			if n == v.current {
				return nil, nil, &CurrentContextError{Name: n}
			}
		}
		return plan.Clusters, plan.Users, nil
	}, names)
}

// loadFiles reads the existing files of locs, without locks (a file
// being rewritten in place and read empty is read again, as by Edit); a
// missing explicit file is an error.
func loadFiles(locs Locations) ([]*File, error) {
	var files []*File
	for _, p := range locs.Files {
		data, err := readSettled(p, func(string, ...any) {})
		if errors.Is(err, fs.ErrNotExist) && !locs.Explicit {
			continue
		}
		if err != nil {
			return nil, err
		}
		c, err := Parse(data, p)
		if err != nil {
			return nil, err
		}
		files = append(files, &File{Path: p, Config: c, Exists: true})
	}
	return files, nil
}

func allNames(files []*File, k Kind) []string {
	var out []string
	for _, f := range files {
		out = append(out, names(f.Config.Entries(k))...)
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
