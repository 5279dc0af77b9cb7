package kubeconfig

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
)

// A summary is what List and Use need of one kubeconfig file, and nothing
// secret: the names of its entries, each context's cluster, user and
// namespace, each cluster's server URL without user information, its
// current-context, and where in the file that value is written.
//
// Parsing a large kubeconfig is what List and Use spend their time on
// (1,000 contexts, 1.4 MB: about 70 ms to parse and 100 ms more to encode
// it again), so with EditOptions.CacheDir summaries are kept in files named
// by the SHA-256 of the content they describe. A file whose digest has a
// summary is not parsed, and Use then rewrites only the bytes of the
// current-context value. The digest is the whole key: a file changed by
// anyone (kubectl, an editor) has another digest and is parsed again; the
// summary never says anything of content it was not made from.
type summary struct {
	// Digest is the hex SHA-256 of the file's bytes; a summary file whose
	// Digest differs from its name's is ignored (torn or foreign).
	Digest  string `json:"digest"`
	Current string `json:"current,omitempty"`
	// Span is the byte range [start, end) of the current-context value in
	// the file, and SpanState says whether replacing exactly those bytes
	// with another one-line YAML scalar changes current-context and
	// nothing else (see checkSpan).
	Span      [2]int    `json:"span"`
	SpanState spanState `json:"spanState"`
	// Spaced reports a blank between the colon and the value; without
	// one, a rewrite adds it.
	Spaced bool `json:"spaced,omitempty"`
	// Contexts are {name, cluster, user, namespace}; Clusters {name,
	// server}; in file order.
	Contexts [][4]string `json:"contexts"`
	Clusters [][2]string `json:"clusters"`
	Users    []string    `json:"users"`
	// Shape is the digest of the whole content with current-context left
	// out: a rewrite in place is accepted only when the file it gives has
	// the same Shape, so that nothing but current-context changed.
	Shape string `json:"shape"`
}

// spanState records what checkSpan found.
type spanState int

const (
	spanUnchecked spanState = iota
	spanValid               // Span can be rewritten in place
	spanUnusable            // Use must encode the whole file
)

// digestOf names content.
func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// summarize describes c, whose bytes have digest d.
func summarize(c *Config, d string) *summary {
	s := &summary{Digest: d, Current: c.CurrentContext,
		Contexts: make([][4]string, 0, len(c.Contexts)), Clusters: make([][2]string, 0, len(c.Clusters)),
		Users: make([]string, 0, len(c.Users)), Shape: shapeOf(c)}
	for _, e := range c.Contexts {
		var body struct {
			Cluster   string `json:"cluster"`
			User      string `json:"user"`
			Namespace string `json:"namespace"`
		}
		if e.Body != nil {
			_ = DecodeBody(e.Body, &body)
		}
		s.Contexts = append(s.Contexts, [4]string{e.Name, body.Cluster, body.User, body.Namespace})
	}
	for _, e := range c.Clusters {
		var body struct {
			Server string `json:"server"`
		}
		if e.Body != nil {
			_ = DecodeBody(e.Body, &body)
		}
		s.Clusters = append(s.Clusters, [2]string{e.Name, fetch.Redact(body.Server)})
	}
	for _, e := range c.Users {
		s.Users = append(s.Users, e.Name)
	}
	return s
}

// shapeOf digests c's content but its current-context. Two parses of text
// that differs only in that value give equal shapes (the encoding is
// deterministic); any other difference, or a failure to encode, gives
// unequal ones.
func shapeOf(c *Config) string {
	doc := c.document()
	delete(doc, "current-context")
	j, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	return digestOf(j)
}

// currentKey is the top-level key whose value Use rewrites.
const currentKey = "current-context:"

