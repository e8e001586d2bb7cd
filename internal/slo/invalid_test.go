package slo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantProblem is one expected problem: its line, field and a fragment of
// the message that says what is wrong or what would be valid.
type wantProblem struct {
	line     int
	field    string
	fragment string
}

// Each file in testdata/invalid has one mistake (targte has two
// consequences); each must be reported with file, line and field.
var invalidSpecs = map[string][]wantProblem{
	"target-100.yaml":                         {{4, "slos[0].target", "below 100%"}},
	"target-zero.yaml":                        {{4, "slos[0].target", "above 0%"}},
	"target-abc.yaml":                         {{4, "slos[0].target", `"abc" is not a number`}},
	"target-fraction.yaml":                    {{4, "slos[0].target", "write 99.9%"}},
	"target-duration-without-percentile.yaml": {{4, "slos[0].target", "add percentile: 95"}},
	"window-30x.yaml":                         {{5, "slos[0].window", "like 30d, 4w, 1h30m or 30_days"}},
	"window-too-short.yaml":                   {{5, "slos[0].window", "at least 1h"}},
	"window-too-long.yaml":                    {{5, "slos[0].window", "2y is too long; give at most 366d, a year"}},
	"window-and-calendar.yaml":                {{6, "slos[0].calendar", "only one of window, measurement_window and calendar"}},
	"window-missing.yaml":                     {{3, "slos[0].window", "window: 30d (rolling) or calendar: month"}},
	"sli-missing.yaml":                        {{3, "slos[0].sli", "add sli:"}},
	"sli-both.yaml":                           {{11, "slos[0].sli.latency", "only one of events and latency"}},
	"sli-empty.yaml":                          {{6, "slos[0].sli", "give events:"}},
	"promql-syntax.yaml":                      {{8, "slos[0].sli.events.errors", "invalid PromQL"}},
	"promql-comment.yaml":                     {{9, "slos[0].sli.events.total", "# comment"}},
	"query-no-window.yaml":                    {{9, "slos[0].sli.events.total", "does not use {{.window}}"}},
	"query-unknown-key.yaml":                  {{9, "slos[0].sli.events.total", "only {{.window}} may be used"}},
	"query-range-vector.yaml":                 {{9, "slos[0].sli.events.total", "wrap it in rate()"}},
	"errors-equals-total.yaml":                {{8, "slos[0].sli.events.errors", "same query as total"}},
	"events-no-errors-or-good.yaml":           {{8, "slos[0].sli.events.errors", "give errors (bad events) or good"}},
	"events-no-total.yaml":                    {{8, "slos[0].sli.events.total", "missing"}},
	"duplicate-slo-names.yaml":                {{10, "slos[1].name", `clashes with slos[0] "availability"`}},
	"duplicate-key.yaml":                      {{6, "slos[0].target", "given twice (first on line 4)"}},
	"unknown-field-targte.yaml":               {{3, "slos[0].target", "missing"}, {4, "slos[0].targte", `did you mean "target"?); valid fields: name, description, target`}},
	"yaml-syntax.yaml":                        {{2, "", "invalid YAML"}}, // yaml.v3 names the enclosing list's line
	"empty.yaml":                              {{0, "", "file is empty"}},
	"comments-only.yaml":                      {{0, "", "file is empty"}},
	"root-list.yaml":                          {{1, "", "must be a mapping"}},
	"two-documents.yaml":                      {{10, "", "one service per file"}},
	"bad-service-name.yaml":                   {{1, "service", "[a-z0-9][a-z0-9-]*"}},
	"missing_service.yaml":                    {{1, "service", "add service: NAME"}},
	"slos-empty.yaml":                         {{2, "slos", "at least one SLO"}},
	"labels-bad-name.yaml":                    {{3, "labels.cost-center", "not a valid Prometheus label name"}},
	"unknown-timezone.yaml":                   {{6, "slos[0].timezone", "IANA name like Europe/Berlin"}},
	"timezone-without-calendar.yaml":          {{6, "slos[0].timezone", "applies only to calendar"}},
	"latency-bad-threshold.yaml":              {{10, "slos[0].sli.latency.threshold", "like 300ms"}},
	"latency-zero-threshold.yaml":             {{10, "slos[0].sli.latency.threshold", "above zero"}},
	"latency-metric-bucket.yaml":              {{8, "slos[0].sli.latency.metric", "without _bucket"}},
	"latency-selector-no-braces.yaml":         {{9, "slos[0].sli.latency.selector", "in braces"}},
	"latency-selector-le.yaml":                {{9, "slos[0].sli.latency.selector", "must not match le"}},
	"latency-threshold-conflict.yaml":         {{11, "slos[0].sli.latency.threshold", "contradicts target: 500ms"}},
	"percentile-on-events.yaml":               {{6, "slos[0].percentile", "applies only to sli.latency"}},
	"bad-policy-priority.yaml":                {{12, "policy.thresholds[0].allow[0]", "one of normal, critical, rollback"}},
	"bad-on-missing-data.yaml":                {{11, "policy.on_missing_data", "deny or allow"}},
	"bad-max-staleness.yaml":                  {{11, "policy.max_staleness", "like 10m"}},
	"bad-no-series-grace.yaml":                {{11, "policy.no_series_grace", "above zero"}},
	"duplicate-threshold.yaml":                {{13, "policy.thresholds[1].consumed", "same consumed"}},
	"exhausted-conflict.yaml":                 {{15, "error_budget.policy.budget_exhausted", "already has a 100% threshold"}},
}

func TestInvalidSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Every file in the folder is in the table, and the other way round.
	if len(files) != len(invalidSpecs) {
		t.Errorf("testdata/invalid has %d files, the table %d", len(files), len(invalidSpecs))
	}
	for name, want := range invalidSpecs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata/invalid", name)
			specs, problems := Load(path)
			if len(specs) != 0 {
				t.Errorf("loaded %d specs, want none", len(specs))
			}
			if len(problems) != len(want) {
				for _, p := range problems {
					t.Log(p)
				}
				t.Fatalf("got %d problems, want %d", len(problems), len(want))
			}
			for i, w := range want {
				p := problems[i]
				if p.File != path || p.Line != w.line || p.Field != w.field || !strings.Contains(p.Message, w.fragment) {
					t.Errorf("problem = %s\nwant %s:%d: %s: ...%s...", p, path, w.line, w.field, w.fragment)
				}
			}
		})
	}
}

// The same problems come from Parse on the bytes, named as Parse was told.
func TestParseNamesFile(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid/target-100.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, problems := Parse("services/checkout/slo.yaml", data)
	want := "services/checkout/slo.yaml:4: slos[0].target: 100% is too high; give a percentage below 100% (100% leaves no error budget), like 99.9%"
	if len(problems) != 1 || problems[0].String() != want {
		t.Errorf("problems = %v, want [%s]", problems, want)
	}
}
