package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
)

// verifiedNote is what Options.VerifiedDir keeps of one entry the store
// rehashed but could not refresh the receipt of: the file, the digest it
// had (the receipt's) and the identity it had when hashed.
type verifiedNote struct {
	Path   string       `json:"path"`
	SHA256 string       `json:"sha256"`
	File   FileIdentity `json:"file"`
}

// notePath is the note of the kubectl at path.
func (s *Store) notePath(path string) string {
	sum := sha256.Sum256([]byte(path))
	return filepath.Join(s.verifiedDir, hex.EncodeToString(sum[:12])+".json")
}

// verifiedDirUsable reports whether VerifiedDir may be trusted (creating
// it when missing): it is this user's, and on Unix no one else may write
// it, so no one else can vouch for a file in this user's name.
func (s *Store) verifiedDirUsable() bool {
	if s.verifiedDir == "" {
		return false
	}
	if err := os.MkdirAll(s.verifiedDir, 0o700); err != nil {
		return false
	}
	fi, err := os.Stat(s.verifiedDir)
	if err != nil || !fi.IsDir() {
		return false
	}
	if owners := trust.Current(); trust.OwnerOf(s.verifiedDir, fi) != owners.Self {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode().Perm()&0o022 == 0
}

// noted reports whether e's file, now of identity id, is the one this
// user hashed and found to be the receipt's digest.
func (s *Store) noted(e *Entry, id FileIdentity) bool {
	if !s.verifiedDirUsable() {
		return false
	}
	f, err := os.Open(s.notePath(e.Path))
	if err != nil {
		return false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReceiptBytes))
	var n verifiedNote
	if err != nil || json.Unmarshal(b, &n) != nil {
		return false
	}
	return n.Path == e.Path && n.SHA256 == e.Receipt.SHA256 && n.File == id
}

// note records that e's file, of identity id, hashed to its receipt's
// digest.
func (s *Store) note(e *Entry, id FileIdentity) error {
	if !s.verifiedDirUsable() {
		return errors.New("no folder of this user's to note it in")
	}
	b, err := json.Marshal(verifiedNote{Path: e.Path, SHA256: e.Receipt.SHA256, File: id})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.notePath(e.Path), b, 0o600); err != nil {
		return fmt.Errorf("note it in %s: %w", s.verifiedDir, err)
	}
	return nil
}
