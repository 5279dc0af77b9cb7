//go:build windows

package bootstrap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// replaceExecutable renames src over dst. Windows refuses to replace a
// program that is running, but lets it be renamed: then the running file
// is moved aside, as dst.old-N in the same folder, src takes its name, and
// the next run's sweepAside deletes the old one once it has exited.
func replaceExecutable(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil || !inUse(err) {
		return err
	}
	aside, aerr := moveAside(dst)
	if aerr != nil {
		// Not a running program but a passing reader (antivirus, indexer):
		// wait for it.
		return atomicfile.Replace(src, dst)
	}
	if err := atomicfile.Replace(src, dst); err != nil {
		if rerr := os.Rename(aside, dst); rerr != nil {
			return fmt.Errorf("%w; and the old file could not be put back from %s: %v", err, aside, rerr)
		}
		return err
	}
	os.Remove(aside) // succeeds if the program exited meanwhile
	return nil
}

func inUse(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}

// asidePrefix is what moveAside adds to a file's name, before a number.
const asidePrefix = ".old-"

// moveAside renames path to the first free path.old-N and returns it.
func moveAside(path string) (string, error) {
	var err error
	for n := 1; n < 100; n++ {
		aside := path + asidePrefix + strconv.Itoa(n)
		if _, serr := os.Lstat(aside); serr == nil {
			continue
		}
		if err = os.Rename(path, aside); err == nil {
			return aside, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", err
}

// sweepAside deletes the files moveAside left in dir for base once their
// programs have exited. If base itself is missing (a run killed between
// the two renames), the newest one is put back instead.
func (c *Client) sweepAside(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, base+asidePrefix+"*"))
	sort.Slice(matches, func(i, j int) bool { return asideNumber(matches[i]) > asideNumber(matches[j]) })
	target := filepath.Join(dir, base)
	for _, m := range matches {
		if asideNumber(m) < 0 {
			continue
		}
		if _, err := os.Lstat(target); errors.Is(err, os.ErrNotExist) {
			if os.Rename(m, target) == nil {
				c.opts.Logf("restored %s from %s, left by an interrupted run", target, m)
			}
			continue
		}
		if os.Remove(m) == nil {
			c.opts.Logf("removed %s, replaced while it was running", m)
		}
	}
}

func asideNumber(p string) int {
	i := strings.LastIndex(p, asidePrefix)
	if i < 0 {
		return -1
	}
	n, err := strconv.Atoi(p[i+len(asidePrefix):])
	if err != nil {
		return -1
	}
	return n
}
