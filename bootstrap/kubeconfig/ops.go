package kubeconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// The everyday operations on a kubeconfig list (List, Use, SetNamespace,
// Rename, Delete) follow kubectl's rules for where a change goes, so that
// kubectl sees exactly what its own config commands would have produced:
//
//   - an entry is found, changed and deleted in the first file of the list
//     that defines it (the one kubectl shows); a definition of the same
//     name in a later file is left alone, and shows once the first is gone;
//   - current-context is written to the target file (Locations.Target: the
//     explicit file, else the first listed file that exists), as kubectl's
//     use-context does, even when a later file is the one that set it;
//   - the current context is the first non-empty current-context of the
//     list.

// Errors of the operations, matched with errors.Is.
var (
	// ErrExists: the new name of a rename is taken. Matched by
	// *ExistsError.
	ErrExists = errors.New("name already defined")
	// ErrCurrentContext: Delete was asked to remove the current context
	// without DeleteOptions.Force. Matched by *CurrentContextError.
	ErrCurrentContext = errors.New("refusing to delete the current context")
	// ErrNoCurrentContext: an operation on the current context found none
	// set.
	ErrNoCurrentContext = errors.New("no current context is set")
	// ErrNoPreviousContext: Use("-") found no context used before.
	ErrNoPreviousContext = errors.New("no previous context to go back to")
	// ErrInvalidName: a name or namespace that cannot be used. Matched by
	// *InvalidNameError.
	ErrInvalidName = errors.New("invalid name")
)

// ExistsError reports that a name is already defined. It matches ErrExists.
type ExistsError struct {
	Kind Kind
	Name string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s %q already exists; choose another name, or delete that %s first", e.Kind, e.Name, e.Kind)
}

// Is makes errors.Is(err, ErrExists) true.
func (e *ExistsError) Is(target error) bool { return target == ErrExists }

// CurrentContextError reports a Delete of the current context without
// Force. It matches ErrCurrentContext.
type CurrentContextError struct{ Name string }

func (e *CurrentContextError) Error() string {
	return fmt.Sprintf("%s %q: switch to another context first, or force the deletion", ErrCurrentContext, e.Name)
}

// Is makes errors.Is(err, ErrCurrentContext) true.
func (e *CurrentContextError) Is(target error) bool { return target == ErrCurrentContext }

// InvalidNameError reports a name that cannot be used, and why. It matches
// ErrInvalidName.
type InvalidNameError struct {
	What   string // "context name", "namespace", ...
	Name   string
	Reason string
}

func (e *InvalidNameError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.What, e.Name, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidName) true.
func (e *InvalidNameError) Is(target error) bool { return target == ErrInvalidName }

var dnsLabelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`) })

// checkNamespace accepts Kubernetes namespace names: DNS-1123 labels.
func checkNamespace(ns string) error {
	if len(ns) > 63 || !dnsLabelRE().MatchString(ns) {
		return &InvalidNameError{What: "namespace", Name: ns,
			Reason: "a namespace is at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"}
	}
	return nil
}

// checkName accepts a name for a new entry of kind k.
func checkName(k Kind, name string) error {
	switch {
	case name == "":
		return &InvalidNameError{What: string(k) + " name", Name: name, Reason: "the name is empty"}
	case name == "-":
		return &InvalidNameError{What: string(k) + " name", Name: name, Reason: `"-" stands for the previous context`}
	case strings.ContainsAny(name, "\x00\n\r"):
		return &InvalidNameError{What: string(k) + " name", Name: strconv.Quote(name), Reason: "the name holds a control character"}
	}
	return nil
}

// ContextInfo describes one context as kubectl sees it. It holds names and
// the server URL (credentials removed), never secrets.
type ContextInfo struct {
	Name      string `json:"name"`
	Cluster   string `json:"cluster,omitempty"`
	Server    string `json:"server,omitempty"`
	User      string `json:"user,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Current   bool   `json:"current"`
	// File is the file of the list that holds the context.
	File string `json:"file"`
}

