package openslo_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/convert/converttest"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// TestSet reads testdata/set, written by hand from the OpenSLO v1 spec: a
// Service and a DataSource in one file, an SLI, two SLOs (one with an
// indicatorRef, one with an inline thresholdMetric and two objectives), an
// AlertPolicy, conditions and a notification target in another.
func TestSet(t *testing.T) {
	dir := filepath.Join("testdata", "set")
	l := converttest.Valid(t, dir)
	s := converttest.Spec(t, l.Specs, "checkout")
	service := filepath.Join(dir, "service.yaml")
	slos := filepath.Join(dir, "slos.yaml")
	if s.File != service || s.Labels["tier"] != "1" || len(s.Labels) != 1 {
		t.Errorf("file %s labels %v; want %s and tier=1 from the Service", s.File, s.Labels, service)
	}
	if len(s.SLOs) != 3 {
		t.Fatalf("%d SLOs, want availability and one per latency objective", len(s.SLOs))
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	avail, fast, slow := s.SLOs[0], s.SLOs[1], s.SLOs[2]
	// target 0.999 is 99.9%; 28d rolling; counter: true wraps each
	// selector in rate over the window and the whole in sum().
	if avail.Name != "availability" || avail.Target != 0.999 || avail.Window != 28*24*time.Hour || avail.Calendar != "" ||
		avail.Description != "Successful checkout requests" || avail.SLI.Events == nil ||
		avail.SLI.Events.Errors != `sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))` ||
		avail.SLI.Events.Total != `sum(rate(http_requests_total{service="checkout"}[{{.window}}]))` {
		t.Errorf("availability: %+v %+v", avail, avail.SLI.Events)
	}
	// Two objectives: named after the SLO and the objective; value 0.3 of a
	// *_seconds histogram is 300ms; calendar month in Berlin.
	for _, c := range []struct {
		o         slo.SLO
		name      string
		target    float64
		threshold time.Duration
	}{{fast, "latency-fast", 0.95, 300 * time.Millisecond}, {slow, "latency-slow", 0.995, time.Second}} {
		lat := c.o.SLI.Latency
		if c.o.Name != c.name || c.o.Target != c.target || c.o.Calendar != slo.CalendarMonth || c.o.Location.String() != berlin.String() ||
			lat == nil || lat.Metric != "http_request_duration_seconds" || lat.Selector != `{service="checkout"}` || lat.Threshold != c.threshold {
			t.Errorf("%s: %+v %+v", c.name, c.o, lat)
		}
	}
	// Reported, not dropped: each at the line it is about.
	for _, w := range []struct {
		file, text, field, message string
	}{
		{service, "displayName: Checkout", "metadata.displayName", "not carried over"},
		{service, "description: Takes", "spec.description", "no service description"},
		{service, "connectionDetails:", "spec.connectionDetails", "--prometheus-url"},
		{slos, "name: odd-window", "metadata.name", "burnrate gte 10 over 2h is none of slod's burn-rate alerts for a 4w window (13.44x/1h, 5.6x/6h, 2.8x/1d, 1x/3d)"},
		{slos, "notificationTargets:", "spec.notificationTargets", "Alertmanager"},
	} {
		if !converttest.Has(l.Warnings, w.file, converttest.Line(t, w.file, w.text), w.field, w.message) {
			t.Errorf("no warning %s at %s line %q; warnings: %v", w.message, w.file, w.text, l.Warnings)
		}
	}
	// page-1h (13.44 over 1h) is slod's own 1h page alert for 28d: mapped.
	if converttest.Has(l.Warnings, slos, converttest.Line(t, slos, "name: page-1h"), "", "") {
		t.Errorf("page-1h equals slod's 1h page alert but was warned about: %v", l.Warnings)
	}
	if len(l.Warnings) != 5 {
		t.Errorf("%d warnings, want the 5 above: %v", len(l.Warnings), l.Warnings)
	}
}

// header is an SLO document up to its indicator, for the bad-input cases.
const header = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 30d
      isRolling: true
  objectives:
    - target: 0.999
`

const ratioIndicator = `  indicator:
    metadata:
      name: requests
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{code="500"}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total
`

// TestBadInput checks that what cannot be converted is a problem naming
// the file, the line (marked "# <-" in each case) and the field.
func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		name, doc, field, message string
	}{
		{"unknown kind", "apiVersion: openslo/v1\nkind: Dashboard # <-\nmetadata: {name: x}\nspec: {}\n", "kind", `unknown kind "Dashboard"`},
		{"old version", "apiVersion: openslo/v1alpha # <-\nkind: SLO\nmetadata: {name: x}\nspec: {}\n", "apiVersion", "only openslo/v1"},
		{"missing SLI", header + "  indicatorRef: nowhere # <-\n", "spec.indicatorRef", `no SLI named "nowhere"`},
		{"not Prometheus", header + `  indicator:
    metadata: {name: dd}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Datadog # <-
            spec: {query: "sum:requests{ok}"}
        total:
          metricSource:
            type: Prometheus
            spec: {query: requests_total}
`, "spec.ratioMetric.good.metricSource.type", `data source "Datadog" is not supported`},
		{"timeslices", replace(header, "budgetingMethod: Occurrences", "budgetingMethod: Timeslices # <-") + ratioIndicator, "spec.budgetingMethod", "Timeslices is not supported"},
		{"rolling month", replace(header, "duration: 30d", "duration: 1M # <-") + ratioIndicator, "spec.timeWindow[0].duration", "a rolling 1M has no fixed length"},
		{"calendar quarter", replace(header, "duration: 30d\n      isRolling: true", "duration: 1Q # <-\n      calendar: {startTime: 2024-01-01 00:00:00}") + ratioIndicator, "spec.timeWindow[0].duration", "calendar window of 1Q"},
		{"month start", replace(header, "duration: 30d\n      isRolling: true", "duration: 1M\n      calendar:\n        startTime: 2024-01-15 00:00:00 # <-") + ratioIndicator, "spec.timeWindow[0].calendar.startTime", "does not start a month"},
		{"raw ratio", header + `  indicator:
    metadata: {name: raw}
    spec:
      ratioMetric:
        counter: false
        raw: # <-
          metricSource: {type: Prometheus, spec: {query: error_ratio}}
        rawType: failure
`, "spec.ratioMetric.raw", "raw (precomputed) ratio is not supported"},
		{"gauge without counter", header + `  indicator:
    metadata: {name: g}
    spec:
      ratioMetric:
        counter: false
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(up) # <-
        total:
          metricSource: {type: Prometheus, spec: {query: "sum(rate(x[5m]))"}}
`, "spec.ratioMetric.good.metricSource.spec.query", "is no rate"},
		{"latency above", replace(header, "    - target: 0.999\n", "    - op: gte # <-\n      value: 0.5\n      target: 0.99\n") + `  indicator:
    metadata: {name: lat}
    spec:
      thresholdMetric:
        metricSource: {type: Prometheus, spec: {query: "http_request_duration_seconds_bucket"}}
`, "spec.objectives[0].op", "gte is not supported"},
		{"missing alert policy", header + ratioIndicator + "  alertPolicies:\n    - alertPolicyRef: paging # <-\n", "spec.alertPolicies[0].alertPolicyRef", `no AlertPolicy named "paging"`},
		{"unknown field", replace(header, "  service: checkout\n", "  service: checkout\n  sevrice: typo # <-\n") + ratioIndicator, "spec.sevrice", "unknown field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := slodtest.WriteSpecs(t, map[string]string{"slo.yaml": c.doc})
			file := filepath.Join(dir, "slo.yaml")
			l := converttest.Load(t, dir)
			line := converttest.Line(t, file, "# <-")
			if !converttest.Has(l.Problems, file, line, c.field, c.message) {
				t.Errorf("want a problem at %s:%d: %s: ...%s...; got %v", file, line, c.field, c.message, l.Problems)
			}
			if len(l.Specs) != 0 {
				t.Errorf("a spec was loaded despite the problem: %+v", l.Specs)
			}
		})
	}
}

func replace(s, old, new string) string {
	out := strings.Replace(s, old, new, 1)
	if out == s {
		panic("fixture: " + old + " not found")
	}
	return out
}

// TestCollapsingNames: two SLOs whose names differ only in case and
// punctuation would share one id in slod's URLs, labels and store.
func TestCollapsingNames(t *testing.T) {
	dir := slodtest.WriteSpecs(t, map[string]string{
		"a.yaml": header + ratioIndicator,
		"b.yaml": replace(header, "name: availability", "name: Availability # <-") + ratioIndicator,
	})
	l := converttest.Load(t, dir)
	file := filepath.Join(dir, "b.yaml")
	if !converttest.Has(l.Problems, file, converttest.Line(t, file, "# <-"), "name", "clashes with") {
		t.Errorf("want the clash named at %s; got %v", file, l.Problems)
	}
}

// TestUnused: definitions no SLO uses are reported, not dropped quietly.
func TestUnused(t *testing.T) {
	dir := slodtest.WriteSpecs(t, map[string]string{"a.yaml": header + ratioIndicator + `---
apiVersion: openslo/v1
kind: SLI
metadata: {name: spare} # <- sli
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: Prometheus, spec: {query: ok_total}}}
    total: {metricSource: {type: Prometheus, spec: {query: all_total}}}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: idle} # <- policy
spec:
  conditions: []
`})
	file := filepath.Join(dir, "a.yaml")
	l := converttest.Valid(t, dir)
	for _, c := range []struct{ mark, message string }{
		{"# <- sli", `SLI "spare" is used by no SLO`},
		{"# <- policy", `AlertPolicy "idle" is used by no SLO`},
	} {
		if !converttest.Has(l.Warnings, file, converttest.Line(t, file, c.mark), "metadata.name", c.message) {
			t.Errorf("no warning %q: %v", c.message, l.Warnings)
		}
	}
	if len(l.Specs) != 1 {
		t.Errorf("%d specs; unused definitions must not stop the SLO", len(l.Specs))
	}
}
