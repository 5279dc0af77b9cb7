package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
)

// signatureFlags are the flags of every command that installs kubectl:
// cosign's names for the expected signer.
type signatureFlags struct {
	mode, identity, issuer, trustedRoot, transparency, rekorURL *string
}

// signatureModes are the values of --verify-signature.
var signatureModes = []string{"auto", "require", "off"}

func addSignatureFlags(cmd *cobra.Command, h *host) *signatureFlags {
	fs := cmd.Flags()
	s := &signatureFlags{
		mode: fs.String("verify-signature", "", "check kubectl's Sigstore signature: auto (required from v1.26 and whenever a marker, constraint or cluster chose the version), require, off\n"+
			"(default $KUBEBOOT_VERIFY_SIGNATURE or auto)"),
		identity:    fs.String("certificate-identity", "", "the signer to expect, for mirrors that re-sign (default the Kubernetes release identity "+sigstore.KubernetesRelease.Identity+")"),
		issuer:      fs.String("certificate-oidc-issuer", "", "the OIDC issuer of that signer (default "+sigstore.KubernetesRelease.Issuer+")"),
		trustedRoot: new(string),
		transparency: fs.String("transparency", "", "look the verified signature up in the Rekor transparency log, which proves it was made while its certificate was valid:\n"+
			"auto (when Rekor answers within "+bootstrap.DefaultTransparencyTimeout.String()+"), require, off (default $KUBEBOOT_TRANSPARENCY or auto)"),
		rekorURL: fs.String("rekor-url", "", "the Rekor log to ask (default $KUBEBOOT_REKOR_URL or "+bootstrap.DefaultRekorURL+")"),
	}
	fs.Var(pathFlag(h, s.trustedRoot), "trusted-root", "a Sigstore trusted_root.json to trust instead of the embedded public-good one\n"+
		"(default $KUBEBOOT_SIGSTORE_TRUSTED_ROOT)")
	_ = cmd.RegisterFlagCompletionFunc("verify-signature", fixedValues(signatureModes...))
	_ = cmd.RegisterFlagCompletionFunc("transparency", fixedValues(signatureModes...))
	return s
}

// signatureMode is --verify-signature, else $KUBEBOOT_VERIFY_SIGNATURE,
// else auto: for kubectl's signature and every tool's.
func (s *signatureFlags) signatureMode(getenv func(string) string) (bootstrap.SignatureMode, error) {
	mode := *s.mode
	if mode == "" {
		mode = getenv("KUBEBOOT_VERIFY_SIGNATURE")
	}
	m, err := bootstrap.ParseSignatureMode(mode)
	if err != nil {
		return m, usageErrorf("--verify-signature %q: use auto, require or off", mode)
	}
	return m, nil
}

// options turns the flags, then the environment, into the library's.
// A nil s, for commands without the flags, reads the environment alone.
func (s *signatureFlags) options(getenv func(string) string) (bootstrap.SignatureOptions, error) {
	if s == nil {
		s = &signatureFlags{new(string), new(string), new(string), new(string), new(string), new(string)}
	}
	var o bootstrap.SignatureOptions
	m, err := s.signatureMode(getenv)
	if err != nil {
		return o, err
	}
	o.Mode = m
	if *s.identity != "" || *s.issuer != "" {
		if *s.identity == "" || *s.issuer == "" {
			return o, usageErrorf("--certificate-identity and --certificate-oidc-issuer go together")
		}
		o.Policy = sigstore.Policy{Identity: *s.identity, Issuer: *s.issuer}
	}
	tm := *s.transparency
	if tm == "" {
		tm = getenv("KUBEBOOT_TRANSPARENCY")
	}
	if o.Transparency, err = bootstrap.ParseTransparencyMode(tm); err != nil {
		return o, usageErrorf("--transparency %q: use auto, require or off", tm)
	}
	if o.Transparency == bootstrap.TransparencyRequire && o.Mode == bootstrap.SignatureOff {
		return o, usageErrorf("--transparency require needs the signature checked: drop --verify-signature off")
	}
	o.RekorURL = *s.rekorURL
	if o.RekorURL == "" {
		o.RekorURL = getenv("KUBEBOOT_REKOR_URL")
	}
	if o.TrustedRoot, err = trustedRootFrom(*s.trustedRoot, getenv); err != nil || o.TrustedRoot != nil {
		return o, err
	}
	// No root given: it is kept current from Sigstore's TUF repository.
	return o, tufFrom(&o, getenv)
}

// tufFrom reads where the trusted root is kept current from:
// $KUBEBOOT_SIGSTORE_TUF_URL and $KUBEBOOT_SIGSTORE_TUF_ROOT.
func tufFrom(o *bootstrap.SignatureOptions, getenv func(string) string) error {
	o.TUFURL = getenv("KUBEBOOT_SIGSTORE_TUF_URL")
	if f := getenv("KUBEBOOT_SIGSTORE_TUF_ROOT"); f != "" {
		var err error
		if o.TUFRoot, err = os.ReadFile(f); err != nil {
			return fmt.Errorf("read the TUF root.json to start from (KUBEBOOT_SIGSTORE_TUF_ROOT): %w", err)
		}
	}
	return nil
}

// trustedRootFrom reads --trusted-root FILE, else
// $KUBEBOOT_SIGSTORE_TRUSTED_ROOT; nil (the embedded root) when neither is
// set.
func trustedRootFrom(file string, getenv func(string) string) (*sigstore.TrustedRoot, error) {
	if file == "" {
		file = getenv("KUBEBOOT_SIGSTORE_TRUSTED_ROOT")
	}
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the Sigstore trust root: %w", err)
	}
	root, err := sigstore.ParseTrustedRoot(b)
	if err != nil {
		return nil, fmt.Errorf("trust root %s: %w", file, err)
	}
	return root, nil
}

// signatureNote is the part of the result line that tells the signature.
func signatureNote(r *bootstrap.SignatureResult) string {
	switch {
	case r == nil:
		return "; signature not checked (--verify-signature off)"
	case r.Verified:
		note := "; signed by " + r.Identity
		if t := r.Transparency; t != nil && t.Verified {
			note += ", logged in Rekor at " + t.IntegratedTime.UTC().Format(time.RFC3339)
		}
		return note
	}
	return "; " + r.Reason
}

// signatureNotices says on w, in one line each, what a check left
// standing that the user should know without --verbose (which has said
// it already through the library's log): a Sigstore trust root that was
// not refreshed, and a Rekor lookup that verified no entry under
// --transparency auto. What an earlier run found is not said again.
func signatureNotices(w io.Writer, version string, r *bootstrap.SignatureResult, verbose bool) {
	if r == nil || verbose {
		return
	}
	if r.TrustRoot != "" {
		fmt.Fprintf(w, "note: %s\n", r.TrustRoot)
	}
	if t := r.Transparency; t != nil && !t.Verified && !t.Remembered && t.Reason != "" {
		fmt.Fprintf(w, "note: kubectl %s: %s\n", version, t.Reason)
	}
}