// List returns every context kubectl sees in the files opts names, sorted
// by name as kubectl get-contexts sorts them: its cluster and that
// cluster's server, user, namespace, whether it is the current context, and
// the file that holds it. It only reads (no lock): a file being replaced is
// read whole before or after the rename. Missing files of a list are
// skipped; a missing explicit file is an error matching fs.ErrNotExist.
// Only the locating fields of opts are used.
func List(opts EditOptions) ([]ContextInfo, error) {
	locs, err := opts.locations()
	if err != nil {
		return nil, err
	}
	var files []*File
	var sums []*summary
	cache := summaryCache(opts.CacheDir)
	for _, p := range locs.Files {
		if s := cache.lookUp(p); s != nil {
			files, sums = append(files, &File{Path: p, Exists: true}), append(sums, s)
			continue
		}
		data, err := readSettled(context.Background(), p, func(string, ...any) {})
		if errors.Is(err, fs.ErrNotExist) && !locs.Explicit {
			continue
		}
		if err != nil {
			return nil, err
		}
		f := &File{Path: p, Exists: true, orig: data}
		s, err := f.summaryOf(cache)
		if err != nil {
			return nil, err
		}
		files, sums = append(files, f), append(sums, s)
	}
	return newSummaryView(sums).infos(files), nil
}

// listView indexes the entries of a list of files as kubectl sees them: for
// each name, the first file defining it.
type listView struct {
	files   []*File
	current string
	at      map[Kind]map[string]located
}

type located struct {
	file *File
	i    int
}

func newView(files []*File) *listView {
	v := &listView{files: files, at: map[Kind]map[string]located{}}
	for _, k := range Kinds {
		v.at[k] = map[string]located{}
	}
	for _, f := range files {
		if f.Config == nil {
			continue
		}
		if v.current == "" {
			v.current = f.Config.CurrentContext
		}
		for _, k := range Kinds {
			for i, e := range f.Config.Entries(k) {
				if _, ok := v.at[k][e.Name]; !ok {
					v.at[k][e.Name] = located{f, i}
				}
			}
		}
	}
	return v
}

func (v *listView) entry(k Kind, name string) (Entry, *File, bool) {
	l, ok := v.at[k][name]
	if !ok {
		return Entry{}, nil, false
	}
	return l.file.Config.Entries(k)[l.i], l.file, true
}

func (v *listView) names(k Kind) []string {
	out := make([]string, 0, len(v.at[k]))
	for n := range v.at[k] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// undefined returns the error for a name of kind k the view lacks.
func (v *listView) undefined(k Kind, name string) error { return undefinedError(k, name, v.names(k)) }

// undefinedError reports name missing among all (sorted).
func undefinedError(k Kind, name string, all []string) error {
	return &UndefinedError{Kind: k, Name: name, Known: shortList(all), Suggestions: suggest(name, all)}
}

// UseResult describes a Use.
type UseResult struct {
	// Context is the current context after the call; Previous the one
	// before ("" when none was set).
	Context  string      `json:"context"`
	Previous string      `json:"previous,omitempty"`
	Edit     *EditResult `json:"edit"`
}

// PreviousContextFile returns the file beside the kubeconfig file that
// Use keeps the previously used context in (its name only), for Use("-"),
// when EditOptions.StateDir is not set; with one, it is
// previous-context in the kubeconfig's StateFolder. Either way it is per
// kubeconfig, not one per-user file as kubectx's ~/.kube/kubectx, because
// the previous context is a name of that kubeconfig: with several
// kubeconfigs (KUBECONFIG per project), each goes back within itself.
func PreviousContextFile(file string) string {
	return filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".kubeboot-previous-context")
}

// previousContextFile is where Use keeps the previous context of t.
func (o EditOptions) previousContextFile(t *File) string {
	if o.StateDir != "" {
		return filepath.Join(StateFolder(o.StateDir, t.Real), "previous-context")
	}
	return PreviousContextFile(t.besideWritable())
}

