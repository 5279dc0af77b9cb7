package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap"
)

// A mirror whose markers choose an unsigned-era version cannot get it
// into the store (and so run by kubeboot kubectl): a channel, a
// constraint or a cluster's version must be signed. A kubectl the user
// once named exactly and stored unsigned does not answer them either.
func TestStoreServerChosenVersionMustBeSigned(t *testing.T) {
	f := newFixture(t)
	f.m.SetSigner(nil)
	f.m.AddKubectl("v1.25.16", host.OS, host.Arch, []byte("planted kubectl v1.25.16"))
	f.m.SetMarker("stable", "v1.25.16\n")
	f.m.SetMarker("stable-1.25", "v1.25.16\n")
	ctx := context.Background()
	for _, tc := range []struct{ spec, chosenBy string }{
		{"stable", ""}, {"1.25", "the API server https://cluster.example:6443"},
	} {
		e, err := f.s.EnsureChosen(ctx, tc.spec, tc.chosenBy)
		if !errors.Is(err, bootstrap.ErrSignatureMissing) {
			t.Fatalf("EnsureChosen(%q, %q) = %+v, %v; want ErrSignatureMissing", tc.spec, tc.chosenBy, e, err)
		}
		if n := f.binaryDownloads("v1.25.16"); n != 0 {
			t.Fatalf("%d downloads of the unsigned binary", n)
		}
	}
	if all, _ := f.s.List(); len(all) != 0 {
		t.Fatalf("stored: %+v", all)
	}
	// Named exactly, it is the user's choice: stored on its checksum.
	named := f.ensure("v1.25.16")
	if named.Receipt.Signature != nil {
		t.Fatalf("receipt of an unsigned kubectl: %+v", named.Receipt)
	}
	if e := f.ensure("1.25"); e.Version != "v1.25.16" {
		t.Fatalf("the named line answered %s", e.Version)
	}
	// Stored, it still does not answer what a server chose.
	for _, tc := range []struct{ spec, chosenBy string }{
		{"stable", ""}, {"1.25", "the API server https://cluster.example:6443"},
	} {
		if e, err := f.s.EnsureChosen(ctx, tc.spec, tc.chosenBy); !errors.Is(err, bootstrap.ErrSignatureMissing) {
			t.Fatalf("with v1.25.16 stored, EnsureChosen(%q, %q) = %+v, %v; want ErrSignatureMissing", tc.spec, tc.chosenBy, e, err)
		}
	}
	if !f.logged("no verified signature") {
		t.Error("the log does not say why the stored kubectl was passed over")
	}
	if e := f.ensure("v1.25.16"); e.Path != named.Path {
		t.Errorf("the named version moved: %s", e.Path)
	}
	if _, err := f.s.EnsureChosen(ctx, "stable", ""); err == nil || !strings.Contains(err.Error(), "stable.txt") {
		t.Errorf("the error does not name the marker: %v", err)
	}
}

// Offline, a stored kubectl without a verified signature does not answer
// what a server chose either (a network attacker need only make the
// mirror unreachable); it still answers the user's own exact version.
func TestStoreOfflineFallbackKeepsTheSignatureRule(t *testing.T) {
	f := newFixture(t)
	f.m.SetSigner(nil)
	f.m.AddKubectl("v1.25.16", host.OS, host.Arch, []byte("planted kubectl v1.25.16"))
	f.ensure("v1.25.16")
	f.m.Close()
	ctx := context.Background()
	for _, tc := range []struct{ spec, chosenBy string }{
		{"1.25", "the API server https://cluster.example:6443"}, {"stable", ""}, {">=1.20", ""},
	} {
		e, err := f.s.EnsureChosen(ctx, tc.spec, tc.chosenBy)
		if err == nil || !errors.Is(err, ErrNotStored) {
			t.Fatalf("offline EnsureChosen(%q, %q) = %+v, %v; want ErrNotStored", tc.spec, tc.chosenBy, e, err)
		}
	}
	if e, err := f.s.Ensure(ctx, "1.25"); err != nil || e.Version != "v1.25.16" || !e.Offline {
		t.Fatalf("offline, the named line: %+v %v", e, err)
	}
}

// NewestChosen, the store's answer without the network, keeps the
// signature rule for a server's choice; Newest keeps it for a marker's.
func TestStoreNewestChosenKeepsTheSignatureRule(t *testing.T) {
	f := newFixture(t)
	f.m.SetSigner(nil)
	f.m.AddKubectl("v1.25.16", host.OS, host.Arch, []byte("planted kubectl v1.25.16"))
	f.ensure("v1.25.16")
	for _, tc := range []struct {
		spec, chosenBy string
		want           bool
	}{
		{"1.25", "the API server https://cluster.example:6443", false},
		{"v1.25.16", "the API server https://cluster.example:6443", false},
		{"stable", "", false},
		{"1.25", "", true},
		{"v1.25.16", "", true},
	} {
		e, err := f.s.NewestChosen(tc.spec, tc.chosenBy)
		if err != nil || (e != nil) != tc.want {
			t.Errorf("NewestChosen(%q, %q) = %+v, %v; want an answer: %v", tc.spec, tc.chosenBy, e, err, tc.want)
		}
		if tc.chosenBy == "" {
			if n, _ := f.s.Newest(tc.spec); (n != nil) != tc.want {
				t.Errorf("Newest(%q) = %+v; want an answer: %v", tc.spec, n, tc.want)
			}
		}
	}
}
