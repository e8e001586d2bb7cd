package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every problem type is listed in the README's API section, and nothing
// else is: clients read the list to know what they may compare.
func TestReadmeListsProblemTypes(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| \\d{3}").FindAllStringSubmatch(string(readme), -1) {
		listed[m[1]] = true
	}
	names := problemTypeNames(t)
	for _, n := range names {
		if !listed[n] {
			t.Errorf("problem type %q is not in the README's list", n)
		}
	}
	if len(listed) != len(names) {
		t.Errorf("the README lists %d problem types, internal/api has %d", len(listed), len(names))
	}
}

// problemTypeNames reads the names after problemBase from problem.go.
func problemTypeNames(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "problem.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || !strings.HasPrefix(spec.Names[0].Name, "Problem") || spec.Names[0].Name == "ProblemDocs" {
			return true
		}
		var lit *ast.BasicLit
		if sum, ok := spec.Values[0].(*ast.BinaryExpr); ok {
			lit, _ = sum.Y.(*ast.BasicLit)
		}
		if lit == nil {
			t.Fatalf("%s is not problemBase + a name", spec.Names[0].Name)
		}
		name, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatalf("%s: %v", spec.Names[0].Name, err)
		}
		names = append(names, name)
		return true
	})
	if len(names) == 0 {
		t.Fatal("no problem types found in problem.go")
	}
	return names
}
