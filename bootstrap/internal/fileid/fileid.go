// Package fileid describes a file's content version without reading it: its
// device, inode, size, and modification and change times, the way git's
// index tells unchanged files from changed ones. Any write, truncation,
// replacement or rename over the path changes the ID.
//
// Trusted says how far an unchanged ID can be believed. On Unix the change
// time cannot be set back by an unprivileged program, so an unchanged ID
// means unchanged content. Windows lets any program set a file's times
// (SetFileInformationByHandle), and os.Stat reports neither an inode nor a
// change time there, so an ID only catches ordinary changes: callers that
// guard against deliberate forgery must rehash on Windows.
package fileid

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// ID is a file's identity. Fields an OS does not report are zero.
type ID struct {
	Device     uint64 `json:"device,omitempty"`
	Inode      uint64 `json:"inode,omitempty"`
	Size       int64  `json:"size"`
	ModTime    int64  `json:"mtimeNs"`           // modification time, Unix nanoseconds
	ChangeTime int64  `json:"ctimeNs,omitempty"` // inode change time, Unix nanoseconds
}

// String formats the ID as "device:inode:size:mtime:ctime".
func (id ID) String() string {
	return fmt.Sprintf("%d:%d:%d:%d:%d", id.Device, id.Inode, id.Size, id.ModTime, id.ChangeTime)
}

// Of describes fi (from os.Stat, or f.Stat of an open handle). ok is false
// for anything but a regular file.
func Of(fi os.FileInfo) (id ID, ok bool) {
	if fi == nil || !fi.Mode().IsRegular() {
		return ID{}, false
	}
	id = ID{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	fill(&id, fi)
	return id, true
}

// TestHookHashing, when set by a test, runs after Hash has opened and
// described the file and before it reads it.
var TestHookHashing func(path string)

// Hash returns the hex SHA-256 of the file at path and its ID, taken from
// the open handle that was hashed, before and after reading it: an ID is
// only ever paired with the digest of the very content it describes.
// unchanged is false when the two IDs differ (the file was written or
// replaced while being read) or the file is not a regular one; id is then
// not to be stored.
func Hash(path string) (sum string, id ID, unchanged bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", ID{}, false, err
	}
	defer f.Close()
	before, _ := f.Stat()
	if TestHookHashing != nil {
		TestHookHashing(path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", ID{}, false, fmt.Errorf("read %s: %w", path, err)
	}
	after, _ := f.Stat()
	id1, ok1 := Of(before)
	id2, ok2 := Of(after)
	return hex.EncodeToString(h.Sum(nil)), id1, ok1 && ok2 && id1 == id2, nil
}
