package bootstrap

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// SignatureMode says when Install requires kubectl's Sigstore signature.
type SignatureMode string

const (
	// SignatureAuto (the default) verifies the signature whenever the
	// mirror publishes one and requires it for v1.26.0 and later, which
	// dl.k8s.io signs. An older kubectl is accepted on its checksum alone
	// only when the user named it: an exact version, or a release line
	// (1.24) that holds it. A version that a server chose (a release
	// marker, a constraint's search, a cluster's version) must be signed
	// whatever its number, so that a mirror cannot pick an old unsigned
	// release to swap kubectl. See Spec.ChosenBy.
	SignatureAuto SignatureMode = "auto"
	// SignatureRequire refuses any kubectl without a valid signature.
	SignatureRequire SignatureMode = "require"
	// SignatureOff checks the checksum only, and fetches no signature.
	SignatureOff SignatureMode = "off"
)

// ParseSignatureMode parses auto, require or off ("" is auto).
func ParseSignatureMode(s string) (SignatureMode, error) {
	return parseMode[SignatureMode]("signature", s)
}

// parseMode parses the three words every check mode takes: auto, require
// or off ("" is auto), in any case; what names the mode in the error.
func parseMode[M ~string](what, s string) (M, error) {
	switch m := strings.ToLower(strings.TrimSpace(s)); m {
	case "":
		return "auto", nil
	case "auto", "require", "off":
		return M(m), nil
	}
	return "", fmt.Errorf("%w: %s mode %q: use auto, require or off", ErrInvalidOption, what, s)
}

// FirstSignedVersion is the first Kubernetes release whose binaries
// dl.k8s.io publishes with a Sigstore signature.
const FirstSignedVersion = "v1.26.0"

// SignatureOptions govern the verification of kubectl's Sigstore
// signature (kubectl.sig and kubectl.cert beside the binary).
type SignatureOptions struct {
	// Mode is SignatureAuto when empty.
	Mode SignatureMode
	// Policy is the signer expected; default sigstore.KubernetesRelease.
	// Mirrors that re-sign with their own identity set it.
	Policy sigstore.Policy
	// TrustedRoot is the Sigstore trust root; default the embedded
	// public-good one (sigstore.PublicGood).
	TrustedRoot *sigstore.TrustedRoot
	// Transparency says when a verified signature is looked up in Rekor
	// (TransparencyAuto when empty); TransparencyRequire needs a Mode
	// other than off.
	Transparency TransparencyMode
	// RekorURL is the Rekor log asked; default DefaultRekorURL when the
	// trusted root lists it, else none (a private root names its own).
	// Plain http only to a loopback host.
	RekorURL string
	// TransparencyTimeout bounds one lookup, retries included; default
	// DefaultTransparencyTimeout (auto) or
	// DefaultTransparencyRequireTimeout (require).
	TransparencyTimeout time.Duration
	// TUFURL is the TUF repository the trusted root is kept current from
	// when TrustedRoot is nil: on first need, at most daily
	// (SigstoreRefreshInterval), into the cache folder; offline or on any
	// failure the last verified copy is used, then the embedded root,
	// said once. Default DefaultSigstoreTUFURL; "off" keeps the embedded
	// root. Without a cache folder (NoDigestCache) nothing is refreshed.
	TUFURL string
	// TUFRoot is the root.json the repository's chain starts from;
	// default the embedded public-good one.
	TUFRoot []byte
	// TUFTimeout bounds one refresh; default
	// DefaultSigstoreRefreshTimeout.
	TUFTimeout time.Duration
}

// SignatureResult says what Install found of the signature.
type SignatureResult struct {
	Verified bool   `json:"verified"`
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// Reason says why it was not verified (only when not required).
	Reason string `json:"reason,omitempty"`
	// TrustRoot says, once, why the Sigstore trust root used was not
	// refreshed from its TUF repository when a refresh failed in this
	// run (the last verified copy or the built-in root was used); ""
	// otherwise.
	TrustRoot string `json:"trustRoot,omitempty"`
	// Transparency is what Rekor showed of the verified signature; nil
	// when not asked (TransparencyOff, no signature, no Rekor log for the
	// trusted root, or a file checked offline).
	Transparency *TransparencyResult `json:"transparency,omitempty"`
}

// ErrSignatureMissing means a signature was required and the mirror does
// not publish kubectl.sig or kubectl.cert. Errors are a
// *SignatureMissingError; they match ErrVerification.
var ErrSignatureMissing = errors.New("signature missing")

