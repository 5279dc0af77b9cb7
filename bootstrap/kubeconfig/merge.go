package kubeconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ConflictPolicy says what Merge does with an incoming entry whose name is
// already taken by an entry with different content.
type ConflictPolicy int

const (
	// ConflictFail refuses the merge with a *ConflictError. The default.
	ConflictFail ConflictPolicy = iota
	// ConflictRename gives the incoming entry the first free name among
	// name-2, name-3, ... and updates every reference to it.
	ConflictRename
	// ConflictReplace lets the incoming entry win.
	ConflictReplace
)

func (p ConflictPolicy) String() string {
	switch p {
	case ConflictFail:
		return "fail"
	case ConflictRename:
		return "rename"
	case ConflictReplace:
		return "replace"
	}
	return "ConflictPolicy(" + strconv.Itoa(int(p)) + ")"
}

// ParseConflictPolicy maps "fail", "rename" and "replace" to a policy.
func ParseConflictPolicy(s string) (ConflictPolicy, error) {
	switch s {
	case "fail", "":
		return ConflictFail, nil
	case "rename":
		return ConflictRename, nil
	case "replace":
		return ConflictReplace, nil
	}
	return 0, fmt.Errorf("unknown conflict policy %q (want fail, rename or replace)", s)
}

// ErrConflict is matched by *ConflictError.
var ErrConflict = errors.New("kubeconfig entries conflict")

// Ref names one entry of a kubeconfig.
type Ref struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

func (r Ref) String() string { return fmt.Sprintf("%s %q", r.Kind, r.Name) }

// ConflictError lists the incoming entries whose names are taken by entries
// with different content. It matches ErrConflict.
type ConflictError struct {
	Conflicts []Ref
}

func (e *ConflictError) Error() string {
	names := make([]string, len(e.Conflicts))
	for i, r := range e.Conflicts {
		names[i] = r.String()
	}
	return fmt.Sprintf("%s already defined with different content: %s (choose rename or replace to import anyway)",
		plural(len(names), "entry", "entries"), strings.Join(names, ", "))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Renamed records an incoming entry that got a new name.
type Renamed struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Existing reports that an identical entry already had the new name
	// (from an earlier import), so nothing was added.
	Existing bool `json:"existing,omitempty"`
}

// KindChanges lists what a merge did to the entries of one kind.
type KindChanges struct {
	Added     []string  `json:"added,omitempty"`
	Renamed   []Renamed `json:"renamed,omitempty"`
	Replaced  []string  `json:"replaced,omitempty"`
	Unchanged []string  `json:"unchanged,omitempty"`
}

// Changes lists what a merge did, per kind. It holds names only, never
// secrets, and is meant to be shown or encoded as JSON.
type Changes struct {
	Clusters KindChanges `json:"clusters"`
	Users    KindChanges `json:"users"`
	Contexts KindChanges `json:"contexts"`
	// TopLevel lists top-level keys (preferences, extensions, ...) taken
	// from the incoming file because the target had none.
	TopLevel []string `json:"topLevel,omitempty"`
}

// Of returns the changes of kind k.
func (c *Changes) Of(k Kind) *KindChanges {
	switch k {
	case KindCluster:
		return &c.Clusters
	case KindUser:
		return &c.Users
	default:
		return &c.Contexts
	}
}

// NewName returns the name an incoming entry of kind k has after the merge.
func (c *Changes) NewName(k Kind, name string) string {
	for _, r := range c.Of(k).Renamed {
		if r.From == name {
			return r.To
		}
	}
	return name
}

// Empty reports that the merge added, renamed into place or replaced
// nothing.
func (c *Changes) Empty() bool {
	for _, k := range Kinds {
		kc := c.Of(k)
		if len(kc.Added) > 0 || len(kc.Replaced) > 0 {
			return false
		}
		for _, r := range kc.Renamed {
			if !r.Existing {
				return false
			}
		}
	}
	return len(c.TopLevel) == 0
}

