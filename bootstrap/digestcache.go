package bootstrap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// digestCache remembers the SHA-256 of files this package installed, keyed
// by path and stamped with the file's identity (size, modification and
// change times, inode), the way git's index avoids rehashing unchanged
// files. A rerun whose target still has the same identity is known to be up
// to date without reading 60 MB. Any change to the file changes its
// identity, so a stale entry is never trusted; a lost or corrupt cache only
// costs a rehash.
type digestCache struct {
	path string // "" when disabled
	mu   sync.Mutex
}

type cacheEntry struct {
	Identity string `json:"identity"`
	SHA256   string `json:"sha256"`
}

// lookup returns the cached digest of file if its identity is unchanged.
func (c *digestCache) lookup(file string) (string, bool) {
	if c == nil || c.path == "" {
		return "", false
	}
	id, ok := statIdentity(file)
	if !ok {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.load()[file]
	if !ok || e.Identity != id {
		return "", false
	}
	return e.SHA256, true
}

// store records file's digest under its current identity. Failures are
// ignored: the cache only saves time.
func (c *digestCache) store(file, sha string) {
	if c == nil || c.path == "" {
		return
	}
	id, ok := statIdentity(file)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.load()
	if m[file] == (cacheEntry{id, sha}) {
		return
	}
	m[file] = cacheEntry{id, sha}
	for p := range m { // forget files that are gone, so the cache stays small
		if _, err := os.Stat(p); err != nil {
			delete(m, p)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(c.path), 0o700) == nil {
		_ = atomicfile.WriteFile(c.path, b, 0o600)
	}
}

func (c *digestCache) load() map[string]cacheEntry {
	m := map[string]cacheEntry{}
	if b, err := os.ReadFile(c.path); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}
