package prom

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// TestAgainstPrometheus measures SLOs against a real Prometheus loaded with
// 40 days of synthetic traffic, compares the counts with synth's ground
// truth, then takes Prometheus away and brings it back.
func TestAgainstPrometheus(t *testing.T) {
	now := time.Now()
	sc := synth.Scenario{
		Service: "checkout",
		Start:   now.Add(-40 * day),
		End:     now.Add(promtest.Lead),
		// 404s are 20 times as frequent as 500s: an errors query that let
		// them in would be far off.
		Default: synth.Traffic{RPS: 20, ErrorRatio: 0.0005, ClientErrorRatio: 0.01},
		Segments: []synth.Segment{
			// Only the 30d window (and a month past its 20th) sees this.
			{From: now.Add(-20 * day), To: now.Add(-17 * day),
				Traffic: synth.Traffic{RPS: 20, ErrorRatio: 0.02, ClientErrorRatio: 0.01}},
			// Inside the 1d, 3d and 30d windows, far from their edges.
			{From: now.Add(-2 * day), To: now.Add(-12 * time.Hour),
				Traffic: synth.Traffic{RPS: 30, ErrorRatio: 0.005}},
		},
	}
	srv := promtest.Start(t, sc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("rolling and calendar counts match the ground truth", func(t *testing.T) {
		s, _ := newTestSource(t, Config{URL: srv.URL})
		at := time.Now()
		rolling := eventsSLO()
		calendar := eventsSLO()
		calendar.Window, calendar.Calendar, calendar.Location = 0, "month", time.UTC
		for _, o := range []slo.SLO{rolling, calendar} {
			m, err := s.Measure(ctx, o, at, alertWindows(o))
			if err != nil {
				t.Fatal(err)
			}
			elapsed, _ := o.Period(at)
			if want := max(elapsed.Truncate(time.Second), time.Minute); m.PeriodLength != want {
				t.Errorf("calendar %q: PeriodLength %v, want %v", o.Calendar, m.PeriodLength, want)
			}
			check(t, "period", m.Period, sc, at, m.PeriodLength)
			for _, d := range burnrate.Durations(burnrate.Windows(o.NominalWindow())) {
				check(t, burnrate.Label(d), m.Windows[d], sc, at, d)
			}
		}
	})

	t.Run("no error series is zero errors, no total series is an error naming the query", func(t *testing.T) {
		s, _ := newTestSource(t, Config{URL: srv.URL})
		o := eventsSLO()
		o.SLI.Events.Errors = `sum(rate(http_requests_total{service="checkout",code="503"}[{{.window}}]))`
		m, err := s.Measure(ctx, o, time.Now(), alertWindows(o))
		if err != nil {
			t.Fatal(err)
		}
		if c := m.Windows[time.Hour]; c.Errors != 0 || c.Total < 20*3600*0.99 {
			t.Errorf("1h without 503s = %+v, want 0 errors out of about 72000", c)
		}
		o.SLI.Events.Total = `sum(rate(http_requets_total{service="checkout"}[{{.window}}]))`
		_, err = s.Measure(ctx, o, time.Now(), alertWindows(o))
		if !errors.Is(err, ErrNoSeries) || !strings.Contains(err.Error(), `http_requets_total{service="checkout"}[2592000s]`) {
			t.Errorf("typo'd total: err = %v, want ErrNoSeries naming the rendered query", err)
		}
	})

	t.Run("PromQL error is not retried and keeps the circuit closed", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.BreakerFailures = 1
		s, reg := newTestSource(t, cfg)
		_, _, err := s.Query(ctx, `sum(rate(http_requests_total[5m])`, time.Now())
		if !errors.Is(err, ErrBadQuery) {
			t.Fatalf("err = %v, want ErrBadQuery", err)
		}
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "retry", 0)
		if s.CircuitState() != "closed" {
			t.Errorf("state = %s, want closed", s.CircuitState())
		}
	})

	t.Run("hung prometheus times out", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.QueryTimeout, cfg.MaxRetries = 300*time.Millisecond, -1
		s, reg := newTestSource(t, cfg)
		srv.Pause()
		_, _, err := s.Query(ctx, `vector(1)`, time.Now())
		srv.Resume()
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			t.Fatalf("err = %v, want the query timeout", err)
		}
		wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
	})

	t.Run("outage opens the circuit, recovery closes it", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.MaxRetries, cfg.BreakerFailures, cfg.BreakerOpenTimeout = 1, 2, time.Second
		s, reg := newTestSource(t, cfg)
		srv.Stop()
		// Two attempts (one retry), both refused: the breaker opens.
		if _, _, err := s.Query(ctx, `vector(1)`, time.Now()); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("first query while stopped: err = %v, want connection refused", err)
		}
		if _, _, err := s.Query(ctx, `vector(1)`, time.Now()); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("second query while stopped: err = %v, want ErrCircuitOpen", err)
		}
		wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 2)
		wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
		srv.Start()
		time.Sleep(cfg.BreakerOpenTimeout + 100*time.Millisecond)
		v, ok, err := s.Query(ctx, `vector(1)`, time.Now())
		if err != nil || !ok || v != 1 {
			t.Fatalf("after restart: %v, %v, %v; want 1", v, ok, err)
		}
		if s.CircuitState() != "closed" {
			t.Errorf("state = %s, want closed", s.CircuitState())
		}
		wantMetric(t, reg, "slod_prometheus_up", "", "", 1)
	})
}

// check compares counts over [at-w, at] with the scenario's truth within
// 1% (see promtest.Increase for why Prometheus is that close).
func check(t *testing.T, name string, got slo.Counts, sc synth.Scenario, at time.Time, w time.Duration) {
	t.Helper()
	want := slo.Counts{
		Errors: promtest.Increase(sc.Errors, at, w),
		Total:  promtest.Increase(sc.Requests, at, w),
	}
	for _, f := range []struct {
		what      string
		got, want float64
	}{{"errors", got.Errors, want.Errors}, {"total", got.Total, want.Total}} {
		if rel := math.Abs(f.got-f.want) / f.want; !(rel < 0.01) {
			t.Errorf("%s over %s: %s = %.1f, ground truth %.1f (%.2f%% off)", name, w, f.what, f.got, f.want, 100*rel)
		}
	}
}
