// Command kubeboot replaces the getting-started page of shell one-liners:
// it installs a verified kubectl, imports the cloud's kubeconfig safely and
// checks that the credentials work. This file is wiring only: the host and
// the exit code. Each command lives in its own cmd_*.go file (an options
// struct, a NewCmdX constructor and a run function); the work is done by
// the bootstrap library.
package main

import "os"

// Set at link time by the release build.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(execute(osHost(), os.Args[1:]))
}
