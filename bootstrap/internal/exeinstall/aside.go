package exeinstall

import (
	"slices"
	"strconv"
	"strings"
)

// AsideSuffix is what moving a running program aside adds to its name,
// before a number: kubectl.exe.old-1.
const AsideSuffix = ".old-"

// AsideNumber returns N when name is base's moved-aside copy base.old-N,
// else -1.
func AsideNumber(name, base string) int {
	rest, ok := strings.CutPrefix(name, base+AsideSuffix)
	if !ok || rest == "" {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || strconv.Itoa(n) != rest {
		return -1
	}
	return n
}

// AsidePlan is what a sweep does with the moved-aside copies of base:
// Restore (when base is missing) is renamed back to base, Remove are
// deleted (each only if its program has exited).
type AsidePlan struct {
	Restore string
	Remove  []string
}

// PlanAside decides, from the names in a folder, what to do with base's
// moved-aside copies: when base is missing (a run killed between its two
// renames), the newest copy goes back; every other copy is removed.
func PlanAside(names []string, base string) AsidePlan {
	var asides []string
	hasBase := false
	for _, n := range names {
		if n == base {
			hasBase = true
		} else if AsideNumber(n, base) > 0 {
			asides = append(asides, n)
		}
	}
	slices.SortFunc(asides, func(a, b string) int { return AsideNumber(b, base) - AsideNumber(a, base) })
	var p AsidePlan
	if !hasBase && len(asides) > 0 {
		p.Restore, asides = asides[0], asides[1:]
	}
	p.Remove = asides
	return p
}

// FreeAside returns the first base.old-N not among names.
func FreeAside(names []string, base string) string {
	for n := 1; ; n++ {
		c := base + AsideSuffix + strconv.Itoa(n)
		if !slices.Contains(names, c) {
			return c
		}
	}
}
