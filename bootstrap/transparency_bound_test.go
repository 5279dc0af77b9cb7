package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/kubeboot/kubeboot/internal/testutil"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/sigstore"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// A mirror that stalls on the optional kubectl.rekor.json holds the
// install no longer than Rekor itself may (the transparency bound), not
// for the stall timeout and its retries.
func TestMirrorRekorEntryIsBoundLikeRekor(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	stop := make(chan struct{})
	m := signedMirror(t, ca, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, RekorEntrySuffix) {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
			return
		}
		http.NotFound(w, r)
	})
	defer close(stop)
	rekor := httptest.NewServer(ca.RekorHandler(t, sigtest.LogOptions{}))
	t.Cleanup(rekor.Close)
	root, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{BaseURL: m.URL, NoDigestCache: true, StallTimeout: 3 * time.Second, Retries: 1,
		Signature: SignatureOptions{TrustedRoot: root, RekorURL: rekor.URL, TransparencyTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pub, err := c.Published(context.Background(), "v1.37.2", linuxAMD64)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("the lookup took %s because the mirror stalled on its kubectl.rekor.json (the bound is 1s)", d.Round(100*time.Millisecond))
	}
	if tr := pub.Signature.Transparency; tr == nil || !tr.Verified {
		t.Errorf("Rekor was not asked after the mirror's copy timed out: %+v", tr)
	}
}

// A token in the Rekor URL's user name reaches neither the result (its
// JSON), nor a log line, nor the error under require, when the request
// fails (a certificate nobody trusts).
func TestRekorURLTokenNeverShown(t *testing.T) {
	ca := sigtest.NewCA(t, sigtest.Options{})
	m := signedMirror(t, ca, nil)
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(untrusted.Close)
	root, err := sigstore.ParseTrustedRoot(ca.TrustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	var log logLines
	var shown []string
	for _, mode := range []TransparencyMode{TransparencyAuto, TransparencyRequire} {
		c, err := New(Options{BaseURL: m.URL, NoDigestCache: true, Logf: log.logf, RetryBackoff: time.Millisecond, Signature: SignatureOptions{
			TrustedRoot: root, Transparency: mode, TransparencyTimeout: 2 * time.Second,
			RekorURL: strings.Replace(untrusted.URL, "https://", "https://SECRETTOKEN:PASSWORD@", 1)}})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := c.Published(context.Background(), "v1.37.2", linuxAMD64)
		switch mode {
		case TransparencyAuto:
			if err != nil || pub.Signature.Transparency == nil || pub.Signature.Transparency.Reason == "" {
				t.Fatalf("auto: %v", err)
			}
			b, _ := json.Marshal(pub)
			shown = append(shown, string(b))
		default:
			if !errors.Is(err, ErrTransparency) {
				t.Fatalf("require: %v", err)
			}
			shown = append(shown, err.Error())
		}
	}
	all := strings.Join(append(shown, log.String()), "\n")
	if strings.Contains(all, "SECRETTOKEN") || strings.Contains(all, "PASSWORD") {
		t.Errorf("the Rekor URL's credentials are shown:\n%s", all)
	}
	if !strings.Contains(all, "redacted@") {
		t.Errorf("the Rekor URL is not named at all:\n%s", all)
	}
}

// A check of files at hand (mirror verify) that fails does not say that
// nothing was installed: nothing was being installed.
func TestVerifyKubectlFileErrorsSpeakOfNoInstall(t *testing.T) {
	other := sigtest.NewCA(t, sigtest.Options{})
	dir := testutil.TempDir(t)
	path := filepath.Join(dir, "kubectl")
	bin := []byte("#!/bin/sh\necho kubectl\n")
	s := sha256.Sum256(bin)
	sig, cert := other.SignDigest(t, s[:], sigtest.Leaf{})
	os.WriteFile(path, bin, 0o755)
	os.WriteFile(path+".sha256", []byte(hex.EncodeToString(s[:])), 0o644)
	c, err := New(Options{NoDigestCache: true, Signature: SignatureOptions{TrustedRoot: testRoot, Transparency: TransparencyRequire}})
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	_, err = c.VerifyKubectlFile("v1.37.2", "", linuxAMD64, path) // no .sig, .cert
	errs = append(errs, err)
	os.WriteFile(path+".sig", sig, 0o644)
	os.WriteFile(path+".cert", cert, 0o644)
	_, err = c.VerifyKubectlFile("v1.37.2", "", linuxAMD64, path) // another CA's
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, ErrVerification) || strings.Contains(err.Error(), "installed") {
			t.Errorf("check %d: %v", i, err)
		}
	}
}
