package catalog

import _ "embed" // the keyrings below

// helmKeys is the part of helm's KEYS file that signature checks use:
// every key of it that may sign releases, with the self-signature or
// binding it rests on (pgp.Minimal of the file; the full file is
// testdata/helm-KEYS, about 66 KB, which would not fit the installer's
// size budget; this is about 14 KB).
//
// Source: https://github.com/helm/helm/blob/main/KEYS, as of helm/helm
// commit e9b85e4de16ad45805843fb121748018cf89094b (2026-08-20; the file's
// last change, 5638c35, added George Jenkins' key), sha256
// 5de12e8dca75f8a72d1ad4e9a05a6f9de0356ee520bf0bd703bd2d37a536e85b.
//
// To refresh it when helm adds or retires a key: save the new KEYS as
// bootstrap/catalog/testdata/helm-KEYS, check its new keys against helm's
// release notes (each release names its signer's fingerprint), update
// TestHelmKeyring's list, and run
//
//	go test ./bootstrap/catalog -run TestHelmKeyring -update
//
// which rewrites helm-keys.gpg; the test then checks that the embedded
// keyring holds exactly the signing keys of testdata/helm-KEYS.
//
//go:embed helm-keys.gpg
var helmKeys []byte

// Keyring returns the keys kubeboot carries for the keyring a PGP
// Evidence names ("helm"), as binary OpenPGP packets; nil for a name it
// carries none for. Callers may replace it with keys of their own.
func Keyring(name string) []byte {
	if name == "helm" {
		return helmKeys
	}
	return nil
}
