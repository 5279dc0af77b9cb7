package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// ResolvedName is the file, in the store's folder, that remembers what
// channels and constraints resolved to (Options.ResolveTTL). The store
// ignores files it did not make, and List never shows it.
const ResolvedName = ".resolved.json"

// Bounds of the remembered answers.
const (
	// unpublishedTTL is how long a channel the mirror does not publish (a
	// pre-release minor's stable-1.N.txt) is not asked again: short, so
	// that the release, once out, is found soon.
	unpublishedTTL = 10 * time.Minute
	// retryAfter is how long after a failed quick question (StaleWait) the
	// mirror is not asked again while a stored kubectl answers.
	retryAfter = 10 * time.Minute
	// maxResolvedBytes bounds what is read of ResolvedName.
	maxResolvedBytes = 1 << 20
)

// resolvedAnswer is what one spec resolved to at one mirror.
type resolvedAnswer struct {
	Version string    `json:"version,omitempty"` // "v1.37.2"; "" when unpublished
	Asked   time.Time `json:"asked"`             // when the mirror answered
	// Unpublished is set when the mirror answered that the channel does
	// not exist (yet).
	Unpublished bool `json:"unpublished,omitempty"`
	// Tried is the last failed quick question: no answer in StaleWait.
	Tried time.Time `json:"tried,omitzero"`
}

// resolvedKey identifies a spec at the store's mirror: the mirror URL
// without credentials or query, and the marker or constraint.
func (s *Store) resolvedKey(sp bootstrap.Spec) string {
	base := bootstrap.RedactURL(s.client.BaseURL())
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	what := sp.String()
	if sp.Kind == bootstrap.SpecMarker {
		what = sp.Marker
	}
	return base + " " + strings.TrimSpace(what)
}

func (s *Store) readResolved() map[string]resolvedAnswer {
	m := map[string]resolvedAnswer{}
	path := filepath.Join(s.dir, ResolvedName)
	if err := CheckTrusted(path); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.logf("not reading what channels resolved to before: %v", err)
		}
		return m
	}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxResolvedBytes))
	if err == nil {
		_ = json.Unmarshal(b, &m)
	}
	if m == nil {
		m = map[string]resolvedAnswer{}
	}
	return m
}

// remember records a for key, best effort: a store this user cannot write
// only asks more often. Answers older than a week go.
func (s *Store) remember(key string, a resolvedAnswer) {
	if err := CheckTrusted(filepath.Join(s.dir, ResolvedName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return // another user's file, kept as it is
	}
	m := s.readResolved()
	now := s.now()
	for k, old := range m {
		if now.Sub(old.Asked) > 7*24*time.Hour && now.Sub(old.Tried) > 7*24*time.Hour {
			delete(m, k)
		}
	}
	m[key] = a
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return
	}
	if os.MkdirAll(s.dir, 0o755) != nil {
		return
	}
	if err := atomicfile.WriteFile(filepath.Join(s.dir, ResolvedName), append(b, '\n'), 0o644); err != nil {
		s.logf("could not remember what %s resolved to (%v): the mirror is asked again next time", key, err)
	}
}

// within reports whether t is less than ttl before now (and not after it:
// a clock set back).
func within(t, now time.Time, ttl time.Duration) bool {
	age := now.Sub(t)
	return !t.IsZero() && age >= 0 && age < ttl
}

// resolve returns the version sp (a channel or a constraint) names now.
// Without ResolveTTL it asks the mirror, as Client.Resolve. With it:
//
//   - an answer younger than ResolveTTL is used with no request;
//   - a channel the mirror said it does not publish is that error, with no
//     request, for unpublishedTTL;
//   - when a stored kubectl matches sp, the mirror has StaleWait to answer;
//     when it does not (unreachable, stalled, an untrusted certificate, a
//     portal's page instead of a marker), the newest stored match answers
//     (stored is true) and the mirror is asked again after retryAfter;
//   - otherwise the mirror is asked with the client's own bounds.
//
// chosenBy is EnsureChosen's: a stored kubectl answers only where the
// signature rule lets it (newestMatchFor). remembered is true when the
// answer came from ResolvedName; a fresh answer is remembered by the
// caller (rememberAnswer) only once it was installed or found stored, so
// that a lie a mirror told once (an unsigned or unpublished version) is
// not answered again for a day.
func (s *Store) resolve(ctx context.Context, sp bootstrap.Spec, chosenBy string) (v *version.Version, stored, remembered bool, err error) {
	if s.resolveTTL <= 0 {
		s.beforeWait()
		v, err := s.client.Resolve(ctx, sp.String())
		return v, false, false, err
	}
	key := s.resolvedKey(sp)
	a := s.readResolved()[key]
	now := s.now()
	if a.Version != "" && within(a.Asked, now, s.resolveTTL) {
		if v, err := version.NewVersion(a.Version); err == nil && sp.Matches(v) {
			return v, false, true, nil
		}
	}
	if a.Unpublished && within(a.Asked, now, unpublishedTTL) {
		return nil, false, false, fmt.Errorf("%s does not publish %q (asked %s ago): %w", s.client.BaseURL(), sp.String(), now.Sub(a.Asked).Round(time.Second), fs.ErrNotExist)
	}
	match, _ := s.newestMatchFor(sp, chosenBy)
	if match != nil && within(a.Tried, now, retryAfter) {
		s.logf("using kubectl %s from the store: what %q means now is asked of %s again %s after it last failed to answer", match.Version, sp.String(), s.client.BaseURL(), retryAfter)
		v, err := version.NewVersion(match.Version)
		return v, err == nil, false, err
	}
	askCtx := ctx
	if match != nil && s.staleWait > 0 {
		var cancel context.CancelFunc
		askCtx, cancel = context.WithTimeout(ctx, s.staleWait)
		defer cancel()
	}
	s.beforeWait()
	v, err = s.client.Resolve(askCtx, sp.String())
	switch {
	case err == nil:
		return v, false, false, nil
	case ctx.Err() != nil:
		return nil, false, false, err
	case errors.Is(err, fs.ErrNotExist):
		s.remember(key, resolvedAnswer{Unpublished: true, Asked: s.now().UTC()})
		return nil, false, false, err
	case match != nil && s.staleWait > 0 && !answered(err):
		a.Tried = s.now().UTC()
		s.remember(key, a)
		s.logf("%s did not say what %q means now (%v); using kubectl %s from the store, the newest stored version it allows, and asking again later", s.client.BaseURL(), sp.String(), err, match.Version)
		v, verr := version.NewVersion(match.Version)
		return v, verr == nil, false, verr
	}
	return nil, false, false, err
}

// rememberAnswer records that sp resolved to v now (see resolve).
func (s *Store) rememberAnswer(sp bootstrap.Spec, v *version.Version) {
	if s.resolveTTL > 0 {
		s.remember(s.resolvedKey(sp), resolvedAnswer{Version: bootstrap.Tag(v), Asked: s.now().UTC()})
	}
}

// answered reports whether err is the mirror's answer rather than a
// failure to get one: the version does not exist, or the spec matches
// none.
func answered(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, bootstrap.ErrNoMatchingVersion) || errors.Is(err, bootstrap.ErrInvalidVersionSpec)
}
