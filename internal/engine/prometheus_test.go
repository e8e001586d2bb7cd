package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// TestAgainstPrometheus runs the engine against a real Prometheus loaded
// with 35 days of synthetic traffic: first cycle, backfill, second cycle;
// then every SLO's period and burn-rate windows are compared with the
// scenario's ground truth (see compare) and with Prometheus' own answer
// to the same window as one instant query.
func TestAgainstPrometheus(t *testing.T) {
	now := time.Now()
	hour := now.Truncate(time.Hour)
	base := synth.Traffic{RPS: 20, ErrorRatio: 0.001, ClientErrorRatio: 0.01, SlowRatio: 0.02}
	sc := synth.Scenario{
		Service: "checkout",
		Start:   now.Add(-35 * day),
		End:     now.Add(promtest.Lead),
		Default: base,
		// Incidents on whole hours: the 3d window and the period see the
		// first, the 1d window both; the windows' edges see steady
		// traffic, as promtest.Increase asks.
		Segments: []synth.Segment{
			{From: hour.Add(-54 * time.Hour), To: hour.Add(-48 * time.Hour),
				Traffic: synth.Traffic{RPS: 30, ErrorRatio: 0.05, ClientErrorRatio: 0.01, SlowRatio: 0.1}},
			{From: hour.Add(-12 * time.Hour), To: hour.Add(-9 * time.Hour),
				Traffic: synth.Traffic{RPS: 25, ErrorRatio: 0.02, ClientErrorRatio: 0.01, SlowRatio: 0.05}},
		},
		Latency: &synth.Latency{Buckets: []float64{0.1, 0.25, 0.5, 1}, Threshold: 0.5},
	}
	srv := promtest.Start(t, sc)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	const (
		requests = `sum(rate(http_requests_total{service="checkout"}[{{.window}}]))`
		errs     = `sum(rate(http_requests_total{service="checkout",code="500"}[{{.window}}]))`
		good     = `sum(rate(http_requests_total{service="checkout",code!="500"}[{{.window}}]))`
	)
	rolling := slo.SLO{Name: "Availability", Slug: "availability", Target: 0.999, Window: 30 * day,
		SLI: slo.SLI{Events: &slo.EventsSLI{Errors: errs, Total: requests}}}
	// Same queries: it shares the rolling SLO's book.
	monthly := rolling
	monthly.Name, monthly.Slug, monthly.Window, monthly.Calendar, monthly.Location = "Monthly", "monthly", 0, slo.CalendarMonth, time.UTC
	goodBased := slo.SLO{Name: "Served", Slug: "served", Target: 0.995, Window: 30 * day,
		SLI: slo.SLI{Events: &slo.EventsSLI{Good: good, Total: requests}}}
	latency := slo.SLO{Name: "Latency", Slug: "latency", Target: 0.95, Window: 30 * day,
		SLI: slo.SLI{Latency: &slo.LatencySLI{Metric: synth.LatencyMetric, Selector: `{service="checkout"}`, Threshold: 500 * time.Millisecond, Le: "0.5"}}}
	// 0.3s is no bucket bound.
	offBucket := latency
	offBucket.Name, offBucket.Slug = "Latency 300ms", "latency-300ms"
	offBucket.SLI.Latency = &slo.LatencySLI{Metric: synth.LatencyMetric, Selector: `{service="checkout"}`, Threshold: 300 * time.Millisecond, Le: "0.3"}
	typo := rolling
	typo.Name, typo.Slug = "Typo", "typo"
	typo.SLI.Events = &slo.EventsSLI{Errors: errs, Total: `sum(rate(http_requets_total{service="checkout"}[{{.window}}]))`}

	specs := []slo.Spec{
		specOf("checkout", rolling, monthly, goodBased, latency),
		specOf("broken", offBucket, typo),
	}
	src, err := prom.New(prom.Config{URL: srv.URL}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	e := New(specs, src, openStore(t), quiet, Options{Clock: func() time.Time { return at }})
	e.checkRetention(ctx)
	e.EvaluateOnce(ctx)
	if p := e.Snapshot().Services["checkout"].BackfillProgress(); p.Complete() {
		t.Errorf("first cycle: progress %+v, want the backfill still to do", p)
	}
	backfillAll(t, e)
	e.EvaluateOnce(ctx)

	checkout := e.Snapshot().Services["checkout"]
	if checkout.Stale || checkout.LastError != "" {
		t.Fatalf("checkout: stale=%v error %q", checkout.Stale, checkout.LastError)
	}
	if p := checkout.BackfillProgress(); !p.Complete() {
		t.Errorf("checkout: progress %+v after the backfill", p)
	}
	truths := map[string]func(from, to time.Time) float64{
		"availability": sc.Errors, "monthly": sc.Errors, "served": sc.Errors, "latency": sc.SlowRequests,
	}
	for i, o := range specs[0].SLOs {
		s := checkout.SLOs[i]
		if !s.EvaluatedAt.Equal(at) || !s.Coverage.Complete() {
			t.Errorf("%s: evaluated %v coverage %+v, want complete at %v", o.Slug, s.EvaluatedAt, s.Coverage, at)
		}
		elapsed, _ := o.Period(at)
		compare(ctx, t, srv, o, o.Slug+" period", s.Counts, truths[o.Slug], sc.Requests, at, elapsed)
		m := windowsAt(t, e, o, at)
		if len(m.Windows) != 7 {
			t.Errorf("%s: %d windows, want 7", o.Slug, len(m.Windows))
		}
		for d, c := range m.Windows {
			compare(ctx, t, srv, o, fmt.Sprintf("%s %s", o.Slug, d), c, truths[o.Slug], sc.Requests, at, d)
		}
	}

	broken := e.Snapshot().Services["broken"]
	if s := broken.SLOs[0]; !s.Stale || !strings.Contains(s.Error, ErrNoGoodSeries.Error()) || !strings.Contains(s.Error, "le=0.3") {
		t.Errorf("threshold off the buckets: stale=%v error %q; want ErrNoGoodSeries naming le=0.3", s.Stale, s.Error)
	}
	if s := broken.SLOs[1]; !s.Stale || !s.NoSeries || !strings.Contains(s.Error, slo.ErrNoSeries.Error()) ||
		!strings.Contains(s.Error, `http_requets_total{service="checkout"}[2592000s]`) {
		t.Errorf("typo'd total: stale=%v no_series=%v error %q; want ErrNoSeries naming the query", s.Stale, s.NoSeries, s.Error)
	}
}

// windowsAt is o's measurement at `at`, read the way EvaluateOnce reads
// it: the status keeps only the burn-rate ratios, not the windows' counts.
func windowsAt(t *testing.T, e *Engine, o slo.SLO, at time.Time) slo.Measurement {
	t.Helper()
	ts, err := e.measureTails(context.Background(), e.books.all(), at)
	if err != nil {
		t.Fatal(err)
	}
	e.books.mu.Lock()
	b := e.books.byFP[o.QueryFingerprint()]
	e.books.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	m, err := ledger.Measure(o, b.l, ledger.Readings{Tail: ts[b].tail, Short: ts[b].short}, at)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// compare checks counts over [at-w, at) with the ground truth and with
// Prometheus' instant answer for the whole window at once (within 0.5%:
// that answer extrapolates over its own edges).
//
// The ground truth must hold far tighter than promtest.Increase's 1%,
// which would let a missing or doubled hour of a 30d period (0.14%) pass:
// every bucket is rate() over its own step on the 1m sample grid, so it
// reads the exact counter increase between two samples; the incidents
// change rates on whole hours, which are bucket edges; and the tails and
// the windows' edges lie in steady traffic. Only float rounding is left.
const truthTolerance = 1e-6

func compare(ctx context.Context, t *testing.T, srv *promtest.Server, o slo.SLO, what string, got slo.Counts,
	bad, total func(from, to time.Time) float64, at time.Time, w time.Duration) {
	t.Helper()
	secs := int64(w / time.Second)
	badQ, totalQ := o.Queries(fmt.Sprintf("%ds", secs))
	for _, f := range []struct {
		what  string
		got   float64
		truth float64
		query string
	}{
		{"errors", got.Errors, promtest.Increase(bad, at, w), badQ},
		{"total", got.Total, promtest.Increase(total, at, w), totalQ},
	} {
		if rel := math.Abs(f.got-f.truth) / f.truth; !(rel < truthTolerance) {
			t.Errorf("%s: %s = %.2f, ground truth %.2f (%.3f%% off)", what, f.what, f.got, f.truth, 100*rel)
		}
		direct, err := srv.Query(ctx, fmt.Sprintf("(%s) * %d", f.query, secs), at)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v", what, err)
			}
			continue
		}
		if rel := math.Abs(f.got-direct) / direct; !(rel < 0.005) {
			t.Errorf("%s: %s = %.2f, Prometheus over the whole window %.2f (%.3f%% off)", what, f.what, f.got, direct, 100*rel)
		}
	}
}
