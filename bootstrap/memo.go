package bootstrap

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
)

// memo is one of the client's small caches: a JSON object of string keys
// kept whole in one file under Options.CacheDir, read whole and rewritten
// atomically (0600, in a 0700 folder). Calls of one process take turns;
// between processes the last writer wins, which a cache allows: a lost
// entry costs a request or a rehash, never a wrong answer, since each
// user of a memo checks what it reads against what it describes. A
// missing or corrupt file reads as empty; a memo with no path is off.
//
// A memo vouches for what it describes (a verified release, an installed
// digest), so it follows the trust rule (bootstrap/internal/trust): a file
// or folder of another user's, or one others may write, is neither read
// nor written, and the memo is then as good as empty.
type memo[T comparable] struct {
	path string // "" when off
	mu   sync.Mutex
}

// get returns the value of key.
func (m *memo[T]) get(key string) (T, bool) {
	var zero T
	if m == nil || m.path == "" {
		return zero, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.load()[key]
	return v, ok
}

// update lets fn change the map and writes it when fn reports a change.
// Failures are ignored: the memo only saves work.
func (m *memo[T]) update(fn func(map[string]T) bool) {
	if m == nil || m.path == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.load()
	if !fn(all) {
		return
	}
	b, err := json.Marshal(all)
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(m.path), 0o700) == nil && m.trusted() {
		_ = atomicfile.WriteFile(m.path, b, 0o600)
	}
}

// trusted reports whether the memo's file (if any) and its folder follow
// the trust rule.
func (m *memo[T]) trusted() bool {
	err := trust.Check(m.path)
	return err == nil || errors.Is(err, fs.ErrNotExist)
}

func (m *memo[T]) load() map[string]T {
	all := map[string]T{}
	if !m.trusted() {
		return all
	}
	if b, err := os.ReadFile(m.path); err == nil {
		if json.Unmarshal(b, &all) != nil {
			all = map[string]T{}
		}
	}
	return all
}
