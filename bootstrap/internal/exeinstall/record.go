package exeinstall

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// RecordName is the file in an install folder where Commit records what it
// put there: for each program's file name, the SHA-256 of the bytes it
// renamed into place (and the tool and version, when the caller said them
// with Describe). It is what lets an uninstall prove that a file is
// kubeboot's: only a file whose bytes still have the recorded digest is.
//
// The record is written under the folder's install lock, after the rename
// and by one atomic replace of the whole file, so a crash leaves the old
// record or the new one. A program installed by a kubeboot older than the
// record has no entry; a crash between the rename and the record leaves
// the new program without one. A program found already in place (the same
// bytes, not downloaded again) gets no record: equal bytes do not prove
// that kubeboot put them there.
const RecordName = ".kubeboot-installed.json"

// maxRecordBytes bounds how much of a record is read.
const maxRecordBytes = 256 << 10

// Record is what RecordName says about one installed program.
type Record struct {
	Tool      string    `json:"tool,omitempty"`
	Version   string    `json:"version,omitempty"`
	SHA256    string    `json:"sha256"`
	Installed time.Time `json:"installed"`
}

// recordFile is RecordName's content.
type recordFile struct {
	Files map[string]Record `json:"files"`
}

// ErrBadRecord means a folder's record cannot be read as one: nothing it
// says is believed.
var ErrBadRecord = errors.New("unreadable install record")

// ReadRecords returns the records of folder dir by program file name: an
// empty map when there is no record file, an error matching ErrBadRecord
// when it is not one (too large, not JSON, a digest that is not hex).
// It does not judge who wrote it: callers check that first
// (store.CheckTrusted).
func ReadRecords(dir string) (map[string]Record, error) {
	f, err := os.Open(filepath.Join(dir, RecordName))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	var rf recordFile
	if len(b) > maxRecordBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadRecord, filepath.Join(dir, RecordName), maxRecordBytes)
	}
	if err := json.Unmarshal(b, &rf); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadRecord, filepath.Join(dir, RecordName), err)
	}
	out := make(map[string]Record, len(rf.Files))
	for name, r := range rf.Files {
		d, ok := hexDigest(r.SHA256)
		if !ok || name == "" || filepath.Base(name) != name {
			return nil, fmt.Errorf("%w: %s: the entry %q is not a file name with a SHA-256", ErrBadRecord, filepath.Join(dir, RecordName), name)
		}
		r.SHA256 = d
		out[name] = r
	}
	return out, nil
}

// Describe says which tool and version the file is, for its record.
func (t *File) Describe(tool, version string) { t.tool, t.version = tool, version }

// record notes in the folder's record that base now holds the bytes of
// digest sum. A failure is said through logf and costs only the proof an
// uninstall would need: the program is installed.
func (d *Folder) record(base string, r Record) {
	if err := d.updateRecords(func(m map[string]Record) bool { m[base] = r; return true }); err != nil {
		d.logf("could not record %s in %s: %v", base, filepath.Join(d.dir, RecordName), err)
	}
}

// Forget removes base's record, removing the record file when it was the
// last one. The caller holds the lock (the Folder) and has removed base.
func (d *Folder) Forget(base string) error {
	return d.updateRecords(func(m map[string]Record) bool {
		_, ok := m[base]
		delete(m, base)
		return ok
	})
}

// Records returns the folder's records (ReadRecords), read under its lock.
func (d *Folder) Records() (map[string]Record, error) { return ReadRecords(d.dir) }

func (d *Folder) updateRecords(fn func(map[string]Record) bool) error {
	m, err := ReadRecords(d.dir)
	if errors.Is(err, ErrBadRecord) {
		m = map[string]Record{} // a broken record proves nothing; start a new one
	} else if err != nil {
		return err
	}
	if !fn(m) {
		return nil
	}
	path := filepath.Join(d.dir, RecordName)
	if len(m) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.MarshalIndent(recordFile{Files: m}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}
