// Package exeinstall puts an executable into a folder, the one way kubeboot
// does it, for kubectl and for kubeboot itself:
//
//  1. Lock the folder: a sidecar lock file (LockName) in it, held with
//     flock or LockFileEx, which the OS drops when the holder dies.
//  2. Sweep, under the lock, what killed runs left for that executable:
//     every temp file of its name (whatever its age: no run that could own
//     it is alive, since none holds the lock), and on Windows the copies of
//     a running program moved aside, restoring the newest one when the
//     program itself is missing.
//  3. Create a temp file beside the target and hash everything written to
//     it (the caller streams a download into it and checks Sum).
//  4. Commit: fsync, chmod, one rename over the target (a running Windows
//     program is moved aside first), fsync of the folder; then unlock.
//
// Invariant: the target is only ever replaced by one rename of a complete,
// synced file, so a crash at any moment leaves the old executable or the
// new one, plus at most one temp file, which the next locked run removes.
// Two runs installing into one folder serialise on the lock.
//
// Folders are listed and names matched; a path is never used as a glob
// pattern, so folder names with [, * or ? work.
package exeinstall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/filelock"
)

// LockName is the sidecar lock file every installing run holds in the
// target folder. It is left in place: removing it while another run waits
// on it would let two runs in at once.
const LockName = ".kubeboot-install.lock"

// Folder is a locked install folder.
type Folder struct {
	dir  string
	lock *os.File
	logf func(string, ...any)
}

// Lock takes dir's install lock, waiting (and saying so through logf)
// while another run holds it, until ctx is done. dir must exist.
//
// A run holding the lock may remove the lock file (the kubectl store does,
// removing a version's folder): a run that was waiting on the removed file
// finds, once it gets it, that the path no longer names the file it
// locked, and starts over on the path's current file.
func Lock(ctx context.Context, dir string, logf func(string, ...any)) (*Folder, error) {
	for said := false; ; {
		d, busy, err := lock(dir, logf, false)
		if err != nil {
			return nil, err
		}
		if busy {
			if !said {
				d.logf("waiting for another kubeboot that is installing into %s", dir)
				said = true
			}
			if err := filelock.Lock(ctx, d.lock); err != nil {
				d.lock.Close()
				return nil, fmt.Errorf("wait for the install lock %s: %w", filepath.Join(dir, LockName), err)
			}
		}
		if d.current() {
			return d, nil
		}
		d.Unlock()
	}
}

// TryLock takes dir's install lock if it is free; it returns nil, nil when
// another run holds it or the folder cannot be written.
func TryLock(dir string, logf func(string, ...any)) *Folder {
	d, busy, err := lock(dir, logf, true)
	if err != nil || busy {
		return nil
	}
	if !d.current() {
		d.Unlock()
		return nil
	}
	return d
}

// current reports whether the lock file's path still names the file d
// locked: a holder that removed it leaves waiters holding a lock nobody
// else will ever take.
func (d *Folder) current() bool {
	held, err := d.lock.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(filepath.Join(d.dir, LockName))
	return err == nil && os.SameFile(held, now)
}

// testHookLockRemoved, when set by a test, runs on Unix between the
// removal of a held lock file and its release.
var testHookLockRemoved func()

// UnlockAndRemove releases the folder and removes its lock file, for a
// caller about to remove the folder itself, and reports whether the file
// is gone. On Unix the file is removed while still held, and runs waiting
// on it start over (see Lock). Windows refuses to delete a file another
// handle has open, so there it is removed after the release, which fails,
// leaving the file, exactly when another run has it open.
func (d *Folder) UnlockAndRemove() bool { return unlockAndRemove(d, filepath.Join(d.dir, LockName)) }

func lock(dir string, logf func(string, ...any), try bool) (d *Folder, busy bool, err error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrPermission) {
		// A lock file another user created (a run under sudo, say) can
		// still be locked through a read-only handle.
		if ro, rerr := os.Open(path); rerr == nil {
			f, err = ro, nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot write to %s: %w", dir, err)
	}
	d = &Folder{dir: dir, lock: f, logf: logf}
	switch err := filelock.TryLock(f); {
	case err == nil:
		return d, false, nil
	case errors.Is(err, filelock.ErrWouldBlock):
		if try {
			f.Close()
			return nil, true, nil
		}
		return d, true, nil
	default:
		f.Close()
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
}

// Dir is the locked folder.
func (d *Folder) Dir() string { return d.dir }

// Unlock releases the folder. It is safe on a nil Folder.
func (d *Folder) Unlock() {
	if d == nil {
		return
	}
	filelock.Unlock(d.lock)
	d.lock.Close()
}

// Sweep removes what killed runs left for the executable base: its temp
// files, and on Windows the moved-aside copies of it that are no longer
// running (restoring the newest one when base itself is missing).
func (d *Folder) Sweep(base string) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	for _, n := range names {
		if !IsTemp(n, base) {
			continue
		}
		p := filepath.Join(d.dir, n)
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if os.Remove(p) == nil {
			d.logf("removed %s, left by an interrupted run", p)
		}
	}
	sweepAside(d.dir, base, names, d.logf)
}

