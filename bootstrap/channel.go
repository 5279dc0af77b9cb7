package bootstrap

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-version"
)

// HeldBack says that a release marker or a constraint answered an older
// version than one kubeboot already had for it (installed in the target
// folder, or answered by the same mirror before and installed), so the
// newer one was kept: a stale CDN edge or a marker that went backwards
// does not move kubectl back.
type HeldBack struct {
	Answered string `json:"answered"` // the version the mirror answered
	Kept     string `json:"kept"`     // the newer version used instead
	// Installed is true when Kept is the kubectl kubeboot installed in the
	// target folder (kept as it is, without asking the mirror), false when
	// it is the version this mirror answered before.
	Installed bool   `json:"installed"`
	Reason    string `json:"reason"`
}

// channelKey names spec's memory for this client's mirror; "" for an
// exact version, which is never held back.
func (c *Client) channelKey(s Spec) string {
	switch s.Kind {
	case SpecMarker:
		return c.shown + " " + s.Marker
	case SpecConstraint:
		return c.shown + " " + s.raw
	}
	return ""
}

// NoOlder returns the version to use when spec resolved to v: v itself,
// unless it is older than a version spec allows that kubeboot already had
// for it, in which case that newer version and why. installed is the
// version in the target folder, "" when unknown; the other is the newest
// version this mirror answered for spec before that was then installed
// (RememberResolved). An exact version is never held back.
func (c *Client) NoOlder(spec Spec, v *version.Version, installed string) (*version.Version, *HeldBack) {
	key := c.channelKey(spec)
	if key == "" || v == nil {
		return v, nil
	}
	floor, why, isInstalled := v, "", false
	if tag, ok := c.channels.get(key); ok {
		if r, err := version.NewSemver(tag); err == nil && spec.Matches(r) && r.GreaterThan(floor) {
			floor, why = r, "which this mirror answered for it before"
		}
	}
	if r, err := version.NewSemver(installed); err == nil && spec.Matches(r) && !r.LessThan(floor) && r.GreaterThan(v) {
		floor, why, isInstalled = r, "which is installed", true
	}
	if floor == v {
		return v, nil
	}
	return floor, &HeldBack{
		Answered:  Tag(v),
		Kept:      Tag(floor),
		Installed: isInstalled,
		Reason: fmt.Sprintf("%s at %s answered %s, older than %s, %s; keeping %s",
			spec.source(), c.shown, Tag(v), Tag(floor), why, Tag(floor)),
	}
}

// RememberResolved records that spec resolved to v on this mirror and v
// was installed, so that NoOlder holds later answers to it. The newest
// version is kept; reset replaces it (the user accepted an older one).
func (c *Client) RememberResolved(spec Spec, v *version.Version, reset bool) {
	key := c.channelKey(spec)
	if key == "" || v == nil {
		return
	}
	c.channels.update(func(m map[string]string) bool {
		if !reset {
			if old, err := version.NewSemver(m[key]); err == nil && !v.GreaterThan(old) {
				return false
			}
		}
		if m[key] == Tag(v) {
			return false
		}
		m[key] = Tag(v)
		return true
	})
}

// verifiedRelease is what the client verified of one published kubectl:
// the digest its .sha256 gave and, when the signature over that digest
// held, whose it was, and the Rekor entry that verified for it, if any.
// It lets an up-to-date rerun skip fetching and verifying them again
// (Rekor included); it is only ever used for a file with that digest.
type verifiedRelease struct {
	SHA256   string `json:"sha256"`
	Identity string `json:"identity,omitempty"` // "" when no signature was verified
	Issuer   string `json:"issuer,omitempty"`
	Root     string `json:"root,omitempty"` // the trusted root it was verified under (rootID)
	// The verified Rekor entry, under Root; IntegratedTime 0 when none.
	LogID          string `json:"logId,omitempty"`
	LogIndex       int64  `json:"logIndex,omitempty"`
	IntegratedTime int64  `json:"integratedTime,omitempty"` // Unix seconds
}

