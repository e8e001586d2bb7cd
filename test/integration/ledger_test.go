package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// The event ledger (5m and 1h buckets of event counts in SQLite, refilled
// from Prometheus) must not change what slod reports. These tests pin that
// down on realistic data: every budget and burn rate slod serves is
// compared with a direct full-window query of the same spec, run by the
// test against the same Prometheus at the SLO's evaluated_at, and with
// synth's ground truth. They pass against slod before the ledger (it runs
// exactly those queries) and must still pass after it.
const (
	// ledgerRel is the requirement: slod within 0.5% of a direct
	// full-window query. Counts (total and failed events) are compared
	// relatively.
	ledgerRel = 0.005
	// ledgerAbs is the absolute floor for the ratios, all on the budget
	// scale (consumed, burn rates, and the SLI as (1-sli)/(1-target)): a
	// window with almost no bad events has a burn rate near 0, whose
	// relative error means nothing. 0.0005 of a budget.
	ledgerAbs = 0.0005
	// ledgerTruthRel: slod against synth's exact counts, 1%. Prometheus
	// itself is that far off only through extrapolation at window edges
	// (none here: rates are constant around every edge) and resets (it
	// loses the events between the last scrape and the restart, seconds'
	// worth).
	ledgerTruthRel = 0.01

	// ledgerInterval is slod's evaluation interval: short, so restarts
	// and outages are seen within seconds.
	ledgerInterval = 2 * time.Second
	// ledgerReady bounds the wait for a complete evaluation (and, with
	// the ledger, its backfill) after a start or an outage.
	ledgerReady = 90 * time.Second
	// ledgerOutage is how long Prometheus is down in the outage test:
	// many cycles, so that several evaluations fail.
	ledgerOutage = 25 * time.Second
)

// ledgerSLO is one SLO as the test knows it: its spec, the test's own
// PromQL for its events, and synth's exact counts.
type ledgerSLO struct {
	service, name string
	target        float64
	// window is the rolling window; zero for a calendar month (UTC).
	window time.Duration
	// queries are per-second rates over rng: bad = total - good when good
	// is set, else the bad query.
	queries func(rng string) (bad, good, total string)
	// truthBad and truthTotal are the ground truth over [from, to).
	truthBad, truthTotal func(from, to time.Time) float64
}

// ledgerScenarios is the synthetic history: three services over 35 days,
// sampled every minute, and every 15s for the last 3.5 days; incidents on
// whole hours; pod restarts; one 20-minute scrape gap.
//
// h is now truncated to the hour and the scenarios' incidents start and
// end at h-k hours. slod evaluates at h+m for m under an hour (plus the
// test's run time), so a window of w whole hours starts in [h-w, h-w+1h):
// k must avoid w and w-1 for w in 1h, 2h, 6h, 24h, 72h and 720h (and k >=
// 2 for the sub-hour windows). The k used keep every rate constant for
// an hour around every window edge, so Prometheus' extrapolation is exact
// and 5m ledger buckets at an edge hold constant rates. 35 days of 16
// series backfill in a few seconds.
type ledgerScenarios struct {
	now, h                     time.Time
	checkout, search, payments synth.Scenario
	gap                        synth.Span
}

