package kubeconfig

import (
	"bytes"
	"context"
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
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// DefaultContextName is the context a CoreWeave kubeconfig defines and
// Import selects by default.
const DefaultContextName = "coreweave"

// DefaultLockTimeout is how long Import waits for another writer by default.
const DefaultLockTimeout = 10 * time.Second

// DefaultKeepBackups is how many backups Import keeps per kubeconfig file
// by default.
const DefaultKeepBackups = 5

// ImportOptions configures Import. The zero value imports cw-kubeconfig from
// the Downloads folder into the kubeconfig kubectl uses, failing on
// conflicts and selecting the imported context.
type ImportOptions struct {
	// Source is the file to import; empty means the newest download,
	// FindDownloads("").
	Source string
	// Kubeconfig is an explicit target file (kubectl's --kubeconfig); empty
	// means Locate's answer from KUBECONFIG or the home folder.
	Kubeconfig string
	// Context is the context to select after the import; an incoming name
	// follows its rename. Empty means "coreweave" when the incoming file
	// defines it, else the incoming file's current-context.
	Context string
	// Policy handles name conflicts; the zero value is ConflictFail.
	Policy ConflictPolicy
	// NoSwitch leaves current-context as it is.
	NoSwitch bool
	// Name, when set, is the name the selected incoming context gets in
	// the target (the incoming current-context follows it); a name taken
	// by a different context is a conflict handled by Policy.
	Name string
	// Namespace, when set, becomes the selected incoming context's
	// namespace.
	Namespace string
	// DryRun computes the result and writes nothing: no folder, lock,
	// backup or file.
	DryRun bool
	// LockTimeout bounds the wait for another writer (kubeboot or
	// kubectl); 0 means DefaultLockTimeout.
	LockTimeout time.Duration
	// KeepBackups is how many of Import's own backups of the file to keep,
	// newest first, after a successful write: 0 means DefaultKeepBackups,
	// a negative value keeps them all. Only files named
	// <file>.kubeboot-backup-<UTC time>[-N] are ever removed.
	KeepBackups int
	// Now stamps the backup name; nil means time.Now.
	Now func() time.Time
	// Logf receives progress messages; nil discards them.
	Logf func(format string, args ...any)
	// Getenv and Home replace the process environment and home folder when
	// locating the target (for tests and embedding); nil and "" mean
	// os.Getenv and kubectl's home folder.
	Getenv func(string) string
	Home   string
	// DownloadsDir is where to look for cw-kubeconfig when Source is
	// empty; "" means DefaultDownloadsDir().
	DownloadsDir string
	// StateDir is EditOptions.StateDir: where backups go.
	StateDir string
}

// ImportResult describes what Import did, or would do under DryRun. It holds
// no secrets and encodes to JSON for --json output.
type ImportResult struct {
	// Source is the imported file.
	Source string `json:"source"`
	// OtherDownloads lists, when Source was found in the Downloads folder,
	// the other (older) downloads of the same family that were not
	// imported, newest first.
	OtherDownloads []string `json:"otherDownloads,omitempty"`
	// Target is the kubeconfig that receives the entries.
	Target string `json:"target"`
	// File is the file actually written: Target, or the file it links to.
	File string `json:"file"`
	// Backup is the copy of the previous file; empty when there was none or
	// nothing changed. Under DryRun, the name it would get.
	Backup string `json:"backup,omitempty"`
	// Context is current-context after the import; PreviousContext before.
	Context string `json:"context,omitempty"`
	// SourceContext is the selected context's name in Source, when it comes
	// from there (Context may be its new name after a rename): what a
	// caller passes to check the incoming credentials before writing.
	SourceContext   string `json:"sourceContext,omitempty"`
	PreviousContext string `json:"previousContext,omitempty"`
	// Changes lists entries added, renamed, replaced and unchanged.
	Changes *Changes `json:"changes"`
	// Written reports that the file was (or, under DryRun, would be) written.
	Written bool `json:"written"`
	// Created reports that Target did not exist before.
	Created bool `json:"created,omitempty"`
	DryRun  bool `json:"dryRun,omitempty"`
}

// Import merges the Source kubeconfig into the user's kubeconfig and selects
// a context, safely, through Edit (the one writer: kubeboot's OS lock of
// each file itself and kubectl's <path>.lock on every file of the list, a re-read under the
// locks, a backup of the previous content, an atomic rename keeping owner,
// group and mode, symlinks followed as the kernel does, backups pruned to
// KeepBackups). The entries go to the target file (Locations.Target), the
// files after it in a KUBECONFIG list count as taken names (see Merge).
//
// On any error the target is left byte-identical. A conflict under
// ConflictFail returns a *ConflictError (ErrConflict); invalid files return
// a *ParseError (ErrInvalidConfig); a lock held past LockTimeout returns a
// *LockError (ErrLockTimeout).
func Import(ctx context.Context, opts ImportOptions) (*ImportResult, error) {
	var found *Download
	var err error
	if opts.Source == "" && opts.DownloadsDir != "" {
		found, err = findIn(opts.DownloadsDir)
	} else {
		found, err = FindDownloads(opts.Source)
	}
	if err != nil {
		return nil, err
	}
	src := found.Path
	data, err := readKubeconfig(ctx, src)
	var re *ReadError
	if errors.As(err, &re) {
		re.Source = true
	}
	if err != nil {
		return nil, err // a *ReadError or *fs.PathError: both name the file
	}
	incoming, err := Parse(data, src)
	if err != nil {
		return nil, err // a *ParseError naming the file
	}
	if err := incoming.Validate(); err != nil {
		return nil, err
	}
	if len(incoming.Contexts)+len(incoming.Clusters)+len(incoming.Users) == 0 {
		return nil, &ParseError{Path: src, Err: errors.New("the file defines no cluster, user or context")}
	}
	if incoming, err = prepareIncoming(incoming, &opts); err != nil {
		return nil, err
	}
	res := &ImportResult{Source: src, OtherDownloads: found.Others, DryRun: opts.DryRun}
	logf := opts.editOptions().logf()
	var target *File
	er, err := edit(ctx, opts.editOptions(), func(files []*File) error {
		target = targetFile(files)
		target.create = true
		var others []*Config
		passed := false
		for _, f := range files {
			if f == target {
				passed = true
			} else if passed && f.Exists {
				others = append(others, f.Config)
			}
		}
		return plan(res, target, incoming, others, opts, logf)
	}, editHooks{})
	if target != nil {
		res.Target, res.File, res.Created = target.Path, target.Real, !target.Exists
	}
	if err != nil {
		return nil, err
	}
	for _, w := range er.Written {
		if w.Path == res.Target {
			res.Written, res.Backup = true, w.Backup
		}
	}
	if !res.Written {
		logf("%s already holds every entry of %s; nothing to write", res.Target, src)
	}
	return res, nil
}

// editOptions are the options of the writer Import shares with every
// operation.
func (o ImportOptions) editOptions() EditOptions {
	return EditOptions{
		Kubeconfig: o.Kubeconfig, DryRun: o.DryRun, LockTimeout: o.LockTimeout, KeepBackups: o.KeepBackups,
		Now: o.Now, Logf: o.Logf, Getenv: o.Getenv, Home: o.Home, StateDir: o.StateDir,
	}
}

// prepareIncoming applies Name and Namespace to the incoming context
// Import will select, and makes opts.Context follow a new name.
func prepareIncoming(incoming *Config, opts *ImportOptions) (*Config, error) {
	if opts.Name == "" && opts.Namespace == "" {
		return incoming, nil
	}
	if opts.Namespace != "" {
		if err := checkNamespace(opts.Namespace); err != nil {
			return nil, err
		}
	}
	want := opts.Context
	if want == "" {
		switch {
		case incoming.has(KindContext, DefaultContextName):
			want = DefaultContextName
		case incoming.CurrentContext != "":
			want = incoming.CurrentContext
		case len(incoming.Contexts) == 1:
			want = incoming.Contexts[0].Name
		}
	}
	if want == "" || !incoming.has(KindContext, want) {
		return nil, &UndefinedError{Kind: KindContext, Name: want, Known: shortList(names(incoming.Contexts)),
			Suggestions: suggest(want, names(incoming.Contexts))}
	}
	in := incoming.Clone()
	for i := range in.Contexts {
		e := &in.Contexts[i]
		if e.Name != want {
			continue
		}
		if opts.Namespace != "" {
			e.Body = setField(e.Body, "namespace", opts.Namespace)
		}
		if opts.Name != "" && opts.Name != want {
			if err := checkName(KindContext, opts.Name); err != nil {
				return nil, err
			}
			if in.has(KindContext, opts.Name) {
				return nil, &ExistsError{Kind: KindContext, Name: opts.Name}
			}
			e.Name = opts.Name
			if in.CurrentContext == want {
				in.CurrentContext = opts.Name
			}
			opts.Context = opts.Name
		}
	}
	return in, nil
}

// plan merges incoming into the target file, selects the context and
// fills res.
func plan(res *ImportResult, t *File, incoming *Config, others []*Config, opts ImportOptions, logf func(string, ...any)) error {
	cur := t.Config
	merged, changes, err := Merge(cur, incoming, opts.Policy, others...)
	if err != nil {
		return err
	}
	for _, k := range Kinds {
		for _, r := range changes.Of(k).Renamed {
			logf("renamed incoming %s %q to %q", k, r.From, r.To)
		}
		for _, n := range changes.Of(k).Replaced {
			logf("replaced %s %q", k, n)
		}
	}
	res.Changes = changes
	res.PreviousContext = cur.CurrentContext
	if res.PreviousContext == "" {
		for _, o := range others {
			if o.CurrentContext != "" {
				res.PreviousContext = o.CurrentContext
				break
			}
		}
	}
	sel, fromSource, err := selectContext(merged, incoming, changes, opts.Context, others)
	if err != nil {
		return err
	}
	res.SourceContext = fromSource
	if !opts.NoSwitch && sel != "" {
		merged.CurrentContext = sel
	}
	res.Context = merged.CurrentContext
	if res.Context == "" {
		res.Context = res.PreviousContext
	}
	t.Config = merged
	return nil
}

// selectContext picks the context to make current, and its name in the
// incoming file when it is one of the incoming contexts.
func selectContext(merged, incoming *Config, changes *Changes, want string, others []*Config) (sel, fromIncoming string, err error) {
	explicit := want != ""
	if !explicit {
		switch {
		case incoming.has(KindContext, DefaultContextName):
			want = DefaultContextName
		case incoming.CurrentContext != "":
			want = incoming.CurrentContext
		case len(incoming.Contexts) == 1:
			want = incoming.Contexts[0].Name
		default:
			return "", "", nil
		}
	}
	if incoming.has(KindContext, want) {
		return changes.NewName(KindContext, want), want, nil
	}
	if merged.has(KindContext, want) {
		return want, "", nil
	}
	for _, o := range others {
		if o.has(KindContext, want) {
			return want, "", nil
		}
	}
	return "", "", &UndefinedError{Kind: KindContext, Name: want}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// resolveLink follows symlinks from p to the file they finally name, which
// may not exist yet, as the kernel does: a relative link target is taken
// from the real folder of the link (its folder with every symlink
// resolved), never lexically, so "../x" in a symlinked folder leads where
// kubectl's open() leads.
func resolveLink(p string) (string, error) {
	for i := 0; i < 40; i++ {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		to, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			dir := filepath.Dir(p)
			if real, err := filepath.EvalSymlinks(dir); err == nil {
				dir = real
			}
			to = filepath.Join(dir, to)
		}
		p = to
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", p)
}

// readSettled reads file. An empty read of a file that is not empty a
// moment later was taken while a writer that rewrites in place (kubectl,
// an editor) had truncated it: it is read again, so that a transient empty
// file is never taken for an empty kubeconfig and written back. A file
// that stays empty is empty.
func readSettled(ctx context.Context, file string, logf func(string, ...any)) ([]byte, error) {
	data, err := readKubeconfig(ctx, file)
	if err == nil && len(bytes.TrimSpace(data)) == 0 && !maybeBeingWritten(file) {
		return data, nil // empty on purpose: nothing is writing it
	}
	for i := 0; err == nil && len(bytes.TrimSpace(data)) == 0 && i < 10; i++ {
		time.Sleep(20 * time.Millisecond)
		fi, serr := os.Stat(file)
		if serr != nil || fi.Size() == int64(len(data)) {
			continue
		}
		logf("%s changed while it was read; reading it again", file)
		data, err = readKubeconfig(ctx, file)
	}
	return data, err
}

// maybeBeingWritten reports whether an empty read of file may be a write
// in progress: kubectl holds <file>.lock while it rewrites a file, and a
// writer without a lock (a shell's redirect) has just changed it. An
// empty file left alone for a second, with no lock beside it, is empty.
func maybeBeingWritten(file string) bool {
	if _, err := os.Lstat(file + ".lock"); err == nil {
		return true
	}
	fi, err := os.Stat(file)
	return err != nil || time.Since(fi.ModTime()) < time.Second
}

// sweepTemps removes temp files left by a killed writer. It runs under the
// lock, so no live writer owns them.
func sweepTemps(file string, logf func(string, ...any)) {
	for _, m := range atomicfile.SweepTemps(file) {
		logf("removed %s, left by an interrupted run", m)
	}
}

// backupName returns a free name <file>.kubeboot-backup-<UTC stamp>[-N],
// N above every backup of the same stamp there is (not merely the first
// free one: a gap left by a removed backup would make the new one sort as
// the oldest of its second).
func backupName(file string, now func() time.Time) string {
	if now == nil {
		now = time.Now
	}
	base := file + ".kubeboot-backup-" + now().UTC().Format("20060102T150405Z")
	n := 0 // 0: none of this stamp; 1: base itself
	if entries, err := os.ReadDir(filepath.Dir(base)); err == nil {
		for _, e := range entries {
			rest, ok := strings.CutPrefix(e.Name(), filepath.Base(base))
			switch {
			case !ok:
			case rest == "":
				n = max(n, 1)
			case rest[0] == '-':
				if k, err := strconv.Atoi(rest[1:]); err == nil && k > 1 {
					n = max(n, k)
				}
			}
		}
	}
	for ; ; n++ {
		name := base
		if n > 0 {
			name = base + "-" + strconv.Itoa(n+1)
		}
		// Any error ends the search: a name that is not known to be taken
		// is tried, and its write says what is wrong (never a loop, which
		// would hold kubectl's lock for ever).
		if _, err := os.Lstat(name); err != nil {
			return name
		}
	}
}

// writePrivate atomically replaces path with data, readable by the owner
// only (0600; an owner-only DACL on Windows), restricted before the rename
// so the content is never exposed. The new file gets the owner and group of
// ownerFrom, and its mode when ownerFrom is a file (see
// atomicfile.Options.KeepOwnerFrom).
func writePrivate(path string, data []byte, ownerFrom string) error {
	return atomicfile.Write(path, data, privateOptions(ownerFrom))
}

// privateOptions are writePrivate's.
func privateOptions(ownerFrom string) atomicfile.Options {
	return atomicfile.Options{Private: true, KeepOwnerFrom: ownerFrom}
}

// backupRE matches the names backupName gives, after the file's own name.
var backupRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\.kubeboot-backup-(\d{8}T\d{6}Z)(?:-(\d+))?$`) })

// pruneBackups removes all but the newest keep backups of file (see
// ImportOptions.KeepBackups). Only regular files with backupName's names
// are touched, and never just, the backup the caller has just made and
// reports: it counts as the newest, whatever its name says (the clock may
// have gone back).
func pruneBackups(file string, keep int, just string, logf func(string, ...any)) {
	if keep < 0 {
		return
	}
	if keep == 0 {
		keep = DefaultKeepBackups
	}
	dir, base := filepath.Split(file)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return
	}
	type backup struct {
		name  string
		stamp string
		n     int
	}
	var found []backup
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		m := backupRE().FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		n := 1
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		found = append(found, backup{e.Name(), m[1], n})
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].stamp != found[j].stamp {
			return found[i].stamp > found[j].stamp
		}
		return found[i].n > found[j].n
	})
	if just != "" {
		for i, b := range found {
			if b.name == filepath.Base(just) {
				found = append(append([]backup{b}, found[:i]...), found[i+1:]...)
				break
			}
		}
	}
	for _, b := range found[min(keep, len(found)):] {
		p := filepath.Join(dir, b.name)
		if os.Remove(p) == nil {
			logf("removed old backup %s", p)
		}
	}
}

// UndefinedError reports a context or user name that no loaded file
// defines. It matches ErrUnknownContext or ErrUnknownUser.
type UndefinedError struct {
	Kind Kind
	Name string
	// Known lists the defined names of that kind, when known and few.
	Known []string
	// Suggestions lists defined names close to Name (a likely typo),
	// closest first.
	Suggestions []string
}

// ErrUnknownContext and ErrUnknownUser are matched by *UndefinedError.
var (
	ErrUnknownContext = errors.New("context not defined")
	ErrUnknownUser    = errors.New("user not defined")
)

func (e *UndefinedError) Error() string {
	msg := fmt.Sprintf("%s %q is not defined", e.Kind, e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + quoteList(e.Suggestions, " or ") + "?"
	} else if len(e.Known) > 0 {
		msg += " (defined: " + strings.Join(e.Known, ", ") + ")"
	}
	return msg
}

// Is matches ErrUnknownContext or ErrUnknownUser by kind.
func (e *UndefinedError) Is(target error) bool {
	return (target == ErrUnknownContext && e.Kind == KindContext) || (target == ErrUnknownUser && e.Kind == KindUser)
}