// currentSpan finds the one line of data that begins, in its first column,
// with "current-context:", and returns the range of its value: from after
// the blanks that follow the colon to the end of the line (a CR before the
// newline excluded). spaced reports a blank after the colon. ok is false
// when no line or more than one begins so.
func currentSpan(data []byte) (start, end int, spaced, ok bool) {
	for off := 0; off < len(data); {
		lineEnd := len(data)
		if nl := bytes.IndexByte(data[off:], '\n'); nl >= 0 {
			lineEnd = off + nl
		}
		if bytes.HasPrefix(data[off:lineEnd], []byte(currentKey)) {
			if ok {
				return 0, 0, false, false
			}
			ok = true
			start = off + len(currentKey)
			for start < lineEnd && (data[start] == ' ' || data[start] == '\t') {
				start++
			}
			spaced = start > off+len(currentKey)
			end = lineEnd
			if end > start && data[end-1] == '\r' {
				end--
			}
		}
		off = lineEnd + 1
	}
	return start, end, spaced, ok
}

// splice returns data with [start, end) replaced by value, and a blank
// before it when the colon had none, as the parts of the new content: the
// bytes before and after are data's own, not copied.
func splice(data []byte, start, end int, spaced bool, value string) parts {
	v := value
	if !spaced {
		v = " " + value
	}
	return parts{data[:start:start], []byte(v), data[end:]}
}

// parts is content held as pieces, in order.
type parts [][]byte

func (p parts) len() int {
	n := 0
	for _, b := range p {
		n += len(b)
	}
	return n
}

// equal reports whether p's content is b.
func (p parts) equal(b []byte) bool {
	if p.len() != len(b) {
		return false
	}
	for _, x := range p {
		if !bytes.Equal(x, b[:len(x)]) {
			return false
		}
		b = b[len(x):]
	}
	return true
}

