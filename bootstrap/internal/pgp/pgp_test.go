package pgp

import (
	"bytes"
	"crypto"
	"errors"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
	"github.com/kubeboot/kubeboot/internal/pgptest"
)

func keyring(t *testing.T, blocks ...[]byte) *Keyring {
	t.Helper()
	kr, err := ParseKeyring(pgptest.KEYS(blocks...))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestVerify(t *testing.T) {
	file := []byte("helm-v4.0.1-linux-amd64.tar.gz, the bytes")
	rsaKey, ed, ed27 := pgptest.NewRSA(t), pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, false)
	sub, unbound, stranger := pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, false), pgptest.NewRSA(t)
	revokedKey, strangerSub := pgptest.NewEd25519(t, false), pgptest.NewEd25519(t, false)
	kr := keyring(t,
		pgptest.Transferable(t, rsaKey, []*pgptest.Key{sub}, rsaKey, false),
		pgptest.Transferable(t, ed, []*pgptest.Key{unbound}, nil, false),
		pgptest.Transferable(t, ed27, nil, nil, false),
		pgptest.Transferable(t, revokedKey, nil, nil, true),
		pgptest.Transferable(t, stranger, []*pgptest.Key{strangerSub}, pgptest.NewRSA(t), false), // bound by another key
	)
	fp := func(k *pgptest.Key) string { return k.Fingerprint() }

	for _, tt := range []struct {
		name string
		by   *pgptest.Key
	}{{"RSA primary", rsaKey}, {"EdDSA primary", ed}, {"Ed25519 primary", ed27}, {"bound subkey", sub}} {
		k, err := kr.Verify(bytes.NewReader(file), tt.by.Sign(t, file))
		if err != nil || k.Fingerprint != fp(tt.by) {
			t.Errorf("%s: %v, %+v", tt.name, err, k)
		}
		if tt.by == sub && (k == nil || k.Primary != fp(rsaKey) || !strings.Contains(k.UserID, "Release Signer")) {
			t.Errorf("a subkey is reported with its primary: %+v", k)
		}
	}

	changed := append(bytes.Clone(file), '!')
	other := pgptest.NewRSA(t)
	sha1Sig := pgptest.Armor("PGP SIGNATURE", rsaKey.SignPacket(t, sigBinary, file, 2, crypto.SHA1))
	textSig := pgptest.Armor("PGP SIGNATURE", rsaKey.SignPacket(t, 0x01, file, 8, crypto.SHA256))
	goodSig := rsaKey.Sign(t, file)
	badCRC := bytes.Replace(goodSig, []byte("\n="), []byte("\n=AAAA\n=x"), 1)
	forged := func(k *pgptest.Key) []byte { return k.Forge(t, file) } // the right hash, a wrong value
	refusals := []struct {
		name string
		data []byte
		sig  []byte
	}{
		{"a changed file", changed, rsaKey.Sign(t, file)},
		{"a key not in the keyring", file, other.Sign(t, file)},
		{"a forged RSA value", file, forged(rsaKey)},
		{"a forged EdDSA value", file, forged(ed)},
		{"a forged Ed25519 value", file, forged(ed27)},
		{"a subkey without a binding signature", file, unbound.Sign(t, file)},
		{"a subkey bound by another key", file, strangerSub.Sign(t, file)},
		{"a revoked key", file, revokedKey.Sign(t, file)},
		{"SHA-1", file, sha1Sig},
		{"a text signature", file, textSig},
		{"a broken armor checksum", file, badCRC},
		{"no signature", file, []byte("<html>not found</html>")},
		{"a key block instead", file, pgptest.Armor("PGP SIGNATURE", pgptest.Packet(tagPublicKey, rsaKey.Body()))},
	}
	for _, tt := range refusals {
		k, err := kr.Verify(bytes.NewReader(tt.data), tt.sig)
		if !errors.Is(err, ErrBadSignature) || !errors.Is(err, verifyerr.ErrVerification) || k != nil {
			t.Errorf("%s: %v, %+v; want a refusal", tt.name, err, k)
		}
	}
}

func TestParseKeyringRefusesEmpty(t *testing.T) {
	for _, text := range []string{"", "no keys here", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n"} {
		if _, err := ParseKeyring([]byte(text)); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", text)
		}
	}
}
