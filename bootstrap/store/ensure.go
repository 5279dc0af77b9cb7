package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
)

// Ensure returns a stored, intact kubectl for spec (any form
// bootstrap.ParseSpec takes: "v1.36.4", "1.36", "stable", ">=1.35, <1.37"),
// installing it first when needed.
//
// An exact version with an intact entry is answered from disk with no
// network request. A channel or a constraint is resolved through the
// mirror; when the mirror cannot be reached (see the package doc), the
// newest intact entry the spec allows is returned with Offline set, and
// Logf says so; that answer comes after the client's retries
// (bootstrap.Options.Retries and RetryBackoff: about 7.5 s by default),
// so a tool that prefers a quick offline answer gives its Client fewer.
// Errors: ErrNotStored (with the network error) when nothing
// stored can answer while the network fails; bootstrap's errors
// (ErrVerification, ErrInvalidVersionSpec, fs.ErrNotExist for a version
// the mirror does not publish...) otherwise.
func (s *Store) Ensure(ctx context.Context, spec string) (*Entry, error) {
	return s.EnsureChosen(ctx, spec, "")
}

// EnsureChosen is Ensure for a spec that a server chose rather than the
// user, such as the minor version an API server reports: chosenBy names it
// for messages ("the API server https://host:6443"). Whatever spec
// resolves to must then carry a valid signature, as for a release marker
// (bootstrap.SignatureAuto); a stored kubectl without a verified
// signature does not answer it. An empty chosenBy is Ensure.
func (s *Store) EnsureChosen(ctx context.Context, spec, chosenBy string) (*Entry, error) {
	if s.tool != nil {
		return s.ensureTool(ctx, spec)
	}
	if tag, ok := bootstrap.ExactTag(spec); ok {
		return s.ensureExact(ctx, tag, chosenBy) // a pin's warm path: no version parser
	}
	sp, err := bootstrap.ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	if sp.Kind == bootstrap.SpecExact {
		return s.ensureExact(ctx, bootstrap.Tag(sp.Exact), chosenBy)
	}
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	v, fromStore, resolvedBefore, err := s.resolve(ctx, sp, chosenBy)
	if err == nil {
		// A channel never moves back to an older kubectl than it gave
		// before (a stale CDN edge, a marker that went backwards).
		answered := v
		var held *bootstrap.HeldBack
		if !fromStore {
			if v, held = s.client.NoOlder(sp, v, ""); held != nil {
				s.logf("%s", held.Reason)
			}
		}
		var e *Entry
		e, err = s.ensureResolved(ctx, sp, v, chosenBy)
		reset := false
		if held != nil && err != nil && bootstrap.IsUnpublished(err) {
			// The mirror no longer publishes what it answered before: a
			// lie it told once must not block every later run.
			s.logf("kubectl %s, which %s answered before, is not published any more; using %s", held.Kept, sp, held.Answered)
			held, reset = nil, true
			e, err = s.ensureResolved(ctx, sp, answered, chosenBy)
		}
		if err == nil {
			if ev, perr := version.NewSemver(e.Version); perr == nil && !fromStore {
				s.client.RememberResolved(sp, ev, reset)
				if !resolvedBefore {
					s.rememberAnswer(sp, answered)
				}
			}
			e.HeldBack = held
			e.Offline = fromStore
			return e, nil
		}
	}
	if !offline(ctx, err) {
		return nil, err
	}
	e, unlogged := s.newestMatchFor(sp, chosenBy)
	if e == nil && unlogged != "" {
		return nil, s.unloggedError(unlogged, err)
	}
	if e == nil {
		return nil, &NotStoredError{Spec: spec, Platform: s.p, Dir: s.dir, Err: err}
	}
	s.logf("the mirror cannot be reached (%v); using kubectl %s from the store, the newest stored version %q allows", err, e.Version, spec)
	e.Offline = true
	return e, nil
}

// ensureExact is EnsureChosen of the exact version tag.
func (s *Store) ensureExact(ctx context.Context, tag, chosenBy string) (*Entry, error) {
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	if e := s.intactFor(tag, chosenBy); e != nil {
		return e, nil
	}
	e, err := s.install(ctx, tag, chosenBy)
	if err != nil && offline(ctx, err) {
		if old, ok := s.load(tag, s.p); ok && old.Intact && s.unlogged(old) {
			return nil, s.unloggedError(tag, err)
		}
		return nil, &NotStoredError{Spec: tag, Platform: s.p, Dir: s.dir, Err: err}
	}
	return e, err
}

