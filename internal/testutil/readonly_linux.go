package testutil

import (
	"os"

	"golang.org/x/sys/unix"
)

// fsImmutableFlag is FS_IMMUTABLE_FL from linux/fs.h, which x/sys does not export.
const fsImmutableFlag = 0x00000010

// setImmutable sets FS_IMMUTABLE_FL (chattr +i) on dir and returns the undo.
func setImmutable(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err != nil {
		return nil, err
	}
	if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags|fsImmutableFlag)); err != nil {
		return nil, err
	}
	return func() {
		g, err := os.Open(dir)
		if err != nil {
			return
		}
		defer g.Close()
		unix.IoctlSetPointerInt(int(g.Fd()), unix.FS_IOC_SETFLAGS, int(flags))
	}, nil
}