func newLedgerScenarios(now time.Time) *ledgerScenarios {
	h := now.Truncate(time.Hour)
	hr := func(k float64) time.Time { return h.Add(-time.Duration(k * float64(time.Hour))) }
	day := 24.0
	l := &ledgerScenarios{now: now, h: h}
	// Prometheus itself was down (or its scrapes failed) for 20 minutes,
	// 9 hours ago: inside the 1d, 3d and 30d windows and the month, far
	// from every window edge. A ledger that queried increase() per bucket
	// would lose the events counted during it (the first sample after
	// the gap holds them): 20 minutes is 1.4% of a day.
	l.gap = synth.Span{From: hr(9).Add(7 * time.Minute), To: hr(9).Add(27 * time.Minute)}
	base := func(service string, def synth.Traffic) synth.Scenario {
		return synth.Scenario{
			Service: service,
			Start:   now.Add(-35 * synth.Day),
			End:     now.Add(promtest.Lead),
			Step:    time.Minute,
			Fine:    &synth.Resolution{Since: now.Add(-84 * time.Hour), Step: 15 * time.Second},
			Default: def,
			Gaps:    []synth.Span{l.gap},
		}
	}
	seg := func(from, to float64, t synth.Traffic) synth.Segment {
		return synth.Segment{From: hr(from), To: hr(to), Traffic: t}
	}

	// checkout: availability and latency, 30d. A 3h incident two days ago
	// (errors and slow requests), a 4h one 12 days ago; restarts 5 hours
	// (inside the 6h window) and 9 days ago, at odd seconds.
	l.checkout = base("checkout", synth.Traffic{RPS: 20, ErrorRatio: 0.0003, ClientErrorRatio: 0.01, SlowRatio: 0.004})
	l.checkout.Segments = []synth.Segment{
		seg(50, 47, synth.Traffic{RPS: 20, ErrorRatio: 0.01, ClientErrorRatio: 0.01, SlowRatio: 0.03}),
		seg(12*day, 12*day-4, synth.Traffic{RPS: 25, ErrorRatio: 0.005, ClientErrorRatio: 0.01, SlowRatio: 0.01}),
	}
	l.checkout.Latency = &synth.Latency{Buckets: []float64{0.1, 0.3, 1, 2.5}, Threshold: 0.3}
	l.checkout.Resets = []time.Time{hr(5).Add(17*time.Minute + 23*time.Second), hr(9*day + 3).Add(41*time.Minute + 7*time.Second)}

	// search: a calendar month and a rolling 30d window over the same
	// counters. A 2h incident 12-14h ago (in the 1d window, not the 6h
	// one), a bad day 20 days ago (in both periods, usually), a bad day 32
	// days ago (in neither); a restart 20 hours ago.
	l.search = base("search", synth.Traffic{RPS: 50, ErrorRatio: 0.001, ClientErrorRatio: 0.02})
	l.search.Segments = []synth.Segment{
		seg(14, 12, synth.Traffic{RPS: 60, ErrorRatio: 0.03, ClientErrorRatio: 0.02}),
		seg(20*day, 19*day, synth.Traffic{RPS: 50, ErrorRatio: 0.004, ClientErrorRatio: 0.02}),
		seg(33*day, 32*day, synth.Traffic{RPS: 50, ErrorRatio: 0.05, ClientErrorRatio: 0.02}),
	}
	l.search.Resets = []time.Time{hr(20).Add(31*time.Minute + 11*time.Second)}

	// payments: an SLI of good events. An incident 3-4h ago (in the 6h
	// window, not the 2h one) and one across the 3d window's start.
	l.payments = base("payments", synth.Traffic{RPS: 5, ErrorRatio: 0.0002})
	l.payments.Segments = []synth.Segment{
		seg(4, 3, synth.Traffic{RPS: 5, ErrorRatio: 0.02}),
		seg(75, 70, synth.Traffic{RPS: 8, ErrorRatio: 0.003}),
	}
	return l
}

func (l *ledgerScenarios) all() []synth.Scenario {
	return []synth.Scenario{l.checkout, l.search, l.payments}
}

// The specs, as teams write them.
var ledgerSpecs = map[string]string{
	"checkout.yaml": `service: checkout
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="checkout"}[{{.window}}]))
  - name: latency
    target: 99%
    window: 30d
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{service="checkout"}'
        threshold: 300ms
`,
	"search.yaml": `service: search
slos:
  - name: availability-month
    target: 99.5%
    calendar: month
    sli:
      events:
        errors: sum(rate(http_requests_total{service="search",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="search"}[{{.window}}]))
  - name: availability-30d
    target: 99.5%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="search",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="search"}[{{.window}}]))
`,
	"payments.yaml": `service: payments
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        good: sum(rate(http_requests_total{service="payments",code!~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="payments"}[{{.window}}]))
`,
}

