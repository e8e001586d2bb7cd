package api

import (
	"strings"
	"testing"
)

// Every problem type declared in problem.go is documented for the
// /docs/problems page, once, and completely.
func TestEveryProblemTypeIsDocumented(t *testing.T) {
	documented := map[string]int{}
	for _, d := range ProblemDocList {
		documented[d.Name()]++
		if !strings.HasPrefix(d.Type, ProblemDocs+"#") || d.Status < 400 || d.When == "" || d.Do == "" {
			t.Errorf("%+v is not a complete entry", d)
		}
	}
	names := problemTypeNames(t)
	for _, n := range names {
		if documented[n] != 1 {
			t.Errorf("problem type %q is documented %d times, want once", n, documented[n])
		}
	}
	if len(ProblemDocList) != len(names) {
		t.Errorf("%d types documented, %d declared", len(ProblemDocList), len(names))
	}
}
