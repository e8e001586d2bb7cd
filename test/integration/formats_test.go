package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// otherFormats are spec files of other tools, as slod reads them from its
// --slos folder without conversion: an OpenSLO SLO (counter queries, 7d),
// a Sloth service (its queries as written, Sloth's 30d) and a Pyrra
// objective (counters, 30d).
var otherFormats = map[string]string{
	"openslo.yaml": `apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: openslo
  indicator:
    metadata:
      name: openslo-requests
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="openslo",code=~"5.."})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="openslo"})
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 7d
      isRolling: true
  objectives:
    - target: 0.999
`,
	"sloth.yaml": `version: "prometheus/v1"
service: sloth
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{service="sloth",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{service="sloth"}[{{.window}}]))
`,
	"pyrra.yaml": `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: availability
  labels:
    pyrra.dev/service: pyrra
spec:
  target: "99.9"
  window: 30d
  indicator:
    ratio:
      errors:
        metric: http_requests_total{service="pyrra",code=~"5.."}
      total:
        metric: http_requests_total{service="pyrra"}
`,
}

// TestOtherFormats runs slod on OpenSLO, Sloth and Pyrra files against a
// real Prometheus and checks every number against the ground truth, as
// for slo.yaml: the conversion measures what the source meant.
func TestOtherFormats(t *testing.T) {
	if testing.Short() {
		t.Skip("integration: skipped in -short mode")
	}
	now := time.Now()
	start, end := now.Add(-35*synth.Day), now.Add(promtest.Lead)
	incident := func(service string, daysAgo int, ratio float64) synth.Scenario {
		at := now.Add(-time.Duration(daysAgo) * synth.Day)
		return synth.Scenario{Service: service, Start: start, End: end, Default: synth.Traffic{RPS: 10, ErrorRatio: 0.0002},
			Segments: []synth.Segment{{From: at, To: at.Add(12 * time.Hour), Traffic: synth.Traffic{RPS: 10, ErrorRatio: ratio}}}}
	}
	// Worked by hand, as burn rate times share of the window: the 0.02%
	// background burns 0.2 of a 99.9% budget; 12h at 0.4% burn 4 for
	// 0.5/7 of a 7d window; at 3% and 1%, 30 and 10 for 0.5/30 of 30d.
	scenarios := []synth.Scenario{incident("openslo", 3, 0.004), incident("sloth", 20, 0.03), incident("pyrra", 10, 0.01)}
	consumed := map[string]float64{
		"openslo": 0.2*6.5/7 + 4*0.5/7,     // 0.4714
		"sloth":   0.2*29.5/30 + 30*0.5/30, // 0.6967
		"pyrra":   0.2*29.5/30 + 10*0.5/30, // 0.3633
	}
	srv := promtest.Start(t, scenarios...)
	d := slodtest.Start(t, slodtest.Options{SLOs: slodtest.WriteSpecs(t, otherFormats), PrometheusURL: srv.URL, Interval: 2 * time.Second})
	slodtest.WaitFor(t, 30*time.Second, "/readyz", func() bool {
		status, _, _ := d.Do(t, http.MethodGet, "/readyz", nil, nil)
		return status == http.StatusOK
	})
	windows := map[string]time.Duration{"openslo": 7 * synth.Day, "sloth": 30 * synth.Day, "pyrra": 30 * synth.Day}
	for _, sc := range scenarios {
		t.Run(sc.Service, func(t *testing.T) {
			g := d.Fresh(t, sc.Service, time.Minute)
			o := availability(sc, 0.999, windows[sc.Service], 100)
			checkGate(t, "GET /services/"+sc.Service, g, []objective{o})
			tr := checkSLO(t, sc.Service, g.SLOs[0], o)
			t.Logf("%s: consumed %.4f (truth %.4f), largest deviation %.2e in %s", sc.Service, g.SLOs[0].Budget.Consumed, tr.consumed, tr.worst, tr.worstField)
			if want := consumed[sc.Service]; !near(g.SLOs[0].Budget.Consumed, want, want) {
				t.Errorf("%s: consumed %.4f, worked by hand %.4f", sc.Service, g.SLOs[0].Budget.Consumed, want)
			}
		})
	}
}
