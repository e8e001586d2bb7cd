// Package integration tests slod (issue 3): app.Run in-process against a
// real Prometheus (internal/testing/promtest) loaded with 35 days of
// synthetic traffic whose exact counts synth knows. Every number slod
// reports is compared with that ground truth; then the faults: Prometheus
// answering 5xx, hung, stopped, and slod restarted.
package integration

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// scenarios is the synthetic history shared by all subtests: one
// synth.Scenario per service name, backfilled into one Prometheus.
//
// Rate changes sit well inside the windows and far (hours) from every
// window edge at now-5m ... now-3d, now-7d and now-30d, so that rate()'s
// extrapolation is exact up to float rounding (see promtest.Increase).
type scenarios struct {
	now time.Time
	// healthy: 0.02% errors (burn 0.2) with a 12h bump to 0.1% two days ago.
	healthy synth.Scenario
	// exhausted: no errors now; 3% errors for two days, 20 days ago (200%).
	exhausted synth.Scenario
	// eighty: 0.05% errors, plus 0.95% for one day 10 days ago (80%).
	eighty synth.Scenario
	// fastBurn: 0.01% errors, then 2% (burn 20) for the last 90 minutes:
	// the 1h/5m page condition holds, 86% of the budget is left.
	fastBurn synth.Scenario
	// zero: counters that exist but never move.
	zero synth.Scenario
	// latency: 0.5% slower than 300ms, 2% for one day 5 days ago (71% of a
	// 99%/7d budget), with healthy availability.
	latency synth.Scenario
	// monthly: bad days just before the current month began (see monthlyBad).
	monthly synth.Scenario
	// monthlyNote says where the bad days are, or why the calendar check
	// cannot run today.
	monthlyNote string
	monthlyOK   bool
}

func newScenarios(now time.Time) *scenarios {
	start, end := now.Add(-35*synth.Day), now.Add(promtest.Lead)
	sc := func(service string, def synth.Traffic, segs ...synth.Segment) synth.Scenario {
		return synth.Scenario{Service: service, Start: start, End: end, Default: def, Segments: segs}
	}
	seg := func(from, to time.Time, t synth.Traffic) synth.Segment {
		return synth.Segment{From: from, To: to, Traffic: t}
	}
	s := &scenarios{now: now}
	s.healthy = sc("healthy", synth.Traffic{RPS: 10, ErrorRatio: 0.0002, ClientErrorRatio: 0.01},
		seg(now.Add(-2*synth.Day), now.Add(-36*time.Hour), synth.Traffic{RPS: 10, ErrorRatio: 0.001, ClientErrorRatio: 0.01}))
	s.exhausted = sc("exhausted", synth.Traffic{RPS: 10, ClientErrorRatio: 0.01},
		seg(now.Add(-20*synth.Day), now.Add(-18*synth.Day), synth.Traffic{RPS: 10, ErrorRatio: 0.03, ClientErrorRatio: 0.01}))
	s.eighty = sc("eighty", synth.Traffic{RPS: 10, ErrorRatio: 0.0005},
		seg(now.Add(-10*synth.Day), now.Add(-9*synth.Day), synth.Traffic{RPS: 10, ErrorRatio: 0.0095}))
	s.fastBurn = sc("fast-burn", synth.Traffic{RPS: 10, ErrorRatio: 0.0001},
		seg(now.Add(-90*time.Minute), end, synth.Traffic{RPS: 10, ErrorRatio: 0.02}))
	// The incident's rate reaches the end of every window, where
	// extrapolation uses the window's average slope: a finer step keeps
	// that error (about step/window * rate ratio) well under 1% for 1d/3d.
	s.fastBurn.Step = 15 * time.Second
	s.zero = sc("zero", synth.Traffic{})
	s.latency = sc("latency", synth.Traffic{RPS: 20, ErrorRatio: 0.0002, SlowRatio: 0.005},
		seg(now.Add(-5*synth.Day), now.Add(-4*synth.Day), synth.Traffic{RPS: 20, ErrorRatio: 0.0002, SlowRatio: 0.02}))
	s.latency.Latency = &synth.Latency{Buckets: []float64{0.1, 0.3, 1, 2.5}, Threshold: 0.3}

	base := synth.Traffic{RPS: 10, ErrorRatio: 0.0002}
	from, to, bad, note, ok := monthlyBad(now)
	s.monthly, s.monthlyNote, s.monthlyOK = sc("monthly", base), note, ok
	if ok {
		s.monthly.Segments = []synth.Segment{seg(from, to, synth.Traffic{RPS: 10, ErrorRatio: bad})}
	}
	return s
}

