// Package sigstore verifies Sigstore keyless signatures offline, with the
// standard library's crypto only: the detached .sig/.cert pairs dl.k8s.io
// publishes beside every Kubernetes release file since v1.26.0
// (VerifyDigest), and Sigstore bundles such as `cosign sign-blob --bundle`
// writes for kubeboot's own releases (VerifyBundle). Both take the SHA-256
// of the file, computed by the caller while it streams the download, and
// never read a clock, a network or a file.
//
// # What is verified, against which keys
//
// The trust comes from a TrustedRoot only: the embedded public-good root
// (PublicGood, sigstore/root-signing's trusted_root.json) or one the caller
// parses (ParseTrustedRoot). A signature holds when:
//   - the certificate chains to a Fulcio certificate authority of the root
//     that was valid (its validFor window and every certificate of the
//     chain) at the certificate's NotBefore, not "now": Fulcio leaves live
//     ten minutes and have long expired when a user installs. Issuers are
//     accepted by key, never by name alone;
//   - the leaf key is ECDSA P-256 (P-384 only with Policy.AllowP384), the
//     certificate is for code signing, and its one email or URI subject
//     alternative name and its OIDC issuer (Fulcio extensions
//     1.3.6.1.4.1.57264.1.1 and .1.8, which must agree) equal the Policy's
//     exactly;
//   - when the root lists CT logs, an embedded SCT from one of them
//     verifies over the precertificate, so the certificate was publicly
//     logged and a mis-issued one for the same identity is discoverable;
//   - the ECDSA signature verifies over the digest;
//   - for a bundle (VerifyBundle, sigstore-go's rules, checked against the
//     sigstore-conformance suite): every Rekor entry of a log in the root
//     holds: its signed entry timestamp verifies with that log's key, its
//     inclusion proof (an RFC 6962 audit path) leads to the root hash of a
//     checkpoint (a signed note) the log signed, and it logs exactly this
//     digest or DSSE envelope, signature and signer (Rekor v1), or its leaf
//     is rebuilt from them (Rekor v2, hashedrekord 0.0.2); its RFC 3161
//     timestamps verify with a timestamp authority of the root (CMS
//     signature, the authority's chain at the stamped time, its validity
//     window, the signature as message imprint); and the signature was
//     made, by the integrated time or the timestamp, inside the
//     certificate's ten minutes. A DSSE envelope's in-toto statement must
//     name the file's digest as a subject; a bundle signed with a managed
//     key verifies against Policy.Key instead of a certificate;
//   - for a .sig/.cert pair, when the caller asks Rekor (RekorQuery's body
//     posted to the log, VerifyRekorAnswer on the answer): the entry's
//     signed entry timestamp, inclusion proof and checkpoint verify as a
//     bundle's Rekor v1 entry's do, it logs exactly this digest,
//     signature and certificate, and its integrated time lies inside the
//     certificate's ten minutes.
//
// # What an attacker who controls the mirror can and cannot do
//
// They cannot make a file verify that the policy's identity did not sign,
// nor pass a certificate from another CA (Sigstore staging looks the same by
// name), another identity or issuer, or a tampered .sha256. They can
// withhold .sig/.cert (the caller must treat that as a failure), and serve
// any other file the identity signed: the signature covers the digest, not
// the name or version, so an older genuine release under a newer version's
// path verifies (callers check the version themselves). Without a Rekor
// entry (VerifyDigest alone, without VerifyRekorAnswer), a signature made
// with a leaked ephemeral key after its ten-minute window is not caught,
// nor is a signature that was never logged. There is no revocation, and a
// checkpoint is checked against the log's key only, not against other
// checkpoints (no consistency proofs, no witnesses): a log that shows one
// tree to kubeboot and another to the world is not caught offline. A root
// rotation needs a newer embedded root or a caller-supplied one.
//
// # Errors
//
// Every failure is an *Error whose message gives one reason; errors.Is
// matches its sentinel (ErrMalformed, ErrSignature, ErrCertificate,
// ErrIdentity, ErrIssuer, ErrSCT, ErrTransparencyLog, ErrNoLogEntry,
// ErrTimestamp, ErrUnsupported) and bootstrap.ErrVerification. A bundle of a kind this
// package does not verify (a version after 0.3, another Rekor entry kind,
// an Ed25519 message signature) fails with ErrUnsupported, never as
// damaged. Inputs are size-capped (MaxSignatureSize,
// MaxCertificateSize, MaxBundleSize, MaxTrustedRootSize,
// MaxRekorAnswerSize) and hostile input
// never panics (fuzzed).
package sigstore
