package kubeconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// Kind names one of the three named lists of a kubeconfig.
type Kind string

// The kinds of named entries, as the singular key of their body.
const (
	KindCluster Kind = "cluster"
	KindUser    Kind = "user"
	KindContext Kind = "context"
)

// Kinds lists every Kind in the order they are merged: contexts last, since
// they refer to clusters and users.
var Kinds = []Kind{KindCluster, KindUser, KindContext}

// listKey is the top-level key of kind's list.
func (k Kind) listKey() string { return string(k) + "s" }

// Entry is one element of a named list: its name and its body (the value of
// the "cluster", "user" or "context" key) kept as raw JSON. Other keys
// beside name and body are kept too.
type Entry struct {
	Name string
	// Body is the raw JSON object of the entry; nil when absent.
	Body  json.RawMessage
	extra map[string]json.RawMessage
}

// Config is a lossless model of one kubeconfig file.
type Config struct {
	// Path is the file the config was read from; relative paths inside it
	// are relative to its folder. Empty for configs not tied to a file.
	Path           string
	CurrentContext string
	Clusters       []Entry
	Users          []Entry
	Contexts       []Entry
	// other holds every other top-level key (apiVersion, kind, preferences,
	// extensions, unknown keys) as raw JSON.
	other map[string]json.RawMessage
	// json records that the file was written as JSON; it is written back so.
	json bool
}

// ErrInvalidConfig is matched by every *ParseError.
var ErrInvalidConfig = errors.New("invalid kubeconfig")

// ParseError reports a file that is not a valid kubeconfig: invalid YAML or
// JSON, or a valid document of the wrong shape. It matches ErrInvalidConfig.
// Its message never quotes values from the file other than entry names.
type ParseError struct {
	Path string // file name; empty when parsing bytes of no file
	Line int    // 1-based line of the problem; 0 when unknown
	Err  error
}

func (e *ParseError) Error() string {
	where := e.Path
	if where == "" {
		where = "kubeconfig"
	}
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	return where + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *ParseError) Is(target error) bool { return target == ErrInvalidConfig }

// Load reads and parses the kubeconfig at path. A missing file returns an
// error matching fs.ErrNotExist.
func Load(path string) (*Config, error) {
	data, err := readKubeconfig(context.Background(), path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// NewConfig returns an empty config tied to path.
func NewConfig(path string) *Config {
	return &Config{Path: path, other: map[string]json.RawMessage{}}
}

// yamlParserProblems are the messages of libyaml's parser, whose lines
// yaml.v2 reports 0-based.
var yamlParserProblems = []string{
	"did not find expected key", "did not find expected node content",
	"did not find expected '-' indicator", "did not find expected ',' or ']'",
	"did not find expected ',' or '}'", "did not find expected <document start>",
	"found undefined tag handle", "found duplicate %YAML directive",
	"found incompatible YAML document", "found duplicate %TAG directive",
}

var lineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })

// Parse parses a kubeconfig in YAML or JSON. path names the file in errors
// and anchors relative paths; it is not read. An empty document is an empty
// config, as for kubectl.
func Parse(data []byte, path string) (*Config, error) {
	c := NewConfig(path)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return c, nil
	}
	c.json = trimmed[0] == '{'
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, yamlError(path, data, err)
	}
	perr := func(name string, nth int, format string, args ...any) error {
		return &ParseError{Path: path, Line: lineOfName(data, name, nth), Err: fmt.Errorf(format, args...)}
	}
	if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
		return c, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(j, &top); err != nil {
		return nil, &ParseError{Path: path, Err: errors.New("the document is not a mapping of keys to values")}
	}
	for k, v := range top {
		switch k {
		case "clusters", "users", "contexts":
		case "current-context":
			if isNull(v) {
				continue
			}
			if err := json.Unmarshal(v, &c.CurrentContext); err != nil {
				return nil, perr("", 0, "current-context is not a string")
			}
		default:
			c.other[k] = v
		}
	}
	for _, kind := range Kinds {
		raw, ok := top[kind.listKey()]
		if !ok || isNull(raw) {
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, perr("", 0, "%s is not a list", kind.listKey())
		}
		seen := map[string]bool{}
		list := make([]Entry, 0, len(items))
		for i, item := range items {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
				return nil, perr("", 0, "%s entry %d is not a mapping", kind.listKey(), i+1)
			}
			// An entry without a name is named "", as kubectl reads it: the
			// others stay usable, and it is written back as it was.
			var name string
			if raw, ok := fields["name"]; ok && !isNull(raw) {
				if err := json.Unmarshal(raw, &name); err != nil {
					return nil, perr("", 0, "%s entry %d: its name is not a string", kind.listKey(), i+1)
				}
			}
			if seen[name] {
				return nil, perr(name, 2, "%s %q is defined twice", kind, name)
			}
			seen[name] = true
			e := Entry{Name: name, Body: fields[string(kind)]}
			delete(fields, "name")
			delete(fields, string(kind))
			if len(fields) > 0 {
				e.extra = fields
			}
			if isNull(e.Body) {
				e.Body = nil
			}
			if err := checkBody(kind, e.Body); err != nil {
				return nil, perr(name, 1, "%s %q: %v", kind, name, err)
			}
			list = append(list, e)
		}
		*c.list(kind) = list
	}
	return c, nil
}

// checkBody verifies the types of the fields this package reads or rewrites,
// so that later steps can rely on them.
func checkBody(kind Kind, body json.RawMessage) error {
	if body == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("the %s field is not a mapping", kind)
	}
	var strs []string
	switch kind {
	case KindCluster:
		strs = []string{"server", "certificate-authority"}
	case KindUser:
		strs = []string{"token", "tokenFile", "client-certificate", "client-key"}
		if ex, ok := m["exec"]; ok && !isNull(ex) {
			var em map[string]json.RawMessage
			if err := json.Unmarshal(ex, &em); err != nil {
				return errors.New("exec is not a mapping")
			}
			if cmd, ok := em["command"]; ok && !isNull(cmd) {
				var s string
				if json.Unmarshal(cmd, &s) != nil {
					return errors.New("exec.command is not a string")
				}
			}
		}
	case KindContext:
		strs = []string{"cluster", "user", "namespace"}
	}
	for _, k := range strs {
		if v, ok := m[k]; ok && !isNull(v) {
			var s string
			if json.Unmarshal(v, &s) != nil {
				return fmt.Errorf("%s is not a string", k)
			}
		}
	}
	return nil
}

// yamlError turns a sigs.k8s.io/yaml error into a *ParseError with its line,
// dropping anything of the input it quotes, which could be a secret: text
// in '…', "…" or `…` (values, anchor and alias names), Go-syntax values
// ({…}, "key … already set"), and, as a last guard, any other word of the
// message that occurs in data and is not a word of the parser's own
// vocabulary.
func yamlError(path string, data []byte, err error) *ParseError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	line := 0
	if m := lineRE().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		// yaml.v2 reports parser errors (not scanner errors) with a
		// 0-based line number.
		for _, p := range yamlParserProblems {
			if strings.Contains(msg, p) {
				line++
				break
			}
		}
		if line == 0 {
			line = 1
		}
	}
	msg = yamlLineRE().ReplaceAllString(msg, "")
	msg = redactQuoted(msg)
	msg = redactWords(msg, data)
	return &ParseError{Path: path, Line: line, Err: fmt.Errorf("invalid YAML: %s", msg)}
}

var (
	yamlLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`yaml: line \d+: `) })
	quotedREs  = sync.OnceValue(func() []*regexp.Regexp {
		return []*regexp.Regexp{
			regexp.MustCompile("`[^`]*`"),
			regexp.MustCompile(`"(?:[^"\\]|\\.)*"`),
			regexp.MustCompile(`'[^']*'`),
			regexp.MustCompile(`\{[^{}]*\}`),
			regexp.MustCompile(`key .* already set`),
		}
	})
	wordRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\s,;:()\[\]{}'"` + "`" + `]+`) })
)

