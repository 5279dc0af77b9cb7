// Command kubectl-standin is a small real executable that answers
// `kubectl version --client` like kubectl does. Tests and the demo serve it
// from a local mirror where building the real 62 MB kubectl would take
// minutes. Build it with -ldflags "-X main.gitVersion=v1.37.2".
//
// For tests of what passes through a wrapper, it also answers (after any
// --kubeconfig/--context flags):
//
//	args           prints its arguments as a JSON array
//	exit N         exits with code N
//	cat            copies stdin to stdout
//	wait-signal    prints "ready", then on SIGINT prints "interrupted" and exits 42
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

var gitVersion = "v0.0.0-standin"

func main() {
	rest := os.Args[1:]
	for len(rest) > 0 {
		switch {
		case (rest[0] == "--kubeconfig" || rest[0] == "--context") && len(rest) > 1:
			rest = rest[2:]
			continue
		case strings.HasPrefix(rest[0], "--kubeconfig=") || strings.HasPrefix(rest[0], "--context="):
			rest = rest[1:]
			continue
		}
		break
	}
	args := strings.Join(rest, " ")
	switch {
	case strings.HasPrefix(args, "version") && strings.Contains(args, "-o json"):
		json.NewEncoder(os.Stdout).Encode(map[string]any{
			"clientVersion": map[string]string{"gitVersion": gitVersion},
		})
	case strings.HasPrefix(args, "version"):
		fmt.Println("Client Version:", gitVersion)
	case len(rest) > 0 && rest[0] == "args":
		json.NewEncoder(os.Stdout).Encode(os.Args[1:])
	case len(rest) == 2 && rest[0] == "exit":
		n, _ := strconv.Atoi(rest[1])
		os.Exit(n)
	case args == "cat":
		io.Copy(os.Stdout, os.Stdin)
	case args == "wait-signal":
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		fmt.Println("ready")
		select {
		case <-sig:
			fmt.Println("interrupted")
			os.Exit(42)
		case <-time.After(time.Minute):
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "kubectl-standin: only version, args, exit, cat and wait-signal are implemented")
		os.Exit(1)
	}
}
