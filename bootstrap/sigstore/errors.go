package sigstore

import (
	"errors"
	"fmt"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
)

// Every error the verifiers return is an *Error that matches exactly one of
// these sentinels and bootstrap.ErrVerification.
var (
	// ErrMalformed means an input could not be decoded: the .sig is not
	// base64 of a DER signature, the .cert holds no PEM certificate, the
	// bundle or trusted root is not the expected JSON, an input exceeds its
	// size cap, or the digest is not 32 bytes.
	ErrMalformed = errors.New("malformed signature material")

	// ErrSignature means the signature does not verify over the digest
	// with the certificate's key: the file is not the one that was signed.
	ErrSignature = errors.New("signature does not verify")

	// ErrCertificate means the certificate cannot be trusted: its chain does
	// not lead to a certificate authority of the trusted root valid at the
	// certificate's issuance time, it is not for code signing, or its key
	// is not ECDSA P-256.
	ErrCertificate = errors.New("certificate not trusted")

	// ErrIdentity means the certificate was issued to another identity than
	// the policy's (or names none, or several), or the bundle is signed with
	// a managed key where the policy names an identity, or the reverse.
	ErrIdentity = errors.New("unexpected signer identity")

	// ErrIssuer means the certificate's OIDC issuer is not the policy's, is
	// missing, or its two issuer extensions disagree.
	ErrIssuer = errors.New("unexpected OIDC issuer")

	// ErrSCT means the trusted root lists certificate transparency logs and
	// the certificate carries no signed certificate timestamp from one of
	// them that verifies.
	ErrSCT = errors.New("certificate transparency check failed")

	// ErrTransparencyLog means a bundle's Rekor entry does not prove the
	// signature was logged while the certificate was valid: no entry, a log
	// the trusted root does not list, a signed entry timestamp that does
	// not verify, an entry for other content, or an integrated time outside
	// the certificate's validity.
	ErrTransparencyLog = errors.New("transparency log check failed")
	// ErrNoLogEntry means Rekor's answer to a search (VerifyRekorAnswer)
	// holds no entry of a log the trusted root lists: no evidence either
	// way, where ErrTransparencyLog is evidence against the signature.
	ErrNoLogEntry = errors.New("no transparency log entry found")
	// ErrTimestamp means a bundle's RFC 3161 timestamps do not prove when
	// the signature was made: none verifies with a timestamp authority of
	// the trusted root, its message imprint is not the signature's, or its
	// time lies outside the authority's or the certificate's validity.
	ErrTimestamp = errors.New("signed timestamp check failed")
	// ErrUnsupported means the bundle is of a kind this verifier does not
	// verify (a bundle version after 0.3, a Rekor entry kind or a key and
	// digest algorithm it does not know): not that it is damaged.
	ErrUnsupported = errors.New("unsupported signature material")
)

// Error is the error type of every failed verification. Its message is one
// sentence giving the reason, such as "certificate identity is X, want Y".
// errors.Is matches its sentinel (Kind) and bootstrap.ErrVerification.
type Error struct {
	// Kind is one of ErrMalformed, ErrSignature, ErrCertificate,
	// ErrIdentity, ErrIssuer, ErrSCT, ErrTransparencyLog, ErrNoLogEntry,
	// ErrTimestamp and ErrUnsupported.
	Kind error
	// Reason says what was found and what was expected.
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// Is makes errors.Is match bootstrap.ErrVerification.
func (e *Error) Is(target error) bool { return target == verifyerr.ErrVerification }

func fail(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}