// Use makes name the current context, as kubectl config use-context does:
// current-context is written to the target file of the list. name "-" goes
// back to the context that was current before the last Use of this
// kubeconfig (ErrNoPreviousContext when there is none), as kubectx -. An
// unknown name returns an *UndefinedError (ErrUnknownContext) with the
// closest names as Suggestions. Choosing the current context writes
// nothing.
func Use(ctx context.Context, name string, opts EditOptions) (*UseResult, error) {
	return use(ctx, name, name == PreviousContext, opts)
}

// PreviousContext is the name Use reads as the context used before.
const PreviousContext = "-"

// UseExact is Use with name taken as it is: a context named "-" (which
// kubectl accepts) is selected, not the previous one.
func UseExact(ctx context.Context, name string, opts EditOptions) (*UseResult, error) {
	return use(ctx, name, false, opts)
}

func use(ctx context.Context, name string, previous bool, opts EditOptions) (*UseResult, error) {
	if name == "" {
		// As kubectl: "empty context names are not allowed".
		return nil, &InvalidNameError{What: "context name", Name: name, Reason: "the name is empty"}
	}
	res := &UseResult{}
	var stateFile string
	// choose resolves name ("-" from the state file) among the contexts
	// the list defines.
	choose := func(t *File, has func(string) bool, names func() []string) (string, error) {
		stateFile = opts.previousContextFile(t)
		want := name
		if previous {
			data, err := os.ReadFile(stateFile)
			want = strings.TrimSpace(string(data))
			if err != nil || want == "" {
				return "", ErrNoPreviousContext
			}
		}
		if !has(want) {
			return "", undefinedError(KindContext, want, names())
		}
		return want, nil
	}
	// quick: from the summaries, the target file's current-context value
	// rewritten in place; nothing parsed when the cache has them.
	quick := func(files []*File, cache summaryCache) (bool, error) {
		sums := make([]*summary, len(files))
		ti := len(files) - 1 // targetFile's choice
		for i := len(files) - 1; i >= 0; i-- {
			if files[i].Target {
				ti = i
			}
		}
		for i, f := range files {
			if !f.Exists {
				continue
			}
			s, err := f.summaryOf(cache)
			if err != nil {
				return false, err
			}
			sums[i] = s
		}
		t, ts := files[ti], sums[ti]
		v := newSummaryView(sums)
		want, err := choose(t, func(n string) bool { _, ok := v.contexts[n]; return ok }, v.contextNames)
		if err != nil {
			return false, err
		}
		res.Context, res.Previous = want, v.current
		if want == v.current {
			return true, nil
		}
		if ts == nil {
			return false, nil // a new target file: encoded whole
		}
		if ts.SpanState == spanUnchecked {
			ts.checkSpan(t.orig)
			cache.put(ts)
		}
		next, nsum, ok := ts.withCurrent(t.orig, want)
		if !ok {
			return false, nil
		}
		t.next, t.nextSum = next, nsum
		return true, nil
	}
	er, err := edit(ctx, opts, func(files []*File) error {
		v := newView(files)
		t := targetFile(files)
		want, err := choose(t, func(n string) bool { _, _, ok := v.entry(KindContext, n); return ok },
			func() []string { return v.names(KindContext) })
		if err != nil {
			return err
		}
		res.Context, res.Previous = want, v.current
		if want != v.current {
			t.Config.CurrentContext = want
		}
		return nil
	}, editHooks{quick: quick, after: func([]*File) error {
		if res.Previous == "" || res.Previous == res.Context {
			return nil
		}
		if _, err := atomicfile.MkdirAll(filepath.Dir(stateFile), 0o700); err != nil {
			return fmt.Errorf("could not remember the previous context in %s: %w", stateFile, err)
		}
		if err := atomicfile.Write(stateFile, []byte(res.Previous+"\n"), atomicfile.Options{Private: true, KeepOwnerFrom: filepath.Dir(stateFile)}); err != nil {
			return fmt.Errorf("could not remember the previous context in %s: %w", stateFile, err)
		}
		return nil
	}})
	if err != nil {
		return nil, err
	}
	res.Edit = er
	return res, nil
}