func (s *scenarios) all() []synth.Scenario {
	return []synth.Scenario{s.healthy, s.exhausted, s.eighty, s.fastBurn, s.zero, s.latency, s.monthly}
}

// monthlyBad places the monthly scenario's bad period so that a calendar
// month and a rolling 30d window ending now disagree about it:
//
//   - usually (up to day ~30): in the last days of the previous month,
//     inside the rolling window but before the month began;
//   - at the very end of a 31-day month, when the rolling window starts
//     after the month did: early in this month, inside the calendar month
//     but before the rolling window;
//   - in the few hours between, or in the first minutes of a month, there
//     is no such place, and the calendar check is skipped.
//
// Its edges avoid every burn-rate window edge (now-w, w = 5m ... 3d, with
// half an hour to spare, since slod evaluates a little after now) and the
// month start.
func monthlyBad(now time.Time) (from, to time.Time, ratio float64, note string, ok bool) {
	u := now.UTC()
	month := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
	rollingStart := now.Add(-30 * synth.Day)
	clear := func(t time.Time) bool {
		for _, w := range burnWindows {
			if d := t.Sub(now.Add(-w)); d > -45*time.Minute && d < 45*time.Minute {
				return false
			}
		}
		return t.Sub(month).Abs() >= time.Hour
	}
	pick := func(candidates ...time.Time) (time.Time, bool) {
		for _, c := range candidates {
			if clear(c) {
				return c, true
			}
		}
		return time.Time{}, false
	}
	elapsed := now.Sub(month)
	switch {
	case elapsed < 15*time.Minute:
		return from, to, 0, fmt.Sprintf("the month began only %v ago", elapsed.Round(time.Second)), false
	case month.Sub(rollingStart) >= 6*time.Hour:
		earliest := rollingStart.Add(3 * time.Hour)
		clip := func(t time.Time) time.Time {
			if t.Before(earliest) {
				return earliest
			}
			return t
		}
		var okF, okT bool
		from, okF = pick(clip(month.Add(-2*synth.Day)), clip(month.Add(-2*synth.Day-4*time.Hour)), clip(month.Add(-2*synth.Day+4*time.Hour)))
		to, okT = pick(month.Add(-time.Hour), month.Add(-2*time.Hour), month.Add(-3*time.Hour), month.Add(-4*time.Hour))
		if okF && okT && to.Sub(from) >= time.Hour {
			return from, to, 0.01, fmt.Sprintf("bad period %s to %s, before the month began at %s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), month.Format(time.RFC3339)), true
		}
	case rollingStart.Sub(month) >= 3*time.Hour:
		from, to = month.Add(time.Hour), rollingStart.Add(-time.Hour)
		if to.Sub(from) >= time.Hour {
			return from, to, 0.005, fmt.Sprintf("bad period %s to %s, in this month before the rolling 30d window", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)), true
		}
	}
	return from, to, 0, fmt.Sprintf("no bad period fits between the month start %s and the rolling window start %s", month.Format(time.RFC3339), rollingStart.UTC().Format(time.RFC3339)), false
}

// Ground-truth helpers over one scenario.
func errorsOf(s synth.Scenario) func(from, to time.Time) float64   { return s.Errors }
func requestsOf(s synth.Scenario) func(from, to time.Time) float64 { return s.Requests }

func availability(s synth.Scenario, target float64, window time.Duration, minEvents float64) objective {
	return objective{name: "availability", target: target, window: window, bad: errorsOf(s), total: requestsOf(s), minEvents: minEvents}
}

// accuracyService is one service of the accuracy run.
type accuracyService struct {
	name string
	spec string
	objs []objective
	// design is the decision the scenario was built to produce; the ground
	// truth must agree, or the scenario no longer tests what it says.
	design string
}