// ErrInvalidOption means an option value could not be understood.
var ErrInvalidOption = errors.New("invalid option")

// SignatureMissingError reports the signature files a mirror lacks.
type SignatureMissingError struct {
	Version string   // the kubectl version
	Missing []string // URLs answered 404, credentials redacted
	// ChosenBy names what chose Version when the user did not name it
	// (see Spec.ChosenBy): a version before v1.26 is refused unsigned only
	// then. Empty when the version itself requires a signature.
	ChosenBy string
	// Required is true when the signature was required by
	// SignatureRequire rather than by the version or its chooser.
	Required bool
	local    bool // files at hand were checked: nothing was being installed
}

func (e *SignatureMissingError) Error() string {
	missing := strings.Join(e.Missing, " and ")
	switch {
	case e.Required:
		return fmt.Sprintf("a signature is required, but the mirror does not publish %s for kubectl %s%s", missing, e.Version, notInstalled(e.local))
	case e.ChosenBy != "" && !signedRelease(e.Version):
		return fmt.Sprintf("kubectl %s was chosen by %s, and the mirror does not publish %s for it; "+
			"a version a server chooses must be signed, or a mirror could pick an old unsigned release to swap kubectl. "+
			"To accept kubectl %s on its checksum alone, name that exact version, or turn signature verification off%s",
			e.Version, e.ChosenBy, missing, e.Version, notInstalled(e.local))
	}
	return fmt.Sprintf("kubectl %s is signed by the Kubernetes release team since %s, but the mirror does not publish %s, so a swapped kubectl could not be told apart%s",
		e.Version, FirstSignedVersion, missing, notInstalled(e.local))
}

// Is makes errors.Is match ErrSignatureMissing and ErrVerification.
func (e *SignatureMissingError) Is(target error) bool {
	return target == ErrSignatureMissing || target == ErrVerification
}

// SignatureError reports a signature that does not hold: a swapped binary,
// another signer, an untrusted certificate. It wraps the *sigstore.Error
// (errors.Is matches its sentinel, such as sigstore.ErrIdentity) and
// matches ErrVerification.
type SignatureError struct {
	URL string // of kubectl.sig, credentials redacted
	Err error
	// Known is the upstream report when this release's published
	// signature is known not to verify (KnownBadSignature) and it failed
	// the way reported (a genuine certificate of the expected signer, a
	// signature that does not match the digest); the verdict is the same,
	// only the message says more.
	Known string
	local bool // files at hand were checked: nothing was being installed
}

// notInstalled ends the message of a check that failed an install; a
// check of files at hand (VerifyKubectlFile) installs nothing anyway.
func notInstalled(local bool) string {
	if local {
		return ""
	}
	return "; nothing was installed"
}

// checkedAtHand marks err, of a check of files at hand, so that its
// message does not speak of an install.
func checkedAtHand(err error) error {
	var (
		se *SignatureError
		me *SignatureMissingError
		te *TransparencyError
	)
	switch {
	case errors.As(err, &se):
		se.local = true
	case errors.As(err, &me):
		me.local = true
	case errors.As(err, &te):
		te.local = true
	}
	return err
}

func (e *SignatureError) Error() string {
	msg := fmt.Sprintf("the signature of %s does not hold: %v%s", strings.TrimSuffix(e.URL, ".sig"), e.Err, notInstalled(e.local))
	if e.Known != "" {
		msg += fmt.Sprintf(". This release's published signature is known not to verify (%s), the same way; "+
			"the newest patch of its release line, or the checksum alone with signature verification off, are the ways forward if you trust this mirror", e.Known)
	}
	return msg
}

// knownBadSignatures lists releases whose published signature is known
// upstream not to verify, by "version os/arch", with the report. It only
// words the error: such a signature still fails.
var knownBadSignatures = map[string]string{
	"v1.35.0 linux/amd64": "kubernetes/kubernetes#135858",
}

// KnownBadSignature returns the upstream report of kubectl tag for p when
// its published signature is known not to verify, else "".
func KnownBadSignature(tag string, p Platform) string {
	return knownBadSignatures[tag+" "+p.String()]
}

func (e *SignatureError) Unwrap() error { return e.Err }

// Is makes errors.Is match ErrVerification.
func (e *SignatureError) Is(target error) bool { return target == ErrVerification }