// ensureResolved returns the entry of v, which sp resolved to, installing
// it when missing; when the mirror does not publish v yet (a marker ahead
// of the CDN) it takes the newest earlier patch the spec allows, as
// bootstrap.Client.Install does, and when none is published either it
// reports v's failure. chosenBy is EnsureChosen's; when empty, what chose
// each candidate is worked out from sp (bootstrap.Spec.ChosenBy).
func (s *Store) ensureResolved(ctx context.Context, sp bootstrap.Spec, v *version.Version, chosenBy string) (*Entry, error) {
	candidates := append([]*version.Version{v}, sp.Fallbacks(v)...)
	var first error
	for i := 0; ; i++ {
		tag := bootstrap.Tag(candidates[i])
		by := chosenBy
		if by == "" {
			if by = sp.ChosenBy(candidates[i]); by != "" {
				by += " at " + s.client.BaseURL()
			}
		}
		if e := s.intactFor(tag, by); e != nil {
			return e, nil
		}
		e, err := s.install(ctx, tag, by)
		if err == nil || !bootstrap.IsUnpublished(err) {
			return e, err
		}
		if first == nil {
			first = err
		}
		if i+1 == len(candidates) {
			return nil, first
		}
		s.logf("kubectl %s is not published at %s yet (%v); trying %s", tag, s.client.BaseURL(), err, bootstrap.Tag(candidates[i+1]))
	}
}

// intactFor is intact for a version chosenBy chose: an entry whose
// signature was not verified when it was stored (a pre-v1.26 kubectl the
// user once named) does not answer a version a server chose, which must be
// signed; it is installed again, and that install checks the signature.
func (s *Store) intactFor(tag, chosenBy string) *Entry {
	e := s.intact(tag)
	if e != nil && e.Receipt.Signature == nil && s.client.SignatureRequired(tag, chosenBy) {
		s.logf("kubectl %s in the store has no verified signature, which a version chosen by %s needs; asking the mirror for it", tag, chosenBy)
		return nil
	}
	if e != nil && s.unlogged(e) {
		s.logf("kubectl %s in the store was kept without a verified transparency log entry, which this client requires; asking the mirror and the log for it", tag)
		return nil
	}
	return e
}

// unlogged reports whether e may not answer because the client requires a
// verified transparency log entry (bootstrap.TransparencyRequire) and e's
// receipt records none: such an entry is checked again (the log asked, the
// receipt rewritten) or refused, never used as it is.
func (s *Store) unlogged(e *Entry) bool {
	return s.client.TransparencyRequired() && !e.Receipt.logged()
}

// unloggedError is the refusal of kubectl tag, stored without the
// transparency log entry the client requires, when the mirror or the log
// could not be asked (why).
func (s *Store) unloggedError(tag string, why error) error {
	return &bootstrap.TransparencyError{Version: tag, Required: true,
		Err: fmt.Errorf("the store holds it without a verified entry, and it could not be looked up (%w)", why)}
}

// intact returns the entry of tag for the store's platform if it matches
// its receipt: a stat and a small read.
func (s *Store) intact(tag string) *Entry {
	e, ok := s.load(tag, s.p)
	if !ok {
		return nil
	}
	if !e.Intact {
		s.logf("%s no longer matches its receipt (changed, truncated or missing); installing kubectl %s again", e.Path, tag)
		return nil
	}
	return e
}

// Newest returns the newest intact entry of the store's platform that
// spec allows (any form bootstrap.ParseSpec takes), without asking the
// network and without installing: what Ensure answers offline. It is nil
// when none is stored; errors are bootstrap.ErrInvalidVersionSpec. It is
// NewestChosen with chosenBy "": a marker's or constraint's pick must be
// signed, the user's exact version need not.
func (s *Store) Newest(spec string) (*Entry, error) {
	return s.NewestChosen(spec, "")
}

// NewestChosen is Newest for a spec a server chose (chosenBy, as for
// EnsureChosen): an entry stored without a verified signature is passed
// over (with a note to Logf) where the client requires one, as Ensure
// does. Every answer from the store without the network goes through it.
func (s *Store) NewestChosen(spec, chosenBy string) (*Entry, error) {
	if s.tool != nil {
		return s.newestTool(spec)
	}
	sp, err := bootstrap.ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	e, _ := s.newestMatchFor(sp, chosenBy)
	return e, nil
}

