package sigstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// The real fixtures of ../shared/fixtures/sigstore, each with the verdict
// its README gives.

func read(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexDigest(t *testing.T, b []byte) []byte {
	t.Helper()
	d, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func stagingRoot(t *testing.T, fx string) *sigstore.TrustedRoot {
	t.Helper()
	r, err := sigstore.ParseTrustedRoot(read(t, fx, "trust-staging", "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const beacon = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"

var beaconPolicy = sigstore.Policy{Identity: beacon, Issuer: "https://token.actions.githubusercontent.com"}

// wantErr checks that err is an *Error matching kind and
// bootstrap.ErrVerification, whose message contains each of want.
func wantErr(t *testing.T, err error, kind error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("verified; want %v", kind)
	}
	var e *sigstore.Error
	if !errors.As(err, &e) || !errors.Is(err, kind) || !errors.Is(err, bootstrap.ErrVerification) {
		t.Fatalf("error %q (%T): want an *Error matching %v and ErrVerification", err, err, kind)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

func TestEmbeddedRootIsTheFixtureRoot(t *testing.T) {
	fx := sigtest.Fixtures(t)
	sum := sha256.Sum256(read(t, fx, "trust", "trusted_root.json"))
	if got := hex.EncodeToString(sum[:]); got != sigstore.PublicGoodSHA256 {
		t.Errorf("fixture trusted_root.json sha256 %s, embedded %s: the embedded root is another version", got, sigstore.PublicGoodSHA256)
	}
}

func TestRealKubectlSignatureVerifiesWithEmbeddedRoot(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "kubectl-v1.26.0-rc.1-linux-amd64")
	res, err := sigstore.VerifyDigest(hexDigest(t, read(t, d, "kubectl.sha256")), read(t, d, "kubectl.sig"), read(t, d, "kubectl.cert"),
		sigstore.KubernetesRelease, sigstore.PublicGood())
	if err != nil {
		t.Fatal(err)
	}
	want := sigstore.Result{
		Identity: "krel-staging@k8s-releng-prod.iam.gserviceaccount.com", Issuer: "https://accounts.google.com",
		NotBefore: time.Date(2022, 11, 30, 18, 59, 6, 0, time.UTC), NotAfter: time.Date(2022, 11, 30, 19, 9, 6, 0, time.UTC),
		CA: "https://fulcio.sigstore.dev", CTLogID: "dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e",
	}
	if !res.NotBefore.Equal(want.NotBefore) || !res.NotAfter.Equal(want.NotAfter) {
		t.Errorf("validity %s to %s, want %s to %s", res.NotBefore, res.NotAfter, want.NotBefore, want.NotAfter)
	}
	res.NotBefore, res.NotAfter = want.NotBefore, want.NotAfter
	if *res != want {
		t.Errorf("result %+v\nwant %+v", *res, want)
	}
	// A nil root is the embedded one; the root's own file parses too.
	if _, err := sigstore.VerifyDigest(hexDigest(t, read(t, d, "kubectl.sha256")), read(t, d, "kubectl.sig"), read(t, d, "kubectl.cert"),
		sigstore.KubernetesRelease, nil); err != nil {
		t.Errorf("nil root: %v", err)
	}
	fileRoot, err := sigstore.ParseTrustedRoot(read(t, fx, "trust", "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sigstore.VerifyDigest(hexDigest(t, read(t, d, "kubectl.sha256")), read(t, d, "kubectl.sig"), read(t, d, "kubectl.cert"),
		sigstore.KubernetesRelease, fileRoot); err != nil {
		t.Errorf("fixture root: %v", err)
	}
}

func TestRealKubectlFixtureRefusals(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "kubectl-v1.26.0-rc.1-linux-amd64")
	sum, sig, cert := hexDigest(t, read(t, d, "kubectl.sha256")), read(t, d, "kubectl.sig"), read(t, d, "kubectl.cert")
	t.Run("staging root", func(t *testing.T) {
		_, err := sigstore.VerifyDigest(sum, sig, cert, sigstore.KubernetesRelease, stagingRoot(t, fx))
		wantErr(t, err, sigstore.ErrCertificate, "does not lead to a trusted Fulcio CA")
	})
	t.Run("other identity", func(t *testing.T) {
		p := sigstore.KubernetesRelease
		p.Identity = "someone@example.com"
		_, err := sigstore.VerifyDigest(sum, sig, cert, p, nil)
		wantErr(t, err, sigstore.ErrIdentity, `certificate identity is "krel-staging@k8s-releng-prod.iam.gserviceaccount.com", want "someone@example.com"`)
	})
	t.Run("other issuer", func(t *testing.T) {
		p := sigstore.KubernetesRelease
		p.Issuer = "https://token.actions.githubusercontent.com"
		_, err := sigstore.VerifyDigest(sum, sig, cert, p, nil)
		wantErr(t, err, sigstore.ErrIssuer, `"https://accounts.google.com", want "https://token.actions.githubusercontent.com"`)
	})
	t.Run("signature as certificate", func(t *testing.T) {
		_, err := sigstore.VerifyDigest(sum, sig, sig, sigstore.KubernetesRelease, nil)
		wantErr(t, err, sigstore.ErrMalformed)
	})
}

func TestTamperedDigestFailsOnSignature(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "negative-tampered")
	_, err := sigstore.VerifyDigest(hexDigest(t, read(t, d, "kubectl.sha256")), read(t, d, "kubectl.sig"), read(t, d, "kubectl.cert"),
		sigstore.KubernetesRelease, nil)
	wantErr(t, err, sigstore.ErrSignature, "signature does not match the sha256 ", "51fc3")
}

func TestStagingLeafFailsOnChain(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "negative-staging")
	sum := sha256.Sum256(read(t, d, "a.txt"))
	p := sigstore.Policy{Identity: "william@yossarian.net", Issuer: "https://github.com/login/oauth"}
	for _, cert := range []string{"a.txt.cert", "a.txt.crt"} { // base64 of PEM, and plain PEM
		_, err := sigstore.VerifyDigest(sum[:], read(t, d, "a.txt.sig"), read(t, d, cert), p, nil)
		wantErr(t, err, sigstore.ErrCertificate, "does not lead to a trusted Fulcio CA")
	}
	// Control: genuine against the staging root, with P-384 allowed only.
	staging := stagingRoot(t, fx)
	_, err := sigstore.VerifyDigest(sum[:], read(t, d, "a.txt.sig"), read(t, d, "a.txt.cert"), p, staging)
	wantErr(t, err, sigstore.ErrCertificate, "certificate key is ECDSA P-384, want ECDSA P-256")
	p.AllowP384 = true
	res, err := sigstore.VerifyDigest(sum[:], read(t, d, "a.txt.sig"), read(t, d, "a.txt.crt"), p, staging)
	if err != nil {
		t.Fatalf("staging control: %v", err)
	}
	if !res.NotBefore.Equal(time.Date(2022, 7, 28, 17, 4, 21, 0, time.UTC)) || res.CTLogID == "" {
		t.Errorf("staging control result %+v", res)
	}
}

func TestBundleHappyVerifiesOffline(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "bundle-happy")
	sum := sha256.Sum256(read(t, d, "a.txt"))
	res, err := sigstore.VerifyBundle(sum[:], read(t, d, "bundle.sigstore.json"), beaconPolicy, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Identity != beacon || res.LogIndex != 79571823 || !res.IntegratedTime.Equal(time.Unix(1710869186, 0)) ||
		res.RekorLogID != "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d" || res.CTLogID == "" {
		t.Errorf("result %+v", res)
	}
	// The same signature as detached kubectl-style files.
	if _, err := sigstore.VerifyDigest(sum[:], read(t, d, "a.txt.sig"), read(t, d, "a.txt.cert"), beaconPolicy, nil); err != nil {
		t.Errorf("detached: %v", err)
	}
	// With the kubectl identity expected it fails on identity.
	_, err = sigstore.VerifyBundle(sum[:], read(t, d, "bundle.sigstore.json"), sigstore.KubernetesRelease, nil)
	wantErr(t, err, sigstore.ErrIdentity, beacon)
	// Over another digest it fails on the signature.
	other := sha256.Sum256([]byte("other"))
	_, err = sigstore.VerifyBundle(other[:], read(t, d, "bundle.sigstore.json"), beaconPolicy, nil)
	wantErr(t, err, sigstore.ErrSignature)
}

func TestStagingBundleFailsOnChain(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "negative-staging-p256")
	sum := sha256.Sum256(read(t, d, "a.txt"))
	_, err := sigstore.VerifyBundle(sum[:], read(t, d, "bundle.sigstore.json"), beaconPolicy, nil)
	wantErr(t, err, sigstore.ErrCertificate, "does not lead to a trusted Fulcio CA")
	_, err = sigstore.VerifyDigest(sum[:], read(t, d, "a.txt.sig"), read(t, d, "a.txt.cert"), beaconPolicy, nil)
	wantErr(t, err, sigstore.ErrCertificate)
	// Control: it passes fully against the staging root.
	res, err := sigstore.VerifyBundle(sum[:], read(t, d, "bundle.sigstore.json"), beaconPolicy, stagingRoot(t, fx))
	if err != nil {
		t.Fatalf("staging control: %v", err)
	}
	if res.LogIndex != 11589473 {
		t.Errorf("log index %d", res.LogIndex)
	}
}

// TestPublicGoodRejectsStagingLogs: the public-good root's CT and Rekor
// logs are not staging's, so even a staging leaf that chained would fail.
func TestStagingLogsUnknownToPublicGood(t *testing.T) {
	fx := sigtest.Fixtures(t)
	d := filepath.Join(fx, "negative-staging-p256")
	sum := sha256.Sum256(read(t, d, "a.txt"))
	// A root with staging's CAs and public-good's logs.
	pg := read(t, fx, "trust", "trusted_root.json")
	st := read(t, fx, "trust-staging", "trusted_root.json")
	r, err := sigstore.ParseTrustedRoot(mixRoots(t, st, pg, "ctlogs", "tlogs"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sigstore.VerifyBundle(sum[:], read(t, d, "bundle.sigstore.json"), beaconPolicy, r)
	wantErr(t, err, sigstore.ErrSCT, "which the trusted root does not list")
	// Staging's CAs and CT logs, public-good's Rekor: the entry's log is unknown.
	r, err = sigstore.ParseTrustedRoot(mixRoots(t, st, pg, "tlogs"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sigstore.VerifyBundle(sum[:], read(t, d, "bundle.sigstore.json"), beaconPolicy, r)
	wantErr(t, err, sigstore.ErrTransparencyLog, "which the trusted root does not list")
}

// mixRoots returns trusted root a with the named lists taken from b.
func mixRoots(t *testing.T, a, b []byte, keys ...string) []byte {
	t.Helper()
	var ma, mb map[string]json.RawMessage
	if err := json.Unmarshal(a, &ma); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mb); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		ma[k] = mb[k]
	}
	out, err := json.Marshal(ma)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
