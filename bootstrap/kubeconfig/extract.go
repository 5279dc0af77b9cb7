package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Extract is the pure half of a context per shell: it cuts one context out
// of the view kubectl has of a kubeconfig list, so that a kubeconfig
// holding only that context can be handed to one shell, one command or one
// agent, which then cannot see or switch to any other.
//
// Invariants of the result:
//
//   - it holds exactly one context, the cluster it names and the user it
//     names (none when the context names no user), and current-context
//     names that context;
//   - each entry is the one kubectl shows: from the first file of the list
//     that defines its name;
//   - every relative file reference (certificate-authority,
//     client-certificate, client-key, tokenFile, an exec command holding a
//     path separator) is made absolute from the folder of the file the
//     entry came from, so the result works from any folder;
//   - every other field (exec plugins and their arguments and environment,
//     auth providers, proxy-url, extensions, unknown fields) is kept as is;
//   - the inputs are not modified.

// ErrIncompleteContext is matched by *IncompleteContextError.
var ErrIncompleteContext = errors.New("context refers to an entry no kubeconfig file defines")

// IncompleteContextError reports a context that names no cluster, or a
// cluster or user that no file of the list defines. It matches
// ErrIncompleteContext. It holds names only.
type IncompleteContextError struct {
	Context string
	// Kind is KindCluster or KindUser; Name is "" when the context names
	// none.
	Kind Kind
	Name string
}

func (e *IncompleteContextError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("context %q names no %s; fix the context, or choose another", e.Context, e.Kind)
	}
	return fmt.Sprintf("context %q names %s %q, which no kubeconfig file defines; fix the context, or choose another", e.Context, e.Kind, e.Name)
}

// Is makes errors.Is(err, ErrIncompleteContext) true.
func (e *IncompleteContextError) Is(target error) bool { return target == ErrIncompleteContext }

// Extracted is the result of Extract: the one-context config, and the
// names it holds.
type Extracted struct {
	// Config holds the context alone; its Path is empty.
	Config  *Config
	Context string
	Cluster string
	User    string // "" for a context without a user
	// Namespace is the context's namespace in Config: the one asked for,
	// else the context's own; "" when neither.
	Namespace string
	// Server is the cluster's server URL as written, which may hold
	// credentials: redact it before showing it.
	Server string
}

// Extract returns the context name of the kubeconfig list files (highest
// precedence first, as Locate orders them; nil entries, files that do not
// exist, are skipped), with its cluster and user, as a config of its own
// (see the invariants above). A namespace that is not empty replaces the
// context's; it must be a valid namespace name (*InvalidNameError).
//
// Errors: *UndefinedError (ErrUnknownContext) when no file defines the
// context, with the closest names as Suggestions; *IncompleteContextError
// when it names no cluster, or a cluster or user no file defines. Errors
// hold names only, never a value of the files.
func Extract(files []*Config, name, namespace string) (*Extracted, error) {
	if namespace != "" {
		if err := checkNamespace(namespace); err != nil {
			return nil, err
		}
	}
	ctx, _, ok := lookupFirst(files, KindContext, name)
	if !ok {
		return nil, undefinedError(KindContext, name, namesOf(files, KindContext))
	}
	clusterName, userName := contextRefs(ctx.Body)
	if clusterName == "" {
		return nil, &IncompleteContextError{Context: name, Kind: KindCluster}
	}
	cluster, clusterFile, ok := lookupFirst(files, KindCluster, clusterName)
	if !ok {
		return nil, &IncompleteContextError{Context: name, Kind: KindCluster, Name: clusterName}
	}
	out := NewConfig("")
	cluster.Body = resolveFields(cluster.Body, baseOf(clusterFile), []string{"certificate-authority"}, false)
	out.Clusters = []Entry{cluster}
	if userName != "" {
		user, userFile, ok := lookupFirst(files, KindUser, userName)
		if !ok {
			return nil, &IncompleteContextError{Context: name, Kind: KindUser, Name: userName}
		}
		user.Body = resolveFields(user.Body, baseOf(userFile), []string{"client-certificate", "client-key", "tokenFile"}, true)
		out.Users = []Entry{user}
	}
	if namespace != "" {
		ctx.Body = setField(ctx.Body, "namespace", namespace)
	}
	out.Contexts = []Entry{ctx}
	out.CurrentContext = name
	return &Extracted{
		Config: out, Context: name, Cluster: clusterName, User: userName,
		Namespace: stringField(ctx.Body, "namespace"),
		Server:    stringField(cluster.Body, "server"),
	}, nil
}

// lookupFirst finds kind k's entry name in the first file defining it, and
// returns a copy of it with that file.
func lookupFirst(files []*Config, k Kind, name string) (Entry, *Config, bool) {
	for _, f := range files {
		if f == nil {
			continue
		}
		if e, ok := f.Lookup(k, name); ok {
			return e.clone(), f, true
		}
	}
	return Entry{}, nil, false
}

// namesOf lists the names of kind k the files define, sorted, once each.
func namesOf(files []*Config, k Kind) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, e := range f.Entries(k) {
			if !seen[e.Name] {
				seen[e.Name] = true
				out = append(out, e.Name)
			}
		}
	}
	sortStrings(out)
	return out
}

// baseOf is the folder relative paths of c are relative to; "" (leave them)
// for a config of no file or a folder that cannot be made absolute.
func baseOf(c *Config) string {
	if c == nil || c.Path == "" {
		return ""
	}
	base, err := filepath.Abs(filepath.Dir(c.Path))
	if err != nil {
		return ""
	}
	return base
}

// LoadList reads the files of a kubeconfig list for Extract: a nil
// element for a file that does not exist, as kubectl skips it. When none
// of them exists the error matches fs.ErrNotExist; a file that is not a
// kubeconfig is a *ParseError.
func LoadList(files []string) ([]*Config, error) {
	out := make([]*Config, len(files))
	found := 0
	for i, f := range files {
		c, err := Load(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = c
		found++
	}
	if found == 0 {
		return nil, fmt.Errorf("no kubeconfig file found (looked for %s): %w", strings.Join(files, ", "), fs.ErrNotExist)
	}
	return out, nil
}
