// Package archive takes one program out of a release archive (.tar.gz or
// .zip) that was already verified against its published digest.
//
// The archive is judged whole before its program is trusted:
//   - every member's name is checked, and one that is absolute, has a
//     drive or a backslash, or climbs with ".." refuses the archive
//     (nothing but the program is ever written, but an archive built to
//     escape a folder is not a release to install from);
//   - exactly one member may bear the program's name (compared without
//     case, as Windows does), and it must be a regular file at the member
//     path the catalogue names: two, a link, or one elsewhere refuse it;
//   - the member count and the program's size are capped, declared and
//     read, so a hostile archive costs bounded work.
//
// The program is streamed to the caller's writer (a hashing temp file);
// when Extract fails, what was written must be discarded.
package archive

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
)

// Kind is an archive format, as the catalogue names it.
type Kind string

const (
	TarGz Kind = "tar.gz"
	Zip   Kind = "zip"
)

// MaxMembers caps the members read: releases hold a handful.
const MaxMembers = 10000

// MaxProgram caps the program's size: Kubernetes tools are under 200 MB.
// Tests lower it.
var MaxProgram int64 = 512 << 20

// ErrBadArchive is matched by every refusal of an archive's contents; it
// also matches the verification sentinel, since a release archive that
// fails these rules is not one to install. Errors are an *Error.
var ErrBadArchive = errors.New("unusable archive")

// Error reports why an archive was refused.
type Error struct {
	Archive string // its name
	Reason  string
}

func (e *Error) Error() string { return fmt.Sprintf("archive %s: %s", e.Archive, e.Reason) }

// Is makes errors.Is match ErrBadArchive and the verification sentinel.
func (e *Error) Is(target error) bool {
	return target == ErrBadArchive || target == verifyerr.ErrVerification
}

// WriteError is a failure of the writer the program goes to (a full
// disk): the archive is fine.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "write the program: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Extract copies the program at member (a slash path such as
// "linux-amd64/helm") from the archive at file, of kind kind, to dst.
// name is the archive's name for messages.
func Extract(file, name string, kind Kind, member string, dst io.Writer) error {
	x := &extraction{name: name, member: path.Clean(member), program: path.Base(member), dst: dst}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	switch kind {
	case Zip:
		err = x.zip(f)
	case TarGz:
		err = x.tarGz(f)
	default:
		return x.bad("is neither .tar.gz nor .zip")
	}
	if err != nil {
		return err
	}
	if x.found == "" {
		return x.bad(fmt.Sprintf("holds no %s (expected at %s)", x.program, x.member))
	}
	return nil
}

type extraction struct {
	name, member, program string
	dst                   io.Writer
	members               int
	found                 string // the member already taken as the program
}

func (x *extraction) bad(why string) error { return &Error{Archive: x.name, Reason: why} }

// check judges one member by its name and type; it returns whether it is
// the program, to be copied.
func (x *extraction) check(name string, regular bool, size int64) (bool, error) {
	x.members++
	if x.members > MaxMembers {
		return false, x.bad(fmt.Sprintf("has more than %d members", MaxMembers))
	}
	if why := unsafeName(name); why != "" {
		return false, x.bad(fmt.Sprintf("member %q %s; refusing the whole archive", name, why))
	}
	clean := path.Clean(strings.TrimPrefix(name, "./"))
	if !strings.EqualFold(path.Base(clean), x.program) {
		return false, nil
	}
	switch {
	case x.found != "":
		return false, x.bad(fmt.Sprintf("holds two members named %s (%s and %s); which one is the program is ambiguous", x.program, x.found, clean))
	case !regular:
		return false, x.bad(fmt.Sprintf("member %s is not a regular file (a link or a folder)", clean))
	case clean != x.member:
		return false, x.bad(fmt.Sprintf("holds %s at %s, not at %s", x.program, clean, x.member))
	case size > MaxProgram:
		return false, x.bad(fmt.Sprintf("declares %s as %d bytes, more than the %d a program may be", clean, size, MaxProgram))
	}
	x.found = clean
	return true, nil
}

// unsafeName says why a member's name could escape a folder; "" if it
// cannot.
func unsafeName(name string) string {
	switch {
	case name == "":
		return "has no name"
	case strings.HasPrefix(name, "/"):
		return "is an absolute path"
	case strings.Contains(name, `\`):
		return "has a backslash (a Windows path separator)"
	case len(name) >= 2 && name[1] == ':':
		return "names a drive"
	case strings.ContainsRune(name, 0):
		return "has a NUL byte"
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "climbs out of the archive with .."
		}
	}
	return ""
}

func (x *extraction) copy(r io.Reader) error {
	w := &writer{w: x.dst}
	n, err := io.Copy(w, io.LimitReader(r, MaxProgram+1))
	switch {
	case w.err != nil:
		return &WriteError{w.err}
	case err != nil:
		return x.bad(err.Error())
	case n > MaxProgram:
		return x.bad(fmt.Sprintf("%s is larger than %d bytes", x.found, MaxProgram))
	case n == 0:
		return x.bad(x.found + " is empty")
	}
	return nil
}

func (x *extraction) zip(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return x.bad(err.Error())
	}
	// The central directory lists every member: judge them all first.
	var program *zip.File
	for _, zf := range zr.File {
		take, err := x.check(zf.Name, zf.Mode().IsRegular(), int64(zf.UncompressedSize64))
		if err != nil {
			return err
		}
		if take {
			program = zf
		}
	}
	if program == nil {
		return nil
	}
	rc, err := program.Open()
	if err != nil {
		return x.bad(err.Error())
	}
	defer rc.Close()
	return x.copy(rc)
}

func (x *extraction) tarGz(f *os.File) error {
	gz, err := gzip.NewReader(f)
	if err != nil {
		return x.bad(err.Error())
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return x.bad(err.Error())
		}
		// The program is copied when met; the members after it are still
		// judged, and a refusal then discards what was copied.
		take, err := x.check(h.Name, h.FileInfo().Mode().IsRegular(), h.Size)
		if err != nil {
			return err
		}
		if take {
			if err := x.copy(tr); err != nil {
				return err
			}
		}
	}
}

// writer remembers a write failure, to tell it from a corrupt archive.
type writer struct {
	w   io.Writer
	err error
}

func (w *writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}
