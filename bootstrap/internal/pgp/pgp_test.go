package pgp

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestKeyLifetime pins RFC 9580's rules on which key may sign what, and
// when: key flags, expiry at the signature's date, hard and soft
// revocations, the subkey's back-signature, critical subpackets.
func TestKeyLifetime(t *testing.T) {
	file := []byte("helm-v3.16.1-linux-amd64.tar.gz, the bytes")
	day := 24 * time.Hour
	created := pgptest.Created
	soon, later := created.Add(12*time.Hour), created.Add(30*day)
	retired, compromised := pgptest.Flag(3), pgptest.Flag(2)

	expiring, expSubPrimary, expSub := pgptest.NewRSA(t), pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, false)
	encOnly, encPrimary := pgptest.NewRSA(t), pgptest.NewEd25519(t, true)
	hardSub, softSub, subPrimary := pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, false), pgptest.NewRSA(t)
	noBack, certOnly, softPrimary, softPrimarySub := pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, false)
	hardPrimary, hardPrimarySub, noSelf, compromisedSub := pgptest.NewEd25519(t, true), pgptest.NewEd25519(t, false), pgptest.NewEd25519(t, false), pgptest.NewEd25519(t, false)
	kr := keyring(t,
		pgptest.Cert{Primary: expiring, Expires: day}.Bytes(t),
		pgptest.Cert{Primary: expSubPrimary, Subkeys: []pgptest.Subkey{{Key: expSub, Expires: day}}}.Bytes(t),
		pgptest.Cert{Primary: encPrimary, Subkeys: []pgptest.Subkey{{Key: encOnly, Flags: pgptest.Flag(0x0C)}}}.Bytes(t),
		pgptest.Cert{Primary: subPrimary, Subkeys: []pgptest.Subkey{
			{Key: hardSub, Revoked: &pgptest.Revocation{At: later}},
			{Key: softSub, Revoked: &pgptest.Revocation{Reason: retired, At: created.Add(day)}},
			{Key: compromisedSub, Revoked: &pgptest.Revocation{Reason: compromised, At: later}},
			{Key: noBack, NoBackSig: true},
		}}.Bytes(t),
		pgptest.Cert{Primary: certOnly, Flags: pgptest.Flag(0x01)}.Bytes(t),
		pgptest.Cert{Primary: softPrimary, Revoked: &pgptest.Revocation{Reason: pgptest.Flag(1), At: created.Add(day)},
			Subkeys: []pgptest.Subkey{{Key: softPrimarySub}}}.Bytes(t),
		pgptest.Cert{Primary: hardPrimary, Revoked: &pgptest.Revocation{At: later}, Subkeys: []pgptest.Subkey{{Key: hardPrimarySub}}}.Bytes(t),
		pgptest.Cert{Primary: noSelf, NoSelfSig: true}.Bytes(t),
	)
	kr.Now = func() time.Time { return created.Add(365 * day) }

	for _, tt := range []struct {
		name string
		by   *pgptest.Key
		at   time.Time
		ok   bool
	}{
		{"an expiring key, before it expired", expiring, soon, true},
		{"an expired key", expiring, later, false},
		{"an expiring subkey, before it expired", expSub, soon, true},
		{"an expired subkey", expSub, later, false},
		{"a signature dated before its key was made", expiring, created.Add(-day), false},
		{"an encryption-only subkey", encOnly, soon, false},
		{"a subkey revoked without a reason, before its revocation", hardSub, soon, false},
		{"a subkey revoked as compromised, before its revocation", compromisedSub, soon, false},
		{"a retired subkey, before it was retired", softSub, soon, true},
		{"a retired subkey, after it was retired", softSub, later, false},
		{"a signing subkey without its back-signature", noBack, soon, false},
		{"a primary whose flags only certify", certOnly, soon, false},
		{"a superseded primary, before", softPrimary, soon, true},
		{"a superseded primary's subkey, after", softPrimarySub, later, false},
		{"a superseded primary's subkey, before", softPrimarySub, soon, true},
		{"a revoked primary's subkey", hardPrimarySub, soon, false},
		{"a revoked primary", hardPrimary, soon, false},
		{"a primary without a self-signature", noSelf, soon, false},
	} {
		k, err := kr.Verify(bytes.NewReader(file), tt.by.SignAt(t, file, tt.at))
		if tt.ok != (err == nil) || tt.ok && k.Fingerprint != tt.by.Fingerprint() {
			t.Errorf("%s: %v, %+v", tt.name, err, k)
		}
		if err != nil && (!errors.Is(err, ErrBadSignature) || !errors.Is(err, verifyerr.ErrVerification)) {
			t.Errorf("%s: %v does not match ErrBadSignature", tt.name, err)
		}
	}

	sig := func(o pgptest.Sub) []byte {
		return pgptest.Armor("PGP SIGNATURE", expiring.SignPacketWith(t, sigBinary, file, 8, crypto.SHA256, o))
	}
	for _, tt := range []struct {
		name string
		sig  []byte
		ok   bool
	}{
		{"a signature with an unknown critical subpacket", sig(pgptest.Sub{At: soon, Critical: 100}), false},
		{"a signature without a creation time", sig(pgptest.Sub{NoCreated: true}), false},
		{"a plain signature", sig(pgptest.Sub{At: soon}), true},
	} {
		if _, err := kr.Verify(bytes.NewReader(file), tt.sig); tt.ok != (err == nil) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// TestMinimal: the minimal copy holds the same signing keys, with the
// same dates, user IDs and revocations, and only those.
func TestMinimal(t *testing.T) {
	day := 24 * time.Hour
	a, aSub, aEnc, b := pgptest.NewRSA(t), pgptest.NewEd25519(t, true), pgptest.NewRSA(t), pgptest.NewEd25519(t, false)
	text := pgptest.KEYS(
		pgptest.Cert{Primary: a, Expires: 9 * day, Subkeys: []pgptest.Subkey{
			{Key: aSub, Expires: day, Revoked: &pgptest.Revocation{Reason: pgptest.Flag(3), At: pgptest.Created.Add(day / 2)}},
			{Key: aEnc, Flags: pgptest.Flag(0x0C)},
		}}.Bytes(t),
		pgptest.Cert{Primary: b, UserID: "B <b@example.org>", Revoked: &pgptest.Revocation{Reason: pgptest.Flag(1), At: pgptest.Created.Add(day)}}.Bytes(t),
	)
	full, err := ParseKeyring(text)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Minimal(text)
	if err != nil {
		t.Fatal(err)
	}
	min, err := ParseKeyring(m)
	if err != nil {
		t.Fatal(err)
	}
	show := func(kr *Keyring) (out []string) {
		for _, k := range kr.Keys() {
			out = append(out, fmt.Sprint(k.Fingerprint, k.Primary, k.UserID, k.Created, k.Expires, k.RevokedAfter))
		}
		return out
	}
	if got, want := show(min), show(full); !slices.Equal(got, want) || len(got) != 3 {
		t.Errorf("minimal:\n%q\nfull:\n%q", got, want)
	}
	if bytes.Contains(m, aEnc.Body()) {
		t.Error("the minimal copy keeps an encryption subkey")
	}
}
