//go:build !windows

package verify

import "syscall"

// errNetUnreachable is the error of a dial with no route to the network.
const errNetUnreachable = syscall.ENETUNREACH
