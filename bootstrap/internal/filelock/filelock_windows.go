//go:build windows

package filelock

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// lockRange is the one byte at LockOffset.
func lockRange() *windows.Overlapped {
	return &windows.Overlapped{Offset: uint32(LockOffset & 0xffffffff), OffsetHigh: uint32(LockOffset >> 32)}
}

func tryLock(f *os.File) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY)
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, lockRange())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION), errors.Is(err, windows.ERROR_IO_PENDING):
		return ErrWouldBlock
	default:
		return &os.PathError{Op: "LockFileEx", Path: f.Name(), Err: err}
	}
}

func unlock(f *os.File) error {
	if err := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange()); err != nil {
		return &os.PathError{Op: "UnlockFileEx", Path: f.Name(), Err: err}
	}
	return nil
}

const shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE

func open(name string, access, disposition uint32) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := windows.CreateFile(p, access, shareAll, nil, disposition, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

func openShared(name string) (*os.File, error) {
	return open(name, windows.GENERIC_READ, windows.OPEN_EXISTING)
}

// createShared ignores perm: the file gets its folder's inherited ACL.
func createShared(name string, exclusive bool, _ os.FileMode) (*os.File, error) {
	disposition := uint32(windows.CREATE_ALWAYS)
	if exclusive {
		disposition = windows.CREATE_NEW
	}
	return open(name, windows.GENERIC_READ|windows.GENERIC_WRITE, disposition)
}

func openFolder(string) (*os.File, error) { return nil, ErrUnsupported }

func openReplaceable(string) (*os.File, error) { return nil, ErrUnsupported }

// fileStandardInfo is FILE_STANDARD_INFO.
type fileStandardInfo struct {
	AllocationSize int64
	EndOfFile      int64
	NumberOfLinks  uint32
	DeletePending  byte
	Directory      byte
}

func unlinked(f *os.File) bool {
	var info fileStandardInfo
	err := windows.GetFileInformationByHandleEx(windows.Handle(f.Fd()), windows.FileStandardInfo, (*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	return err == nil && (info.DeletePending != 0 || info.NumberOfLinks == 0)
}
