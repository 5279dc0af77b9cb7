// Package tuf is a client of a TUF repository's top-level metadata chain
// (The Update Framework 1.0, as Sigstore's root-signing repository serves
// it), on the standard library, for one job: bringing a Sigstore
// trusted_root.json up to date from a root.json the caller trusts.
//
// Invariants, each checked before anything is trusted:
//   - a signature counts once per distinct key of the role (the same key
//     listed under two key IDs, or a signature repeated, counts once),
//     over the canonical JSON of "signed" with every field kept, unknown
//     ones included, and a role needs its threshold of them;
//   - root N+1 is signed by a threshold of root N's root keys and of its
//     own, and has version N+1; intermediate roots may have expired, the
//     last may not (freeze);
//   - timestamp, snapshot and targets verify with the keys of the newest
//     root, are unexpired at the caller's clock, never go back in version
//     from what the caller last trusted (rollback), and agree with each
//     other: the snapshot is the version (and length and hashes, when
//     given) the timestamp names, the targets the version the snapshot
//     names (mix-and-match);
//   - a target is returned only with the length and SHA-256 the verified
//     targets metadata gives.
//
// The package reads no clock, network or file: the caller gives the time
// and a Fetch function, and keeps what Update returns. Errors match
// ErrVerification (via verifyerr) when metadata cannot be trusted.
package tuf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
)

// Limits on what is read.
const (
	MaxMetadataSize = 512 << 10
	MaxTargetSize   = 1 << 20
	// MaxRootSteps bounds the root rotations one Update follows.
	MaxRootSteps = 64
)

// ErrUntrusted means metadata or a target does not verify: a threshold
// not met, a rollback, expired metadata (freeze), metadata that disagree
// (mix-and-match), or a target of another length or hash. Errors are an
// *Error; they match bootstrap.ErrVerification too.
var ErrUntrusted = errors.New("TUF metadata not trusted")

// Error is the error of a check that failed; Reason says which.
type Error struct{ Reason string }

func (e *Error) Error() string { return "TUF: " + e.Reason }

// Is makes errors.Is match ErrUntrusted and ErrVerification.
func (e *Error) Is(target error) bool {
	return target == ErrUntrusted || target == verifyerr.ErrVerification
}

func fail(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Canonical returns the canonical JSON of b (securesystemslib's form, which
// TUF signs): object keys sorted, no insignificant space, strings escaping
// only `"` and `\`, integers only. Every field is kept.
func Canonical(b []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	var out bytes.Buffer
	if err := canonical(&out, v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func canonical(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(v))
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err != nil {
			return fmt.Errorf("number %s is not an integer, which canonical JSON cannot hold", v)
		}
		w.WriteString(string(v))
	case string:
		w.WriteByte('"')
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				w.WriteByte('\\')
			}
			w.WriteByte(v[i])
		}
		w.WriteByte('"')
	case []any:
		w.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := canonical(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := canonical(w, k); err != nil {
				return err
			}
			w.WriteByte(':')
			if err := canonical(w, v[k]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	default:
		return fmt.Errorf("unexpected JSON value %T", v)
	}
	return nil
}

type envelope struct {
	Signatures []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
	Signed json.RawMessage `json:"signed"`
}

type keyJSON struct {
	KeyType string `json:"keytype"`
	Scheme  string `json:"scheme"`
	KeyVal  struct {
		Public string `json:"public"`
	} `json:"keyval"`
}

type roleJSON struct {
	KeyIDs    []string `json:"keyids"`
	Threshold int      `json:"threshold"`
}

type common struct {
	Type    string `json:"_type"`
	Version int64  `json:"version"`
	Expires string `json:"expires"`
}

type metaFile struct {
	Version int64             `json:"version"`
	Length  int64             `json:"length"`
	Hashes  map[string]string `json:"hashes"`
}

// Root is a verified root metadata file.
type Root struct {
	Raw        []byte // the file as served
	Version    int64
	Expires    time.Time
	Consistent bool // consistent_snapshot: versioned and hashed file names
	keys       map[string]any
	roles      map[string]roleJSON
}

// parseKey reads an ECDSA P-256 (PEM or hex point) or Ed25519 key; other
// kinds are nil (their signatures never count).
func parseKey(k keyJSON) any {
	pub := k.KeyVal.Public
	switch {
	case (k.KeyType == "ecdsa" || k.KeyType == "ecdsa-sha2-nistp256") && k.Scheme == "ecdsa-sha2-nistp256":
		if blk, _ := pem.Decode([]byte(pub)); blk != nil {
			if key, err := x509.ParsePKIXPublicKey(blk.Bytes); err == nil {
				if e, ok := key.(*ecdsa.PublicKey); ok && e.Curve == elliptic.P256() {
					return e
				}
			}
			return nil
		}
		b, err := hex.DecodeString(pub)
		if err != nil {
			return nil
		}
		if e, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b); err == nil {
			return e
		}
	case k.KeyType == "ed25519" && k.Scheme == "ed25519":
		if b, err := hex.DecodeString(pub); err == nil && len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b)
		}
	}
	return nil
}

