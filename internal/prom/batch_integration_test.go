package prom

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// batchTolerance is how far (relative) a rate may be from the scenario's.
// The rates are constant from an hour before the first window to the end,
// and samples fall every minute on the 5m grid, so rate() and increase()
// see exactly linear counters and are exact up to float rounding: counters
// below 1e6, differences over 5m above 1, about 1e-12 relative. 1e-6 is far
// above that and far below the gap between any two queries' values
// (checked), so answers split to the wrong query fail.
const batchTolerance = 1e-6

// TestQueryRangesAgainstPrometheus runs batches against a real Prometheus
// loaded with ten services of known constant rates, one quiet service
// and one that starts halfway through the range.
func TestQueryRangesAgainstPrometheus(t *testing.T) {
	const step = 5 * time.Minute
	end := time.Now().Truncate(step)
	start := end.Add(-6 * time.Hour)
	const points = 6*12 + 1 // every 5m over 6h, both ends included

	type svc struct{ rps, errs, clientErrs float64 }
	services := make([]svc, 10)
	var scenarios []synth.Scenario
	for i := range services {
		services[i] = svc{rps: 10.3 + 1.1*float64(i), errs: 0.0023 + 0.0007*float64(i), clientErrs: 0.0113 + 0.0031*float64(i)}
		scenarios = append(scenarios, synth.Scenario{
			Service: fmt.Sprintf("svc%d", i),
			Start:   start.Add(-time.Hour),
			End:     time.Now().Add(promtest.Lead),
			Default: synth.Traffic{RPS: services[i].rps, ErrorRatio: services[i].errs, ClientErrorRatio: services[i].clientErrs},
		})
	}
	lateStart := end.Add(-3 * time.Hour)
	scenarios = append(scenarios,
		synth.Scenario{Service: "quiet", Start: start.Add(-time.Hour), End: time.Now().Add(promtest.Lead),
			Default: synth.Traffic{RPS: 5}},
		synth.Scenario{Service: "late", Start: lateStart, End: time.Now().Add(promtest.Lead),
			Default: synth.Traffic{RPS: 7, ErrorRatio: 0.1}},
	)
	// Query j asks service j%10 for one of three rates, times 1 + j/30:
	// 150 different queries with 150 different answers.
	var (
		queries []string
		wants   []float64
	)
	for j := range 150 {
		i, m := j%10, 1+j/30
		sv := services[i]
		switch (j / 10) % 3 {
		case 0:
			queries = append(queries, fmt.Sprintf(`%d * sum(rate(http_requests_total{service="svc%d",code="500"}[5m]))`, m, i))
			wants = append(wants, float64(m)*sv.rps*sv.errs)
		case 1:
			queries = append(queries, fmt.Sprintf(`%d * sum(rate(http_requests_total{service="svc%d",code="404"}[5m]))`, m, i))
			wants = append(wants, float64(m)*sv.rps*sv.clientErrs)
		case 2:
			queries = append(queries, fmt.Sprintf(`%d * sum(increase(http_requests_total{service="svc%d"}[5m]))`, m, i))
			wants = append(wants, float64(m)*sv.rps*300)
		}
	}
	// A trailing comment must not swallow the rest of the union.
	queries[0] += " # errors of svc0"
	sorted := slices.Sorted(slices.Values(wants))
	for k := 1; k < len(sorted); k++ {
		if sorted[k]-sorted[k-1] < 100*batchTolerance*sorted[k] {
			t.Fatalf("test design: answers %g and %g are too close to tell apart", sorted[k-1], sorted[k])
		}
	}

	srv := promtest.Start(t, scenarios...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("150 queries in two requests answer the scenario's rates", func(t *testing.T) {
		s, reg := newTestSource(t, Config{URL: srv.URL})
		got, err := s.QueryRanges(ctx, queries, start, end, step)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(queries) {
			t.Fatalf("%d series for %d queries", len(got), len(queries))
		}
		for j := range queries {
			wantSeries(t, queries[j], got[j], start, step, points, wants[j])
		}
		wantMetric(t, reg, "slod_prometheus_query_duration_seconds", "", "", 2) // chunks of 100 and 50
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "success", 150)
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 0)
	})

	t.Run("a syntax error and a multi-series query fail alone, a scalar answers", func(t *testing.T) {
		s, reg := newTestSource(t, Config{URL: srv.URL})
		qs := []string{
			queries[3],
			`sum(rate(http_requests_total{service="svc1"}[5m])`,
			`2.5`, // label_replace rejects it, so the union fails
			`sum by (code) (rate(http_requests_total{service="svc2"}[5m]))`,
			queries[77],
		}
		got, err := s.QueryRanges(ctx, qs, start, end, step)
		if err != nil {
			t.Fatal(err)
		}
		wantSeries(t, qs[0], got[0], start, step, points, wants[3])
		wantQueryErr(t, qs[1], got[1], "parse error")
		wantSeries(t, qs[2], got[2], start, step, points, 2.5)
		wantQueryErr(t, qs[3], got[3], "3 series returned, want one")
		wantSeries(t, qs[4], got[4], start, step, points, wants[77])
		// The union, then the probe and each query alone.
		wantMetric(t, reg, "slod_prometheus_query_duration_seconds", "", "", 1+1+5)
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "success", 3)
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 2)
		if st := s.CircuitState(); st != "closed" {
			t.Errorf("breaker %s after PromQL errors, want closed", st)
		}
	})

	t.Run("NaN and Inf fail their query, not the batch", func(t *testing.T) {
		s, reg := newTestSource(t, Config{URL: srv.URL})
		noErrs := `sum(rate(http_requests_total{service="quiet",code="500"}[5m]))`
		qs := []string{
			noErrs + " / " + noErrs,
			`sum(rate(http_requests_total{service="quiet"}[5m])) / ` + noErrs,
			queries[5],
			`rate(http_requests_total{service="svc4"}[5m])`,
		}
		got, err := s.QueryRanges(ctx, qs, start, end, step)
		if err != nil {
			t.Fatal(err)
		}
		at := start.UTC().Format(time.RFC3339)
		wantQueryErr(t, qs[0], got[0], "NaN at "+at)
		wantQueryErr(t, qs[1], got[1], "+Inf at "+at)
		wantSeries(t, qs[2], got[2], start, step, points, wants[5])
		wantQueryErr(t, qs[3], got[3], "3 series returned")
		// The union answered: no query ran alone.
		wantMetric(t, reg, "slod_prometheus_query_duration_seconds", "", "", 1)
	})

	t.Run("steps without data are absent, a query matching nothing has no points", func(t *testing.T) {
		s, _ := newTestSource(t, Config{URL: srv.URL})
		qs := []string{
			`sum(rate(http_requests_total{service="late",code="500"}[5m]))`,
			`sum(rate(http_requests_total{service="nosuch"}[5m]))`,
		}
		got, err := s.QueryRanges(ctx, qs, start, end, step)
		if err != nil {
			t.Fatal(err)
		}
		// At lateStart the window holds one sample, too few for rate().
		first := lateStart.Add(step)
		wantSeries(t, qs[0], got[0], first, step, int(end.Sub(first)/step)+1, 7*0.1)
		if got[1].Err != nil || len(got[1].Points) != 0 {
			t.Errorf("query matching nothing = %+v, want no points and no error", got[1])
		}
	})

	t.Run("start == end is one evaluation at that instant", func(t *testing.T) {
		s, _ := newTestSource(t, Config{URL: srv.URL})
		at := end.Add(-time.Hour - 17*time.Second) // off the grid of samples
		got, err := s.QueryRanges(ctx, queries[:2], at, at, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantSeries(t, queries[0], got[0], at.Truncate(time.Millisecond), step, 1, wants[0])
		wantSeries(t, queries[1], got[1], at.Truncate(time.Millisecond), step, 1, wants[1])
	})

	t.Run("retention is the one prometheus was started with", func(t *testing.T) {
		s, _ := newTestSource(t, Config{URL: srv.URL})
		d, ok, err := s.Retention(ctx)
		if err != nil || !ok || d != 400*day {
			t.Errorf("Retention = %v, %v, %v; want 400d (promtest's --storage.tsdb.retention.time)", d, ok, err)
		}
	})

	// Last: it stops Prometheus.
	t.Run("outage fails the batch and opens the circuit, recovery closes it", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.MaxRetries, cfg.BreakerFailures, cfg.BreakerOpenTimeout = 1, 2, time.Second
		s, reg := newTestSource(t, cfg)
		srv.Stop()
		if _, err := s.QueryRanges(ctx, queries, start, end, step); err == nil || errors.Is(err, ErrBulkheadFull) {
			t.Fatalf("batch while stopped: err = %v, want connection refused or circuit open", err)
		}
		rejected := metricValue(t, reg, "slod_prometheus_queries_total", "result", "rejected")
		_, err := s.QueryRanges(ctx, queries, start, end, step)
		if !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("second batch while stopped: err = %v, want ErrCircuitOpen", err)
		}
		// Both chunks failed fast: Prometheus never saw their queries.
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "rejected", rejected+150)
		wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 2)
		wantMetric(t, reg, "slod_prometheus_up", "", "", 0)

		srv.Start()
		time.Sleep(cfg.BreakerOpenTimeout + 100*time.Millisecond)
		// Half-open lets one request through: the other chunk may be
		// rejected, but must not cancel the probe, which closes the breaker.
		if _, err := s.QueryRanges(ctx, queries, start, end, step); err != nil && !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("first batch after restart: %v", err)
		}
		if st := s.CircuitState(); st != "closed" {
			t.Fatalf("breaker %s after the half-open probe, want closed", st)
		}
		got, err := s.QueryRanges(ctx, queries, start, end, step)
		if err != nil {
			t.Fatalf("batch after recovery: %v", err)
		}
		wantSeries(t, queries[149], got[149], start, step, points, wants[149])
		wantMetric(t, reg, "slod_prometheus_up", "", "", 1)
		s.Idle()
		if !metricAbsent(t, reg, "slod_prometheus_up") {
			t.Error("slod_prometheus_up still exported after Idle")
		}
	})
}

// wantSeries checks that s has n points, every step from first, each
// within batchTolerance of want.
func wantSeries(t *testing.T, q string, s Series, first time.Time, step time.Duration, n int, want float64) {
	t.Helper()
	if s.Err != nil {
		t.Errorf("%s: %v", q, s.Err)
		return
	}
	if len(s.Points) != n {
		t.Errorf("%s: %d points, want %d", q, len(s.Points), n)
		return
	}
	for k, p := range s.Points {
		at := first.Add(time.Duration(k) * step)
		if rel := math.Abs(p.Value-want) / want; !p.At.Equal(at) || !(rel < batchTolerance) {
			t.Errorf("%s: point %d = %g at %s, want %g at %s", q, k, p.Value, p.At.UTC(), want, at.UTC())
			return
		}
	}
}

// wantQueryErr checks that s failed with ErrBadQuery naming q and saying
// what.
func wantQueryErr(t *testing.T, q string, s Series, what string) {
	t.Helper()
	if err := s.Err; !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), what) || !strings.Contains(err.Error(), strconv.Quote(q)) {
		t.Errorf("%s: err = %v, points %d; want ErrBadQuery naming the query and saying %q", q, err, len(s.Points), what)
	}
}