// signatureFiles fetches kubectl.sig and kubectl.cert at once, and the
// mirror's kubectl.rekor.json (RekorEntrySuffix) when an entry may be
// asked for.
type signatureFiles struct {
	wg        sync.WaitGroup
	sig, cert []byte
	sigErr    error
	certErr   error
	rekor     []byte // nil when the mirror holds none (or it was not asked)
	root      *sigstore.TrustedRoot
	rootErr   error
	rootNote  string // SignatureResult.TrustRoot
	// answer is Rekor's answer that verified, for the mirror's copy.
	answer []byte
}

// RekorEntrySuffix names the file beside a kubectl that holds its Rekor
// entry as Rekor returned it (kubectl.rekor.json): a mirror serves it so
// that an install needs no Rekor, and FetchKubectl writes it.
const RekorEntrySuffix = ".rekor.json"

func (c *Client) startSignatureFetch(ctx context.Context, src string) *signatureFiles {
	if c.opts.Signature.Mode == SignatureOff {
		return nil
	}
	f := &signatureFiles{}
	f.wg.Add(3)
	go func() {
		defer f.wg.Done()
		// The trust root (refreshed at most daily) while the files come.
		if f.root, f.rootErr = c.sigstoreRoot(ctx); f.rootErr != nil {
			return
		}
		f.rootNote = c.takeRootNote()
		if c.opts.Signature.Transparency != TransparencyOff && c.baseURL != DefaultBaseURL && c.rekorURL(f.root) != "" {
			// dl.k8s.io publishes no Rekor entry; a mirror may. It
			// stands in for Rekor's answer, so it gets Rekor's bound: a
			// mirror stalling on it must not hold the install longer
			// than the log itself may.
			rctx, cancel := context.WithTimeout(ctx, c.transparencyTimeout())
			defer cancel()
			if b, err := c.fetch.Small(rctx, src+RekorEntrySuffix, sigstore.MaxRekorAnswerSize); err == nil {
				f.rekor = b
			}
		}
	}()
	go func() { defer f.wg.Done(); f.sig, f.sigErr = c.fetch.Small(ctx, src+".sig", sigstore.MaxSignatureSize) }()
	go func() {
		defer f.wg.Done()
		f.cert, f.certErr = c.fetch.Small(ctx, src+".cert", sigstore.MaxCertificateSize)
	}()
	return f
}

// verifySignature checks the signature over the published digest want,
// once the files have arrived. The result is nil when the mode is off.
// chosenBy is what chose tag, "" when the user named it (Spec.ChosenBy).
// A verified signature is then looked up in Rekor (lookUpEntry).
func (c *Client) verifySignature(ctx context.Context, f *signatureFiles, tag, chosenBy string, p Platform, shownSrc, want string) (*SignatureResult, error) {
	if f == nil {
		return nil, nil
	}
	f.wg.Wait()
	if f.rootErr != nil {
		return nil, f.rootErr
	}
	res, err := c.checkSignature(f.root, tag, chosenBy, KnownBadSignature(tag, p), shownSrc, want, f.sig, f.sigErr, f.cert, f.certErr)
	if err != nil {
		return nil, err
	}
	res.TrustRoot = f.rootNote
	if !res.Verified {
		if c.opts.Signature.Transparency == TransparencyRequire {
			return nil, &TransparencyError{Version: tag, Required: true, Err: errors.New(res.Reason)}
		}
		return res, nil
	}
	sum, _ := hex.DecodeString(want) // checkSignature decoded it
	if res.Transparency, f.answer, err = c.lookUpEntry(ctx, tag, sum, f.sig, f.cert, f.root, f.rekor, shownSrc+RekorEntrySuffix); err != nil {
		return nil, err
	}
	return res, nil
}

// verifyLocalSignature applies the signature rules to files at hand: sig
// and cert are nil when absent; where names the binary in messages.
// rekor is the Rekor entry file beside it (nil when absent), checked
// offline under the transparency mode: nothing asks Rekor here.
func (c *Client) verifyLocalSignature(tag, chosenBy string, p Platform, where, sha256 string, sig, cert, rekor []byte) (*SignatureResult, error) {
	res, err := c.checkLocalSignature(tag, chosenBy, p, where, sha256, sig, cert, rekor)
	return res, checkedAtHand(err)
}

