package verify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The library speaks no CLI: no string of verify or kubeconfig (outside
// tests) names a kubeboot command or a flag. Callers word hints with
// theirs from the typed errors and facts.
func TestLibraryNamesNoCLI(t *testing.T) {
	flag := regexp.MustCompile(`(^|\s)--[a-z]`)
	for _, dir := range []string{".", "../kubeconfig"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				if strings.Contains(s, "kubeboot ") || flag.MatchString(s) {
					t.Errorf("%s: %q names a CLI command or flag", fset.Position(lit.Pos()), s)
				}
				return true
			})
		}
	}
}