// Merge returns target with the entries of incoming merged in, by kubectl's
// rules, and what changed. Neither argument is modified.
//
// An incoming entry whose name is free is appended. One whose name is taken
// by an entry with the same content (compared as canonical JSON, after path
// resolution) is left alone. One whose name is taken by different content is
// a conflict, handled by policy; under ConflictFail the result is a
// *ConflictError listing every conflict, and no config.
//
// others are the remaining files of a KUBECONFIG list, after target: their
// names count as taken, as kubectl would show them, but they are not
// modified. Relative file paths of incoming entries (certificate-authority,
// client-certificate, client-key, tokenFile, an exec command containing a
// path separator) are made absolute from incoming.Path's folder when the
// target is in another folder, so they keep working.
//
// The result keeps target's current-context; see Import for selection.
func Merge(target, incoming *Config, policy ConflictPolicy, others ...*Config) (*Config, *Changes, error) {
	if policy < ConflictFail || policy > ConflictReplace {
		return nil, nil, fmt.Errorf("unknown conflict policy %d", int(policy))
	}
	out := target.Clone()
	// Entries are compared as kubectl sees them, relative paths resolved
	// from their own file's folder; they are written resolved only when
	// they move to another folder.
	cmpIn := resolved(incoming)
	in := incoming.Clone()
	if needsResolve(target.Path, incoming.Path) {
		in = cmpIn.Clone()
	}
	cmpTarget := resolved(target)
	cmpOthers := make([]*Config, 0, len(others))
	for _, o := range others {
		if o != nil {
			cmpOthers = append(cmpOthers, resolved(o))
		}
	}
	changes := &Changes{}
	var conflicts []Ref
	renames := map[Kind]map[string]string{KindCluster: {}, KindUser: {}}

	for _, k := range Kinds {
		kc := changes.Of(k)
		assigned := map[string]bool{}
		for i, e := range *in.list(k) {
			c := (*cmpIn.list(k))[i]
			if k == KindContext {
				e.Body = renameRefs(e.Body, renames[KindCluster], renames[KindUser])
				c.Body = renameRefs(c.Body, renames[KindCluster], renames[KindUser])
			}
			existing, inTarget, found := lookupVisible(cmpTarget, cmpOthers, k, e.Name)
			switch {
			case !found:
				*out.list(k) = append(*out.list(k), e)
				kc.Added = append(kc.Added, e.Name)
				assigned[e.Name] = true
				continue
			case sameEntry(k, existing, c):
				kc.Unchanged = append(kc.Unchanged, e.Name)
				continue
			}
			switch policy {
			case ConflictFail:
				conflicts = append(conflicts, Ref{k, e.Name})
			case ConflictReplace:
				if inTarget {
					l := *out.list(k)
					for i := range l {
						if l[i].Name == e.Name {
							l[i] = e
						}
					}
				} else {
					*out.list(k) = append(*out.list(k), e)
				}
				kc.Replaced = append(kc.Replaced, e.Name)
			case ConflictRename:
				old := e.Name
				for n := 2; ; n++ {
					cand := old + "-" + strconv.Itoa(n)
					if assigned[cand] {
						continue
					}
					if _, inIncoming := in.Lookup(k, cand); inIncoming {
						continue
					}
					e.Name, c.Name = cand, cand
					ex, _, taken := lookupVisible(cmpTarget, cmpOthers, k, cand)
					if !taken {
						*out.list(k) = append(*out.list(k), e)
						kc.Renamed = append(kc.Renamed, Renamed{From: old, To: cand})
						break
					}
					if sameEntry(k, ex, c) {
						kc.Renamed = append(kc.Renamed, Renamed{From: old, To: cand, Existing: true})
						break
					}
				}
				assigned[e.Name] = true
				if k != KindContext {
					renames[k][old] = e.Name
				}
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, nil, &ConflictError{Conflicts: conflicts}
	}
	mergeTopLevel(out, in, changes)
	return out, changes, nil
}

// lookupVisible finds kind k's entry name as kubectl would see it through
// target then others. inTarget tells whether it came from target.
func lookupVisible(target *Config, others []*Config, k Kind, name string) (e Entry, inTarget, found bool) {
	if e, ok := target.Lookup(k, name); ok {
		return e, true, true
	}
	for _, o := range others {
		if e, ok := o.Lookup(k, name); ok {
			return e, false, true
		}
	}
	return Entry{}, false, false
}

// sameEntry compares two entries of kind k by content, as canonical JSON.
func sameEntry(k Kind, a, b Entry) bool {
	ja, err1 := json.Marshal(a.object(k))
	jb, err2 := json.Marshal(b.object(k))
	if err1 != nil || err2 != nil {
		return false
	}
	return canonical(ja) == canonical(jb)
}

// renameRefs rewrites a context body's cluster and user per the rename maps.
func renameRefs(body json.RawMessage, clusters, users map[string]string) json.RawMessage {
	if body == nil || (len(clusters) == 0 && len(users) == 0) {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	changed := false
	for key, renames := range map[string]map[string]string{"cluster": clusters, "user": users} {
		var name string
		if v, ok := m[key]; ok && json.Unmarshal(v, &name) == nil {
			if to, ok := renames[name]; ok {
				m[key], _ = json.Marshal(to)
				changed = true
			}
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// mergeTopLevel copies incoming top-level keys the target lacks or has
// empty (kubectl's merged view shows them), and incoming extensions under names the target
// lacks.
func mergeTopLevel(out, in *Config, changes *Changes) {
	for key, v := range in.other {
		switch key {
		case "apiVersion", "kind":
			continue
		case "extensions":
			if merged, ok := mergeNamed(out.other[key], v); ok {
				out.other[key] = merged
				changes.TopLevel = append(changes.TopLevel, key)
			}
			continue
		}
		if cur, ok := out.other[key]; (!ok || isEmptyJSON(cur)) && !isEmptyJSON(v) {
			out.other[key] = v
			changes.TopLevel = append(changes.TopLevel, key)
		}
	}
	sortStrings(changes.TopLevel)
}

// mergeNamed appends to the named list a the items of b whose names a lacks.
func mergeNamed(a, b json.RawMessage) (json.RawMessage, bool) {
	var la, lb []map[string]json.RawMessage
	if !isNull(a) && json.Unmarshal(a, &la) != nil {
		return nil, false
	}
	if isNull(b) || json.Unmarshal(b, &lb) != nil {
		return nil, false
	}
	names := map[string]bool{}
	for _, item := range la {
		names[string(item["name"])] = true
	}
	added := false
	for _, item := range lb {
		if !names[string(item["name"])] {
			la = append(la, item)
			names[string(item["name"])] = true
			added = true
		}
	}
	if !added {
		return nil, false
	}
	out, err := json.Marshal(la)
	return out, err == nil
}

// isEmptyJSON reports null, {}, [] and "".
func isEmptyJSON(v json.RawMessage) bool {
	switch canonical(v) {
	case "null", "{}", "[]", `""`:
		return true
	}
	return len(v) == 0
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// needsResolve reports whether entries moving from a file at from into a
// file at to need their relative paths made absolute.
func needsResolve(to, from string) bool {
	if from == "" {
		return false
	}
	a, err1 := filepath.Abs(filepath.Dir(to))
	b, err2 := filepath.Abs(filepath.Dir(from))
	return to == "" || err1 != nil || err2 != nil || a != b
}

// resolved returns a copy of c with relative paths resolved.
func resolved(c *Config) *Config {
	d := c.Clone()
	_ = resolvePaths(d)
	return d
}

// resolvePaths makes the relative file references of c's clusters and users
// absolute from c.Path's folder, as kubectl does when it loads a file.
func resolvePaths(c *Config) error {
	if c.Path == "" {
		return nil
	}
	base, err := filepath.Abs(filepath.Dir(c.Path))
	if err != nil {
		return fmt.Errorf("resolve the folder of %s: %w", c.Path, err)
	}
	for i := range c.Clusters {
		c.Clusters[i].Body = resolveFields(c.Clusters[i].Body, base, []string{"certificate-authority"}, false)
	}
	for i := range c.Users {
		c.Users[i].Body = resolveFields(c.Users[i].Body, base, []string{"client-certificate", "client-key", "tokenFile"}, true)
	}
	return nil
}

func resolveFields(body json.RawMessage, base string, keys []string, exec bool) json.RawMessage {
	if body == nil {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	changed := false
	abs := func(raw json.RawMessage) (json.RawMessage, bool) {
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" || filepath.IsAbs(s) {
			return raw, false
		}
		out, _ := json.Marshal(filepath.Join(base, s))
		return out, true
	}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			if nv, ok := abs(v); ok {
				m[k], changed = nv, true
			}
		}
	}
	if ex, ok := m["exec"]; exec && ok {
		var em map[string]json.RawMessage
		var cmd string
		if json.Unmarshal(ex, &em) == nil && json.Unmarshal(em["command"], &cmd) == nil &&
			strings.ContainsRune(cmd, filepath.Separator) {
			if nv, ok := abs(em["command"]); ok {
				em["command"] = nv
				m["exec"], _ = json.Marshal(em)
				changed = true
			}
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
