package bootstrap

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/mirror"
	"github.com/kubeboot/kubeboot/internal/sigtest"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

func TestSignatureIsVerified(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	c := newClient(t, m, Options{})
	res, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	want := SignatureResult{Verified: true, Identity: sigstore.KubernetesRelease.Identity, Issuer: sigstore.KubernetesRelease.Issuer}
	if res.Signature == nil || *res.Signature != want {
		t.Fatalf("signature = %+v, want %+v", res.Signature, want)
	}
	// A rerun that changes nothing still vouches for what is there.
	again, err := c.Install(context.Background(), InstallRequest{Dir: filepath.Dir(res.Path)})
	if err != nil || again.Changed || again.Signature == nil || !again.Signature.Verified {
		t.Fatalf("rerun: %+v, %v", again, err)
	}
}

// Every attack on the signature fails verification, installs nothing and
// downloads no binary: the signature is checked before the download.
func TestSignatureAttacks(t *testing.T) {
	other := sigtest.NewCA(t, sigtest.Options{Name: "sigtest"}) // same names, other keys
	swapped := []byte("#!/bin/sh\necho a swapped kubectl\n")
	cases := []struct {
		name  string
		setup func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot // nil: testRoot
		kind  error
	}{
		{"another identity", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			resign(t, m, testCA, sigtest.Leaf{Email: "attacker@example.com"})
			return nil
		}, sigstore.ErrIdentity},
		{"another issuer", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			resign(t, m, testCA, sigtest.Leaf{Issuer: "https://github.com/login/oauth"})
			return nil
		}, sigstore.ErrIssuer},
		{"another CA", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			resign(t, m, other, sigtest.Leaf{})
			return nil
		}, sigstore.ErrCertificate},
		{"swapped binary with a matching .sha256", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			// The compromised mirror: its .sha256 matches its kubectl, the
			// signature stays the genuine one.
			p := kubectlPath("v1.37.2")
			m.Put(p, swapped)
			m.Put(p+".sha256", []byte(sha(swapped)))
			return nil
		}, sigstore.ErrSignature},
		{"garbage signature", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			m.Put(kubectlPath("v1.37.2")+".sig", sigtest.GarbageBase64)
			return nil
		}, sigstore.ErrMalformed},
		{"garbage certificate", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			m.Put(kubectlPath("v1.37.2")+".cert", sigtest.GarbageBase64)
			return nil
		}, sigstore.ErrMalformed},
		{"chain expired at issuance", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			expired := sigtest.NewCA(t, sigtest.Options{IntermediateNotAfter: time.Now().Add(-time.Hour)})
			resign(t, m, expired, sigtest.Leaf{})
			return mustRoot(t, expired)
		}, sigstore.ErrCertificate},
		{"missing .sig", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			m.Delete(kubectlPath("v1.37.2") + ".sig")
			return nil
		}, ErrSignatureMissing},
		{"missing both", func(t *testing.T, m *mirror.Mirror) *sigstore.TrustedRoot {
			m.Delete(kubectlPath("v1.37.2") + ".sig")
			m.Delete(kubectlPath("v1.37.2") + ".cert")
			return nil
		}, ErrSignatureMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMirror(t, mirror.Options{})
			root := tc.setup(t, m)
			c := newClient(t, m, Options{Signature: SignatureOptions{TrustedRoot: root}})
			dir, old := installOver(t)
			_, err := c.Install(context.Background(), InstallRequest{Dir: dir, Version: "v1.37.2"})
			if !errors.Is(err, tc.kind) || !errors.Is(err, ErrVerification) {
				t.Fatalf("err = %v, want %v matching ErrVerification", err, tc.kind)
			}
			if tc.kind == ErrSignatureMissing && !strings.Contains(err.Error(), ".sig") {
				t.Errorf("message %q does not name the missing file", err)
			}
			assertOnlyFile(t, dir, host.Executable(), old)
			if n := kubectlRequests(m); n != 0 {
				t.Errorf("the binary was downloaded %d times although its signature failed", n)
			}
		})
	}
}

// resign replaces the signature of v1.37.2 with one by ca for l.
func resign(t *testing.T, m *mirror.Mirror, ca *sigtest.CA, l sigtest.Leaf) {
	sum := sha256.Sum256(standins["v1.37.2"])
	sig, cert := ca.SignDigest(t, sum[:], l)
	m.Put(kubectlPath("v1.37.2")+".sig", sig)
	m.Put(kubectlPath("v1.37.2")+".cert", cert)
}