// IsTemp reports whether name is a temp file created for the file base
// (atomicfile.IsTemp).
func IsTemp(name, base string) bool { return atomicfile.IsTemp(name, base) }

// File is a temp file beside an install target that hashes what is
// written to it.
type File struct {
	f      *os.File
	h      hash.Hash
	dst    string
	folder *Folder
	done   bool
	// tool and version go into the record (Describe).
	tool, version string
}

// Create starts a temp file for dir/base.
func (d *Folder) Create(base string) (*File, error) {
	f, err := os.CreateTemp(d.dir, atomicfile.TempPattern(base))
	if err != nil {
		return nil, fmt.Errorf("cannot write to %s: %w", d.dir, err)
	}
	return &File{f: f, h: sha256.New(), dst: filepath.Join(d.dir, base), folder: d}, nil
}

// Name is the temp file's path.
func (t *File) Name() string { return t.f.Name() }

// Write writes p to the file and the hash.
func (t *File) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	t.h.Write(p[:n])
	return n, err
}

// Reset empties the file and the hash, for a download that starts over.
func (t *File) Reset() error {
	if _, err := t.f.Seek(0, 0); err != nil {
		return err
	}
	t.h.Reset()
	return t.f.Truncate(0)
}

// Sum is the hex SHA-256 of what was written.
func (t *File) Sum() string { return hex.EncodeToString(t.h.Sum(nil)) }

// TestHookBeforeReplace, when set (by tests only), runs with the temp
// file's path after it is synced and before it is renamed over the target.
var TestHookBeforeReplace func(tmp string)

// Commit syncs the file, gives it mode perm, renames it over the target,
// syncs the folder and records the target's digest (RecordName). On error the target is unchanged and the temp
// file removed. The caller has checked Sum.
func (t *File) Commit(perm os.FileMode) (err error) {
	defer func() {
		if err != nil {
			t.Discard()
		}
	}()
	if err := t.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", t.f.Name(), err)
	}
	if err := t.f.Chmod(perm); err != nil {
		return fmt.Errorf("make %s executable: %w", t.f.Name(), err)
	}
	if err := t.f.Close(); err != nil {
		return err
	}
	if TestHookBeforeReplace != nil {
		TestHookBeforeReplace(t.f.Name())
	}
	if err := Replace(t.f.Name(), t.dst); err != nil {
		return fmt.Errorf("install %s: %w", t.dst, err)
	}
	t.done = true
	if err := atomicfile.SyncDir(t.folder.dir); err != nil {
		t.folder.logf("sync folder %s: %v", t.folder.dir, err)
	}
	t.folder.record(filepath.Base(t.dst), Record{Tool: t.tool, Version: t.version, SHA256: t.Sum(), Installed: time.Now().UTC()})
	return nil
}

// Discard closes and removes the temp file, unless Commit renamed it.
func (t *File) Discard() {
	if t.done {
		return
	}
	t.done = true
	t.f.Close()
	os.Remove(t.f.Name())
}

// ParseChecksum returns the lower-case hex SHA-256 that a checksum file
// gives the file name. It reads a bare digest (a file holding only a
// digest, as dl.k8s.io's .sha256 files), a line "DIGEST  NAME" or
// "DIGEST *NAME" (sha256sum's text and binary modes, NAME possibly with a
// folder in front), and lists of such lines (goreleaser's checksums.txt).
// Upper-case hex is accepted. A line for name with a malformed digest, two
// lines for name that disagree, or none is not a digest (ok false).
func ParseChecksum(body []byte, name string) (digest string, ok bool) {
	if f := strings.Fields(string(body)); len(f) == 1 {
		return hexDigest(f[0])
	}
	for _, line := range strings.Split(string(body), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			continue
		}
		n := strings.TrimPrefix(f[1], "*")
		if n != name && !strings.HasSuffix(n, "/"+name) {
			continue
		}
		d, valid := hexDigest(f[0])
		if !valid || (digest != "" && digest != d) {
			return "", false
		}
		digest = d
	}
	return digest, digest != ""
}

func hexDigest(s string) (string, bool) {
	d := strings.ToLower(s)
	if len(d) != 2*sha256.Size {
		return "", false
	}
	if _, err := hex.DecodeString(d); err != nil {
		return "", false
	}
	return d, true
}