// newestMatchFor returns the newest intact entry of the store's platform
// that sp allows and whose versions chosenBy chooses ("" to work it out
// from sp, as Ensure does): an entry stored without a verified signature
// answers only where none is required, offline as online, and one without
// a verified transparency log entry only where none is required either
// (unlogged then names the newest passed over for that reason).
func (s *Store) newestMatchFor(sp bootstrap.Spec, chosenBy string) (e *Entry, unlogged string) {
	all, _ := s.List()
	for i := range all {
		e := &all[i]
		if e.Platform != s.p || !e.Intact {
			continue
		}
		v, err := version.NewVersion(e.Version)
		if err != nil || !sp.Matches(v) {
			continue
		}
		by := chosenBy
		if by == "" {
			if by = sp.ChosenBy(v); by != "" {
				by += " at " + s.client.BaseURL()
			}
		}
		if e.Receipt.Signature == nil && s.client.SignatureRequired(e.Version, by) {
			s.logf("kubectl %s in the store has no verified signature, which a version chosen by %s needs; passing over it", e.Version, by)
			continue
		}
		if s.unlogged(e) {
			s.logf("kubectl %s in the store was kept without a verified transparency log entry, which this client requires; passing over it", e.Version)
			if unlogged == "" {
				unlogged = e.Version
			}
			continue
		}
		return e, unlogged
	}
	return nil, unlogged
}

// install puts kubectl tag into its folder through Client.Install and
// writes the receipt, under the folder's lock, for the file it then
// rehashes. A folder removed meanwhile (Prune) is started over once; a
// failure leaves no empty folder behind. chosenBy is what chose tag, ""
// when the user named it.
func (s *Store) install(ctx context.Context, tag, chosenBy string) (*Entry, error) {
	s.beforeWait()
	dir := s.entryDir(tag, s.p)
	for attempt := 0; ; attempt++ {
		e, err := s.installOnce(ctx, tag, chosenBy, dir)
		if err == nil {
			return e, nil
		}
		if errors.Is(err, ErrUntrusted) {
			return nil, err // another user's folder: left as it is
		}
		var answered *bootstrap.HTTPError // the mirror's answer (a 404), not the folder's state
		if _, serr := os.Stat(filepath.Join(dir, bootstrap.InstallLockName)); attempt == 0 && ctx.Err() == nil && serr != nil && !errors.As(err, &answered) && !errors.Is(err, bootstrap.ErrSignatureMissing) {
			s.logf("the store folder %s was removed during the install; starting over", dir)
			continue
		}
		os.Remove(dir)               // only if empty: an install failed before anything was kept
		os.Remove(filepath.Dir(dir)) // the version folder, if no other platform is in it
		return nil, err
	}
}

func (s *Store) installOnce(ctx context.Context, tag, chosenBy, dir string) (*Entry, error) {
	// Never into a folder someone else may change: what is installed there
	// could be swapped after it was verified.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := trust.CheckOne(d, "it", trust.Current()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("install %s %s into the store %s: %w; the store neither uses nor removes another user's files: choose a store folder of your own", s.Tool(), tag, s.dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the store folder: %w", err)
	}
	// A program there that another user owns is replaced by a file of the
	// store's own, never adopted because its bytes are the same.
	err := trust.CheckOne(filepath.Join(dir, s.program(s.p)), "it", trust.Current())
	force := err != nil && !errors.Is(err, fs.ErrNotExist)
	var res *bootstrap.InstallResult
	var tr *bootstrap.ToolResult
	if s.tool != nil {
		// The store's folder is the store's own: no package manager's file
		// can be there, and asking them costs time.
		tr, err = s.client.InstallTool(ctx, bootstrap.ToolRequest{Tool: s.tool.Name, Version: tag, Dir: dir, Platform: s.p, ForceOverwrite: true, Force: force})
		if err == nil {
			res = &bootstrap.InstallResult{Path: tr.Path, SHA256: tr.SHA256, URL: tr.URL, Changed: tr.Changed}
		}
	} else {
		res, err = s.client.Install(ctx, bootstrap.InstallRequest{
			Version:        tag,
			ChosenBy:       chosenBy,
			Dir:            dir,
			Platform:       s.p,
			ForceOverwrite: true,
			Force:          force,
		})
	}
	if err != nil {
		return nil, err
	}
	lock, err := bootstrap.LockInstallDir(ctx, dir, s.logf)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	// A run that waited for another's install finds its receipt written.
	// A receipt without the Rekor entry this install verified is
	// rewritten with it.
	verified := res.Signature != nil && res.Signature.Verified
	logged := verified && res.Signature.Transparency != nil && res.Signature.Transparency.Verified
	if e, ok := s.load(tag, s.p); ok && e.Intact && e.Receipt.SHA256 == res.SHA256 && !res.Changed && (e.Receipt.Signature != nil || !verified) && (e.Receipt.logged() || !logged) {
		return e, nil
	}
	sum, id, unchanged, err := fileid.Hash(res.Path)
	if err != nil {
		return nil, fmt.Errorf("read the installed %s: %w", s.Tool(), err)
	}
	if !unchanged {
		return nil, fmt.Errorf("%s changed while it was read", res.Path)
	}
	if sum != res.SHA256 {
		return nil, fmt.Errorf("%s changed right after it was installed (sha256 %s, published %s)", res.Path, sum, res.SHA256)
	}
	var sig *SignatureReceipt
	if res.Signature != nil && res.Signature.Verified {
		sig = &SignatureReceipt{Identity: res.Signature.Identity, Issuer: res.Signature.Issuer, Transparency: res.Signature.Transparency}
	}
	r := &Receipt{
		Signature: sig,
		Version:   tag,
		Platform:  s.p.String(),
		SHA256:    res.SHA256,
		URL:       res.URL,
		Installed: s.now().UTC(),
		File:      toFileIdentity(id),
	}
	if tr != nil {
		r.Tool, r.FileSHA256, r.Evidence = s.tool.Name, tr.FileSHA256, tr.Evidence
	}
	if err := writeReceipt(dir, r); err != nil {
		return nil, fmt.Errorf("write the receipt of %s %s: %w", s.Tool(), tag, err)
	}
	if res.Changed {
		s.logf("installed %s %s for %s into %s (sha256 %s)", s.Tool(), tag, s.p, dir, res.SHA256)
	}
	return &Entry{Version: tag, Platform: s.p, Path: res.Path, Receipt: *r, Intact: true, Downloaded: res.Changed}, nil
}