// NamespaceResult describes a SetNamespace.
type NamespaceResult struct {
	Context   string      `json:"context"`
	Namespace string      `json:"namespace"`
	Previous  string      `json:"previous,omitempty"`
	File      string      `json:"file"`
	Edit      *EditResult `json:"edit"`
}

// SetNamespace sets the namespace of context (the current context when
// empty), in the file that holds it, as kubectl config set-context
// [--current] --namespace does. An empty ns removes the namespace (kubectl
// then uses "default"); any other must be a valid namespace name
// (*InvalidNameError). No current context returns ErrNoCurrentContext; an
// unknown one an *UndefinedError.
func SetNamespace(ctx context.Context, ns, contextName string, opts EditOptions) (*NamespaceResult, error) {
	if ns != "" {
		if err := checkNamespace(ns); err != nil {
			return nil, err
		}
	}
	res := &NamespaceResult{Namespace: ns}
	er, err := edit(ctx, opts, func(files []*File) error {
		v := newView(files)
		name := contextName
		if name == "" {
			if name = v.current; name == "" {
				return ErrNoCurrentContext
			}
		}
		e, f, ok := v.entry(KindContext, name)
		if !ok {
			return v.undefined(KindContext, name)
		}
		res.Context, res.File = name, f.Path
		res.Previous = stringField(e.Body, "namespace")
		f.Config.Contexts[v.at[KindContext][name].i].Body = setField(e.Body, "namespace", ns)
		return nil
	}, editHooks{})
	if err != nil {
		return nil, err
	}
	res.Edit = er
	return res, nil
}

// RenameOptions configures Rename.
type RenameOptions struct {
	// Cluster and User also rename the context's cluster and user entries
	// to the new name, and every context of the list referring to them.
	Cluster, User bool
}

// RenameResult describes a Rename: every entry renamed, and the contexts
// whose references followed.
type RenameResult struct {
	Renamed []Ref  `json:"renamed"` // old names
	To      string `json:"to"`
	// References lists the contexts whose cluster or user reference was
	// rewritten.
	References []string    `json:"references,omitempty"`
	Edit       *EditResult `json:"edit"`
}

// Rename renames context old to new as kubectl config rename-context does:
// in the file that holds it, current-context following (written to the
// target file). With RenameOptions.Cluster or User, the context's cluster
// or user entry gets the name new as well (in the file that holds it) and
// every context of the list referring to it is updated. An unknown name
// returns an *UndefinedError (ErrUnknownContext, or for a context naming
// no existing cluster or user, that kind); a taken new name an
// *ExistsError (ErrExists).
func Rename(ctx context.Context, old, new string, ro RenameOptions, opts EditOptions) (*RenameResult, error) {
	if err := checkName(KindContext, new); err != nil {
		return nil, err
	}
	res := &RenameResult{To: new}
	er, err := edit(ctx, opts, func(files []*File) error {
		v := newView(files)
		e, f, ok := v.entry(KindContext, old)
		if !ok {
			return v.undefined(KindContext, old)
		}
		if old == new {
			return nil
		}
		if _, _, taken := v.entry(KindContext, new); taken {
			return &ExistsError{Kind: KindContext, Name: new}
		}
		cluster, user := contextRefs(e.Body)
		refs := map[Kind]string{}
		for _, k := range []Kind{KindCluster, KindUser} {
			ref := map[Kind]string{KindCluster: cluster, KindUser: user}[k]
			if (k == KindCluster && !ro.Cluster) || (k == KindUser && !ro.User) || ref == "" || ref == new {
				continue
			}
			if _, _, ok := v.entry(k, ref); !ok {
				return v.undefined(k, ref)
			}
			if _, _, taken := v.entry(k, new); taken {
				return &ExistsError{Kind: k, Name: new}
			}
			refs[k] = ref
		}
		f.Config.Contexts[v.at[KindContext][old].i].Name = new
		res.Renamed = append(res.Renamed, Ref{KindContext, old})
		if v.current == old {
			targetFile(files).Config.CurrentContext = new
		}
		clusters, users := map[string]string{}, map[string]string{}
		for _, k := range []Kind{KindCluster, KindUser} {
			ref, ok := refs[k]
			if !ok {
				continue
			}
			l := v.at[k][ref]
			(*l.file.Config.list(k))[l.i].Name = new
			res.Renamed = append(res.Renamed, Ref{k, ref})
			map[Kind]map[string]string{KindCluster: clusters, KindUser: users}[k][ref] = new
		}
		if len(refs) > 0 {
			seen := map[string]bool{}
			for _, file := range files {
				for i, c := range file.Config.Contexts {
					body := renameRefs(c.Body, clusters, users)
					if string(body) != string(c.Body) {
						file.Config.Contexts[i].Body = body
						if !seen[c.Name] {
							seen[c.Name] = true
							res.References = append(res.References, c.Name)
						}
					}
				}
			}
		}
		return nil
	}, editHooks{})
	if err != nil {
		return nil, err
	}
	res.Edit = er
	return res, nil
}

