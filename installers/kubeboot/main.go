// Command kubeboot replaces the getting-started page of shell one-liners:
// it installs a verified kubectl, imports the cloud's kubeconfig safely and
// checks that the credentials work. This file is wiring only: the host and
// the exit code. Each command lives in its own cmd_*.go file (an options
// struct, a NewCmdX constructor and a run function); the work is done by
// the bootstrap library.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// Set at link time by the release build.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// gcPercent is kubeboot's GOGC unless the user sets one. A run lasts
// milliseconds and keeps little alive, yet reading a large kubeconfig
// grows the heap past the runtime's first 4 MB goal and starts a
// collection that costs more than it frees (use on 1,000 contexts: 44 ->
// 37 ms); the memory limit brings collections back long before the
// heap could matter.
const (
	gcPercent   = 400
	memoryLimit = 256 << 20
)

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(gcPercent)
		debug.SetMemoryLimit(memoryLimit)
	}
	// Started as kubectl (the shim), kubeboot is `kubeboot kubectl -- ARGS`.
	os.Exit(execute(osHost(), shimArgs(runtime.GOOS, os.Args[0], os.Args[1:])))
}