// slos are the specs' SLOs with the test's own queries, in spec order.
func (l *ledgerScenarios) slos() []ledgerSLO {
	errorsQ := func(service string) func(string) (string, string, string) {
		return func(rng string) (string, string, string) {
			return fmt.Sprintf(`sum(rate(http_requests_total{service=%q,code=~"5.."}[%s]))`, service, rng), "",
				fmt.Sprintf(`sum(rate(http_requests_total{service=%q}[%s]))`, service, rng)
		}
	}
	latencyQ := func(rng string) (string, string, string) {
		return "", fmt.Sprintf(`sum(rate(http_request_duration_seconds_bucket{service="checkout",le="0.3"}[%s]))`, rng),
			fmt.Sprintf(`sum(rate(http_request_duration_seconds_count{service="checkout"}[%s]))`, rng)
	}
	goodQ := func(rng string) (string, string, string) {
		return "", fmt.Sprintf(`sum(rate(http_requests_total{service="payments",code!~"5.."}[%s]))`, rng),
			fmt.Sprintf(`sum(rate(http_requests_total{service="payments"}[%s]))`, rng)
	}
	c, s, p := l.checkout, l.search, l.payments
	return []ledgerSLO{
		{"checkout", "availability", 0.999, 30 * synth.Day, errorsQ("checkout"), c.Errors, c.Requests},
		{"checkout", "latency", 0.99, 30 * synth.Day, latencyQ, c.SlowRequests, c.Requests},
		{"search", "availability-month", 0.995, 0, errorsQ("search"), s.Errors, s.Requests},
		{"search", "availability-30d", 0.995, 30 * synth.Day, errorsQ("search"), s.Errors, s.Requests},
		{"payments", "availability", 0.999, 30 * synth.Day, goodQ, p.Errors, p.Requests},
	}
}

// periodRange is the range over which slod measures o's period at at: the
// rolling window, or the calendar month so far in whole seconds, at least
// a minute (as slod has always done: PromQL ranges take no fractions,
// and a shorter one is mostly noise).
func (o ledgerSLO) periodRange(at time.Time) (rng string, length time.Duration) {
	length = o.window
	if length == 0 {
		u := at.UTC()
		start := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
		length = max(at.Sub(start).Truncate(time.Second), time.Minute)
	}
	return fmt.Sprintf("%ds", int64(length/time.Second)), length
}

// ledgerDiffs keeps the largest deviation seen per comparison, for the
// log: how much room the ledger has.
type ledgerDiffs map[string]float64

func (d ledgerDiffs) note(what string, v float64) {
	if old, ok := d[what]; !ok || v > old {
		d[what] = v
	}
}

func (d ledgerDiffs) log(t *testing.T) {
	t.Helper()
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-32s %.3e", k, d[k])
	}
	t.Logf("largest relative deviations:%s", b.String())
}

// checker compares slod's answers with direct queries and the truth.
type checker struct {
	srv   *promtest.Server
	slos  []ledgerSLO
	diffs ledgerDiffs
}

