// Command kubectl-standin is a small real executable that answers
// `kubectl version --client` like kubectl does. Tests and the demo serve it
// from a local mirror where building the real 62 MB kubectl would take
// minutes. Build it with -ldflags "-X main.gitVersion=v1.37.2".
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

var gitVersion = "v0.0.0-standin"

func main() {
	args := strings.Join(os.Args[1:], " ")
	switch {
	case strings.HasPrefix(args, "version") && strings.Contains(args, "-o json"):
		json.NewEncoder(os.Stdout).Encode(map[string]any{
			"clientVersion": map[string]string{"gitVersion": gitVersion},
		})
	case strings.HasPrefix(args, "version"):
		fmt.Println("Client Version:", gitVersion)
	default:
		fmt.Fprintln(os.Stderr, "kubectl-standin: only `version` is implemented")
		os.Exit(1)
	}
}
