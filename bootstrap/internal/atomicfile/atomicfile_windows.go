//go:build windows

package atomicfile

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// replace retries briefly: antivirus scanners and the search indexer open
// fresh files and make MoveFileEx fail with a sharing violation for a moment.
func replace(src, dst string) error {
	var err error
	for delay := 10 * time.Millisecond; delay < 2*time.Second; delay *= 2 {
		err = os.Rename(src, dst)
		if err == nil || !isTransient(err) {
			return err
		}
		time.Sleep(delay)
	}
	return err
}

func isTransient(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED)
}

func syncDir(string) error { return nil }

func isUnsupported(error) bool { return true }
