package convert_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/convert/converttest"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/recipetest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// TestMigratingDoc: each "before" of docs/migrating.md converts to exactly
// its "after" (the header comment aside, which names the file converted),
// and the "after" is a valid slo.yaml of the same specs.
func TestMigratingDoc(t *testing.T) {
	examples := recipetest.Examples(t, "docs/migrating.md")
	for _, tool := range []string{"sloth", "pyrra", "openslo"} {
		t.Run(tool, func(t *testing.T) {
			before, after := examples[tool+"-before"], examples[tool+"-after"]
			if before == "" || after == "" {
				t.Fatalf("no %s-before or %s-after example", tool, tool)
			}
			dir := slodtest.WriteSpecs(t, map[string]string{tool + ".yaml": before})
			l := converttest.Load(t, dir)
			if len(l.Problems) > 0 || len(l.Converted) != 1 {
				t.Fatalf("problems %v, %d services converted", l.Problems, len(l.Converted))
			}
			svc := l.Converted["checkout"]
			got, err := svc.YAML()
			if err != nil {
				t.Fatal(err)
			}
			if body(string(got)) != body(after) {
				t.Errorf("%s converts to\n%s\nbut the page shows\n%s", tool, got, after)
			}
			spec, problems := slo.Parse("checkout.yaml", []byte(after))
			if len(problems) > 0 {
				t.Fatalf("the page's after is invalid: %v", problems)
			}
			if want := l.Specs[0]; !reflect.DeepEqual(spec.SLOs, want.SLOs) || !reflect.DeepEqual(spec.Labels, want.Labels) {
				t.Errorf("after reads as %+v, the before as %+v", spec, want)
			}
		})
	}
}

// body is a file without its first line, the comment naming its source.
func body(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	if !strings.HasPrefix(first, "# Converted from") {
		return s
	}
	return rest
}
