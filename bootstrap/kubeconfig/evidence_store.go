package kubeconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/ospath"
	"github.com/mitchellh/go-homedir"
)

// DefaultStateDir returns kubeboot's per-user state folder for this
// process (see StateDirFor).
func DefaultStateDir() (string, error) {
	home, _ := homedir.Dir()
	return StateDirFor(runtime.GOOS, os.Getenv, home)
}

// StateDirFor returns kubeboot's per-user state folder on goos, without
// touching the disk: $XDG_STATE_HOME/kubeboot (else
// ~/.local/state/kubeboot) on Linux and other Unix systems,
// ~/Library/Application Support/kubeboot on macOS,
// %LocalAppData%\kubeboot\state on Windows.
func StateDirFor(goos string, getenv func(string) string, home string) (string, error) {
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return ospath.Join(goos, d, "kubeboot", "state"), nil
		}
	case "darwin", "ios":
		if home != "" {
			return ospath.Join(goos, home, "Library", "Application Support", "kubeboot"), nil
		}
	default:
		if d := getenv("XDG_STATE_HOME"); d != "" && strings.HasPrefix(d, "/") {
			return ospath.Join(goos, d, "kubeboot"), nil
		}
		if home != "" {
			return ospath.Join(goos, home, ".local", "state", "kubeboot"), nil
		}
	}
	return "", errors.New("find the per-user state folder: neither its variable nor a home folder is set")
}

// StateFolder returns the folder under stateDir that holds kubeboot's state
// for the kubeconfig file (its prune evidence): kubeconfig/<name>-<the
// first 12 hex digits of the SHA-256 of its absolute path, links
// resolved>, so that each kubeconfig has its own, named after it.
func StateFolder(stateDir, file string) string {
	real, err := resolveLink(file)
	if err != nil {
		real = file
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	sum := sha256.Sum256([]byte(real))
	base := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, filepath.Base(real))
	return filepath.Join(stateDir, "kubeconfig", base+"-"+hex.EncodeToString(sum[:6]))
}

// evidenceFile is the prune evidence of the contexts of one kubeconfig
// file, by context name.
type evidenceFile struct {
	Version  int                  `json:"version"`
	File     string               `json:"file"`
	Contexts map[string]*Evidence `json:"contexts"`
}

const evidenceName = "prune-evidence.json"

// loadEvidence reads the evidence kept for file; a missing or unreadable
// record is empty (it only ever delays a removal).
func loadEvidence(stateDir, file string) map[string]*Evidence {
	data, err := os.ReadFile(filepath.Join(StateFolder(stateDir, file), evidenceName))
	var ef evidenceFile
	if err != nil || json.Unmarshal(data, &ef) != nil || ef.Version != 1 || ef.Contexts == nil {
		return map[string]*Evidence{}
	}
	return ef.Contexts
}

// saveEvidence replaces the evidence kept for file (owner-only, in an
// owner-only folder); an empty record removes the file.
func saveEvidence(stateDir, file string, recs map[string]*Evidence) error {
	dir := StateFolder(stateDir, file)
	path := filepath.Join(dir, evidenceName)
	if len(recs) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if _, err := atomicfile.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(evidenceFile{Version: 1, File: file, Contexts: recs}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), atomicfile.Options{Private: true, KeepOwnerFrom: dir})
}
