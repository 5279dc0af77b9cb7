package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/fetch"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// TransparencyMode says when Install looks kubectl's verified signature up
// in the Rekor transparency log, which proves that the signature was made
// (logged) while its ten-minute certificate was valid.
type TransparencyMode string

const (
	// TransparencyAuto (the default) asks Rekor within a short bound
	// (DefaultTransparencyTimeout); a log that does not answer in time,
	// or has no entry, leaves the offline verdict standing, said in one
	// line. An entry that contradicts the signature fails the install.
	TransparencyAuto TransparencyMode = "auto"
	// TransparencyRequire refuses a kubectl without a verified Rekor
	// entry (a *TransparencyError).
	TransparencyRequire TransparencyMode = "require"
	// TransparencyOff never asks Rekor.
	TransparencyOff TransparencyMode = "off"
)

// ParseTransparencyMode parses auto, require or off ("" is auto).
func ParseTransparencyMode(s string) (TransparencyMode, error) {
	return parseMode[TransparencyMode]("transparency", s)
}

// DefaultRekorURL is the public-good Rekor log, asked when the trusted
// root lists it (the embedded root does).
const DefaultRekorURL = "https://rekor.sigstore.dev"

// Bounds of one Rekor lookup, the whole exchange with its retries.
const (
	DefaultTransparencyTimeout        = 2 * time.Second
	DefaultTransparencyRequireTimeout = 30 * time.Second
)

// TransparencyResult says what Rekor showed of a verified signature.
type TransparencyResult struct {
	// Verified is true when an entry of a Rekor log of the trusted root
	// verified: its signed entry timestamp, its inclusion proof and
	// checkpoint when given, that it logs exactly this digest, signature
	// and certificate, and that IntegratedTime lies inside the
	// certificate's validity.
	Verified bool `json:"verified"`
	// LogIndex and IntegratedTime are the entry's; LogID is the log's hex
	// ID.
	LogIndex       int64     `json:"logIndex,omitzero"`
	IntegratedTime time.Time `json:"integratedTime,omitzero"`
	LogID          string    `json:"logId,omitempty"`
	// Reason says why no entry was verified.
	Reason string `json:"reason,omitempty"`
	// Remembered is true when the result is what an earlier run found
	// of this kubectl: nothing was asked now.
	Remembered bool `json:"remembered,omitempty"`
}

// ErrTransparency means a kubectl's Rekor entry contradicts its signature
// (another digest or signer, a signed entry timestamp or inclusion proof
// that does not verify, a time outside the certificate), or
// TransparencyRequire found no verified entry. Errors are a
// *TransparencyError; they match ErrVerification.
var ErrTransparency = errors.New("transparency log check failed")

// TransparencyError reports a Rekor check that failed.
type TransparencyError struct {
	Version string // the kubectl version
	Rekor   string // the log asked, credentials redacted; "" when none was
	// Required is true when the failure is only that no entry was
	// verified under TransparencyRequire.
	Required bool
	Err      error // the *sigstore.Error or the network error
	local    bool  // files at hand were checked: nothing was being installed
}

func (e *TransparencyError) Error() string {
	if e.Required {
		return fmt.Sprintf("a verified transparency log entry is required, and kubectl %s has none: %v%s", e.Version, e.Err, notInstalled(e.local))
	}
	return fmt.Sprintf("the transparency log %s contradicts the signature of kubectl %s: %v%s", e.Rekor, e.Version, e.Err, notInstalled(e.local))
}

func (e *TransparencyError) Unwrap() error { return e.Err }

// Is makes errors.Is match ErrTransparency and ErrVerification.
func (e *TransparencyError) Is(target error) bool {
	return target == ErrTransparency || target == ErrVerification
}

// rekorURL returns the Rekor log to ask under root: the one given, else
// DefaultRekorURL when root lists it; "" when none applies (a private
// trust root with no log given: asking the public log about its
// signatures would tell nothing).
func (c *Client) rekorURL(root *sigstore.TrustedRoot) string {
	if u := c.opts.Signature.RekorURL; u != "" {
		return u
	}
	if root.ListsRekor(DefaultRekorURL) {
		return DefaultRekorURL
	}
	return ""
}