func (s *scenarios) accuracyServices() []accuracyService {
	const min = "policy:\n  min_events: 100\n"
	lat := `  - name: latency
    target: 99%
    window: 7d
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{service="latency"}'
        threshold: 300ms
`
	zero := `service: zero
slos:
  - name: counters at zero
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="zero",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="zero"}[{{.window}}]))
` + min
	slow := s.latency
	services := []accuracyService{
		{"healthy", eventsSpec("healthy", "healthy", "99.9%", "window: 30d", min),
			[]objective{availability(s.healthy, 0.999, 30*synth.Day, 100)}, "allow"},
		{"exhausted", eventsSpec("exhausted", "exhausted", "99.9%", "window: 30d", min),
			[]objective{availability(s.exhausted, 0.999, 30*synth.Day, 100)}, "deny"},
		{"eighty", eventsSpec("eighty", "eighty", "99.9%", "window: 30d", min),
			[]objective{availability(s.eighty, 0.999, 30*synth.Day, 100)}, "deny"},
		{"fast-burn", eventsSpec("fast-burn", "fast-burn", "99.9%", "window: 30d", min),
			[]objective{availability(s.fastBurn, 0.999, 30*synth.Day, 100)}, "deny"},
		{"zero", zero, []objective{
			{name: "counters at zero", target: 0.999, window: 30 * synth.Day, bad: errorsOf(s.zero), total: requestsOf(s.zero), minEvents: 100},
		}, "warn"},
		// Plenty of traffic, but fewer events than min_events.
		{"few-events", eventsSpec("few-events", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 1000000000\n"),
			[]objective{availability(s.healthy, 0.999, 30*synth.Day, 1e9)}, "warn"},
		{"latency", eventsSpec("latency", "latency", "99.9%", "window: 30d", lat+min), []objective{
			availability(s.latency, 0.999, 30*synth.Day, 100),
			{name: "latency", target: 0.99, window: 7 * synth.Day, bad: slow.SlowRequests, total: slow.Requests, minEvents: 100},
		}, "warn"},
	}
	if s.monthlyOK {
		services = append(services, accuracyService{"monthly", eventsSpec("monthly", "monthly", "99.9%", "calendar: month", min),
			[]objective{availability(s.monthly, 0.999, 0, 100)}, "allow"})
	}
	return services
}

func TestSlod(t *testing.T) {
	if testing.Short() {
		t.Skip("integration: skipped in -short mode")
	}
	began := time.Now()
	sc := newScenarios(began)
	srv := promtest.Start(t, sc.all()...)
	t.Logf("monthly scenario: %s", sc.monthlyNote)

	t.Run("accuracy", func(t *testing.T) { testAccuracy(t, srv.URL, sc) })
	t.Run("reload", func(t *testing.T) { testReload(t, srv) })
	t.Run("problems", func(t *testing.T) { testProblems(t, srv) })
	t.Run("prometheus 5xx", func(t *testing.T) { testPrometheus5xx(t, srv) })
	t.Run("prometheus hung", func(t *testing.T) { testPrometheusHung(t, srv) })
	t.Run("prometheus stopped", func(t *testing.T) { testPrometheusStopped(t, srv, sc) })
	t.Run("restart", func(t *testing.T) { testRestart(t, srv) })
	t.Run("outage never opens the gate", func(t *testing.T) { testOutageNeverOpens(t, srv) })
	t.Run("no series", func(t *testing.T) { testNoSeries(t, srv) })
	t.Run("backtest", func(t *testing.T) { testBacktest(t, srv) })
	t.Logf("TestSlod took %v", time.Since(began).Round(100*time.Millisecond))
}

func testAccuracy(t *testing.T, url string, sc *scenarios) {
	services := sc.accuracyServices()
	specs := map[string]string{}
	for _, s := range services {
		specs[s.name+".yaml"] = s.spec
	}
	// Ten SLOs take about half a second of queries per cycle on an idle
	// 2-core machine; 2s leaves room for a busy one.
	d := slodtest.Start(t, slodtest.Options{SLOs: slodtest.WriteSpecs(t, specs), PrometheusURL: url, Interval: 2 * time.Second,
		Tune: func(c *app.Config) { c.Prometheus.BreakerOpenTimeout = 2 * time.Second }})
	slodtest.WaitFor(t, 30*time.Second, "/readyz", func() bool {
		status, _, _ := d.Do(t, http.MethodGet, "/readyz", nil, nil)
		return status == http.StatusOK
	})

	for _, s := range services {
		t.Run(s.name, func(t *testing.T) {
			g := d.Fresh(t, s.name, time.Minute)
			want := checkGate(t, "GET /services/"+s.name, g, s.objs)
			for i, o := range s.objs {
				tr := checkSLO(t, "GET /services/"+s.name, g.SLOs[i], o)
				t.Logf("%s/%s: consumed %.4f (truth %.4f), largest deviation from the truth %.2e in %s; decision %s %v",
					s.name, o.name, g.SLOs[i].Budget.Consumed, tr.consumed, tr.worst, tr.worstField, g.Decision, g.Codes())
			}
			if want.decision != s.design {
				t.Errorf("scenario %s was built to give %s, but its ground truth gives %s %v", s.name, s.design, want.decision, want.codes)
			}
			// The gate answers with the same numbers, and logs the check.
			cd := d.CanDeploy(t, s.name, "normal", "v1.2.3")
			if cd.Service != s.name || cd.Priority != "normal" {
				t.Errorf("can-deploy names %s/%s, want %s/normal", cd.Service, cd.Priority, s.name)
			}
			if !cd.Stale {
				checkGate(t, "POST can-deploy "+s.name, cd, s.objs)
			}
			if cd.EvaluatedAt == nil || !cd.EvaluatedAt.Equal(oldest(cd)) {
				t.Errorf("can-deploy evaluated_at %v, want the oldest SLO evaluation %v", cd.EvaluatedAt, oldest(cd))
			}
		})
	}

	// Higher priorities: budget thresholds and fast burns let critical
	// deploys and rollbacks through with a warning, naming what a normal
	// deploy would have been denied by.
	t.Run("priorities", func(t *testing.T) {
		for _, c := range []struct {
			service, priority string
			code              string // of the reason that would deny a normal deploy
		}{
			{"exhausted", "critical", "budget_exhausted"},
			{"exhausted", "rollback", "budget_exhausted"},
			{"eighty", "critical", "budget_threshold"},
			{"fast-burn", "critical", "fast_burn"},
			{"fast-burn", "rollback", "fast_burn"},
		} {
			g := d.CanDeploy(t, c.service, c.priority, "v2")
			if g.Stale {
				continue // a missed cycle on a loaded machine says nothing here
			}
			if !g.Allowed || g.Decision != "warn" || !slices.Contains(g.Codes(), "priority_exempt") || !slices.Contains(g.Codes(), c.code) {
				t.Errorf("%s %s: %s allowed=%v %v, want warn (allowed) with priority_exempt and %s", c.priority, c.service, g.Decision, g.Allowed, g.Codes(), c.code)
			}
		}
		// Healthy services need no exemption.
		if g := d.CanDeploy(t, "healthy", "critical", "v2"); !g.Stale && (g.Decision != "allow" || len(g.Reasons) != 0) {
			t.Errorf("critical healthy: %s %v, want allow without reasons", g.Decision, g.Codes())
		}
	})

	t.Run("calendar month", func(t *testing.T) {
		if !sc.monthlyOK {
			t.Skipf("calendar check not possible today: %s", sc.monthlyNote)
		}
		g := d.Fresh(t, "monthly", 30*time.Second)
		o := availability(sc.monthly, 0.999, 0, 100)
		checkSLO(t, "monthly", g.SLOs[0], o)
		at := *g.SLOs[0].EvaluatedAt
		// A rolling 30d window would give a different answer, so agreeing
		// with the calendar truth proves calendar handling.
		rolling := availability(sc.monthly, 0.999, 30*synth.Day, 100).truthAt(at)
		cal := o.truthAt(at)
		t.Logf("monthly at %s: slod consumed %.4f, calendar truth %.4f, rolling 30d truth %.4f (%s)",
			at.Format(time.RFC3339), g.SLOs[0].Budget.Consumed, cal.consumed, rolling.consumed, sc.monthlyNote)
		if math.Abs(rolling.consumed-cal.consumed) < 5*tol*cal.consumed {
			t.Fatalf("scenario: rolling (%.4f) and calendar (%.4f) truths do not differ enough to tell them apart", rolling.consumed, cal.consumed)
		}
		if near(g.SLOs[0].Budget.Consumed, rolling.consumed, rolling.consumed) {
			t.Errorf("monthly consumed %.4f matches the rolling 30d truth: the calendar month is ignored", g.SLOs[0].Budget.Consumed)
		}
		if g.SLOs[0].Budget.TotalEvents >= rolling.total {
			// Only in the "bad days before the month" layout is the month
			// shorter than 30 days so far.
			if at.Sub(time.Date(at.UTC().Year(), at.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)) < 30*synth.Day {
				t.Errorf("monthly total_events %.0f is not below the rolling 30d total %.0f", g.SLOs[0].Budget.TotalEvents, rolling.total)
			}
		}
	})

	t.Run("list", func(t *testing.T) {
		var list struct {
			Services []slodtest.Gate `json:"services"`
		}
		d.GetJSON(t, "/api/v1/services", &list)
		var names []string
		for _, g := range list.Services {
			names = append(names, g.Service)
			for _, s := range services {
				if s.name == g.Service && !g.Stale {
					checkGate(t, "GET /services: "+g.Service, g, s.objs)
				}
			}
		}
		var want []string
		for _, s := range services {
			want = append(want, s.name)
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("GET /services lists %v, want %v (sorted)", names, want)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		// The exported gauges agree with the API (same snapshot source).
		g := d.Fresh(t, "eighty", 30*time.Second)
		m := metrics(t, d)
		o := availability(sc.eighty, 0.999, 30*synth.Day, 100)
		tr := o.truthAt(*g.SLOs[0].EvaluatedAt)
		if v := metric(t, m, `slod_slo_budget_consumed_ratio{service="eighty",slo="availability"}`); !near(v, tr.consumed, 2*tr.consumed) {
			t.Errorf("slod_slo_budget_consumed_ratio{eighty} = %v, ground truth %v", v, tr.consumed)
		}
		if v := metric(t, m, `slod_gate_decision{decision="deny",service="eighty"}`); v != 1 {
			t.Errorf(`slod_gate_decision{decision="deny",service="eighty"} = %v, want 1`, v)
		}
		if v := metric(t, m, `slod_slo_alert_condition{long="1h",service="fast-burn",severity="page",short="5m",slo="availability"}`); v != 1 {
			t.Errorf("fast-burn 1h/5m page condition metric = %v, want 1", v)
		}
		if _, ok := m[`slod_slo_sli_ratio{service="zero",slo="counters-at-zero"}`]; ok {
			t.Errorf("slod_slo_sli_ratio is exported for a service without traffic")
		}
		count := metric(t, m, "slod_evaluation_duration_seconds_count")
		sum := metric(t, m, "slod_evaluation_duration_seconds_sum")
		t.Logf("evaluation cycles: %.0f, mean %.3fs per cycle for %d services (%d SLOs); prometheus queries: %.0f ok, %.0f errors",
			count, sum/count, len(services), countSLOs(services),
			m[`slod_prometheus_queries_total{result="success"}`], m[`slod_prometheus_queries_total{result="error"}`])
		logHistogram(t, m, "slod_evaluation_duration_seconds")
		logHistogram(t, m, "slod_prometheus_query_duration_seconds")
	})
}

func oldest(g slodtest.Gate) time.Time {
	var o time.Time
	for i, s := range g.SLOs {
		if s.EvaluatedAt != nil && (i == 0 || s.EvaluatedAt.Before(o)) {
			o = *s.EvaluatedAt
		}
	}
	return o
}

func countSLOs(services []accuracyService) int {
	n := 0
	for _, s := range services {
		n += len(s.objs)
	}
	return n
}

// logHistogram logs the cumulative buckets of a histogram from /metrics.
func logHistogram(t *testing.T, m map[string]float64, name string) {
	t.Helper()
	var les []float64
	byLe := map[float64]float64{}
	for k, v := range m {
		var le float64
		if _, err := fmt.Sscanf(k, name+`_bucket{le="%g"}`, &le); err == nil {
			les = append(les, le)
			byLe[le] = v
		}
	}
	slices.Sort(les)
	line := ""
	for _, le := range les {
		line += fmt.Sprintf(" le=%g:%.0f", le, byLe[le])
	}
	t.Logf("%s buckets:%s", name, line)
}