func (c *Client) checkLocalSignature(tag, chosenBy string, p Platform, where, sha256 string, sig, cert, rekor []byte) (*SignatureResult, error) {
	if c.opts.Signature.Mode == SignatureOff {
		return nil, nil
	}
	var sigErr, certErr error
	if sig == nil {
		sigErr = fs.ErrNotExist
	}
	if cert == nil {
		certErr = fs.ErrNotExist
	}
	// Offline: the trust root as last verified, never refreshed here.
	root, err := c.sigstoreRoot(nil)
	if err != nil {
		return nil, err
	}
	res, err := c.checkSignature(root, tag, chosenBy, KnownBadSignature(tag, p), where, sha256, sig, sigErr, cert, certErr)
	if err != nil || c.opts.Signature.Transparency == TransparencyOff {
		return res, err
	}
	if !res.Verified || rekor == nil {
		if c.opts.Signature.Transparency == TransparencyRequire {
			return nil, &TransparencyError{Version: tag, Required: true, Err: fmt.Errorf("%s%s is absent", where, RekorEntrySuffix)}
		}
		return res, nil
	}
	sum, _ := hex.DecodeString(sha256)
	if res.Transparency, _, err = c.heldEntry(tag, sum, sig, cert, root, rekor, where+RekorEntrySuffix); err != nil {
		return nil, err
	}
	if res.Transparency == nil && c.opts.Signature.Transparency == TransparencyRequire {
		return nil, &TransparencyError{Version: tag, Required: true, Err: fmt.Errorf("%s%s holds no entry of a log of the trusted root", where, RekorEntrySuffix)}
	}
	return res, nil
}

// known is KnownBadSignature's report for this release, for the message.
func (c *Client) checkSignature(root *sigstore.TrustedRoot, tag, chosenBy, known, shownSrc, want string, sig []byte, sigErr error, cert []byte, certErr error) (*SignatureResult, error) {
	var missing []string
	for _, p := range []struct {
		err error
		ext string
	}{{sigErr, ".sig"}, {certErr, ".cert"}} {
		switch {
		case p.err == nil:
		case errors.Is(p.err, fs.ErrNotExist):
			missing = append(missing, shownSrc+p.ext)
		default:
			return nil, fmt.Errorf("read the signature of kubectl %s: %w", tag, p.err)
		}
	}
	if len(missing) > 0 {
		if SignatureRequired(c.opts.Signature.Mode, tag, chosenBy) {
			return nil, &SignatureMissingError{Version: tag, Missing: missing, ChosenBy: chosenBy, Required: c.opts.Signature.Mode == SignatureRequire}
		}
		why := checksumOnly(tag)
		c.opts.Logf("%s", why)
		return &SignatureResult{Reason: why}, nil
	}
	sum, err := hex.DecodeString(want)
	if err != nil {
		return nil, err
	}
	res, err := sigstore.VerifyDigest(sum, sig, cert, c.sigPolicy(), root)
	if err != nil {
		se := &SignatureError{URL: shownSrc + ".sig", Err: err}
		if errors.Is(err, sigstore.ErrSignature) {
			// Only the failure reported upstream: the chain and signer
			// held, the signature over the digest did not.
			se.Known = known
		}
		return nil, se
	}
	return &SignatureResult{Verified: true, Identity: res.Identity, Issuer: res.Issuer}, nil
}

// checksumOnly is the note of a kubectl accepted on its checksum alone.
func checksumOnly(tag string) string {
	return "kubectl " + tag + " predates signed releases (" + FirstSignedVersion + "): checksum only"
}

func (c *Client) sigPolicy() sigstore.Policy {
	p := c.opts.Signature.Policy
	if p.Identity == "" && p.Issuer == "" {
		return sigstore.KubernetesRelease
	}
	return p
}

// SignatureRequired reports whether kubectl tag must carry a valid
// signature under mode, when chosenBy chose it ("" when the user named
// it: see Spec.ChosenBy). Off requires none; require always one; auto one
// for every signed release (v1.26.0 and later) and for any version a
// server chose. Nothing a server sends decides it but the version
// number, and a server-chosen number cannot lower it.
func SignatureRequired(mode SignatureMode, tag, chosenBy string) bool {
	switch mode {
	case SignatureOff:
		return false
	case SignatureRequire:
		return true
	}
	return chosenBy != "" || signedRelease(tag)
}

// signedRelease reports whether dl.k8s.io signs kubectl tag: v1.26.0 and
// later, including the 1.26 pre-releases that were signed.
func signedRelease(tag string) bool {
	v, err := version.NewVersion(tag)
	if err != nil {
		return true
	}
	first, _ := version.NewVersion(FirstSignedVersion)
	return v.Core().GreaterThanOrEqual(first)
}
