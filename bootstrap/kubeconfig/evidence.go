package kubeconfig

import (
	"fmt"
	"time"
)

// Prune evidence. One check never proves a context dead: a laptop offline,
// a VPN down, a stopped local cluster or a closed ssh tunnel all look like
// a server that is gone. The invariants:
//
//   - a 401 to the context's own credentials is lasting evidence: the
//     server answered and refused them;
//   - "unreachable" is evidence only when every check of the context over
//     a span (CheckOptions.Span, default DefaultPruneSpan) saw it, with at
//     least MinUnreachableChecks checks on at least MinUnreachableDays
//     different days (UTC) and no other outcome in between: two checks a
//     week apart say nothing of the days between. kubeboot records when it
//     first and last saw the failure, how often and on how many days, in
//     its own per-user state (EditOptions.StateDir), never in the
//     kubeconfig;
//   - a check that answers, or cannot tell (timeout, TLS, exec plugin),
//     clears the context's record: the streak is broken;
//   - a run in which no server answered at all (the network itself is
//     down) records nothing and clears nothing;
//   - a record made for another server, cluster or user of the same
//     context name (the context was imported again) does not count;
//   - without a state folder nothing is remembered, and unreachability
//     alone never removes a context.
//
// judge is the whole decision, a pure function of its input; the state
// files (evidence_store.go) only load and save what it returns.

// DefaultPruneSpan is how long a server must have been unreachable, on
// every check, before prune proposes removing its context.
const DefaultPruneSpan = 7 * 24 * time.Hour

// The least evidence of an unreachable server, whatever the span: this many
// failed checks, on this many different days (UTC).
const (
	MinUnreachableChecks = 3
	MinUnreachableDays   = 2
)

// Evidence is what kubeboot remembers of the failed checks of one context.
// It holds names, the server URL (credentials removed) and dates, never
// secrets.
type Evidence struct {
	// State is the failure seen: CheckUnreachable or CheckRejected.
	State CheckState `json:"state"`
	// Server, Cluster and User are the context's when the failures were
	// seen; a record for other ones is not this context's.
	Server  string `json:"server,omitempty"`
	Cluster string `json:"cluster,omitempty"`
	User    string `json:"user,omitempty"`
	// FirstFailed and LastFailed are the first and the latest check that
	// saw the failure, with no other outcome in between; Failures counts
	// those checks, Days the different days (UTC) they ran on.
	FirstFailed time.Time `json:"firstFailed"`
	LastFailed  time.Time `json:"lastFailed"`
	Failures    int       `json:"failures"`
	Days        int       `json:"days"`
	// Reason is the latest failure's explanation.
	Reason string `json:"reason,omitempty"`
}

// Decision says whether a context may be pruned, and why.
type Decision struct {
	Remove bool   `json:"remove"`
	Why    string `json:"why"`
}

// judgeInput is everything judge decides from.
type judgeInput struct {
	Info    ContextInfo
	Verdict Verdict
	// Prev is the stored record of the context (nil for none).
	Prev *Evidence
	Now  time.Time
	Span time.Duration
	// NetworkDown: no server answered in this run.
	NetworkDown bool
	// NoMemory: there is no state folder to remember failures in.
	NoMemory bool
}

// judgement is judge's answer: the record to keep (nil: none) and the
// decision.
type judgement struct {
	Record *Evidence
	Decision
}

// judge decides, for one context and one check, what to remember and
// whether the context may be removed. See the invariants above.
func judge(in judgeInput) judgement {
	prev := in.Prev
	if prev != nil && (prev.Server != in.Info.Server || prev.Cluster != in.Info.Cluster || prev.User != in.Info.User) {
		prev = nil // recorded for another server or credentials
	}
	if in.NetworkDown && in.Verdict.State != CheckOK && in.Verdict.State != CheckRejected {
		return judgement{Record: in.Prev, Decision: Decision{Why: "no server answered in this run (is the network down?): nothing recorded"}}
	}
	switch in.Verdict.State {
	case CheckOK:
		return judgement{Decision: Decision{Why: "the server answered"}}
	case CheckRejected:
		rec := in.newRecord(prev)
		return judgement{Record: rec, Decision: Decision{Remove: true,
			Why: "the server refused the context's credentials (401), first " + day(rec.FirstFailed)}}
	case CheckUnreachable:
	default:
		return judgement{Decision: Decision{Why: "the check could not tell: any record of failures is reset"}}
	}
	if in.NoMemory {
		return judgement{Decision: Decision{Why: "unreachable now; one check proves nothing, and no state folder keeps earlier ones"}}
	}
	if prev != nil && in.Now.Before(prev.LastFailed) {
		prev = nil // the clock went back: start again
	}
	rec := in.newRecord(prev)
	deadline := rec.FirstFailed.Add(in.Span)
	if rec.Failures < MinUnreachableChecks || rec.Days < MinUnreachableDays || in.Now.Before(deadline) {
		return judgement{Record: rec, Decision: Decision{Why: fmt.Sprintf("unreachable on %d check(s) on %d day(s) since %s; removable from %s if every check until then fails and at least %d checks on %d different days saw it",
			rec.Failures, rec.Days, day(rec.FirstFailed), day(deadline), MinUnreachableChecks, MinUnreachableDays)}}
	}
	return judgement{Record: rec, Decision: Decision{Remove: true, Why: fmt.Sprintf("unreachable on every check (%d, on %d days) from %s to %s",
		rec.Failures, rec.Days, day(rec.FirstFailed), day(rec.LastFailed))}}
}

// newRecord returns prev extended by this run's failure, or a new record
// when prev is nil or of another kind of failure.
func (in judgeInput) newRecord(prev *Evidence) *Evidence {
	rec := &Evidence{State: in.Verdict.State, Server: in.Info.Server, Cluster: in.Info.Cluster, User: in.Info.User,
		FirstFailed: in.Now, LastFailed: in.Now, Failures: 1, Days: 1, Reason: in.Verdict.Reason}
	if prev != nil && prev.State == in.Verdict.State {
		rec.FirstFailed, rec.Failures = prev.FirstFailed, prev.Failures+1
		rec.Days = prev.Days
		if rec.Days == 0 { // a record of an older kubeboot: the days it shows
			rec.Days = 1
			if dayOf(prev.FirstFailed) != dayOf(prev.LastFailed) {
				rec.Days = 2
			}
		}
		if dayOf(in.Now) != dayOf(prev.LastFailed) {
			rec.Days++
		}
	}
	return rec
}

// dayOf is t's day (UTC).
func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// networkDown reports a run in which no server answered: every check
// failed or could not tell. Such a run says nothing about any one server.
func networkDown(verdicts []Verdict) bool {
	for _, v := range verdicts {
		if v.State == CheckOK || v.State == CheckRejected {
			return false
		}
	}
	return len(verdicts) > 0
}

func day(t time.Time) string { return t.UTC().Format(time.RFC3339) }
