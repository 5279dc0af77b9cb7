//go:build ignore

// Command sleeper stands in for a kubectl.exe that is running while
// kubeboot replaces it (scripts/wine-e2e.sh): it sleeps for the number of
// seconds given, 10 by default.
package main

import (
	"os"
	"strconv"
	"time"
)

func main() {
	secs := 10
	if len(os.Args) > 1 {
		secs, _ = strconv.Atoi(os.Args[1])
	}
	time.Sleep(time.Duration(secs) * time.Second)
}
