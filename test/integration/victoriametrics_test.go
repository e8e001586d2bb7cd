package integration

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/vmtest"
)

// vmFlags is how slod needs VictoriaMetrics run (README, "VictoriaMetrics"):
// by default its query_range drops the points of the last
// -search.latencyOffset (30s) when the step is under a minute, and slod
// asks for one evaluation at now with a 1s step, so its 5m window and
// tails read as empty.
var vmFlags = []string{"-search.maxStepForPointsAdjustment=1ms"}

// TestVictoriaMetrics runs the accuracy suite against a real
// VictoriaMetrics loaded with the same synthetic history through its
// import API: every budget, burn rate and gate decision within 1% of the
// ground truth, as against Prometheus.
func TestVictoriaMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("integration: skipped in -short mode")
	}
	began := time.Now()
	sc := newScenarios(began)
	vm := vmtest.Start(t, vmFlags, sc.all()...)
	t.Logf("monthly scenario: %s", sc.monthlyNote)
	testAccuracy(t, vm.URL, sc)
	t.Logf("TestVictoriaMetrics took %v", time.Since(began).Round(100*time.Millisecond))
}

// TestVictoriaMetricsRate measures how VictoriaMetrics' rate differs from
// Prometheus' on the same samples: an incident (0.01% to 2% errors) that
// began 90 minutes ago, sampled every minute, and increase() over windows
// ending now. Prometheus extrapolates the first and last samples' average
// slope to the window's edges, and must come within the 1% slod promises.
// MetricsQL does not extrapolate: it counts from the last sample at or
// before the window's start to the last sample at or before its end, so its
// answer must equal the ground truth over exactly that span. The logged
// deviations from the truth over the window itself are the figures README,
// "VictoriaMetrics", quotes.
func TestVictoriaMetricsRate(t *testing.T) {
	if testing.Short() {
		t.Skip("integration: skipped in -short mode")
	}
	now := time.Now().Truncate(time.Second)
	sc := synth.Scenario{Service: "incident", Start: now.Add(-3 * synth.Day), End: now.Add(promtest.Lead),
		Default:  synth.Traffic{RPS: 10, ErrorRatio: 0.0001},
		Segments: []synth.Segment{{From: now.Add(-90 * time.Minute), To: now.Add(promtest.Lead), Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.02}}}}
	prom := promtest.Start(t, sc)
	vm := vmtest.Start(t, vmFlags, sc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, w := range []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour, synth.Day} {
		q := fmt.Sprintf(`sum(increase(http_requests_total{service="incident",code=~"5.."}[%s]))`, model.Duration(w))
		truth := sc.Errors(now.Add(-w), now)
		p, err := prom.Query(ctx, q, now)
		if err != nil {
			t.Fatal(err)
		}
		v, err := vm.Query(ctx, q, now)
		if err != nil {
			t.Fatal(err)
		}
		relP, relV := (p-truth)/truth, (v-truth)/truth
		t.Logf("errors over %s: truth %.2f, prometheus %.2f (%+.3f%%), victoriametrics %.2f (%+.3f%%)", model.Duration(w), truth, p, 100*relP, v, 100*relV)
		if math.Abs(relP) > tol {
			t.Errorf("prometheus: increase over %s is %+.3g relative to the truth; want within %g", model.Duration(w), relP, tol)
		}
		lastSample := func(at time.Time) time.Time {
			return time.Unix(0, at.UnixNano()/int64(synth.DefaultStep)*int64(synth.DefaultStep))
		}
		if sampled := sc.Errors(lastSample(now.Add(-w)), lastSample(now)); math.Abs(v-sampled) > 1e-9*sampled {
			t.Errorf("victoriametrics: increase over %s is %.4f; the truth between the last samples before its edges is %.4f", model.Duration(w), v, sampled)
		}
	}
}