// offline reports whether err means the network failed (no answer, a
// stall, a 5xx after the client's retries), so that a stored kubectl may
// answer instead. A verification failure, a version the mirror does not
// have, a bad spec, a local disk error or the caller's cancellation (ctx
// done) is not.
func offline(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var se *fetch.SinkError
	switch {
	case errors.Is(err, bootstrap.ErrVerification), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, bootstrap.ErrInvalidVersionSpec), errors.Is(err, bootstrap.ErrNoMatchingVersion),
		errors.Is(err, bootstrap.ErrUnsupportedPlatform), errors.As(err, &se):
		return false
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return false // the local disk
	}
	return fetch.Retryable(err)
}

// ensureTool is EnsureChosen for a catalogue tool other than kubectl:
// spec is the catalogue's (latest, a line, an exact version). An exact
// version with an intact entry makes no request; otherwise the version is
// resolved through the tool's marker or release redirect, and when the
// network fails the newest intact entry spec allows answers, Offline set.
func (s *Store) ensureTool(ctx context.Context, spec string) (*Entry, error) {
	ch, err := s.tool.Choose(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", bootstrap.ErrInvalidVersionSpec, err)
	}
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	tag := ch.Tag
	if tag == "" {
		tag, err = s.client.ResolveTool(ctx, s.tool.Name, spec, s.p)
	}
	if err == nil {
		if e := s.intact(tag); e != nil {
			return e, nil
		}
		var e *Entry
		if e, err = s.install(ctx, tag, ""); err == nil {
			return e, nil
		}
	}
	if !offline(ctx, err) {
		return nil, err
	}
	if e, _ := s.newestTool(spec); e != nil && ch.Tag == "" {
		s.logf("the network cannot be reached (%v); using %s %s from the store, the newest stored version %q allows", err, s.tool.Name, e.Version, spec)
		e.Offline = true
		return e, nil
	}
	return nil, &NotStoredError{Spec: spec, Platform: s.p, Dir: s.dir, Err: err, Tool: s.tool.Name}
}

// newestTool is NewestChosen for a catalogue tool: the newest intact entry
// of the store's platform that spec (latest, a line, an exact version)
// allows.
func (s *Store) newestTool(spec string) (*Entry, error) {
	ch, err := s.tool.Choose(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", bootstrap.ErrInvalidVersionSpec, err)
	}
	all, _ := s.List()
	for i := range all {
		e := &all[i]
		switch {
		case e.Platform != s.p || !e.Intact:
		case ch.Tag != "" && e.Version != ch.Tag:
		case !ch.Allows(e.Version):
		default:
			return e, nil
		}
	}
	return nil, nil
}