// digest is digestOf p's content.
func (p parts) digest() string {
	h := sha256.New()
	for _, b := range p {
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// bytes returns p's content in one slice.
func (p parts) bytes() []byte { return bytes.Join(p, nil) }

// encodeScalar returns name as a one-line YAML scalar, as kubectl would
// write it, and false when it has no one-line form.
func encodeScalar(name string) (string, bool) {
	y, err := yaml.Marshal(map[string]string{"current-context": name})
	if err != nil {
		return "", false
	}
	v, ok := strings.CutPrefix(string(y), "current-context: ")
	v, nl := strings.CutSuffix(v, "\n")
	if !ok || !nl || strings.ContainsAny(v, "\r\n") {
		return "", false
	}
	if c, err := Parse([]byte("current-context: "+v+"\n"), ""); err != nil || c.CurrentContext != name {
		return "", false
	}
	return v, true
}

// checkSpan finds out whether current-context can be rewritten in place
// in data, the bytes s describes, and records it in s. It is, when
//
//   - the file is YAML, and exactly one line begins with "current-context:";
//   - that line's value alone parses to s.Current: it is a whole one-line
//     scalar (no quoted string or flow collection going on past the line);
//   - the file with that value replaced by a probe word found nowhere else
//     parses, has the probe as its current-context and as many entries of
//     each kind: so the bytes were the value of the top-level key and
//     nothing else (an anchor there that an alias used would not parse).
//
// It costs one parse, once per content: the result is kept in the summary.
func (s *summary) checkSpan(data []byte) {
	s.SpanState = spanUnusable
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return
	}
	start, end, spaced, ok := currentSpan(data)
	if !ok {
		return
	}
	if c, err := Parse([]byte(currentKey+" "+string(data[start:end])+"\n"), ""); err != nil || c.CurrentContext != s.Current ||
		len(c.other) > 0 || len(c.Contexts)+len(c.Clusters)+len(c.Users) > 0 {
		return
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return
	}
	probe := "kubeboot-probe-" + hex.EncodeToString(r[:])
	if bytes.Contains(data, []byte(probe)) {
		return
	}
	c, err := Parse(splice(data, start, end, spaced, probe).bytes(), "")
	if err != nil || c.CurrentContext != probe || s.Shape == "" || shapeOf(c) != s.Shape {
		return
	}
	s.Span, s.Spaced, s.SpanState = [2]int{start, end}, spaced, spanValid
}

// withCurrent returns data, the bytes s describes, with current-context
// set to name in place, and the summary of the result; false when s's span
// is not known to be rewritable, does not hold the current-context line in
// data (spanHolds), or name has no one-line form.
func (s *summary) withCurrent(data []byte, name string) (parts, *summary, bool) {
	if s.SpanState != spanValid || !s.spanHolds(data) {
		return nil, nil, false
	}
	v, ok := encodeScalar(name)
	if !ok {
		return nil, nil, false
	}
	out := splice(data, s.Span[0], s.Span[1], s.Spaced, v)
	next := *s
	start := s.Span[0]
	if !s.Spaced {
		start++
	}
	next.Digest, next.Current, next.Spaced = out.digest(), name, true
	next.Span = [2]int{start, start + len(v)}
	return out, &next, true
}

// spanHolds checks s's span against data, the bytes just read, whatever
// the cache says: the span is the whole value of the one line of data
// that begins with "current-context:" (after its blanks, as Spaced says,
// up to the end of the line), and that value alone parses to s.Current. A
// summary that is wrong in any way (a corrupted or foreign cache entry)
// then costs a full parse and write, never other bytes.
func (s *summary) spanHolds(data []byte) bool {
	start, end := s.Span[0], s.Span[1]
	if start < len(currentKey) || end > len(data) || start > end {
		return false
	}
	// The one line beginning with the key: counted without parsing.
	n := bytes.Count(data, []byte("\n"+currentKey))
	if bytes.HasPrefix(data, []byte(currentKey)) {
		n++
	}
	if n != 1 {
		return false
	}
	lineStart := bytes.LastIndexByte(data[:start], '\n') + 1
	blanks := data[lineStart:start]
	if !bytes.HasPrefix(blanks, []byte(currentKey)) {
		return false
	}
	blanks = blanks[len(currentKey):]
	if len(bytes.Trim(blanks, " \t")) != 0 || (len(blanks) > 0) != s.Spaced {
		return false
	}
	switch rest := data[end:]; {
	case len(rest) == 0, rest[0] == '\n', len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n':
	default:
		return false
	}
	value := data[start:end]
	if start < end && (value[0] == ' ' || value[0] == '\t') {
		return false
	}
	c, err := Parse([]byte(currentKey+" "+string(value)+"\n"), "")
	return err == nil && c.CurrentContext == s.Current && len(c.other) == 0 && len(c.Contexts)+len(c.Clusters)+len(c.Users) == 0
}

// summaryCache is a folder of summaries; "" keeps none.
type summaryCache string

// summaryPrefix begins the name of every summary file; its version changes
// with the layout.
const summaryPrefix = "summary-v2-"

// keepSummaries bounds the folder: the newest ones are kept.
const keepSummaries = 16

func (d summaryCache) file(digest string) string {
	return filepath.Join(string(d), summaryPrefix+digest+".json")
}

// get returns the summary of content with digest d, or nil.
func (d summaryCache) get(digest string) *summary {
	if d == "" {
		return nil
	}
	data, err := os.ReadFile(d.file(digest))
	if err != nil {
		return nil
	}
	var s summary
	if json.Unmarshal(data, &s) != nil || s.Digest != digest {
		return nil
	}
	return &s
}

// put keeps s, best effort: a summary not written is a later parse. The
// folder and the file get the owner of the folder they are made in, so a
// run under sudo leaves a user's cache theirs; older summaries beyond
// keepSummaries are removed.
func (d summaryCache) put(s *summary) {
	if d == "" || s == nil {
		return
	}
	dir := string(d)
	if _, err := atomicfile.MkdirAll(dir, 0o700); err != nil {
		return
	}
	data, err := json.Marshal(s)
	if err != nil {
		return
	}
	if atomicfile.Write(d.file(s.Digest), data, atomicfile.Options{Private: true, KeepOwnerFrom: dir, NoSync: true}) != nil {
		return
	}
	d.prune(s.Digest)
}

// prune removes all but the newest keepSummaries summaries, never keep,
// and those of an older layout.
func (d summaryCache) prune(keep string) {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return
	}
	type aged struct {
		name string
		mod  int64
	}
	var all []aged
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".json") || !e.Type().IsRegular() {
			continue
		}
		if !strings.HasPrefix(n, summaryPrefix) {
			if strings.HasPrefix(n, "summary-v") {
				os.Remove(filepath.Join(string(d), n))
			}
			continue
		}
		if fi, err := e.Info(); err == nil {
			all = append(all, aged{n, fi.ModTime().UnixNano()})
		}
	}
	if len(all) <= keepSummaries {
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	for _, a := range all[keepSummaries:] {
		if a.name != summaryPrefix+keep+".json" {
			os.Remove(filepath.Join(string(d), a.name))
		}
	}
}