// logged reports whether r holds a verified Rekor entry.
func (r verifiedRelease) logged() bool { return r.Identity != "" && r.IntegratedTime != 0 }

// rootID names the trusted root signatures are verified under, without
// parsing the embedded one.
func (c *Client) rootID() string {
	if r := c.opts.Signature.TrustedRoot; r != nil {
		return r.ID()
	}
	if c.opts.Signature.TUFURL == "" && c.opts.Signature.TUFRoot == nil {
		return "public-good" // embedded, or kept current from its repository
	}
	return "tuf " + c.tufKey() // the repository and start root, without credentials
}

func (c *Client) verifiedKey(tag string, p Platform) string {
	return c.shown + " " + tag + " " + p.String()
}

// rememberVerified records pub, whose checks just passed.
func (c *Client) rememberVerified(pub *PublishedKubectl) {
	r := verifiedRelease{SHA256: pub.SHA256}
	if pub.Signature != nil && pub.Signature.Verified {
		r.Identity, r.Issuer, r.Root = pub.Signature.Identity, pub.Signature.Issuer, c.rootID()
		if t := pub.Signature.Transparency; t != nil && t.Verified {
			r.LogID, r.LogIndex, r.IntegratedTime = t.LogID, t.LogIndex, t.IntegratedTime.Unix()
		}
	}
	key := c.verifiedKey(pub.Version, pub.Platform)
	c.verified.update(func(m map[string]verifiedRelease) bool {
		old := m[key]
		if old == r || (old.SHA256 == r.SHA256 && old.Identity != "" && r.Identity == "") {
			return false // a check with signatures off keeps the signed record
		}
		if old.SHA256 == r.SHA256 && old.Identity == r.Identity && old.Issuer == r.Issuer && old.Root == r.Root && old.logged() && !r.logged() {
			return false // nor does one that did not ask Rekor lose its entry
		}
		m[key] = r
		return true
	})
}

// verifiedBefore returns what an earlier run verified of kubectl tag for
// p on this mirror, when that still satisfies this client's signature
// rules for a version chosenBy chose: a signature by the expected signer,
// or none where none is required.
func (c *Client) verifiedBefore(tag, chosenBy string, p Platform) (*PublishedKubectl, bool) {
	r, ok := c.verified.get(c.verifiedKey(tag, p))
	if !ok || r.SHA256 == "" {
		return nil, false
	}
	pub := &PublishedKubectl{Version: tag, Platform: p, URL: c.KubectlURL(tag, p), SHA256: r.SHA256}
	policy := c.sigPolicy()
	switch {
	case c.opts.Signature.Mode == SignatureOff:
	case r.Identity != "" && r.Identity == policy.Identity && r.Issuer == policy.Issuer && r.Root == c.rootID():
		pub.Signature = &SignatureResult{Verified: true, Identity: r.Identity, Issuer: r.Issuer}
		switch {
		case c.opts.Signature.Transparency == TransparencyOff:
		case r.logged():
			pub.Signature.Transparency = &TransparencyResult{Verified: true, LogID: r.LogID, LogIndex: r.LogIndex, IntegratedTime: time.Unix(r.IntegratedTime, 0).UTC(), Remembered: true}
		case c.opts.Signature.Transparency == TransparencyRequire:
			return nil, false // ask Rekor now
		default:
			pub.Signature.Transparency = &TransparencyResult{Reason: "no Rekor entry verified when this release was first checked; not asked again", Remembered: true}
		}
	case r.Identity == "" && !SignatureRequired(c.opts.Signature.Mode, tag, chosenBy) && c.opts.Signature.Transparency != TransparencyRequire:
		pub.Signature = &SignatureResult{Reason: checksumOnly(tag)}
	default:
		return nil, false
	}
	return pub, true
}
