package kubeconfig

import (
	"bytes"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
)

// scanSummary is the fast way to a summary of a file nobody summarized
// yet (one kubectl or an editor just wrote): a line scanner of the
// block-style YAML kubectl writes, which finds the entry names, each
// context's cluster, user and namespace, each cluster's server and the
// current-context line without building the document. It accepts only a
// strict subset, where every line is one of
//
//	key: value      key:      - key: value      - key:      - value
//
// at an indentation that says where it belongs: top-level keys, the items
// of clusters, users and contexts, and the keys of each item's body.
// Blocks nested under any other key (an exec plugin, extensions,
// preferences) are stepped over without being read: a skipper checks only
// that they are well-formed block YAML of the same simple lines, with no
// duplicate key, so that Parse reads the file too (and that a user's exec
// is a mapping whose command is a string, as Parse checks). Every scalar
// is plain (read only when YAML cannot take it for anything but a string:
// see stringOf), quoted on one line without escapes, or {} / []; and gives
// up (ok false) on anything else: JSON, flow collections, anchors, tags,
// block scalars, tabs, CRLF, comments after values, duplicate keys,
// entries without a name. The caller then parses the file with Parse, as
// before; a fuzz test checks that whatever the scanner accepts, Parse
// reads the same.
func scanSummary(data []byte, digest string) (*summary, bool) {
	sc := scanner{s: &summary{Digest: digest, Contexts: [][4]string{}, Clusters: [][2]string{}, Users: []string{}}}
	if !sc.run(data) {
		return nil, false
	}
	if sc.s.SpanState != spanValid {
		sc.s.SpanState = spanUnusable // no current-context line to rewrite
	}
	return sc.s, true
}

type scanner struct {
	s       *summary
	top     map[string]bool
	current bool // a current-context line was seen
	list    Kind // the list being read ("" outside)
	seqInd  int  // the indentation of its "- " items
	item    *scanItem
	names   map[Kind]map[string]bool
	bodyKey string // the body key at item level being read ("cluster", "user", "context"), or ""
	skip    *skipper
}

type scanItem struct {
	name    string
	hasName bool
	keys    map[string]bool
	body    map[string]string
	bodySet map[string]bool
}

func (sc *scanner) run(data []byte) bool {
	for _, c := range data {
		if c < 0x20 && c != '\n' || c >= 0x7f {
			return false // tabs, CR, control characters, non-ASCII: Parse's
		}
	}
	sc.top = map[string]bool{}
	sc.names = map[Kind]map[string]bool{KindCluster: {}, KindUser: {}, KindContext: {}}
	off := 0
	for off < len(data) {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		if !sc.line(data, off, end) {
			return false
		}
		off = end + 1
	}
	return sc.finishItem() && len(sc.top) > 0
}

// line reads the line data[start:end].
func (sc *scanner) line(data []byte, start, end int) bool {
	l := string(data[start:end])
	trimmed := strings.TrimLeft(l, " ")
	if trimmed == "" {
		return l == "" // blank lines only when empty
	}
	if trimmed[0] == '#' {
		return true // a comment line
	}
	if strings.HasSuffix(l, " ") || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
		return false
	}
	ind := len(l) - len(trimmed)
	dash := false
	if strings.HasPrefix(trimmed, "- ") || trimmed == "-" {
		if trimmed == "-" {
			return false
		}
		dash, trimmed = true, trimmed[2:]
	}
	key, value, hasKey, ok := splitLine(trimmed)
	if !ok {
		return false
	}
	if sc.skip != nil {
		member, ok := sc.skip.line(ind, dash, key, value, hasKey)
		if !ok || member {
			return ok
		}
		sc.skip = nil // the nested block ended: this line is the scanner's
	}
	valueAt := end - len(value)
	if ind == 0 && !dash {
		return sc.topLine(key, value, hasKey, valueAt, end)
	}
	if sc.list == "" || !hasKey {
		return false
	}
	if dash {
		if sc.item != nil {
			if !sc.finishItem() || ind != sc.seqInd {
				return false
			}
		} else if ind != 0 && ind != 2 {
			return false
		}
		sc.seqInd = ind
		sc.item = &scanItem{keys: map[string]bool{}, body: map[string]string{}, bodySet: map[string]bool{}}
		return sc.itemKey(key, value, ind+2)
	}
	switch {
	case sc.item == nil:
		return false
	case ind == sc.seqInd+2:
		return sc.itemKey(key, value, ind)
	case ind == sc.seqInd+4 && sc.bodyKey != "":
		return sc.bodyLine(key, value, ind)
	}
	return false
}