// query runs expr at at; an empty expr is 0.
func (c *checker) query(t *testing.T, expr string, at time.Time) float64 {
	t.Helper()
	if expr == "" {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := c.srv.Query(ctx, expr, at)
	if err != nil {
		t.Fatalf("direct query: %v", err)
	}
	return v
}

// direct is the bad and total events of o over rng lasting length, as
// the test's own queries give them at at.
func (c *checker) direct(t *testing.T, o ledgerSLO, rng string, length time.Duration, at time.Time) (bad, total float64) {
	t.Helper()
	badQ, goodQ, totalQ := o.queries(rng)
	total = c.query(t, totalQ, at)
	if goodQ != "" {
		bad = total - c.query(t, goodQ, at)
	} else {
		bad = c.query(t, badQ, at)
	}
	// Counts are rates times the range, as slod reports them.
	return max(bad, 0) * length.Seconds(), total * length.Seconds()
}

// relDiff is |got-want| relative to want.
func relDiff(got, want float64) float64 {
	if want == 0 {
		return math.Inf(1)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// ratioOK: a ratio on the budget scale is within rel of want, or within
// ledgerAbs of it.
func ratioOK(got, want, rel float64) bool {
	return relDiff(got, want) <= rel || math.Abs(got-want) <= ledgerAbs
}

// check compares every SLO of list with direct queries at its
// evaluated_at and with the ground truth.
func (c *checker) check(t *testing.T, where string, list api.ServiceList) {
	t.Helper()
	byService := map[string]api.Service{}
	for _, s := range list.Services {
		byService[s.Service] = s
	}
	for _, o := range c.slos {
		svc, ok := byService[o.service]
		if !ok {
			t.Fatalf("%s: no service %s in %v", where, o.service, list.Services)
		}
		i := slices.IndexFunc(svc.SLOs, func(s api.SLO) bool { return s.Name == o.name })
		if i < 0 {
			t.Fatalf("%s: service %s has no SLO %s", where, o.service, o.name)
		}
		c.checkSLO(t, where, o, svc.SLOs[i])
	}
}

func (c *checker) checkSLO(t *testing.T, where string, o ledgerSLO, got api.SLO) {
	t.Helper()
	if got.EvaluatedAt == nil {
		t.Fatalf("%s %s/%s: never evaluated", where, o.service, o.name)
	}
	at := *got.EvaluatedAt
	where = fmt.Sprintf("%s %s/%s at %s", where, o.service, o.name, at.Format(time.RFC3339Nano))
	if got.Error != "" || got.Stale {
		t.Errorf("%s: error %q, stale %v", where, got.Error, got.Stale)
	}
	budget := 1 - o.target
	b := got.Budget
	var gotRatio float64 // bad/total, from the SLI
	if got.SLI == nil {
		t.Errorf("%s: sli is null", where)
	} else {
		gotRatio = 1 - *got.SLI
	}

	// counts compares a count: relative.
	counts := func(kind, field string, g, w, tol float64) {
		t.Helper()
		d := relDiff(g, w)
		c.diffs.note(kind+" "+field, d)
		if !(d <= tol) {
			t.Errorf("%s: %s = %.6g, %s %.6g (%.3f%% off, tolerance %.2f%%)", where, field, g, kind, w, 100*d, 100*tol)
		}
	}
	// ratio compares a ratio on the budget scale: relative, with the
	// ledgerAbs floor.
	ratio := func(kind, field string, g, w, tol float64) {
		t.Helper()
		c.diffs.note(kind+" "+field, relDiff(g, w))
		if !ratioOK(g, w, tol) {
			t.Errorf("%s: %s = %.6g, %s %.6g (%.3f%% off, tolerance %.2f%% or %g absolute)", where, field, g, kind, w, 100*relDiff(g, w), 100*tol, ledgerAbs)
		}
	}

	// The period, directly and in truth.
	rng, length := o.periodRange(at)
	bad, total := c.direct(t, o, rng, length, at)
	counts("direct", "total_events", b.TotalEvents, total, ledgerRel)
	counts("direct", "failed_events", b.FailedEvents, bad, ledgerRel)
	ratio("direct", "consumed", b.Consumed, bad/total/budget, ledgerRel)
	ratio("direct", "sli (as 1-sli over budget)", gotRatio/budget, bad/total/budget, ledgerRel)

	from := at.Add(-length)
	tBad, tTotal := o.truthBad(from, at), o.truthTotal(from, at)
	counts("truth", "total_events", b.TotalEvents, tTotal, ledgerTruthRel)
	counts("truth", "failed_events", b.FailedEvents, tBad, ledgerTruthRel)
	ratio("truth", "consumed", b.Consumed, tBad/tTotal/budget, ledgerTruthRel)
	ratio("truth", "sli (as 1-sli over budget)", gotRatio/budget, tBad/tTotal/budget, ledgerTruthRel)
	// Prometheus against the truth: if this is off, the scenario, not
	// slod, is to blame.
	if d := relDiff(total, tTotal); d > ledgerTruthRel {
		t.Errorf("%s: Prometheus counts %.6g events over %s, the truth is %.6g: the scenario breaks rate()'s assumptions", where, total, rng, tTotal)
	}

	// Burn rates: exactly the windows of the alert conditions.
	var labels []string
	for l := range got.BurnRates {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var want []string
	for l := range burnWindows {
		want = append(want, l)
	}
	sort.Strings(want)
	if !slices.Equal(labels, want) {
		t.Errorf("%s: burn_rates has windows %v, want %v", where, labels, want)
	}
	for _, l := range labels {
		w, err := model.ParseDuration(l)
		if err != nil {
			t.Errorf("%s: burn_rates[%s]: %v", where, l, err)
			continue
		}
		d := time.Duration(w)
		bad, total := c.direct(t, o, l, d, at)
		ratio("direct", "burn_rates["+l+"]", got.BurnRates[l], bad/total/budget, ledgerRel)
		tBad, tTotal := o.truthBad(at.Add(-d), at), o.truthTotal(at.Add(-d), at)
		ratio("truth", "burn_rates["+l+"]", got.BurnRates[l], tBad/tTotal/budget, ledgerTruthRel)
	}
}

// waitComplete waits until slod has evaluated every SLO of every service
// successfully since since and, where it reports a backfill
// ({"done": N, "total": M}, on a service or an SLO), finished it. slod
// without a ledger reports none: complete once evaluated.
func waitComplete(t *testing.T, d *slodtest.Slod, since time.Time, services int) api.ServiceList {
	t.Helper()
	var (
		list api.ServiceList
		why  string
	)
	complete := func() bool {
		status, _, body := d.Do(t, http.MethodGet, "/api/v1/services", nil, nil)
		if status != http.StatusOK {
			why = fmt.Sprintf("status %d: %s", status, body)
			return false
		}
		list = api.ServiceList{}
		var raw struct {
			Services []map[string]json.RawMessage `json:"services"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("GET /api/v1/services: %v: %s", err, body)
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("GET /api/v1/services: %v: %s", err, body)
		}
		why = backfillPending(t, raw.Services)
		if why != "" {
			return false
		}
		if len(list.Services) != services {
			why = fmt.Sprintf("%d services, want %d", len(list.Services), services)
			return false
		}
		for _, s := range list.Services {
			for _, o := range s.SLOs {
				if o.EvaluatedAt == nil || o.EvaluatedAt.Before(since) || o.Stale || o.Error != "" {
					why = fmt.Sprintf("%s/%s: evaluated_at %v, stale %v, error %q", s.Service, o.Name, o.EvaluatedAt, o.Stale, o.Error)
					return false
				}
			}
			if s.Stale || s.LastError != "" {
				why = fmt.Sprintf("%s: stale %v, last_error %q", s.Service, s.Stale, s.LastError)
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(ledgerReady)
	for !complete() {
		if time.Now().After(deadline) {
			t.Fatalf("no complete evaluation since %s within %v: %s", since.Format(time.RFC3339Nano), ledgerReady, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return list
}

// backfillPending says which backfill (service or SLO level) is not done,
// or "" when all that exist are.
func backfillPending(t *testing.T, services []map[string]json.RawMessage) string {
	t.Helper()
	pending := func(where string, obj map[string]json.RawMessage) string {
		raw, ok := obj["backfill"]
		if !ok || string(raw) == "null" {
			return ""
		}
		var b struct {
			Done  *float64 `json:"done"`
			Total *float64 `json:"total"`
		}
		if err := json.Unmarshal(raw, &b); err != nil || b.Done == nil || b.Total == nil {
			t.Fatalf("%s: backfill %s is not {\"done\": N, \"total\": M} (%v)", where, raw, err)
		}
		if *b.Done != *b.Total {
			return fmt.Sprintf("%s: backfill %v of %v", where, *b.Done, *b.Total)
		}
		return ""
	}
	for _, s := range services {
		var name string
		_ = json.Unmarshal(s["service"], &name)
		if p := pending(name, s); p != "" {
			return p
		}
		var slos []map[string]json.RawMessage
		_ = json.Unmarshal(s["slos"], &slos)
		for _, o := range slos {
			var slo string
			_ = json.Unmarshal(o["name"], &slo)
			if p := pending(name+"/"+slo, o); p != "" {
				return p
			}
		}
	}
	return ""
}

// TestLedger runs slod against one Prometheus holding the ledger
// scenarios: a fresh start, a restart on the same database, and a
// Prometheus outage. Each subtest starts its own slod on a new database.
func TestLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and slod")
	}
	began := time.Now()
	l := newLedgerScenarios(began)
	srv := promtest.Start(t, l.all()...)
	dir := slodtest.WriteSpecs(t, ledgerSpecs)
	services := len(ledgerSpecs)
	start := func(t *testing.T, db string) (*slodtest.Slod, time.Time) {
		t.Helper()
		since := time.Now()
		d := slodtest.Start(t, slodtest.Options{SLOs: dir, DB: db, PrometheusURL: srv.URL, Interval: ledgerInterval, Quiet: true,
			Tune: func(c *app.Config) {
				// After the outage, probe Prometheus again within seconds,
				// not the default 30s.
				c.Prometheus.BreakerOpenTimeout = 2 * time.Second
			}})
		return d, since
	}
	newChecker := func() *checker { return &checker{srv: srv, slos: l.slos(), diffs: ledgerDiffs{}} }

	// The data has what the scenarios promise, or the tests below prove
	// less than they claim.
	t.Run("data", func(t *testing.T) {
		c := newChecker()
		odd := 7 * time.Second // off every sample time: no range-boundary ambiguity
		for _, q := range []struct {
			what string
			expr string
			at   time.Time
			want float64
		}{
			{"15s samples in the last hour", `count_over_time(http_requests_total{service="checkout",code="200"}[1h])`, l.h.Add(-time.Hour + odd), 240},
			{"15s samples 3 days ago", `count_over_time(http_requests_total{service="search",code="500"}[1h])`, l.h.Add(-80*time.Hour + odd), 240},
			{"1m samples 10 days ago", `count_over_time(http_requests_total{service="payments",code="200"}[1h])`, l.h.Add(-240*time.Hour + odd), 60},
			{"no samples in the gap", `count_over_time(http_requests_total{service="checkout",code="200"}[20m]) or vector(0)`, l.gap.To.Add(-time.Second), 0},
			{"checkout restarted twice in 30d", `resets(http_requests_total{service="checkout",code="200"}[30d])`, began, 2},
			{"checkout's histogram too", `resets(http_request_duration_seconds_count{service="checkout"}[30d])`, began, 2},
			{"search restarted once", `resets(http_requests_total{service="search",code="200"}[1d])`, began, 1},
		} {
			if got := c.query(t, q.expr, q.at); got != q.want {
				t.Errorf("%s: %s at %s = %v, want %v", q.what, q.expr, q.at.Format(time.RFC3339), got, q.want)
			}
		}
	})

	t.Run("direct", func(t *testing.T) {
		c := newChecker()
		d, since := start(t, t.TempDir()+"/slod.db")
		list := waitComplete(t, d, since, services)
		t.Logf("complete %v after slod's start", time.Since(since).Round(time.Millisecond))
		c.check(t, "fresh", list)
		// And once more a few cycles later, on numbers from the ledger's
		// steady state rather than its first fill.
		list = waitComplete(t, d, time.Now().Add(2*ledgerInterval), services)
		c.check(t, "later", list)
		c.diffs.log(t)
	})

	t.Run("restart", func(t *testing.T) {
		c := newChecker()
		db := t.TempDir() + "/slod.db"
		a, since := start(t, db)
		c.check(t, "before the restart", waitComplete(t, a, since, services))
		if err := a.Stop(); err != nil {
			t.Fatalf("graceful shutdown: %v", err)
		}
		// Two cycles' worth of time without slod.
		time.Sleep(2*ledgerInterval + time.Second)
		b, since := start(t, db)
		list := waitComplete(t, b, since, services)
		t.Logf("complete %v after the restart", time.Since(since).Round(time.Millisecond))
		c.check(t, "after the restart", list)
		c.diffs.log(t)
	})

	t.Run("prometheus-outage", func(t *testing.T) {
		c := newChecker()
		d, since := start(t, t.TempDir()+"/slod.db")
		c.check(t, "before the outage", waitComplete(t, d, since, services))
		srv.Stop()
		stopped := time.Now()
		// slod notices: an evaluation fails.
		slodtest.WaitFor(t, 20*time.Second, "slod to see the outage", func() bool {
			var list api.ServiceList
			d.GetJSON(t, "/api/v1/services", &list)
			return slices.ContainsFunc(list.Services, func(s api.Service) bool { return s.LastError != "" || s.Stale })
		})
		time.Sleep(ledgerOutage - time.Since(stopped))
		srv.Start()
		back := time.Now()
		list := waitComplete(t, d, back, services)
		// A 5m ledger bucket ends during the outage about one run in
		// twelve; say whether this one did.
		crossed := stopped.Truncate(5*time.Minute) != back.Truncate(5*time.Minute)
		t.Logf("Prometheus down for %v (a 5m bucket boundary inside: %v); complete %v after it came back",
			back.Sub(stopped).Round(time.Millisecond), crossed, time.Since(back).Round(time.Millisecond))
		c.check(t, "after the outage", list)
		c.diffs.log(t)
	})
	t.Logf("TestLedger: %v in all; scenarios from %s, hour %s", time.Since(began).Round(time.Second),
		began.UTC().Format(time.RFC3339), l.h.UTC().Format(time.RFC3339))
}
