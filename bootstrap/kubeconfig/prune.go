package kubeconfig

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"sync"
	"time"
)

// CheckState is the outcome of checking one context.
type CheckState string

// The outcomes of a check. Only CheckUnreachable and CheckRejected count as
// failures, and even they make a context prunable only as lasting evidence
// (see Evidence).
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
	// Span is how long a server must be unreachable, on every check,
	// before its context may be pruned (default DefaultPruneSpan).
	Span time.Duration
}

// CheckedContext is a context, the verdict of its check, and what that
// makes of the evidence against it.
type CheckedContext struct {
	ContextInfo
	Check Verdict `json:"check"`
	// Evidence is the record of the context's failures after this check;
	// nil when there is none.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Prune says whether the evidence allows removing the context.
	Prune Decision `json:"prune"`
	// print is contextPrint of what the check judged (set by recheck).
	print string
}

// Check runs check on every context of the list (as List returns them),
// Parallel at a time, each bounded by Timeout; the results are in List's
// order. A check that does not return within its Timeout is reported as
// CheckUnknown at once (its goroutine is left to finish).
//
// Every check is evidence: with EditOptions.StateDir set, Check records
// each context's failures there (see Evidence; a record write that fails
// is logged and only delays a removal), dry runs included, since it is an
// observation and never touches the kubeconfig; each result carries the
// record and the prune decision it leads to.
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
	checked := checkAll(ctx, view, infos, co, check)
	judgeAll(checked, opts, co, true)
	return checked, nil
}