// splitLine splits "key: value", "key:" or "value" (hasKey false) and
// checks each part is a scalar the scanner understands.
func splitLine(t string) (key, value string, hasKey, ok bool) {
	if i := strings.Index(t, ": "); i >= 0 {
		key, value, hasKey = t[:i], t[i+2:], true
	} else if strings.HasSuffix(t, ":") {
		key, hasKey = t[:len(t)-1], true
	} else {
		value = t
	}
	if hasKey && !plainKey(key) {
		return "", "", false, false
	}
	if value != "" && !scalar(value) {
		return "", "", false, false
	}
	return key, value, hasKey, true
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	return k[0] != '-' && k[0] != '.'
}

// scalar accepts a one-line value YAML reads as a single scalar without
// surprises: {} or [], a quoted string closed on the line with no escape,
// or a plain scalar with no indicator at its start, no ": " and no " #".
func scalar(v string) bool {
	switch {
	case v == "{}" || v == "[]":
		return true
	case v[0] == '"' || v[0] == '\'':
		q := v[0]
		return len(v) >= 2 && v[len(v)-1] == q && !strings.ContainsAny(v[1:len(v)-1], `"'\`)
	case strings.ContainsRune(" ?:,[]{}#&*!|>%@`", rune(v[0])):
		return false
	case v[0] == '-' && (len(v) == 1 || v[1] == ' '):
		return false
	}
	return !strings.Contains(v, ": ") && !strings.Contains(v, " #") && !strings.HasSuffix(v, ":") &&
		!strings.ContainsAny(v, `"'`)
}

// stringValue accepts a value that YAML reads as a string (or null), for
// the fields whose type Parse checks.
func stringValue(v string) bool {
	_, ok := stringOf(v)
	return ok || nullValue(v)
}

func nullValue(v string) bool {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// stringOf returns the string a value reads as; ok is false for a value
// that might read as anything else (a number, a bool, null, {}...).
func stringOf(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	if v[0] == '"' || v[0] == '\'' {
		return v[1 : len(v)-1], true
	}
	c := v[0]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/':
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
		// A base64 token may start so: it is a string when it holds a
		// character no YAML number, infinity or NaN has (not a-f, e, i,
		// n, o, t, x, z, digits or signs).
		if !strings.ContainsAny(v, "ghjklmpqrsuvwyGHJKLMPQRSUVWY/") {
			return "", false
		}
	default:
		return "", false
	}
	switch strings.ToLower(v) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return "", false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./:@+=~%?&,", c) >= 0) {
			return "", false
		}
	}
	return v, true
}

func (sc *scanner) topLine(key, value string, hasKey bool, valueAt, end int) bool {
	if !hasKey || sc.top[key] || !sc.finishItem() {
		return false
	}
	sc.top[key] = true
	sc.list = ""
	switch key {
	case "clusters", "users", "contexts":
		if value == "[]" {
			return true
		}
		if value != "" {
			return false
		}
		sc.list = map[string]Kind{"clusters": KindCluster, "users": KindUser, "contexts": KindContext}[key]
		sc.seqInd = -1
		return true
	case "current-context":
		sc.current = true
		if value == "" {
			return false // null: Parse's business
		}
		cur, ok := stringOf(value)
		if !ok {
			return false
		}
		sc.s.Current = cur
		sc.s.Span, sc.s.Spaced, sc.s.SpanState = [2]int{valueAt, end}, true, spanValid
		return true
	}
	if value == "" {
		sc.skip = &skipper{base: 0, pending: true}
	}
	return true
}

// itemKey reads a key of the current list item, at indentation ind.
func (sc *scanner) itemKey(key, value string, ind int) bool {
	it := sc.item
	if it.keys[key] {
		return false
	}
	it.keys[key] = true
	sc.bodyKey = ""
	switch {
	case key == "name":
		n, ok := stringOf(value)
		if !ok {
			return false
		}
		it.name, it.hasName = n, true
		return true
	case key == string(sc.list):
		switch value {
		case "", "{}":
			if value == "" {
				sc.bodyKey = key
			}
			return true
		}
		return false
	}
	if value == "" {
		sc.skip = &skipper{base: ind, pending: true, pendingInd: ind}
	}
	return true
}