// summaryOf returns the summary of f's bytes: from the cache, else by
// parsing them, in which case f.Config is set (and the summary kept).
func (f *File) summaryOf(cache summaryCache) (*summary, error) {
	d := digestOf(f.orig)
	if s := cache.get(d); s != nil {
		return s, nil
	}
	if f.Config == nil {
		// The layout kubectl writes is scanned, not parsed (scanSummary).
		if s, ok := scanSummary(f.orig, d); ok {
			cache.put(s)
			return s, nil
		}
		c, err := Parse(f.orig, f.Path)
		if err != nil {
			return nil, err
		}
		f.Config = c
	}
	s := summarize(f.Config, d)
	cache.put(s)
	return s, nil
}

// lookUp returns the summary of the file at path when the cache has one.
// The file is hashed as it is read, not held: a fresh process pays for
// every new page of memory it touches, and reading a 1.5 MB kubeconfig
// whole is 370 of them. nil when there is no summary or the file changed
// while it was read; the caller then reads it whole, as without a cache.
func (d summaryCache) lookUp(path string) *summary {
	if d == "" {
		return nil
	}
	// Only a regular file of a kubeconfig's size is hashed: hashing a FIFO
	// would consume what it holds, and a link to /dev/zero never ends.
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() > MaxFileSize {
		return nil
	}
	sum, _, unchanged, err := fileid.Hash(path)
	if err != nil || !unchanged {
		return nil
	}
	return d.get(sum)
}

// summaryView is a list of files as kubectl sees them, from summaries: the
// current context is the first non-empty current-context; a name is the
// first file's that defines it.
type summaryView struct {
	current  string
	contexts map[string]int // name → index into files
	ctxOf    map[string][4]string
	servers  map[string]string
}

func newSummaryView(sums []*summary) *summaryView {
	var nc, ns int
	for _, s := range sums {
		if s != nil {
			nc, ns = nc+len(s.Contexts), ns+len(s.Clusters)
		}
	}
	v := &summaryView{contexts: make(map[string]int, nc), ctxOf: make(map[string][4]string, nc), servers: make(map[string]string, ns)}
	for i, s := range sums {
		if s == nil {
			continue
		}
		if v.current == "" {
			v.current = s.Current
		}
		for _, c := range s.Contexts {
			if _, ok := v.contexts[c[0]]; !ok {
				v.contexts[c[0]], v.ctxOf[c[0]] = i, c
			}
		}
		for _, c := range s.Clusters {
			if _, ok := v.servers[c[0]]; !ok {
				v.servers[c[0]] = c[1]
			}
		}
	}
	return v
}

func (v *summaryView) contextNames() []string {
	out := make([]string, 0, len(v.contexts))
	for n := range v.contexts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// infos returns every context, sorted by name, as List describes them.
func (v *summaryView) infos(files []*File) []ContextInfo {
	names := v.contextNames()
	out := make([]ContextInfo, 0, len(names))
	for _, n := range names {
		c := v.ctxOf[n]
		out = append(out, ContextInfo{Name: n, Cluster: c[1], User: c[2], Namespace: c[3], Server: v.servers[c[1]],
			Current: n == v.current, File: files[v.contexts[n]].Path})
	}
	return out
}
