package kubeconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Every kubeconfig this package reads goes through readKubeconfig. The
// invariants:
//
//   - a read is bounded: a file longer than MaxFileSize (a link to
//     /dev/zero, a log file named by mistake) is an *ReadError matching
//     ErrTooLarge, never read whole;
//   - a read that may block (a FIFO, as process substitution makes, or any
//     file that is not a regular file) ends when its context does: the
//     caller gets the context's error at once;
//   - a FIFO is read once, as any file: it is not refused;
//   - a missing file is the OS's error (fs.ErrNotExist) as it is; every
//     other failure is a *ReadError naming the file.

// MaxFileSize bounds every kubeconfig read: kubeconfigs of thousands of
// contexts are a few MiB.
const MaxFileSize = 64 << 20

// ErrTooLarge: a file is longer than MaxFileSize, so it is no kubeconfig.
var ErrTooLarge = fmt.Errorf("larger than %d MiB, more than any kubeconfig", MaxFileSize>>20)

// ReadError reports a kubeconfig file (or, with Source, a file being
// imported) that could not be read. Err is the OS's reason or ErrTooLarge.
type ReadError struct {
	File   string
	Source bool
	Err    error
}

func (e *ReadError) Error() string {
	what := "the kubeconfig"
	if e.Source {
		what = "the file to import"
	}
	var pe *fs.PathError
	if errors.As(e.Err, &pe) {
		return fmt.Sprintf("could not read %s %s: %v", what, e.File, pe.Err)
	}
	return fmt.Sprintf("could not read %s %s: %v", what, e.File, e.Err)
}

// Unwrap returns the reason.
func (e *ReadError) Unwrap() error { return e.Err }

// readKubeconfig reads path within MaxFileSize; a file that is not a
// regular one is read aside, so that the caller returns when ctx ends even
// if the read blocks (the blocked read then ends with the process).
func readKubeconfig(ctx context.Context, path string) ([]byte, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return readBounded(path)
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := readBounded(path)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	defer f.Close()
	var data []byte
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= MaxFileSize {
		data = make([]byte, 0, fi.Size()+512)
	}
	buf := bytes.NewBuffer(data)
	n, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	if n > MaxFileSize {
		return nil, &ReadError{File: path, Err: ErrTooLarge}
	}
	return buf.Bytes(), nil
}