func mustRoot(t *testing.T, ca *sigtest.CA) *sigstore.TrustedRoot {
	r, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Modes: off fetches no signature; before v1.26 auto checks the checksum
// only and says so, require refuses; a mirror that re-signs is accepted with
// its own identity.
func TestSignatureModes(t *testing.T) {
	m := newMirror(t, mirror.Options{})
	m.SetSigner(nil)
	m.AddKubectl("v1.25.9", host.OS, host.Arch, standins["v1.36.4"]) // unsigned, like dl.k8s.io before v1.26
	c := newClient(t, m, Options{})
	res, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.25.9"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Signature == nil || res.Signature.Verified || !strings.Contains(res.Signature.Reason, "checksum only") {
		t.Fatalf("signature = %+v, want a checksum-only note", res.Signature)
	}
	req := newClient(t, m, Options{Signature: SignatureOptions{Mode: SignatureRequire}})
	if _, err := req.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.25.9"}); !errors.Is(err, ErrSignatureMissing) {
		t.Fatalf("require, unsigned: err = %v", err)
	}
	off := newClient(t, m, Options{Signature: SignatureOptions{Mode: SignatureOff}})
	before := len(m.Requests())
	res, err = off.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.25.9"})
	if err != nil || res.Signature != nil {
		t.Fatalf("off: %+v, %v", res, err)
	}
	for _, r := range m.Requests()[before:] {
		if strings.HasSuffix(r.Path, ".sig") || strings.HasSuffix(r.Path, ".cert") {
			t.Errorf("mode off fetched %s", r.Path)
		}
	}
	if _, err := ParseSignatureMode("sometimes"); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("ParseSignatureMode(sometimes) = %v", err)
	}

	// A corporate mirror that re-signs kubectl with its own identity.
	corp := sigtest.NewCA(t, sigtest.Options{Name: "corp"})
	policy := sigstore.Policy{Identity: "release@corp.example", Issuer: "https://sso.corp.example"}
	m.SetSigner(func(sum []byte) ([]byte, []byte) {
		return corp.SignDigest(t, sum, sigtest.Leaf{Email: policy.Identity, Issuer: policy.Issuer})
	})
	m.AddKubectl("v1.37.2", host.OS, host.Arch, standins["v1.37.2"])
	cc := newClient(t, m, Options{Signature: SignatureOptions{Policy: policy, TrustedRoot: mustRoot(t, corp)}})
	res, err = cc.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.37.2"})
	if err != nil || res.Signature == nil || res.Signature.Identity != policy.Identity {
		t.Fatalf("re-signed mirror: %+v, %v", res, err)
	}
}

// The real kubectl v1.26.0-rc.1 signature, served by a mirror, verifies
// against the embedded public-good root: the install then fails only on
// the checksum, because the binary itself is not part of the fixtures.
func TestRealKubectlSignatureFromAMirror(t *testing.T) {
	dir := filepath.Join(sigtest.Fixtures(t), "kubectl-v1.26.0-rc.1-linux-amd64")
	m := newMirror(t, mirror.Options{})
	p := mirror.KubectlPath("v1.26.0-rc.1", "linux", "amd64")
	for _, ext := range []string{".sha256", ".sig", ".cert"} {
		b, err := os.ReadFile(filepath.Join(dir, "kubectl"+ext))
		if err != nil {
			t.Fatal(err)
		}
		m.Put(p+ext, b)
	}
	m.Put(p, []byte("not the real kubectl"))
	// Transparency off: tests never ask the public Rekor.
	c := newClient(t, m, Options{Signature: SignatureOptions{TrustedRoot: sigstore.PublicGood(), Transparency: TransparencyOff}})
	_, err := c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.26.0-rc.1", Platform: Platform{OS: "linux", Arch: "amd64"}})
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("err = %v, want the signature to pass and the checksum to fail", err)
	}
	// And a swapped digest fails on the signature, before any download.
	m.Put(p+".sha256", []byte(sha([]byte("not the real kubectl"))))
	_, err = c.Install(context.Background(), InstallRequest{Dir: testutil.TempDir(t), Version: "v1.26.0-rc.1", Platform: Platform{OS: "linux", Arch: "amd64"}})
	if !errors.Is(err, sigstore.ErrSignature) {
		t.Fatalf("err = %v, want sigstore.ErrSignature", err)
	}
}
