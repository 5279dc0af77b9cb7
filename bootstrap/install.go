package bootstrap

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
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
	"github.com/kubeboot/kubeboot/bootstrap/internal/filelock"
)

// InstallRequest says which kubectl to install where.
type InstallRequest struct {
	// Version is a spec for ParseSpec. Default "stable".
	Version string
	// Dir is the folder to install into. Default DefaultInstallDir().
	Dir string
	// Platform is the OS/arch to download for. Default HostPlatform().
	Platform Platform
	// Force downloads and installs even when Dir already holds the
	// published file.
	Force bool
	// Progress, if set, is called as bytes arrive with the bytes so far and
	// the total size (-1 while unknown).
	Progress func(done, total int64)
}

// InstallResult describes an installed kubectl.
type InstallResult struct {
	Path     string   `json:"path"`
	Version  string   `json:"version"`
	SHA256   string   `json:"sha256"`
	Changed  bool     `json:"changed"` // false when it was already up to date
	URL      string   `json:"url"`
	Bytes    int64    `json:"bytes"` // bytes downloaded, 0 when unchanged
	Platform Platform `json:"-"`
}

// KubectlURL returns where the mirror publishes kubectl v for p.
func (c *Client) KubectlURL(v string, p Platform) string {
	return fmt.Sprintf("%s/release/%s/bin/%s/%s/%s", c.baseURL, v, p.OS, p.Arch, p.Executable())
}

// Install resolves req.Version, and unless req.Dir already holds exactly the
// published file, downloads kubectl while hashing it into a temp file beside
// the destination, verifies the SHA-256, and renames it into place. On any
// failure the previous kubectl is left as it was and the temp file removed;
// a temp file left by a killed run is removed by the next one.
func (c *Client) Install(ctx context.Context, req InstallRequest) (*InstallResult, error) {
	p := req.Platform
	if p == (Platform{}) {
		p = HostPlatform()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	dir := req.Dir
	var err error
	if dir == "" {
		if dir, err = DefaultInstallDir(); err != nil {
			return nil, fmt.Errorf("find an install folder: %w", err)
		}
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	target := filepath.Join(dir, p.Executable())
	// Hash the current kubectl while the network answers: an up-to-date
	// rerun then costs little more than two small requests.
	current := make(chan string, 1)
	go func() {
		sum := ""
		if !req.Force {
			var known bool
			if sum, known = c.digests.lookup(target); !known {
				if sum, _ = fileSHA256(target); sum != "" {
					c.digests.store(target, sum)
				}
			}
		}
		current <- sum
	}()

	v, err := c.Resolve(ctx, req.Version)
	if err != nil {
		return nil, err
	}
	tag := Tag(v)
	res := &InstallResult{
		Path:     target,
		Version:  tag,
		URL:      c.KubectlURL(tag, p),
		Platform: p,
	}

	want, err := c.fetchDigest(ctx, res.URL+".sha256", p.Executable())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("kubectl %s is not published for %s at %s: %w", tag, p, c.baseURL, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read the published checksum of kubectl %s: %w", tag, err)
	}
	res.SHA256 = want

	c.sweepTemps(dir, p.Executable())
	c.sweepAside(dir, p.Executable())
	if <-current == want {
		c.opts.Logf("%s already holds kubectl %s (sha256 %s)", res.Path, tag, want)
		return res, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create install folder: %w", err)
	}
	n, err := c.downloadInto(ctx, res.URL, res.Path, want, req.Progress)
	if err != nil {
		return nil, err
	}
	c.digests.store(res.Path, want)
	res.Changed, res.Bytes = true, n
	return res, nil
}

// downloadInto streams u into a locked temp file beside dst, then verifies
// and renames it over dst.
func (c *Client) downloadInto(ctx context.Context, u, dst, want string, progress func(done, total int64)) (n int64, err error) {
	dir, base := filepath.Split(dst)
	f, err := os.CreateTemp(dir, atomicfile.TempPattern(base))
	if err != nil {
		return 0, fmt.Errorf("cannot write to %s: %w", filepath.Clean(dir), err)
	}
	// The lock tells a concurrent run's sweep that this file is alive; the
	// OS drops it if we are killed, which makes the file fair game.
	_ = filelock.TryLock(f)
	tmp := &tempFile{f: f, h: sha256.New()}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	if n, err = c.fetch.download(ctx, u, tmp, progress); err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return n, fmt.Errorf("write %s: %w", f.Name(), we.err)
		}
		return n, fmt.Errorf("download %s: %w", u, err)
	}
	got := hex.EncodeToString(tmp.h.Sum(nil))
	if got != want {
		return n, &ChecksumError{URL: u, Want: want, Got: got}
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Chmod(0o755); err != nil {
		return n, fmt.Errorf("make %s executable: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	if err := replaceExecutable(f.Name(), dst); err != nil {
		return n, fmt.Errorf("install %s: %w", dst, err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		c.opts.Logf("sync folder %s: %v", dir, err)
	}
	return n, nil
}

// tempFile hashes everything written to the file, and can start over.
type tempFile struct {
	f *os.File
	h hash.Hash
}

func (t *tempFile) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	t.h.Write(p[:n])
	return n, err
}

func (t *tempFile) Reset() error {
	if _, err := t.f.Seek(0, 0); err != nil {
		return err
	}
	t.h.Reset()
	return t.f.Truncate(0)
}

// sweepTemps removes temp files that killed runs left in dir. A live run
// holds a lock on its temp file; a brand-new file may not be locked yet, so
// files younger than a few seconds are left alone.
func (c *Client) sweepTemps(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, atomicfile.TempPattern(base)))
	for _, m := range matches {
		fi, err := os.Lstat(m)
		if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < 5*time.Second {
			continue
		}
		f, err := os.OpenFile(m, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		locked := filelock.TryLock(f) == nil
		f.Close()
		if locked && os.Remove(m) == nil {
			c.opts.Logf("removed %s, left by an interrupted run", m)
		}
	}
}