// roleKeys identifies role's keys in r by their material, and its
// threshold: equal for two roots exactly when the role was not rotated.
func roleKeys(r *Root, role string) string {
	rl := r.roles[role]
	var ks []string
	for _, id := range rl.KeyIDs {
		if k := r.keys[id]; k != nil {
			ks = append(ks, keyBytes(k))
		}
	}
	sort.Strings(ks)
	return strconv.Itoa(rl.Threshold) + "\x00" + strings.Join(ks, "\x00")
}

// keyBytes identifies a key by its material, for counting distinct keys.
func keyBytes(k any) string {
	b, _ := x509.MarshalPKIXPublicKey(k)
	return string(b)
}

// verifyRole checks that env carries signatures of threshold distinct keys
// of role in r over the canonical form of its signed part, and returns
// that part.
func verifyRole(env *envelope, role string, r *Root, what string) error {
	rl, ok := r.roles[role]
	if !ok || rl.Threshold < 1 {
		return fail("root %d gives the %s role no threshold", r.Version, role)
	}
	msg, err := Canonical(env.Signed)
	if err != nil {
		return fail("%s does not have canonical JSON: %v", what, err)
	}
	sum := sha256.Sum256(msg)
	allowed := map[string]bool{}
	for _, id := range rl.KeyIDs {
		allowed[id] = true
	}
	counted := map[string]bool{}
	for _, s := range env.Signatures {
		if !allowed[s.KeyID] {
			continue
		}
		key := r.keys[s.KeyID]
		if key == nil || counted[keyBytes(key)] {
			continue
		}
		sig, err := hex.DecodeString(s.Sig)
		if err != nil {
			continue
		}
		okSig := false
		switch k := key.(type) {
		case *ecdsa.PublicKey:
			okSig = ecdsa.VerifyASN1(k, sum[:], sig)
		case ed25519.PublicKey:
			okSig = ed25519.Verify(k, msg, sig)
		}
		if okSig {
			counted[keyBytes(key)] = true
		}
	}
	if len(counted) < rl.Threshold {
		return fail("%s carries %d valid signatures of distinct %s keys of root %d, below its threshold of %d", what, len(counted), role, r.Version, rl.Threshold)
	}
	return nil
}

