package bootstrap

import (
	"os"

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
	memo[cacheEntry]
}

type cacheEntry struct {
	Identity string `json:"identity"`
	SHA256   string `json:"sha256"`
	// Version is the kubectl version Install put there ("" when the file
	// was only hashed), so that a channel can tell it would move back.
	Version string `json:"version,omitempty"`
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
	e, ok := c.get(file)
	if !ok || e.Identity != id {
		return "", false
	}
	return e.SHA256, true
}

// storeInstalled records the digest (and kubectl version) of the file
// just renamed to path from the temp file described by tmp: only if path
// still is that file.
func (c *digestCache) storeInstalled(path string, tmp os.FileInfo, sha, version string) {
	fi, err := os.Stat(path)
	if err != nil || tmp == nil || !os.SameFile(fi, tmp) {
		return
	}
	if id, ok := identityOf(fi); ok {
		c.put(path, cacheEntry{id, sha, version})
	}
}

// installedVersion returns the kubectl version Install recorded for the
// file at path, while the file is unchanged since.
func (c *digestCache) installedVersion(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	id, ok := identityOf(fi)
	if !ok {
		return ""
	}
	if e, ok := c.get(path); ok && e.Identity == id {
		return e.Version
	}
	return ""
}

// store records that the file at path with identity id has digest sha.
// Failures are ignored: the cache only saves time.
func (c *digestCache) store(file, id, sha string) {
	// A file hashed again keeps the version recorded for that same file.
	if e, ok := c.get(file); ok && e.Identity == id && e.SHA256 == sha {
		return
	}
	c.put(file, cacheEntry{Identity: id, SHA256: sha})
}

// put records e for file.
func (c *digestCache) put(file string, e cacheEntry) {
	if c == nil || e.Identity == "" {
		return
	}
	c.update(func(m map[string]cacheEntry) bool {
		if m[file] == e {
			return false
		}
		m[file] = e
		for p := range m { // forget files that are gone, so the cache stays small
			if _, err := os.Stat(p); err != nil {
				delete(m, p)
			}
		}
		return true
	})
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
