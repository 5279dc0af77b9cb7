package bootstrap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/fileid"
)

// digestCache remembers the SHA-256 of files this package installed, keyed
// by path and stamped with the file's identity (size, modification and
// change times, inode), the way git's index avoids rehashing unchanged
// files. A rerun whose target still has the same identity is known to be up
// to date without reading 60 MB. Any change to the file changes its
// identity, so a stale entry is never trusted; a lost or corrupt cache only
// costs a rehash.
//
// An identity is only ever stored with the digest of the very file it
// describes: it is taken from the open handle that was hashed, before and
// after hashing, and dropped when the two differ.
type digestCache struct {
	path string // "" when disabled
	mu   sync.Mutex
}

type cacheEntry struct {
	Identity string `json:"identity"`
	SHA256   string `json:"sha256"`
}

// currentDigest returns the SHA-256 of the file at path, from the cache
// when its identity is unchanged, else by hashing it (and remembering the
// result). It returns "" when there is no readable file.
func (c *digestCache) currentDigest(path string) string {
	if sum, ok := c.lookup(path); ok {
		return sum
	}
	sum, id, err := hashFile(path)
	if err != nil {
		return ""
	}
	c.store(path, id, sum)
	return sum
}

// hashFile returns the hex SHA-256 of the file at path and, when it did
// not change while being read, its identity ("" otherwise).
func hashFile(path string) (sum, identity string, err error) {
	sum, id, unchanged, err := fileid.Hash(path)
	if err != nil || !unchanged || !fileid.Trusted {
		return sum, "", err
	}
	return sum, id.String(), nil
}

// lookup returns the cached digest of file if its identity is unchanged.
func (c *digestCache) lookup(file string) (string, bool) {
	if c == nil || c.path == "" {
		return "", false
	}
	fi, err := os.Stat(file)
	if err != nil {
		return "", false
	}
	id, ok := identityOf(fi)
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

// storeInstalled records the digest of the file just renamed to path from
// the temp file described by tmp: only if path still is that file.
func (c *digestCache) storeInstalled(path string, tmp os.FileInfo, sha string) {
	fi, err := os.Stat(path)
	if err != nil || tmp == nil || !os.SameFile(fi, tmp) {
		return
	}
	if id, ok := identityOf(fi); ok {
		c.store(path, id, sha)
	}
}

// store records that the file at path with identity id has digest sha.
// Failures are ignored: the cache only saves time.
func (c *digestCache) store(file, id, sha string) {
	if c == nil || c.path == "" || id == "" {
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

// identityOf is the cache key of a file's content version (fileid), only
// where IDs are trusted: Windows lets any program set a file's times back,
// so nothing short of rehashing proves a kubectl unchanged there, and the
// cache stays unused.
func identityOf(fi os.FileInfo) (string, bool) {
	if !fileid.Trusted {
		return "", false
	}
	id, ok := fileid.Of(fi)
	if !ok {
		return "", false
	}
	return id.String(), true
}
