package verify

import "syscall"

// errNetUnreachable is the error of a dial with no route to the network
// (WSAENETUNREACH).
const errNetUnreachable = syscall.Errno(10051)
