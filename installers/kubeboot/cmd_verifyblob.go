package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// VerifyBlobOptions are the flags of `kubeboot verify-blob`.
type VerifyBlobOptions struct {
	app         *app
	output      outputOptions
	File        string
	Digest      string
	Signature   string
	Certificate string
	Bundle      string
	Identity    string
	Issuer      string
	Key         string
	TrustedRoot string
}

// verifyBlobOutput is the JSON result of `kubeboot verify-blob`.
type verifyBlobOutput struct {
	Verified bool   `json:"verified"`
	SHA256   string `json:"sha256"`
	Identity string `json:"identity"`
	Issuer   string `json:"issuer"`
	// NotBefore is when the signing certificate was issued (its ten
	// minutes start there).
	NotBefore string `json:"notBefore,omitempty"`
	// IntegratedTime is when Rekor logged the signature (bundles with a
	// Rekor v1 entry only).
	IntegratedTime string `json:"integratedTime,omitempty"`
	// SignedAt is the earliest proven signing time: Rekor's integrated
	// time or an RFC 3161 timestamp's (bundles only).
	SignedAt string `json:"signedAt,omitempty"`
}

// NewCmdVerifyBlob is `kubeboot verify-blob`: the Sigstore check install
// makes, for any Kubernetes release file downloaded by hand.
func NewCmdVerifyBlob(a *app) *cobra.Command {
	o := &VerifyBlobOptions{app: a}
	cmd := &cobra.Command{
		Use:   "verify-blob (FILE | --digest sha256:HEX) (--signature FILE.sig --certificate FILE.cert | --bundle FILE [--key KEY.pem])",
		Short: "check a Kubernetes release file's Sigstore signature, offline",
		Long: "Check that a file (kubeadm, kubelet, an SBOM...) was signed by the Kubernetes release team, as install checks kubectl:\n" +
			"the certificate chain to Sigstore's public-good Fulcio at its issuance time, its certificate-transparency timestamp,\n" +
			"the signer and its OIDC issuer, and the signature over the file's sha256. Nothing is sent anywhere.\n" +
			"A Sigstore bundle (a signature or an in-toto attestation, Rekor v1 or v2) is checked as sigstore-go checks it:\n" +
			"its transparency-log entries, inclusion proofs and checkpoints, and its RFC 3161 timestamps; --key checks a\n" +
			"bundle signed with a managed key instead of a certificate identity.\n" +
			"Exit 0 when it holds, 3 when it does not.",
		Example: "  kubeboot verify-blob kubeadm --signature kubeadm.sig --certificate kubeadm.cert\n" +
			"  kubeboot verify-blob app.tar.gz --bundle app.sigstore.json --key cosign.pub\n" +
			"  kubeboot verify-blob --digest sha256:0123… --signature kubectl.sig --certificate kubectl.cert -o json",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return usageErrorf("verify-blob checks one file at a time")
			case len(args) == 1 && o.Digest != "":
				return usageErrorf("give either FILE or --digest, not both")
			case len(args) == 0 && o.Digest == "":
				return usageErrorf("say what to check: a FILE, or --digest sha256:HEX")
			case o.Bundle == "" && (o.Signature == "" || o.Certificate == ""):
				return usageErrorf("give --signature and --certificate (dl.k8s.io's .sig and .cert), or --bundle")
			case o.Bundle != "" && (o.Signature != "" || o.Certificate != ""):
				return usageErrorf("give --bundle or --signature with --certificate, not both")
			case o.Key != "" && o.Bundle == "":
				return usageErrorf("--key checks a --bundle signed with that key")
			case o.Key != "" && (cmd.Flags().Changed("certificate-identity") || cmd.Flags().Changed("certificate-oidc-issuer")):
				return usageErrorf("give --key or --certificate-identity with --certificate-oidc-issuer, not both")
			}
			if len(args) == 1 {
				o.File = a.host.expandHome(args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error { return verifyBlobRun(o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Digest, "digest", "", "the file's SHA-256 instead of the file: sha256:HEX or HEX")
	f.Var(pathFlag(a.host, &o.Signature), "signature", "the .sig file (base64 of the signature, as dl.k8s.io publishes it)")
	f.Var(pathFlag(a.host, &o.Certificate), "certificate", "the .cert file (base64 of the PEM certificate, or plain PEM)")
	f.Var(pathFlag(a.host, &o.Bundle), "bundle", "a Sigstore bundle (cosign sign-blob --bundle) instead of .sig and .cert")
	f.Var(pathFlag(a.host, &o.Key), "key", "the PEM public key a --bundle was signed with (a managed key), instead of a certificate identity")
	f.StringVar(&o.Identity, "certificate-identity", sigstore.KubernetesRelease.Identity, "the signer to expect")
	f.StringVar(&o.Issuer, "certificate-oidc-issuer", sigstore.KubernetesRelease.Issuer, "the OIDC issuer of that signer")
	f.Var(pathFlag(a.host, &o.TrustedRoot), "trusted-root", "a Sigstore trusted_root.json instead of the embedded public-good one\n(default $KUBEBOOT_SIGSTORE_TRUSTED_ROOT)")
	addOutputFlags(cmd, &o.output)
	return cmd
}

// blobError is a failed verification, named after the file; it matches
// what the sigstore error matches (bootstrap.ErrVerification: exit 3).
type blobError struct {
	what string
	err  error
}

func (e *blobError) Error() string { return e.what + ": " + e.err.Error() }
func (e *blobError) Unwrap() error { return e.err }

func verifyBlobRun(o *VerifyBlobOptions) error {
	h := o.app.host
	sum, err := o.digest()
	if err != nil {
		return err
	}
	root, err := trustedRootFrom(o.TrustedRoot, h.Getenv)
	if err != nil {
		return err
	}
	if root == nil {
		root = sigstore.PublicGood()
	}
	policy := sigstore.Policy{Identity: o.Identity, Issuer: o.Issuer}
	if o.Key != "" {
		b, err := readCapped(o.Key, sigstore.MaxCertificateSize)
		if err != nil {
			return err
		}
		if policy.Key, err = sigstore.ParsePublicKey(b); err != nil {
			return fmt.Errorf("--key %s: %w", o.Key, err)
		}
		policy.Identity, policy.Issuer = "", ""
	}
	what := o.File
	if what == "" {
		what = "sha256:" + hex.EncodeToString(sum)
	}
	var res *sigstore.Result
	if o.Bundle != "" {
		b, err := readCapped(o.Bundle, sigstore.MaxBundleSize)
		if err != nil {
			return err
		}
		res, err = sigstore.VerifyBundle(sum, b, policy, root)
		if err != nil {
			return &blobError{what, err}
		}
	} else {
		sig, err := readCapped(o.Signature, sigstore.MaxSignatureSize)
		if err != nil {
			return err
		}
		cert, err := readCapped(o.Certificate, sigstore.MaxCertificateSize)
		if err != nil {
			return err
		}
		if res, err = sigstore.VerifyDigest(sum, sig, cert, policy, root); err != nil {
			return &blobError{what, err}
		}
	}
	out := verifyBlobOutput{Verified: true, SHA256: hex.EncodeToString(sum), Identity: res.Identity, Issuer: res.Issuer,
		NotBefore: res.NotBefore.UTC().Format("2006-01-02T15:04:05Z")}
	if !res.IntegratedTime.IsZero() {
		out.IntegratedTime = res.IntegratedTime.UTC().Format("2006-01-02T15:04:05Z")
	}
	if !res.SignedAt.IsZero() {
		out.SignedAt = res.SignedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if policy.Key != nil {
		out.NotBefore = ""
	}
	if o.output.JSON() {
		return writeJSON(h.Stdout, out)
	}
	if policy.Key != nil {
		fmt.Fprintf(h.Stdout, "verified: %s was signed with the key %s on %s\n", what, o.Key, out.SignedAt)
		return nil
	}
	fmt.Fprintf(h.Stdout, "verified: %s was signed by %s (issuer %s) on %s\n", what, res.Identity, res.Issuer, out.NotBefore)
	return nil
}

// digest is --digest, or the SHA-256 of FILE.
func (o *VerifyBlobOptions) digest() ([]byte, error) {
	if o.Digest != "" {
		d := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(o.Digest), "sha256:"))
		b, err := hex.DecodeString(d)
		if err != nil || len(b) != sha256.Size {
			return nil, usageErrorf("--digest %q: give the file's SHA-256 as sha256:HEX (64 hex digits)", o.Digest)
		}
		return b, nil
	}
	f, err := os.Open(o.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("read %s: %w", o.File, err)
	}
	return h.Sum(nil), nil
}

// readCapped reads a signature-material file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a signature, certificate or bundle", path, limit)
	}
	return b, nil
}

// blobHint is the next step after a failed verify-blob, or "".
func blobHint(err error) string {
	var be *blobError
	if !errors.As(err, &be) {
		return ""
	}
	switch {
	case errors.Is(err, sigstore.ErrSignature):
		return "the file is not the one that was signed: download it again from dl.k8s.io, and do not use it"
	case errors.Is(err, sigstore.ErrIdentity), errors.Is(err, sigstore.ErrIssuer):
		return "someone else signed it; for a mirror that re-signs, pass its --certificate-identity and --certificate-oidc-issuer " +
			"(for a bundle signed with a managed key, --key and its public key)"
	case errors.Is(err, sigstore.ErrCertificate), errors.Is(err, sigstore.ErrSCT):
		return "the certificate does not come from Sigstore's public-good CA (or the --trusted-root given)"
	case errors.Is(err, sigstore.ErrUnsupported):
		return "kubeboot does not verify this kind of bundle; verify it with cosign or another Sigstore client"
	case errors.Is(err, sigstore.ErrTransparencyLog), errors.Is(err, sigstore.ErrTimestamp):
		return "the bundle's proof of when and where it was logged does not hold: do not trust the file; get the bundle again from its publisher"
	}
	return "the signature files are damaged or not for this file; download them again"
}