// judgeAll decides each context's evidence (judge) from this run's
// verdicts and the stored records, and stores the new records. full says
// checked is every context of the list: records of contexts gone from
// their file are then dropped.
func judgeAll(checked []CheckedContext, opts EditOptions, co CheckOptions, full bool) {
	span := co.Span
	if span <= 0 {
		span = DefaultPruneSpan
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	verdicts := make([]Verdict, len(checked))
	for i, c := range checked {
		verdicts[i] = c.Check
	}
	in := judgeInput{Now: now(), Span: span, NetworkDown: networkDown(verdicts), NoMemory: opts.StateDir == ""}
	stores := map[string]map[string]*Evidence{}
	changed := map[string]bool{}
	for i := range checked {
		c := &checked[i]
		recs, ok := stores[c.File]
		if !ok && opts.StateDir != "" {
			recs = loadEvidence(opts.StateDir, c.File)
			stores[c.File] = recs
		}
		in.Info, in.Verdict, in.Prev = c.ContextInfo, c.Check, recs[c.Name]
		j := judge(in)
		c.Evidence, c.Prune = j.Record, j.Decision
		if opts.StateDir == "" || j.Record == in.Prev {
			continue
		}
		if j.Record == nil {
			delete(recs, c.Name)
		} else {
			recs[c.Name] = j.Record
		}
		changed[c.File] = true
	}
	if full {
		seen := map[string]bool{}
		for _, c := range checked {
			seen[c.File+"\x00"+c.Name] = true
		}
		for file, recs := range stores {
			for name := range recs {
				if !seen[file+"\x00"+name] {
					delete(recs, name)
					changed[file] = true
				}
			}
		}
	}
	for file := range changed {
		if err := saveEvidence(opts.StateDir, file, stores[file]); err != nil {
			opts.logf()("could not record the checks of %s: %v", file, err)
		}
	}
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

// PrunePlan is what Prune would remove: contexts against which there is
// lasting evidence (a 401 to their credentials, or a server unreachable on
// every check over CheckOptions.Span; see Evidence), and the clusters and
// users no remaining context refers to (including those already
// unreferenced). It holds names, servers, verdicts and evidence only.
type PrunePlan struct {
	// Contexts are the contexts to remove; Kept every other, with its
	// verdict and evidence. The current context is always kept.
	Contexts []CheckedContext `json:"contexts"`
	Kept     []CheckedContext `json:"kept"`
	Clusters []string         `json:"clusters,omitempty"`
	Users    []string         `json:"users,omitempty"`
	// prints are the bodies of Clusters and Users as planned (entryPrint):
	// one changed since is not removed.
	prints map[Kind]map[string]string
}

// Empty reports that the plan removes nothing.
func (p *PrunePlan) Empty() bool {
	return len(p.Contexts)+len(p.Clusters)+len(p.Users) == 0
}

// PlanPrune checks every context (see Check, which records the evidence)
// and returns what Prune would remove; it writes no kubeconfig. The
// current context is never planned for removal, whatever its evidence.
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
		if c.Prune.Remove && c.Current {
			c.Prune = Decision{Why: "the current context is kept (" + c.Prune.Why + ")"}
		}
		if c.Prune.Remove {
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
	v := newView(files)
	p.prints = map[Kind]map[string]string{}
	for _, k := range []Kind{KindCluster, KindUser} {
		p.prints[k] = map[string]string{}
		for _, n := range v.names(k) {
			p.prints[k][n] = entryPrint(v, k, n)
		}
	}
	d := deleteEntries(files, keys(remove), allNames(files, KindCluster), allNames(files, KindUser))
	p.Clusters, p.Users = d.Clusters, d.Users
	return p, nil
}

// PruneResult describes a Prune.
type PruneResult struct {
	DeleteResult
	// Spared are the planned contexts that were kept: the check right
	// before the deletion did not confirm them, or they changed (another
	// cluster, user, server or credentials) since that check.
	Spared []CheckedContext `json:"spared,omitempty"`
	// SparedClusters and SparedUsers are the planned clusters and users
	// kept because they changed since the plan.
	SparedClusters []string `json:"sparedClusters,omitempty"`
	SparedUsers    []string `json:"sparedUsers,omitempty"`
}

// maxWitnesses bounds the contexts that answered in the plan and are
// checked again beside the planned ones, to tell a server that is gone
// from a network that just went down.
const maxWitnesses = 3

// Prune removes what plan lists, through Edit, after checking each planned
// context again (check, bounded by co, with a few contexts that answered
// in the plan as witnesses; the checks are recorded as by Check): only a
// context the evidence still condemns, with the same server, cluster and
// user as planned, is removed; the others are Spared. A re-check in which
// no server answers spares every context. Under the kubeconfig locks,
// right before the removal, each context must still have exactly the
// body its last check judged (its own, its cluster's and its user's,
// credentials included), and each planned cluster and user the body it
// had in the plan: whatever changed is spared (another program edited it
// meanwhile). Then the planned clusters and users that no remaining
// context of any file refers to go. Entries gone since the plan are
// skipped; the current context is refused with a *CurrentContextError.
func Prune(ctx context.Context, plan *PrunePlan, opts EditOptions, co CheckOptions, check CheckFunc) (*PruneResult, error) {
	if check == nil {
		return nil, errors.New("prune needs a check to confirm each context before removing it")
	}
	res := &PruneResult{}
	var confirmed, spared []CheckedContext
	if len(plan.Contexts) > 0 {
		var err error
		if confirmed, spared, err = recheck(ctx, plan, opts, co, check); err != nil {
			return nil, err
		}
	}
	d, err := deleteThrough(ctx, opts, func(v *listView) ([]string, []string, []string, error) {
		// choose may run more than once (Edit reads again under the locks).
		res.Spared, res.SparedClusters, res.SparedUsers = spared, nil, nil
		var names []string
		for _, c := range confirmed {
			p := contextPrint(v, c.Name)
			switch {
			case p == "":
				// gone already: nothing to do
			case p != c.print:
				c.Prune = Decision{Why: "the context, its cluster or its user changed while it was checked: kept"}
				res.Spared = append(res.Spared, c)
			case c.Name == v.current:
				return nil, nil, nil, &CurrentContextError{Name: c.Name}
			default:
				names = append(names, c.Name)
			}
		}
		keep := func(k Kind, list []string, spared *[]string) []string {
			var out []string
			for _, n := range list {
				switch p := entryPrint(v, k, n); {
				case p == "":
				case plan.prints == nil || p != plan.prints[k][n]:
					*spared = append(*spared, n)
				default:
					out = append(out, n)
				}
			}
			return out
		}
		clusters := keep(KindCluster, plan.Clusters, &res.SparedClusters)
		users := keep(KindUser, plan.Users, &res.SparedUsers)
		return names, clusters, users, nil
	})
	if err != nil {
		return nil, err
	}
	res.DeleteResult = *d
	return res, nil
}

// recheck checks the planned contexts again, with witnesses, and returns
// those still condemned, each with the print (contextPrint) of what its
// check judged, and the contexts spared.
func recheck(ctx context.Context, plan *PrunePlan, opts EditOptions, co CheckOptions, check CheckFunc) ([]CheckedContext, []CheckedContext, error) {
	locs, err := opts.locations()
	if err != nil {
		return nil, nil, err
	}
	infos, err := List(opts)
	if err != nil {
		return nil, nil, err
	}
	// One reading of the files gives both what the checks see and the
	// prints of what they judged.
	files, err := loadFiles(locs)
	if err != nil {
		return nil, nil, err
	}
	fv := newView(files)
	now := map[string]ContextInfo{}
	for _, c := range infos {
		now[c.Name] = c
	}
	var again []ContextInfo
	var spared []CheckedContext
	for _, c := range plan.Contexts {
		cur, ok := now[c.Name]
		switch {
		case !ok:
			// gone already: nothing to do
		case cur.Server != c.Server || cur.Cluster != c.Cluster || cur.User != c.User || cur.File != c.File || !sameRefs(fv, cur):
			c.Prune = Decision{Why: "the context changed since the plan"}
			spared = append(spared, c)
		default:
			again = append(again, cur)
		}
	}
	if len(again) == 0 {
		return nil, spared, nil
	}
	n := len(again)
	for _, c := range plan.Kept {
		if cur, ok := now[c.Name]; ok && c.Check.State == CheckOK && len(again) < n+maxWitnesses {
			again = append(again, cur)
		}
	}
	configs := make([]*Config, len(files))
	for i, f := range files {
		configs[i] = f.Config
	}
	checked := checkAll(ctx, mergeView(configs), again, co, check)
	judgeAll(checked, opts, co, false)
	var confirmed []CheckedContext
	for _, c := range checked[:n] {
		if c.Prune.Remove && !c.Current {
			c.print = contextPrint(fv, c.Name)
			confirmed = append(confirmed, c)
		} else {
			c.Prune.Why = "not confirmed right before the removal: " + c.Prune.Why
			spared = append(spared, c)
		}
	}
	return confirmed, spared, nil
}

// sameRefs reports that the files' view of the context c names (the file
// holding it, its cluster and user) is what List said.
func sameRefs(v *listView, c ContextInfo) bool {
	e, f, ok := v.entry(KindContext, c.Name)
	if !ok {
		return false
	}
	cl, u := contextRefs(e.Body)
	return f.Path == c.File && cl == c.Cluster && u == c.User
}

// contextPrint identifies what a check of context name judges in v: the
// file holding it, its body, and the whole entries of the cluster and user
// it names (server and credentials included); "" when v has no such
// context. It is a digest: it holds no secret.
func contextPrint(v *listView, name string) string {
	e, f, ok := v.entry(KindContext, name)
	if !ok {
		return ""
	}
	c, u := contextRefs(e.Body)
	return digestOf([]byte(f.Path + "\x00" + canonicalEntry(KindContext, e) + "\x00" + entryPrint(v, KindCluster, c) + "\x00" + entryPrint(v, KindUser, u)))
}

// entryPrint identifies the entry of kind k and name in v (the file that
// holds it and its whole body); "" when v has none.
func entryPrint(v *listView, k Kind, name string) string {
	e, f, ok := v.entry(k, name)
	if !ok {
		return ""
	}
	return digestOf([]byte(f.Path + "\x00" + canonicalEntry(k, e)))
}

// canonicalEntry is e as canonical JSON.
func canonicalEntry(k Kind, e Entry) string {
	j, err := json.Marshal(e.object(k))
	if err != nil {
		return "unencodable entry " + e.Name
	}
	return canonical(j)
}

// loadFiles reads the existing files of locs, without locks (a file
// being rewritten in place and read empty is read again, as by Edit); a
// missing explicit file is an error.
func loadFiles(locs Locations) ([]*File, error) {
	var files []*File
	for _, p := range locs.Files {
		data, err := readSettled(context.Background(), p, func(string, ...any) {})
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
