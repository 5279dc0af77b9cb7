package catalog

import (
	"bytes"
	"flag"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/pgp"
)

var update = flag.Bool("update", false, "rewrite helm-keys.gpg from testdata/helm-KEYS")

// TestHelmKeyring: the embedded keyring is the signing keys of helm's
// KEYS file (testdata/helm-KEYS, the file as published), each with the
// dates gpg shows for it; the encryption and authentication subkeys, and
// the certifications by other maintainers, are left out.
func TestHelmKeyring(t *testing.T) {
	full, err := os.ReadFile("testdata/helm-KEYS")
	if err != nil {
		t.Fatal(err)
	}
	min, err := pgp.Minimal(full)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("helm-keys.gpg", min, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("rewrote helm-keys.gpg: run the test again (without -update) to check it")
	}
	if !bytes.Equal(Keyring("helm"), min) {
		t.Fatal("helm-keys.gpg is not the signing keys of testdata/helm-KEYS: run go test ./bootstrap/catalog -run TestHelmKeyring -update")
	}
	type key struct{ fp, primary, expires string }
	list := func(text []byte) []key {
		kr, err := pgp.ParseKeyring(text)
		if err != nil {
			t.Fatal(err)
		}
		var out []key
		for _, k := range kr.Keys() {
			exp := ""
			if !k.Expires.IsZero() {
				exp = k.Expires.Format(time.DateOnly)
			}
			out = append(out, key{k.Fingerprint, k.Primary, exp})
		}
		return out
	}
	// As `gpg --import KEYS; gpg --list-keys --with-subkey-fingerprints`
	// lists them: primaries with S (sign), and subkeys [S] or [SA]; not
	// the [E] and [A] subkeys.
	want := []key{
		{"672C657BE06B4B30969C4A57461449C25E36B98E", "", ""},                                                   // Matthew Farina
		{"711F28D510E1E0BCBD5F6BFE9436E80BFBA46909", "672C657BE06B4B30969C4A57461449C25E36B98E", "2022-11-09"}, // his [S] subkey
		{"F1261BDE929012C8FF2E501D6EA5D7598529A53E", "", ""},                                                   // Martin Hickey
		{"967F8AC5E2216F9F4FD270AD92AA783CBAAE8E3B", "", ""},                                                   // Matthew Fisher
		{"76939899B137D575D3274E756DCCB9D752D35BA8", "", "2022-08-06"},                                         // Taylor Thomas
		{"49D09C86C3DC8DA3F0A076221EF612347F8A9958", "", ""},                                                   // Adam Reese
		{"E3342389A8E63AFB13AB5F2606F35E60A7A18DD6", "49D09C86C3DC8DA3F0A076221EF612347F8A9958", "2024-07-23"}, // his [SA] subkey
		{"ABA2529598F6626C420D335B62F49E747D911B60", "", ""},                                                   // Matt Butcher (2014)
		{"FB2BA64CF4ED06849245DFE3DCD5F5E5EF32C345", "ABA2529598F6626C420D335B62F49E747D911B60", "2022-05-11"}, // his [S] subkey
		{"4AB45F1CB0D292975C6371436E2A23D806B6E6DD", "", "2037-03-08"},                                         // Matt Butcher (2021)
		{"208DD36ED5BB3745A16743A4C7C6FBB5B91C1155", "", ""},                                                   // Scott Rigby
		{"7FEC81FACC7FFB2A010ADD13C2D40F4D8196E874", "", ""},                                                   // Robert Sirchia (Ed25519)
		{"BF888333D96A1C18E2682AAED79D67C9EC016739", "", ""},                                                   // George Jenkins (Ed25519)
	}
	if got := list(full); !slices.Equal(got, want) {
		t.Errorf("KEYS:\n got %v\nwant %v", got, want)
	}
	if got := list(Keyring("helm")); !slices.Equal(got, want) {
		t.Errorf("embedded:\n got %v\nwant %v", got, want)
	}
	if Keyring("kubectl") != nil {
		t.Error("a keyring for a tool that has none")
	}
}