// DeleteOptions configures Delete.
type DeleteOptions struct {
	// Cascade also deletes the clusters and users of the deleted contexts
	// that no remaining context refers to.
	Cascade bool
	// Force allows deleting the current context; current-context is then
	// cleared in the first file that sets it (as kubectl config unset
	// current-context), so a later file's may show.
	Force bool
}

// DeleteResult lists what Delete removed (or would, under DryRun).
type DeleteResult struct {
	Contexts []string    `json:"contexts"`
	Clusters []string    `json:"clusters,omitempty"`
	Users    []string    `json:"users,omitempty"`
	Edit     *EditResult `json:"edit"`
}

// Delete removes contexts as kubectl config delete-context does: each from
// the file that holds it. With Cascade, the clusters and users they named
// that no remaining context of the list refers to go too (as
// delete-cluster and delete-user would remove them). The current context
// is refused with a *CurrentContextError (ErrCurrentContext) unless Force;
// an unknown name returns an *UndefinedError and deletes nothing.
func Delete(ctx context.Context, names []string, do DeleteOptions, opts EditOptions) (*DeleteResult, error) {
	if len(names) == 0 {
		return nil, errors.New("no context to delete")
	}
	return deleteThrough(ctx, opts, func(v *listView) ([]string, []string, []string, error) {
		var clusters, users []string
		for _, n := range names {
			e, _, ok := v.entry(KindContext, n)
			if !ok {
				return nil, nil, nil, v.undefined(KindContext, n)
			}
			if n == v.current && !do.Force {
				return nil, nil, nil, &CurrentContextError{Name: n}
			}
			c, u := contextRefs(e.Body)
			clusters, users = append(clusters, c), append(users, u)
		}
		if !do.Cascade {
			clusters, users = nil, nil
		}
		return names, clusters, users, nil
	})
}

// deleteThrough deletes the contexts, and the clusters and users (when
// unreferenced then), that choose returns, through Edit; choose runs
// under the locks, on the files about to be changed, and may refuse.
func deleteThrough(ctx context.Context, opts EditOptions, choose func(v *listView) (contexts, clusters, users []string, err error)) (*DeleteResult, error) {
	res := &DeleteResult{}
	er, err := edit(ctx, opts, func(files []*File) error {
		contexts, clusters, users, err := choose(newView(files))
		if err != nil {
			return err
		}
		d := deleteEntries(files, contexts, clusters, users)
		res.Contexts, res.Clusters, res.Users = d.Contexts, d.Clusters, d.Users
		return nil
	}, editHooks{})
	if err != nil {
		return nil, err
	}
	res.Edit = er
	return res, nil
}

