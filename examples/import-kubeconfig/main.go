// Command import-kubeconfig shows how a cloud provider's own CLI merges the
// kubeconfig it hands out into the user's, under its own context name,
// without ever losing what the user had: conflicts are renamed, the previous
// file is backed up, and the write is locked and atomic.
//
//	go run ./examples/import-kubeconfig -file ./acme-kubeconfig [-context acme] [-dry-run]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

func main() {
	file := flag.String("file", "", "the provider's kubeconfig to import (required)")
	contextName := flag.String("context", "acme", "context to select after the import")
	dryRun := flag.Bool("dry-run", false, "show what would change, write nothing")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "import-kubeconfig: -file is required")
		os.Exit(2)
	}

	res, err := kubeconfig.Import(context.Background(), kubeconfig.ImportOptions{
		Source:  *file,
		Context: *contextName,
		Policy:  kubeconfig.ConflictRename, // keep both when a name is taken
		DryRun:  *dryRun,
	})
	var conflict *kubeconfig.ConflictError
	switch {
	case errors.As(err, &conflict):
		fmt.Fprintln(os.Stderr, "names taken:", conflict.Conflicts)
		os.Exit(5)
	case errors.Is(err, kubeconfig.ErrUnknownContext):
		fmt.Fprintf(os.Stderr, "%s defines no context %q: %v\n", *file, *contextName, err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "import-kubeconfig:", err)
		os.Exit(1)
	}

	fmt.Printf("kubeconfig %s: written=%v backup=%q context=%s (was %q)\n",
		res.File, res.Written, res.Backup, res.Context, res.PreviousContext)
	for _, k := range kubeconfig.Kinds {
		ch := res.Changes.Of(k)
		for _, r := range ch.Renamed {
			fmt.Printf("  %s %s is now %s\n", k, r.From, r.To)
		}
	}
}