// lookUpEntry asks Rekor for the entry of the signature sig and cert over
// sum, which verified under root, and checks it under the client's
// transparency mode. It returns nil when nothing is asked: the mode is
// off, or no Rekor log applies to root (see rekorURL). The error is a
// *TransparencyError when the entry contradicts the signature or, under
// TransparencyRequire, when none verified; else a missing answer or entry
// leaves a result with its Reason, said once through Logf.
//
// held is the mirror's copy of the answer (kubectl.rekor.json, named
// heldName), nil when it serves none: an entry in it that verifies is
// used without asking Rekor, so an air-gapped install gets the full
// check. The answer that verified is returned for FetchKubectl to keep.
func (c *Client) lookUpEntry(ctx context.Context, tag string, sum, sig, cert []byte, root *sigstore.TrustedRoot, held []byte, heldName string) (*TransparencyResult, []byte, error) {
	mode := c.opts.Signature.Transparency
	if mode == TransparencyOff {
		return nil, nil, nil
	}
	if held != nil {
		res, answer, err := c.heldEntry(tag, sum, sig, cert, root, held, heldName)
		if err != nil || res != nil {
			return res, answer, err
		}
	}
	res, answer, err := c.askRekor(ctx, tag, sum, sig, cert, root)
	return res, answer, err
}

// heldEntry checks an answer at hand (a mirror's kubectl.rekor.json,
// named name): a verified result, nil when it holds no entry of a log of
// root (or is not an answer), an error when it contradicts the signature.
func (c *Client) heldEntry(tag string, sum, sig, cert []byte, root *sigstore.TrustedRoot, held []byte, name string) (*TransparencyResult, []byte, error) {
	entry, err := sigstore.VerifyRekorAnswer(sum, sig, cert, held, root)
	switch {
	case err == nil:
		return &TransparencyResult{Verified: true, LogIndex: entry.LogIndex, IntegratedTime: entry.IntegratedTime, LogID: entry.LogID}, held, nil
	case errors.Is(err, sigstore.ErrNoLogEntry), errors.Is(err, sigstore.ErrMalformed):
		c.opts.Logf("kubectl %s: %s holds no usable Rekor entry (%v)", tag, name, err)
		return nil, nil, nil
	}
	return nil, nil, &TransparencyError{Version: tag, Rekor: name, Err: err}
}

// transparencyTimeout bounds one Rekor lookup, and the fetch of a
// mirror's copy of the entry.
func (c *Client) transparencyTimeout() time.Duration {
	if t := c.opts.Signature.TransparencyTimeout; t > 0 {
		return t
	}
	if c.opts.Signature.Transparency == TransparencyRequire {
		return DefaultTransparencyRequireTimeout
	}
	return DefaultTransparencyTimeout
}

// askRekor is lookUpEntry's question to the log.
func (c *Client) askRekor(ctx context.Context, tag string, sum, sig, cert []byte, root *sigstore.TrustedRoot) (*TransparencyResult, []byte, error) {
	mode := c.opts.Signature.Transparency
	rekor := c.rekorURL(root)
	shown := fetch.Redact(rekor)
	none := func(err error) (*TransparencyResult, []byte, error) {
		if mode == TransparencyRequire {
			return nil, nil, &TransparencyError{Version: tag, Rekor: shown, Required: true, Err: err}
		}
		why := err.Error() + "; the signature was verified without it"
		c.opts.Logf("kubectl %s: %s", tag, why)
		return &TransparencyResult{Reason: why}, nil, nil
	}
	if rekor == "" {
		if mode == TransparencyRequire {
			return none(errors.New("the trusted root lists no Rekor log at " + DefaultRekorURL + " and no Rekor URL was given"))
		}
		return nil, nil, nil // nothing to ask: a private root names its log
	}
	query, err := sigstore.RekorQuery(sum, sig, cert)
	if err != nil {
		return nil, nil, err // VerifyDigest read the same files
	}
	timeout := c.transparencyTimeout()
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	answer, err := c.fetch.Post(lctx, rekor+sigstore.RekorRetrievePath, "application/json", query, sigstore.MaxRekorAnswerSize)
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	if err != nil {
		if lctx.Err() != nil {
			err = fmt.Errorf("Rekor at %s did not answer within %s", shown, timeout)
		} else {
			err = fmt.Errorf("Rekor at %s did not answer: %w", shown, err)
		}
		return none(err)
	}
	entry, err := sigstore.VerifyRekorAnswer(sum, sig, cert, answer, root)
	switch {
	case err == nil:
		return &TransparencyResult{Verified: true, LogIndex: entry.LogIndex, IntegratedTime: entry.IntegratedTime, LogID: entry.LogID}, answer, nil
	case errors.Is(err, sigstore.ErrNoLogEntry):
		return none(fmt.Errorf("%s: %w", shown, err))
	case errors.Is(err, sigstore.ErrMalformed):
		// Not Rekor's answer (a portal, a proxy's page): no answer.
		return none(fmt.Errorf("Rekor at %s did not answer like Rekor: %w", shown, err))
	}
	return nil, nil, &TransparencyError{Version: tag, Rekor: shown, Err: err}
}
