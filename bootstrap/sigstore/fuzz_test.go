package sigstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// The fuzz targets feed hostile bytes to every decoder: no panic, and
// every failure is an *Error matching ErrVerification. Seeds come from the
// test CA and, when present, the real fixtures (read at run time, never
// stored in testdata).

func fixtureSeeds(f *testing.F, names ...string) [][]byte {
	var out [][]byte
	fx, ok := sigtest.FixturesDir()
	if !ok {
		return nil
	}
	for _, n := range names {
		if b, err := os.ReadFile(filepath.Join(fx, n)); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func checkFuzzErr(t *testing.T, err error) {
	var e *sigstore.Error
	if err != nil && (!errors.As(err, &e) || !errors.Is(err, bootstrap.ErrVerification)) {
		t.Fatalf("error %q (%T) is not an *Error matching ErrVerification", err, err)
	}
}

func FuzzVerifyDigest(f *testing.F) {
	ca := sigtest.NewCA(f, sigtest.Options{})
	root, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		f.Fatal(err)
	}
	sig, cert := ca.SignDigest(f, sum[:], sigtest.Leaf{})
	f.Add(sig, cert)
	f.Add(sigtest.GarbageBase64, cert)
	f.Add(sig, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	real := fixtureSeeds(f, "kubectl-v1.26.0-rc.1-linux-amd64/kubectl.sig", "kubectl-v1.26.0-rc.1-linux-amd64/kubectl.cert")
	if len(real) == 2 {
		f.Add(real[0], real[1])
	}
	f.Fuzz(func(t *testing.T, sig, cert []byte) {
		res, err := sigstore.VerifyDigest(sum[:], sig, cert, sigstore.KubernetesRelease, root)
		checkFuzzErr(t, err)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		_, err = sigstore.VerifyDigest(sum[:], sig, cert, sigstore.KubernetesRelease, nil)
		checkFuzzErr(t, err)
	})
}

func FuzzVerifyBundle(f *testing.F) {
	ca := sigtest.NewCA(f, sigtest.Options{})
	root, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ca.Bundle(f, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{}))
	f.Add(ca.Bundle(f, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{V01: true}))
	f.Add(ca.Bundle(f, sum[:], sigtest.Leaf{}, sigtest.BundleOptions{RekorV2: true}))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{"signature":"MAYCAQECAQE="}}`))
	for _, b := range fixtureSeeds(f, "bundle-happy/bundle.sigstore.json", "negative-staging-p256/bundle.sigstore.json") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, root)
		checkFuzzErr(t, err)
		_, err = sigstore.VerifyBundle(sum[:], b, sigstore.KubernetesRelease, nil)
		checkFuzzErr(t, err)
	})
}

func FuzzParseTrustedRoot(f *testing.F) {
	f.Add(sigtest.NewCA(f, sigtest.Options{}).TrustedRootJSON())
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"AA=="}]}}]}`))
	for _, b := range fixtureSeeds(f, "trust/trusted_root.json", "trust-staging/trusted_root.json") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := sigstore.ParseTrustedRoot(b)
		checkFuzzErr(t, err)
		if err == nil {
			// A parsed root must be usable without panicking.
			_, err = sigstore.VerifyDigest(sum[:], []byte("MAYCAQECAQE="), []byte("x"), sigstore.KubernetesRelease, r)
			checkFuzzErr(t, err)
		}
	})
}

func FuzzVerifyRekorAnswer(f *testing.F) {
	ca := sigtest.NewCA(f, sigtest.Options{})
	root, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		f.Fatal(err)
	}
	sig, cert := ca.SignDigest(f, sum[:], sigtest.Leaf{})
	f.Add(ca.RekorAnswer(f, sum[:], sig, cert, sigtest.LogOptions{}))
	f.Add(ca.RekorAnswer(f, sum[:], sig, cert, sigtest.LogOptions{NoInclusionProof: true}))
	f.Add([]byte(`[{"x":{"body":"e30=","logID":"00","verification":{"inclusionProof":{"hashes":["zz"]}}}}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, answer []byte) {
		e, err := sigstore.VerifyRekorAnswer(sum[:], sig, cert, answer, root)
		checkFuzzErr(t, err)
		if err == nil && e == nil {
			t.Fatal("nil entry without error")
		}
	})
}
