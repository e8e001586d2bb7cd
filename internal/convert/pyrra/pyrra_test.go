package pyrra_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/convert/converttest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// TestExamples reads ratio (with grouping), latency and bool_gauge
// objectives written after Pyrra's examples.
func TestExamples(t *testing.T) {
	file := filepath.Join("testdata", "slos.yaml")
	l := converttest.Valid(t, file)
	// pyrra.dev/service groups the first two into one service; the third
	// has none and is a service of its own, named after it.
	pyrra := converttest.Spec(t, l.Specs, "pyrra")
	if pyrra.Labels["team"] != "operations" || len(pyrra.Labels) != 1 || len(pyrra.SLOs) != 2 {
		t.Fatalf("pyrra: labels %v, %d SLOs", pyrra.Labels, len(pyrra.SLOs))
	}
	errs, lat := pyrra.SLOs[0], pyrra.SLOs[1]
	// target "99" is 99%; 2w; counters become rates over the window.
	if errs.Name != "pyrra-api-errors" || errs.Target != 0.99 || errs.Window != 14*24*time.Hour ||
		errs.SLI.Events.Errors != `sum(rate(http_requests_total{job="pyrra",code=~"5.."}[{{.window}}]))` ||
		errs.SLI.Events.Total != `sum(rate(http_requests_total{job="pyrra"}[{{.window}}]))` {
		t.Errorf("errors: %+v %+v", errs, errs.SLI.Events)
	}
	// le="0.25" on a *_seconds histogram is a 250ms threshold.
	if l := lat.SLI.Latency; lat.Target != 0.995 || lat.Window != 28*24*time.Hour || l == nil ||
		l.Metric != "http_request_duration_seconds" || l.Selector != `{job="pyrra",handler="/api"}` || l.Threshold != 250*time.Millisecond {
		t.Errorf("latency: %+v %+v", lat, lat.SLI.Latency)
	}
	probe := converttest.Spec(t, l.Specs, "prometheus-probe-success")
	if o := probe.SLOs[0]; o.Target != 0.999 || o.SLI.Events == nil ||
		o.SLI.Events.Good != `sum(avg_over_time(probe_success{job="blackbox",instance="https://example.com"}[{{.window}}]))` ||
		o.SLI.Events.Total != `count(avg_over_time(probe_success{job="blackbox",instance="https://example.com"}[{{.window}}]))` {
		t.Errorf("bool_gauge: %+v %+v", o, o.SLI.Events)
	}
	for _, w := range []struct{ text, field, message string }{
		{"grouping:", "spec.indicator.ratio.grouping", "grouping by route is not carried over"},
		{"labels:", "metadata.labels", "prometheus, role not carried over"},
		{"alerting:", "spec.alerting", "not carried over"},
		{"namespace: monitoring", "metadata.namespace", "not carried over"},
	} {
		if !converttest.Has(l.Warnings, file, converttest.Line(t, file, w.text), w.field, w.message) {
			t.Errorf("no warning %q at %q: %v", w.message, w.text, l.Warnings)
		}
	}
}

// TestLatencyMismatch: success and total must read one histogram.
func TestLatencyMismatch(t *testing.T) {
	doc := `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: lat}
spec:
  target: "99"
  window: 7d
  indicator:
    latency:
      success: {metric: 'a_seconds_bucket{job="x",le="1"}'}
      total: {metric: 'a_seconds_count{job="y"}'} # <-
`
	dir := slodtest.WriteSpecs(t, map[string]string{"p.yaml": doc})
	file := filepath.Join(dir, "p.yaml")
	l := converttest.Load(t, dir)
	if !converttest.Has(l.Problems, file, converttest.Line(t, file, "# <-"), "total.metric", `selects a_seconds{job="y"} but success selects a_seconds{job="x"}`) {
		t.Errorf("got %v", l.Problems)
	}
}