func parseEnvelope(b []byte, what string) (*envelope, error) {
	if len(b) > MaxMetadataSize {
		return nil, fail("%s is %d bytes, more than %d", what, len(b), MaxMetadataSize)
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil || len(env.Signed) == 0 {
		return nil, fail("%s is not TUF metadata", what)
	}
	return &env, nil
}

func parseCommon(env *envelope, typ, what string) (common, time.Time, error) {
	var c common
	if err := json.Unmarshal(env.Signed, &c); err != nil || c.Type != typ {
		return c, time.Time{}, fail("%s is not %s metadata", what, typ)
	}
	exp, err := time.Parse(time.RFC3339Nano, c.Expires)
	if err != nil {
		return c, time.Time{}, fail("%s expires at %q, not an RFC 3339 time", what, c.Expires)
	}
	return c, exp, nil
}

func parseRootSigned(b []byte, env *envelope, what string) (*Root, error) {
	c, exp, err := parseCommon(env, "root", what)
	if err != nil {
		return nil, err
	}
	var s struct {
		Consistent bool                `json:"consistent_snapshot"`
		Keys       map[string]keyJSON  `json:"keys"`
		Roles      map[string]roleJSON `json:"roles"`
	}
	if err := json.Unmarshal(env.Signed, &s); err != nil {
		return nil, fail("%s does not parse: %v", what, err)
	}
	r := &Root{Raw: b, Version: c.Version, Expires: exp, Consistent: s.Consistent, keys: map[string]any{}, roles: s.Roles}
	for id, k := range s.Keys {
		if key := parseKey(k); key != nil {
			r.keys[id] = key
		}
	}
	for _, role := range []string{"root", "timestamp", "snapshot", "targets"} {
		if rl, ok := r.roles[role]; !ok || rl.Threshold < 1 {
			return nil, fail("%s gives the %s role no threshold", what, role)
		}
	}
	return r, nil
}

// ParseRoot reads a root the caller trusts as it is (an embedded one, or
// the last one Update verified): it checks that the root is signed by a
// threshold of its own root keys, not that it is current.
func ParseRoot(b []byte) (*Root, error) {
	env, err := parseEnvelope(b, "root.json")
	if err != nil {
		return nil, err
	}
	r, err := parseRootSigned(b, env, "root.json")
	if err != nil {
		return nil, err
	}
	if err := verifyRole(env, "root", r, fmt.Sprintf("root %d", r.Version)); err != nil {
		return nil, err
	}
	return r, nil
}

// NextRoot verifies b as the root that follows r: version r.Version+1,
// signed by a threshold of r's root keys and of its own.
func NextRoot(r *Root, b []byte) (*Root, error) {
	what := fmt.Sprintf("%d.root.json", r.Version+1)
	env, err := parseEnvelope(b, what)
	if err != nil {
		return nil, err
	}
	if err := verifyRole(env, "root", r, what); err != nil {
		return nil, err
	}
	next, err := parseRootSigned(b, env, what)
	if err != nil {
		return nil, err
	}
	if err := verifyRole(env, "root", next, what+" (its own keys)"); err != nil {
		return nil, err
	}
	if next.Version != r.Version+1 {
		return nil, fail("%s has version %d", what, next.Version)
	}
	return next, nil
}

// Fetch returns the repository file name ("2.root.json",
// "timestamp.json", "targets/HASH.trusted_root.json"), at most max bytes.
// A file the repository does not have is an error matching fs.ErrNotExist.
type Fetch func(name string, max int64) ([]byte, error)

// State is what a caller keeps between updates: the newest verified root
// and the versions last trusted (0 when none), for rollback checks.
type State struct {
	Root                                       []byte
	TimestampVersion, SnapshotVersion, Targets int64
}

// Result is an update that verified.
type Result struct {
	State  State  // to keep for the next update
	Target []byte // the target asked for, verified
	Root   *Root  // the newest root
	// Roots are the roots this update stepped through, oldest first
	// (none when the root did not change), and TargetsMeta the targets
	// metadata that named Target: what Kept needs to check a kept copy.
	Roots       [][]byte
	TargetsMeta []byte
}

// Kept checks, with no network or clock, a target kept from earlier
// updates: roots follow start one by one (each signed by a threshold of
// the one before and of its own keys, as in Update; expiry is not
// checked), targetsMeta is signed by a threshold of the last root's
// targets keys, and names target by the length and SHA-256 of b. It
// returns the last root (start when roots is empty). Whoever can change
// what the caller keeps can thus only hand back metadata the repository
// signed, never a root or target of their own.
func Kept(start []byte, roots [][]byte, targetsMeta []byte, target string, b []byte) (*Root, error) {
	root, err := ParseRoot(start)
	if err != nil {
		return nil, err
	}
	for _, next := range roots {
		if root, err = NextRoot(root, next); err != nil {
			return nil, err
		}
	}
	env, err := parseEnvelope(targetsMeta, "the kept targets metadata")
	if err != nil {
		return nil, err
	}
	if err := verifyRole(env, "targets", root, "the kept targets metadata"); err != nil {
		return nil, err
	}
	if _, _, err := parseCommon(env, "targets", "the kept targets metadata"); err != nil {
		return nil, err
	}
	var tg struct {
		Targets map[string]metaFile `json:"targets"`
	}
	json.Unmarshal(env.Signed, &tg)
	tm, ok := tg.Targets[target]
	if !ok || len(tm.Hashes["sha256"]) != 64 || tm.Length <= 0 {
		return nil, fail("the kept targets metadata gives target %q no sha256 or length", target)
	}
	if err := checkMeta(b, tm, "the kept "+target); err != nil {
		return nil, err
	}
	return root, nil
}

func checkFresh(what string, exp, now time.Time) error {
	if !now.Before(exp) {
		return fail("%s expired at %s (the clock says %s): the repository is frozen or stale", what, exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

func checkMeta(b []byte, m metaFile, what string) error {
	if m.Length != 0 && int64(len(b)) != m.Length {
		return fail("%s is %d bytes, the metadata that names it says %d", what, len(b), m.Length)
	}
	for alg, want := range m.Hashes {
		var got []byte
		switch alg {
		case "sha256":
			s := sha256.Sum256(b)
			got = s[:]
		case "sha512":
			s := sha512.Sum512(b)
			got = s[:]
		default:
			continue
		}
		if !strings.EqualFold(hex.EncodeToString(got), want) {
			return fail("%s has %s %x, the metadata that names it says %s", what, alg, got, want)
		}
	}
	return nil
}

// Update walks the repository from st (its Root must be set) at time now:
// the root rotation chain, then timestamp, snapshot and targets, then the
// target named target, and returns the new state with the verified target.
// Nothing of st is trusted beyond what it says; on any error the caller
// keeps st.
func Update(st State, now time.Time, fetch Fetch, target string) (*Result, error) {
	root, err := ParseRoot(st.Root)
	if err != nil {
		return nil, err
	}
	first := root
	var roots [][]byte
	for i := 0; ; i++ {
		if i == MaxRootSteps {
			return nil, fail("more than %d root rotations in one update", MaxRootSteps)
		}
		name := strconv.FormatInt(root.Version+1, 10) + ".root.json"
		b, err := fetch(name, MaxMetadataSize)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return nil, err
		}
		if root, err = NextRoot(root, b); err != nil {
			return nil, err
		}
		roots = append(roots, b)
	}
	if err := checkFresh(fmt.Sprintf("root %d", root.Version), root.Expires, now); err != nil {
		return nil, err
	}
	// Versions trusted before stand against rollback, unless the new
	// root rotated the timestamp or snapshot keys: then the timestamp and
	// snapshot versions are forgotten (TUF 1.0 section 5.3.11), so that a
	// repository recovers from a fast-forward made with a stolen online
	// key (a version signed far ahead that no honest timestamp would ever
	// pass). The targets version stays: only the offline-signed targets
	// metadata sets it.
	if roleKeys(first, "timestamp") != roleKeys(root, "timestamp") || roleKeys(first, "snapshot") != roleKeys(root, "snapshot") {
		st.TimestampVersion, st.SnapshotVersion = 0, 0
	}
	out := State{Root: root.Raw}
	out.TimestampVersion, out.SnapshotVersion, out.Targets = st.TimestampVersion, st.SnapshotVersion, st.Targets

	// Timestamp.
	b, err := fetch("timestamp.json", MaxMetadataSize)
	if err != nil {
		return nil, err
	}
	env, err := parseEnvelope(b, "timestamp.json")
	if err != nil {
		return nil, err
	}
	if err := verifyRole(env, "timestamp", root, "timestamp.json"); err != nil {
		return nil, err
	}
	c, exp, err := parseCommon(env, "timestamp", "timestamp.json")
	if err != nil {
		return nil, err
	}
	if c.Version < st.TimestampVersion {
		return nil, fail("timestamp.json has version %d, older than the %d trusted before (rollback)", c.Version, st.TimestampVersion)
	}
	var ts struct {
		Meta map[string]metaFile `json:"meta"`
	}
	json.Unmarshal(env.Signed, &ts)
	snapMeta, ok := ts.Meta["snapshot.json"]
	if !ok {
		return nil, fail("timestamp.json names no snapshot.json")
	}
	if snapMeta.Version < st.SnapshotVersion {
		return nil, fail("timestamp.json names snapshot %d, older than the %d trusted before (rollback)", snapMeta.Version, st.SnapshotVersion)
	}
	if err := checkFresh("timestamp.json", exp, now); err != nil {
		return nil, err
	}
	out.TimestampVersion = c.Version

	// Snapshot.
	name := "snapshot.json"
	if root.Consistent {
		name = strconv.FormatInt(snapMeta.Version, 10) + ".snapshot.json"
	}
	if b, err = fetch(name, MaxMetadataSize); err != nil {
		return nil, err
	}
	if err := checkMeta(b, snapMeta, name); err != nil {
		return nil, err
	}
	if env, err = parseEnvelope(b, name); err != nil {
		return nil, err
	}
	if err := verifyRole(env, "snapshot", root, name); err != nil {
		return nil, err
	}
	if c, exp, err = parseCommon(env, "snapshot", name); err != nil {
		return nil, err
	}
	if c.Version != snapMeta.Version {
		return nil, fail("%s has version %d, the timestamp names %d (mix-and-match)", name, c.Version, snapMeta.Version)
	}
	var sn struct {
		Meta map[string]metaFile `json:"meta"`
	}
	json.Unmarshal(env.Signed, &sn)
	targetsMeta, ok := sn.Meta["targets.json"]
	if !ok {
		return nil, fail("%s names no targets.json", name)
	}
	if targetsMeta.Version < st.Targets {
		return nil, fail("%s names targets %d, older than the %d trusted before (rollback)", name, targetsMeta.Version, st.Targets)
	}
	if err := checkFresh(name, exp, now); err != nil {
		return nil, err
	}
	out.SnapshotVersion = c.Version

	// Targets.
	name = "targets.json"
	if root.Consistent {
		name = strconv.FormatInt(targetsMeta.Version, 10) + ".targets.json"
	}
	if b, err = fetch(name, MaxMetadataSize); err != nil {
		return nil, err
	}
	if err := checkMeta(b, targetsMeta, name); err != nil {
		return nil, err
	}
	targetsRaw := b
	if env, err = parseEnvelope(b, name); err != nil {
		return nil, err
	}
	if err := verifyRole(env, "targets", root, name); err != nil {
		return nil, err
	}
	if c, exp, err = parseCommon(env, "targets", name); err != nil {
		return nil, err
	}
	if c.Version != targetsMeta.Version {
		return nil, fail("%s has version %d, the snapshot names %d (mix-and-match)", name, c.Version, targetsMeta.Version)
	}
	if err := checkFresh(name, exp, now); err != nil {
		return nil, err
	}
	out.Targets = c.Version
	var tg struct {
		Targets map[string]metaFile `json:"targets"`
	}
	json.Unmarshal(env.Signed, &tg)
	tm, ok := tg.Targets[target]
	if !ok {
		return nil, fail("%s lists no target %q", name, target)
	}
	want := tm.Hashes["sha256"]
	if _, herr := hex.DecodeString(want); herr != nil || len(want) != 64 || tm.Length <= 0 || tm.Length > MaxTargetSize {
		return nil, fail("%s gives target %q no sha256 or a length outside 1 to %d bytes", name, target, MaxTargetSize)
	}
	tname := "targets/" + target
	if root.Consistent {
		tname = "targets/" + strings.ToLower(want) + "." + target
	}
	if b, err = fetch(tname, tm.Length); err != nil {
		return nil, err
	}
	if err := checkMeta(b, tm, tname); err != nil {
		return nil, err
	}
	return &Result{State: out, Target: b, Root: root, Roots: roots, TargetsMeta: targetsRaw}, nil
}

// Files is Update for a mirror of the repository: on success it also
// returns every file Update read and verified, by the name it asked for
// (the root chain after st's root, the timestamp, snapshot and targets
// metadata, and the target), which a mirror serves as they are. On any
// error nothing is returned.
func Files(st State, now time.Time, fetch Fetch, target string) (*Result, map[string][]byte, error) {
	files := map[string][]byte{}
	res, err := Update(st, now, func(name string, max int64) ([]byte, error) {
		b, err := fetch(name, max)
		if err == nil {
			files[name] = b
		}
		return b, err
	}, target)
	if err != nil {
		return nil, nil, err
	}
	return res, files, nil
}

// PublicGoodRoot is root.json version 15 of Sigstore's public-good TUF
// repository (sigstore/root-signing at commit 60cf2ce8, 2026-08-21), where
// an update of the public-good trusted root starts.
//
//go:embed public-good-root.json
var PublicGoodRoot []byte
