package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// newFlags returns a flag set that reports errors instead of printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses flags placed anywhere among the positional arguments
// ("install kubectl --force" and "install --force kubectl" alike) and
// returns the positional ones. -h/--help prints the command's help.
func (a *app) parseFlags(c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	if a.flagSets != nil { // `kubeboot completion` is collecting flags
		a.flagSets[c.name] = fs
		return nil, errHelpShown
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.printCommandHelp(c)
				fmt.Fprintln(a.stdout, "\nFlags:")
				fs.SetOutput(a.stdout)
				fs.PrintDefaults()
				return nil, errHelpShown
			}
			return nil, flagError(c, fs, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError rewrites the flag package's message and suggests the closest
// flag for a misspelt one.
func flagError(c *command, fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
		name = "--" + strings.TrimLeft(name, "-")
		return usageErrorf("kubeboot %s has no flag %s%s", c.name, name, didYouMean(name, names))
	}
	return usageErrorf("kubeboot %s: %s", c.name, msg)
}

// didYouMean suggests the candidate closest to s, if one is close enough to
// be a typo.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 3 // more than two edits away is not a typo
	sort.Strings(candidates)
	for _, c := range candidates {
		d := editDistance(s, c)
		if len(s) >= 3 && strings.HasPrefix(c, s) {
			d = min(d, 1) // an abbreviation
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