// redactQuoted hides every quoted or Go-syntax value in msg.
func redactQuoted(msg string) string {
	res := quotedREs()
	for i, re := range res {
		repl := "(value hidden)"
		if i == len(res)-1 {
			repl = "key (value hidden) already set"
		}
		msg = re.ReplaceAllString(msg, repl)
	}
	return msg
}

// yamlWords is the vocabulary of the YAML and JSON parsers' messages: words
// that may be shown even when the input holds them too.
var yamlWords = sync.OnceValue(func() map[string]bool {
	words := map[string]bool{}
	for _, w := range strings.Fields(`yaml json line column invalid found character that cannot start any token
		did not find expected key node content mapping values are allowed in this context unexpected end of stream
		unknown anchor referenced value hidden contains itself already set map a tab violates indentation while
		parsing scanning block flow sequence entry simple could alias tag handle directive document duplicate
		incompatible undefined decode unmarshal into binary base64 data interface string int bool float null str
		seq merge keys type error converting object array literal escape quoted scalar between adjacent plain
		comment separated by whitespace version number major minor percent uri octet width indicator the an as
		to in is of or and for with has was be it on at no %YAML %TAG !! <document start> - , ] } ? : | >`) {
		words[strings.ToLower(w)] = true
	}
	return words
})

// redactWords hides each word of msg that occurs in data and is not
// parser vocabulary: whatever the parser quoted in a form redactQuoted does
// not know stays hidden.
func redactWords(msg string, data []byte) string {
	return wordRE().ReplaceAllStringFunc(msg, func(w string) string {
		bare := strings.Trim(w, ".!&*")
		if bare == "" || yamlWords()[strings.ToLower(bare)] || isNumber(bare) || !bytes.Contains(data, []byte(bare)) {
			return w
		}
		return "(value hidden)"
	})
}

// isNumber reports a short number (a line or column), never a PIN-like
// value.
func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && len(s) <= 4
}

// lineOfName finds the line of the nth "name: <name>" in data, best effort.
// With name empty it returns 0.
func lineOfName(data []byte, name string, nth int) int {
	if name == "" {
		return 0
	}
	count := 0
	for i, line := range strings.Split(string(data), "\n") {
		s := strings.TrimSpace(line)
		s = strings.TrimLeft(s, "- {,")
		for _, prefix := range []string{"name:", `"name":`} {
			rest, ok := strings.CutPrefix(s, prefix)
			if !ok {
				continue
			}
			rest = strings.TrimSpace(rest)
			rest = strings.TrimRight(rest, ",} ")
			if u, err := strconv.Unquote(rest); err == nil {
				rest = u
			} else {
				rest = strings.Trim(rest, `'`)
			}
			if rest == name {
				count++
				if count == nth {
					return i + 1
				}
			}
		}
	}
	return 0
}

func isNull(v json.RawMessage) bool {
	return len(v) == 0 || bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

func (c *Config) list(k Kind) *[]Entry {
	switch k {
	case KindCluster:
		return &c.Clusters
	case KindUser:
		return &c.Users
	default:
		return &c.Contexts
	}
}

// Entries returns the entries of kind k.
func (c *Config) Entries(k Kind) []Entry { return *c.list(k) }

// Lookup returns the entry of kind k named name.
func (c *Config) Lookup(k Kind, name string) (Entry, bool) {
	for _, e := range *c.list(k) {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	d := *c
	d.other = cloneMap(c.other)
	if d.other == nil {
		d.other = map[string]json.RawMessage{}
	}
	for _, k := range Kinds {
		src := *c.list(k)
		dst := make([]Entry, len(src))
		for i, e := range src {
			dst[i] = e.clone()
		}
		*d.list(k) = dst
	}
	return &d
}

func (e Entry) clone() Entry {
	e.Body = append(json.RawMessage(nil), e.Body...)
	if e.Body != nil && len(e.Body) == 0 {
		e.Body = nil
	}
	e.extra = cloneMap(e.extra)
	return e
}

func cloneMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	d := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		d[k] = append(json.RawMessage(nil), v...)
	}
	return d
}