// deleteEntries removes the contexts (from the files that hold them), then
// those of clusters and users no remaining context of any file refers to. When the
// current context goes, current-context is cleared in the first file that
// sets it, as kubectl config unset current-context does. Names already
// gone are skipped.
func deleteEntries(files []*File, contexts, clusters, users []string) *DeleteResult {
	res := &DeleteResult{}
	v := newView(files)
	gone := map[string]bool{}
	for _, n := range contexts {
		if l, ok := v.at[KindContext][n]; ok && !gone[n] {
			f := l.file
			removeEntry(f.Config, KindContext, n)
			res.Contexts = append(res.Contexts, n)
			gone[n] = true
		}
	}
	if gone[v.current] {
		// As kubectl config unset current-context: the first file that
		// sets it; a later file's current-context is left as it is.
		for _, f := range files {
			if f.Config.CurrentContext != "" {
				f.Config.CurrentContext = ""
				break
			}
		}
	}
	v = newView(files)
	// In use is what any context of any file refers to, shadowed ones
	// included: each file of a list must stay usable on its own, and a
	// shadowed context shows once the one before it goes.
	refd := map[Kind]map[string]bool{KindCluster: {}, KindUser: {}}
	for _, f := range files {
		for _, e := range f.Config.Contexts {
			c, u := contextRefs(e.Body)
			refd[KindCluster][c], refd[KindUser][u] = true, true
		}
	}
	lists := map[Kind][]string{KindCluster: clusters, KindUser: users}
	for _, k := range []Kind{KindCluster, KindUser} {
		list := lists[k]
		done := map[string]bool{}
		for _, n := range list {
			if n == "" || refd[k][n] || done[n] {
				continue
			}
			if l, ok := v.at[k][n]; ok {
				removeEntry(l.file.Config, k, n) // by name: indices move as entries go
				done[n] = true
				if k == KindCluster {
					res.Clusters = append(res.Clusters, n)
				} else {
					res.Users = append(res.Users, n)
				}
			}
		}
	}
	return res
}

func removeEntry(c *Config, k Kind, name string) {
	l := c.list(k)
	out := (*l)[:0:0]
	for _, e := range *l {
		if e.Name != name {
			out = append(out, e)
		}
	}
	*l = out
}

// stringField returns the string field key of a JSON object body.
func stringField(body json.RawMessage, key string) string {
	var m map[string]json.RawMessage
	var s string
	if body != nil && json.Unmarshal(body, &m) == nil {
		_ = json.Unmarshal(m[key], &s)
	}
	return s
}

// setField sets the string field key of a JSON object body (removes it
// when value is empty), keeping every other field.
func setField(body json.RawMessage, key, value string) json.RawMessage {
	m := map[string]json.RawMessage{}
	if body != nil {
		if json.Unmarshal(body, &m) != nil || m == nil {
			m = map[string]json.RawMessage{}
		}
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key], _ = json.Marshal(value)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// shortList returns names when there are few enough to show in a message.
func shortList(names []string) []string {
	if len(names) > 10 {
		return nil
	}
	return names
}

// suggest returns up to three of names close to name (a typo, a case
// difference, a prefix or part of it), closest first.
func suggest(name string, names []string) []string {
	if name == "" {
		return nil
	}
	type cand struct {
		n string
		d int
	}
	var cs []cand
	lower := strings.ToLower(name)
	limit := max(2, len([]rune(name))/3)
	for _, n := range names {
		ln := strings.ToLower(n)
		d := editDistance(lower, ln)
		switch {
		case d <= limit:
		case len(lower) >= 3 && strings.Contains(ln, lower):
			d = limit + 1
		default:
			continue
		}
		cs = append(cs, cand{n, d})
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].n < cs[j].n
	})
	var out []string
	for _, c := range cs[:min(3, len(cs))] {
		out = append(out, c.n)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b, in runes, with
// adjacent transpositions counting one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// quoteList quotes names and joins them, the last with sep.
func quoteList(names []string, last string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + last + q[len(q)-1]
}
