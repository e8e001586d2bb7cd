package integration

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
	"github.com/slo-dev/slo/internal/testing/vmtest"
)

// vmFlags is how slod needs VictoriaMetrics run (README, "VictoriaMetrics"):
// by default its query_range drops the points of the last
// -search.latencyOffset (30s) when the step is under a minute, and slod
// asks for one evaluation at now with a 1s step, so it measures nothing
// (TestVictoriaMetricsDroppedPoints).
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
	// A minute back: an instant query within -search.latencyOffset (30s)
	// of VictoriaMetrics' clock is answered for that much earlier, which
	// drops the newest sample or not depending on where now falls.
	at := now.Add(-time.Minute)
	for _, w := range []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour, synth.Day} {
		q := fmt.Sprintf(`sum(increase(http_requests_total{service="incident",code=~"5.."}[%s]))`, model.Duration(w))
		truth := sc.Errors(at.Add(-w), at)
		p, err := prom.Query(ctx, q, at)
		if err != nil {
			t.Fatal(err)
		}
		v, err := vm.Query(ctx, q, at)
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
		if sampled := sc.Errors(lastSample(at.Add(-w)), lastSample(at)); math.Abs(v-sampled) > 1e-9*sampled {
			t.Errorf("victoriametrics: increase over %s is %.4f; the truth between the last samples before its edges is %.4f", model.Duration(w), v, sampled)
		}
	}
}

// vmMaxStaleness is the max_staleness of TestVictoriaMetricsDroppedPoints'
// spec: the restored numbers expire a few cycles after the restart.
const vmMaxStaleness = 6 * time.Second

// TestVictoriaMetricsDroppedPoints runs slod against VictoriaMetrics with
// its default flags, which leave out the newest points of slod's
// measurement of now: the tails and the 5m window would read as no
// traffic and a fast burn would pass the gate. slod must fail closed
// instead, and say why: a fresh slod denies with measurement_error, and a
// slod restarted onto it from numbers measured with the fix keeps denying
// (the stale fast burn), then denies by on_missing_data once they are
// older than max_staleness. Each names the dropped points and the fix; the
// log says it once, not every cycle.
func TestVictoriaMetricsDroppedPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("integration: skipped in -short mode")
	}
	sc := newScenarios(time.Now()).fastBurn
	fixed := vmtest.Start(t, vmFlags, sc)
	dropping := vmtest.Start(t, nil, sc)
	specs := slodtest.WriteSpecs(t, map[string]string{"fast-burn.yaml": eventsSpec("fast-burn", "fast-burn", "99.9%", "window: 30d",
		fmt.Sprintf("policy:\n  min_events: 100\n  max_staleness: %s\n", model.Duration(vmMaxStaleness)))})
	const path = "/api/v1/services/fast-burn/can-deploy?priority=normal"
	namesFix := func(msg string) bool {
		return strings.Contains(msg, "without its newest points") && strings.Contains(msg, "-search.maxStepForPointsAdjustment=1ms")
	}
	reason := func(g slodtest.Gate, code string) (api.Reason, bool) {
		for _, r := range g.Reasons {
			if r.Code == code {
				return r, true
			}
		}
		return api.Reason{}, false
	}

	t.Run("fresh slod", func(t *testing.T) {
		d := slodtest.Start(t, slodtest.Options{SLOs: specs, PrometheusURL: dropping.URL})
		var g slodtest.Gate
		slodtest.WaitFor(t, 30*time.Second, "a measurement", func() bool {
			d.GetJSON(t, path, &g)
			return g.SLOs[0].EvaluatedAt != nil || g.SLOs[0].Error != ""
		})
		r, _ := reason(g, "measurement_error")
		if g.Allowed || g.Decision != "deny" || r.Decision != "deny" || !namesFix(r.Message) {
			t.Errorf("fresh slod: %s (allowed %v) %+v; want a denial by measurement_error naming the dropped points and the fix", g.Decision, g.Allowed, g.Reasons)
		}
	})

	db := filepath.Join(t.TempDir(), "slod.db")
	t.Run("with the fix flag", func(t *testing.T) {
		d := slodtest.Start(t, slodtest.Options{SLOs: specs, DB: db, PrometheusURL: fixed.URL})
		d.Fresh(t, "fast-burn", time.Minute)
		var g slodtest.Gate
		d.GetJSON(t, path, &g)
		if g.Allowed || !slices.Contains(g.Codes(), "fast_burn") {
			t.Errorf("with %v: %s (allowed %v) %v; want denied for fast_burn as against Prometheus", vmFlags, g.Decision, g.Allowed, g.Codes())
		}
		if err := d.Stop(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("restarted onto default flags", func(t *testing.T) {
		d := slodtest.Start(t, slodtest.Options{SLOs: specs, DB: db, PrometheusURL: dropping.URL})
		restored := d.Service(t, "fast-burn").SLOs[0].EvaluatedAt
		if restored == nil {
			t.Fatal("no numbers restored from the first slod's database")
		}
		measuredAt := *restored
		var g slodtest.Gate
		polls := 0
		slodtest.WaitFor(t, vmMaxStaleness+30*time.Second, "a denial by on_missing_data", func() bool {
			polls++
			d.GetJSON(t, path, &g)
			if g.Allowed {
				t.Fatalf("poll %d: allowed %v on numbers from %v", polls, g.Codes(), measuredAt)
			}
			r, ok := reason(g, "stale_data")
			return ok && r.Decision == "deny"
		})
		r, _ := reason(g, "stale_data")
		if !namesFix(r.Message) || !strings.Contains(r.Message, "older than max_staleness") {
			t.Errorf("stale_data reason %q; want it to name max_staleness, the dropped points and the fix", r.Message)
		}
		s := d.Service(t, "fast-burn")
		if !s.Stale || !namesFix(s.LastError) || !namesFix(s.SLOs[0].Error) || !s.SLOs[0].EvaluatedAt.Equal(measuredAt) {
			t.Errorf("service: stale %v, last_error %q, SLO error %q evaluated %v; want stale since %v with the error",
				s.Stale, s.LastError, s.SLOs[0].Error, s.SLOs[0].EvaluatedAt, measuredAt)
		}
		var cycles float64
		slodtest.WaitFor(t, 30*time.Second, "3 failed cycles", func() bool {
			cycles = metric(t, metrics(t, d), `slod_evaluation_errors_total{service="fast-burn"}`)
			return cycles >= 3
		})
		if n := strings.Count(d.Log(), "Prometheus answers without its newest points"); n != 1 {
			t.Errorf("%d log lines about dropped points over %v failed cycles, want 1", n, cycles)
		}
		t.Logf("denied at all %d polls; on_missing_data after %v (%v failed cycles); %s",
			polls, time.Since(measuredAt).Round(100*time.Millisecond), cycles, r.Message)
	})
}