// object returns the JSON object of e as it appears in kind's list.
func (e Entry) object(k Kind) map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, len(e.extra)+2)
	for key, v := range e.extra {
		m[key] = v
	}
	name, _ := json.Marshal(e.Name)
	m["name"] = name
	if e.Body != nil {
		m[string(k)] = e.Body
	}
	return m
}

// document returns the whole config as a JSON object.
func (c *Config) document() map[string]json.RawMessage {
	doc := make(map[string]json.RawMessage, len(c.other)+6)
	for k, v := range c.other {
		doc[k] = v
	}
	if _, ok := doc["apiVersion"]; !ok {
		doc["apiVersion"] = json.RawMessage(`"v1"`)
	}
	if _, ok := doc["kind"]; !ok {
		doc["kind"] = json.RawMessage(`"Config"`)
	}
	cur, _ := json.Marshal(c.CurrentContext)
	doc["current-context"] = cur
	for _, k := range Kinds {
		objs := make([]map[string]json.RawMessage, 0, len(*c.list(k)))
		for _, e := range *c.list(k) {
			objs = append(objs, e.object(k))
		}
		raw, _ := json.Marshal(objs)
		doc[k.listKey()] = raw
	}
	return doc
}

// Marshal encodes c as YAML (as JSON when it was read from JSON), keys
// sorted as kubectl writes them. The result is checked to parse back to the
// same content; should YAML not round-trip a value, JSON is written instead.
func (c *Config) Marshal() ([]byte, error) {
	j, err := json.Marshal(c.document())
	if err != nil {
		return nil, err
	}
	want := canonical(j)
	if !c.json {
		if y, err := yaml.JSONToYAML(j); err == nil {
			if back, err := yaml.YAMLToJSON(y); err == nil && canonical(back) == want {
				return y, nil
			}
		}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, j, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// Equal reports whether a and b hold the same content, ignoring formatting,
// key order and Path.
func Equal(a, b *Config) bool {
	ja, err1 := json.Marshal(a.document())
	jb, err2 := json.Marshal(b.document())
	return err1 == nil && err2 == nil && canonical(ja) == canonical(jb)
}

// canonical re-encodes JSON with sorted keys and no spacing; invalid JSON
// maps to itself.
func canonical(j []byte) string {
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		return string(j)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(j)
	}
	return string(out)
}

// Validate reports problems that make an incoming file unusable: a context
// without a cluster, or naming a cluster or user the file does not define.
// Parse accepts such files, since kubectl does (another file of a
// KUBECONFIG list may define the missing entry); Import validates the file
// it imports.
func (c *Config) Validate() error {
	var problems []string
	for _, e := range c.Contexts {
		cluster, user := contextRefs(e.Body)
		switch {
		case cluster == "":
			problems = append(problems, fmt.Sprintf("context %q names no cluster", e.Name))
		case !c.has(KindCluster, cluster):
			problems = append(problems, fmt.Sprintf("context %q names cluster %q, which the file does not define", e.Name, cluster))
		}
		if user != "" && !c.has(KindUser, user) {
			problems = append(problems, fmt.Sprintf("context %q names user %q, which the file does not define", e.Name, user))
		}
	}
	if c.CurrentContext != "" && !c.has(KindContext, c.CurrentContext) {
		problems = append(problems, fmt.Sprintf("current-context %q is not defined", c.CurrentContext))
	}
	if len(problems) == 0 {
		return nil
	}
	return &ParseError{Path: c.Path, Err: errors.New(strings.Join(problems, "; "))}
}

func (c *Config) has(k Kind, name string) bool {
	_, ok := c.Lookup(k, name)
	return ok
}

// contextRefs returns the cluster and user a context body names.
func contextRefs(body json.RawMessage) (cluster, user string) {
	var ctx struct {
		Cluster string `json:"cluster"`
		User    string `json:"user"`
	}
	if body != nil {
		_ = DecodeBody(body, &ctx)
	}
	return ctx.Cluster, ctx.User
}