// bodyLine reads a key of the current item's body mapping.
func (sc *scanner) bodyLine(key, value string, ind int) bool {
	it := sc.item
	if it.bodySet[key] {
		return false
	}
	it.bodySet[key] = true
	var checked bool
	switch sc.list {
	case KindCluster:
		checked = key == "server" || key == "certificate-authority"
	case KindUser:
		checked = key == "token" || key == "tokenFile" || key == "client-certificate" || key == "client-key"
	case KindContext:
		checked = key == "cluster" || key == "user" || key == "namespace"
	}
	if checked {
		if !stringValue(value) {
			return false
		}
		if s, ok := stringOf(value); ok {
			it.body[key] = s
		}
	}
	if checked {
		return true
	}
	exec := sc.list == KindUser && key == "exec"
	switch {
	case value == "":
		sc.skip = &skipper{base: ind, pending: true, pendingInd: ind, exec: exec}
	case exec && value != "{}" && !nullValue(value):
		return false // not a mapping: Parse refuses it
	}
	return true
}

// finishItem records the item read, if any.
func (sc *scanner) finishItem() bool {
	it := sc.item
	sc.item, sc.bodyKey = nil, ""
	if it == nil {
		return true
	}
	if !it.hasName || sc.names[sc.list][it.name] {
		return false
	}
	sc.names[sc.list][it.name] = true
	switch sc.list {
	case KindCluster:
		sc.s.Clusters = append(sc.s.Clusters, [2]string{it.name, fetch.Redact(it.body["server"])})
	case KindUser:
		sc.s.Users = append(sc.s.Users, it.name)
	case KindContext:
		sc.s.Contexts = append(sc.s.Contexts, [4]string{it.name, it.body["cluster"], it.body["user"], it.body["namespace"]})
	}
	return true
}

// skipper steps over a block nested under a key the scanner does not
// read, checking only that Parse reads it too: lines of the same simple
// forms, each at the indentation of an open mapping or sequence (or
// opening one under a "key:" line, a sequence possibly at the key's own
// indentation, as kubectl writes args), no duplicate key in a mapping, no
// key YAML could take for anything but a string.
type skipper struct {
	base       int // the indentation of the key that owns the block
	stack      []skipFrame
	pending    bool // the last line was "key:": a child may open under it
	pendingInd int  // the column of that key
	exec       bool // the block is a user's exec: a mapping whose command is a string
}

type skipFrame struct {
	ind  int
	seq  bool
	keys map[string]bool
}

// line takes a line of the block (member) or says the block ended before
// it (member false); ok false means the scanner must give up.
func (k *skipper) line(ind int, dash bool, key, value string, hasKey bool) (member, ok bool) {
	if k.pending && (ind > k.pendingInd || ind == k.pendingInd && dash) {
		k.stack = append(k.stack, skipFrame{ind: ind, seq: dash})
	} else {
		n := len(k.stack)
		for n > 0 && (k.stack[n-1].ind > ind || k.stack[n-1].ind == ind && k.stack[n-1].seq && !dash) {
			n--
		}
		k.stack = k.stack[:n]
		if n == 0 {
			return false, ind <= k.base // a line between the key and its block: not YAML
		}
		if top := k.stack[n-1]; top.ind != ind || top.seq != dash {
			return true, false
		}
	}
	k.pending = false
	if k.exec && len(k.stack) == 1 && dash {
		return true, false // exec is a sequence: Parse refuses it
	}
	col := ind
	if dash {
		if !hasKey {
			return true, value != ""
		}
		col = ind + 2
		k.stack = append(k.stack, skipFrame{ind: col})
	}
	if !hasKey {
		return true, false // a bare value where a key belongs
	}
	if _, ok := stringOf(key); !ok {
		return true, false
	}
	top := &k.stack[len(k.stack)-1]
	if top.keys[key] {
		return true, false
	}
	if top.keys == nil {
		top.keys = map[string]bool{}
	}
	top.keys[key] = true
	if k.exec && len(k.stack) == 1 && key == "command" && (value == "" || !stringValue(value)) {
		return true, false // Parse checks exec.command is a string
	}
	if value == "" {
		k.pending, k.pendingInd = true, col
	}
	return true, true
}
