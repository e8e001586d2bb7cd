// Package converttest helps the converters' tests: it loads fixtures the
// way slod does and finds the lines that problems must name, by the text
// written on them, so expectations come from the fixture and not from the
// code under test.
//
// Only tests import it.
package converttest

import (
	"os"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/slo"
)

// Line is the 1-based number of the first line of file holding text.
func Line(t testing.TB, file, text string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", file, text)
	return 0
}

// Load loads paths as slod does.
func Load(t testing.TB, paths ...string) slo.Loaded {
	t.Helper()
	return slo.Sources{Paths: paths}.Discover().LoadAll()
}

// Valid loads paths as slod does and fails the test on any problem.
func Valid(t testing.TB, paths ...string) slo.Loaded {
	t.Helper()
	l := Load(t, paths...)
	if len(l.Problems) > 0 {
		t.Fatalf("problems: %v", l.Problems)
	}
	return l
}

// Has reports whether problems hold one at file:line whose field and
// message contain field and text.
func Has(problems []slo.Problem, file string, line int, field, text string) bool {
	for _, p := range problems {
		if p.File == file && p.Line == line && strings.Contains(p.Field, field) && strings.Contains(p.Message, text) {
			return true
		}
	}
	return false
}

// Spec returns the spec of service among specs, failing without it.
func Spec(t testing.TB, specs []slo.Spec, service string) slo.Spec {
	t.Helper()
	for _, s := range specs {
		if s.Service == service {
			return s
		}
	}
	t.Fatalf("no service %q among %d specs", service, len(specs))
	return slo.Spec{}
}
