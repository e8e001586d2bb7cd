package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// at0 is where the cycle tests start: 2½ minutes past a 5-minute mark,
// so the tail [11:55, 12:02:30) is 450s and every window starts inside
// a bucket.
//
// The layout of a 30d SLO at at0, worked out from ledger.LayoutAt:
//
//	Closed = (12:02:30 - 5m) truncated to 5m   = Nov 27 11:55
//	Split  = (Closed - 3d) truncated to 1h     = Nov 24 11:00
//	From   = (at0 - 30d) truncated to 1h       = Oct 28 12:00
//
// fine buckets Nov 24 11:00..Nov 27 11:55: 72h55m / 5m = 875;
// coarse buckets Oct 28 12:00..Nov 24 11:00: 27d - 1h = 647;
// 1,522 buckets in all.
var at0 = time.Date(2026, 11, 27, 12, 2, 30, 0, time.UTC)

const (
	// 30 days in seconds.
	windowSecs  = 2_592_000
	totalBucket = 875 + 647
	// The first cycle fetches the newest cycleSpan of fine buckets.
	firstFetched = 6 * 12
)

// The rates every SLO of service checkout runs at unless a test says
// otherwise: 0.1% errors, the whole 99.9% budget.
const (
	errRate   = 0.01
	totalRate = 10.0
)

func checkoutRates() map[string]float64 {
	return map[string]float64{"checkout_errors_total": errRate, "checkout_requests_total": totalRate}
}

// clock is a settable Options.Clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func approx(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func checkCounts(t *testing.T, what string, got slo.Counts, errors, total float64) {
	t.Helper()
	if !approx(got.Errors, errors) || !approx(got.Total, total) {
		t.Errorf("%s: counts %+v, want %v errors of %v", what, got, errors, total)
	}
}

// backfillAll runs backfill rounds until one has nothing to fetch and
// returns how many fetched something.
func backfillAll(t *testing.T, e *Engine) int {
	t.Helper()
	for n := 0; n < 100; n++ {
		more, err := e.backfillRound(context.Background())
		if err != nil {
			t.Fatalf("backfill round %d: %v", n+1, err)
		}
		if !more {
			return n
		}
	}
	t.Fatal("backfill still busy after 100 rounds")
	return 0
}

// loaded is an engine over specs whose first cycle at at0 and backfill
// are done, evaluated again at at0; the calls so far are taken.
func loaded(t *testing.T, specs []slo.Spec, src *constSource, st Store) (*Engine, *clock) {
	t.Helper()
	clk := &clock{t: at0}
	e := New(specs, src, st, quiet, Options{Clock: clk.now})
	e.EvaluateOnce(context.Background())
	backfillAll(t, e)
	e.EvaluateOnce(context.Background())
	src.take()
	return e, clk
}

func status(t *testing.T, e *Engine, service string, i int) slo.Status {
	t.Helper()
	st, ok := e.Snapshot().Services[service]
	if !ok || i >= len(st.SLOs) {
		t.Fatalf("no SLO %d of %s", i, service)
	}
	return st.SLOs[i]
}

// checkWhole checks a status measured at `at` over a whole 30d window of
// constant rates.
func checkWhole(t *testing.T, what string, s slo.Status, at time.Time, errs, total float64) {
	t.Helper()
	if s.Stale || s.Error != "" || !s.EvaluatedAt.Equal(at) {
		t.Errorf("%s: stale=%v error=%q evaluated %v, want fresh at %v", what, s.Stale, s.Error, s.EvaluatedAt, at)
	}
	checkCounts(t, what, s.Counts, errs*windowSecs, total*windowSecs)
	if c := s.Coverage; c.Known != windowSecs*time.Second || c.Unknown != 0 || c.Missing != 0 {
		t.Errorf("%s: coverage %+v, want the whole 30d known", what, c)
	}
}

// bucketCalls are the calls that fetched buckets (not tails).
func bucketCalls(calls []rangeCall) (buckets, tails []rangeCall) {
	for _, c := range calls {
		if c.instant() {
			tails = append(tails, c)
		} else {
			buckets = append(buckets, c)
		}
	}
	return buckets, tails
}

// checkOneBucket checks that calls are one batch fetching the single fine
// bucket [from, from+5m) of n books, then one tail batch at `at`.
func checkOneBucket(t *testing.T, calls []rangeCall, from, at time.Time, books int) {
	t.Helper()
	bs, ts := bucketCalls(calls)
	end := from.Add(ledger.Fine)
	if len(calls) != 2 || len(bs) != 1 || len(ts) != 1 {
		t.Fatalf("calls = %v, want one bucket batch and one tail batch", calls)
	}
	if b := bs[0]; !b.start.Equal(end) || !b.end.Equal(end) || b.step != ledger.Fine || len(b.queries) != 2*books {
		t.Errorf("bucket batch %v, want the one 5m bucket ending %v for %d books", b, end, books)
	}
	if c := ts[0]; !c.start.Equal(at) || len(c.queries) != 4*books {
		t.Errorf("tail batch %v, want %d queries at %v", c, 4*books, at)
	}
}

// TestFirstCycleThenBackfill: the first cycle measures what it has
// fetched (the newest six hours and the tail) and says so; the backfill
// then loads every bucket once, and the numbers are rate x 30d exactly.
func TestFirstCycleThenBackfill(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	clk := &clock{t: at0}
	e := New([]slo.Spec{testSpec()}, src, openStore(t), quiet, Options{Clock: clk.now})
	e.EvaluateOnce(ctx)

	calls := src.take()
	bs, ts := bucketCalls(calls)
	// Fine buckets [05:55, 11:55), evaluated at their ends 06:00..11:55.
	if len(bs) != 1 || !bs[0].first().Equal(time.Date(2026, 11, 27, 5, 55, 0, 0, time.UTC)) ||
		!bs[0].end.Equal(time.Date(2026, 11, 27, 11, 55, 0, 0, time.UTC)) || bs[0].step != ledger.Fine {
		t.Errorf("first cycle fetched %v, want the fine buckets 05:55..11:55", bs)
	}
	// The tails, then the whole period measured directly while the
	// history loads: [2592000s].
	if len(ts) != 2 || !strings.Contains(strings.Join(ts[0].queries, " "), "[450s]") ||
		!strings.Contains(strings.Join(ts[1].queries, " "), "[2592000s]") {
		t.Errorf("instant batches %v, want the 450s tail, then the 2592000s period at %v", ts, at0)
	}

	st := e.Snapshot().Services["checkout"]
	s := st.SLOs[0]
	// The period was measured whole: all 30 days known, at the rates.
	if c := s.Coverage; c.Known != windowSecs*time.Second || c.Unknown != 0 || c.Missing != 0 {
		t.Errorf("first cycle coverage %+v, want the whole %ds known", c, windowSecs)
	}
	checkCounts(t, "first cycle", s.Counts, errRate*windowSecs, totalRate*windowSecs)
	if s.Stale || s.Error != "" {
		t.Errorf("first cycle: stale=%v error=%q; a partial window is not a failure", s.Stale, s.Error)
	}
	if p := st.BackfillProgress(); p != (Progress{Done: firstFetched, Total: totalBucket}) || p.Complete() {
		t.Errorf("first cycle progress %+v, want %d of %d", p, firstFetched, totalBucket)
	}

	// Fine gap Nov 24 11:00..Nov 27 05:55 (66h55m) in 12h chunks: 6
	// rounds; coarse Oct 28 12:00..Nov 24 11:00 (647h) in 7d: 4.
	if n := backfillAll(t, e); n != 10 {
		t.Errorf("backfill took %d rounds, want 10", n)
	}
	calls = append(calls, src.take()...)
	seen := map[string]bool{}
	asked := 0
	for _, c := range calls {
		if c.instant() {
			continue
		}
		for b := c.first(); b.Before(c.end); b = b.Add(c.step) {
			k := fmt.Sprint(c.step, b.Unix())
			if seen[k] {
				t.Errorf("bucket %s of %s fetched twice", b.Format(time.RFC3339), c.step)
			}
			seen[k] = true
			asked++
		}
	}
	if asked != totalBucket {
		t.Errorf("%d buckets fetched, want each of the %d once", asked, totalBucket)
	}

	e.EvaluateOnce(ctx)
	if bs, _ := bucketCalls(src.take()); len(bs) != 0 {
		t.Errorf("evaluating again at the same instant fetched %v", bs)
	}
	st = e.Snapshot().Services["checkout"]
	s = st.SLOs[0]
	// 0.01/s and 10/s over 2,592,000s: 25,920 errors of 25,920,000.
	checkWhole(t, "after backfill", s, at0, errRate, totalRate)
	if p := st.BackfillProgress(); p != (Progress{Done: totalBucket, Total: totalBucket}) {
		t.Errorf("progress after backfill %+v, want %d of %d", p, totalBucket, totalBucket)
	}
	if !approx(s.Budget.SLI, 0.999) || !approx(s.Budget.Consumed, 1) || s.Budget.Status != slo.StatusExhausted {
		t.Errorf("budget %+v, want SLI 0.999, consumed 1, exhausted", s.Budget)
	}
	for _, l := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
		if r, ok := s.BurnRates[l]; !ok || !approx(r, 1) {
			t.Errorf("burn rate %s = %v (present %v), want 1", l, r, ok)
		}
	}
	if len(s.BurnRates) != 7 {
		t.Errorf("burn rates %v, want the 7 windows of a 30d SLO", s.BurnRates)
	}
	checkWindows(t, e, availability(), at0, errRate, totalRate)
}

// checkWindows checks every burn-rate window's counts of o at `at`
// against rate x length: the status keeps only the ratios.
func checkWindows(t *testing.T, e *Engine, o slo.SLO, at time.Time, errs, total float64) {
	t.Helper()
	m := windowsAt(t, e, o, at)
	for _, d := range []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, day, 3 * day} {
		got, ok := m.Windows[d]
		if !ok {
			t.Errorf("window %s missing", d)
			continue
		}
		checkCounts(t, "window "+d.String(), got, errs*d.Seconds(), total*d.Seconds())
	}
}

// TestSteadyCycleFetchesOneBucket: five minutes on, each book needs one
// new fine bucket and its tails; every other bucket is known.
func TestSteadyCycleFetchesOneBucket(t *testing.T) {
	rates := checkoutRates()
	rates["search_errors_total"], rates["search_requests_total"] = 0.002, 4
	src := newConstSource(t, rates)
	specs := []slo.Spec{testSpec(), specOf("search", eventsSLO("Availability", "availability", "search"))}
	e, clk := loaded(t, specs, src, openStore(t))

	at := at0.Add(5 * time.Minute)
	clk.set(at)
	e.EvaluateOnce(context.Background())
	// Closed moved from 11:55 to 12:00: the bucket [11:55, 12:00) of both
	// books in one batch.
	checkOneBucket(t, src.take(), time.Date(2026, 11, 27, 11, 55, 0, 0, time.UTC), at, 2)
	checkWhole(t, "checkout", status(t, e, "checkout", 0), at, errRate, totalRate)
	checkWhole(t, "search", status(t, e, "search", 0), at, 0.002, 4)
	if more, err := e.backfillRound(context.Background()); more || err != nil {
		t.Errorf("backfill after a steady cycle: %v, %v; want nothing to do (the hour leaving the fine tier is rolled up)", more, err)
	}
}

// TestOutageKeepsLastGoodAndRefetchesTheHole: while Prometheus is away
// the SLOs keep their last good numbers, stale with the error; the first
// cycle after fetches the buckets it missed in one batch.
func TestOutageKeepsLastGoodAndRefetchesTheHole(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	e, clk := loaded(t, []slo.Spec{testSpec()}, src, openStore(t))
	good := status(t, e, "checkout", 0)

	src.set(func(s *constSource) { s.down = errors.New("dial tcp 127.0.0.1:9090: connect: connection refused") })
	for _, m := range []time.Duration{5, 15, 25} {
		at := at0.Add(m * time.Minute)
		clk.set(at)
		e.EvaluateOnce(ctx)
		st := e.Snapshot().Services["checkout"]
		s := st.SLOs[0]
		if !st.Stale || !strings.Contains(st.LastError, "connection refused") || !st.LastAttempt.Equal(at) {
			t.Errorf("+%dm: service stale=%v last error %q attempt %v", m, st.Stale, st.LastError, st.LastAttempt)
		}
		if !s.Stale || !strings.Contains(s.Error, "connection refused") || !s.ErrorSince.Equal(at0.Add(5*time.Minute)) {
			t.Errorf("+%dm: stale=%v error=%q since %v, want stale with the error since +5m", m, s.Stale, s.Error, s.ErrorSince)
		}
		if !s.EvaluatedAt.Equal(at0) || s.Counts != good.Counts || s.Budget != good.Budget || s.Coverage != good.Coverage {
			t.Errorf("+%dm: numbers %v %+v %+v, want the last good ones of %v", m, s.EvaluatedAt, s.Counts, s.Budget, at0)
		}
		// Nothing is fetched while Prometheus is away: the 648 hours
		// Oct 28 12:00..Nov 24 12:00 and the 863 fine buckets up to 11:55
		// stay loaded (1,511), out of 1,512, 1,514, 1,516 as Closed moves
		// on. The history is not "complete" for want of a number.
		if p, want := st.BackfillProgress(), (Progress{Done: 1511, Total: 1512 + 2*int(m-5)/10}); p != want {
			t.Errorf("+%dm: progress %+v, want %+v", m, p, want)
		}
	}
	src.take()

	// At 12:32:30 Closed is 12:25: the hole is [11:55, 12:25), 6 buckets.
	at := at0.Add(30 * time.Minute)
	src.set(func(s *constSource) { s.down = nil })
	clk.set(at)
	e.EvaluateOnce(ctx)
	bs, ts := bucketCalls(src.take())
	if len(bs) != 1 || len(ts) != 1 || !bs[0].first().Equal(time.Date(2026, 11, 27, 11, 55, 0, 0, time.UTC)) ||
		!bs[0].end.Equal(time.Date(2026, 11, 27, 12, 25, 0, 0, time.UTC)) || bs[0].step != ledger.Fine {
		t.Errorf("after the outage: buckets %v, tails %v; want one batch 11:55..12:25 and the tails", bs, ts)
	}
	st := e.Snapshot().Services["checkout"]
	s := st.SLOs[0]
	checkWhole(t, "after the outage", s, at, errRate, totalRate)
	if st.Stale || st.LastError != "" || !s.ErrorSince.IsZero() {
		t.Errorf("after the outage: service stale=%v last error %q, error since %v; want cleared", st.Stale, st.LastError, s.ErrorSince)
	}
	if more, err := e.backfillRound(ctx); more || err != nil {
		t.Errorf("backfill after the outage: %v, %v; want nothing left", more, err)
	}
}

// TestRetentionShorterThanWindow: Prometheus keeps 10d of a 30d window.
// Buckets older than that are Missing without a query, the budget covers
// the last ~10d, and the coverage says ~20d are missing.
func TestRetentionShorterThanWindow(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	src.keep = 10 * day
	clk := &clock{t: at0}
	e := New([]slo.Spec{testSpec()}, src, openStore(t), quiet, Options{Clock: clk.now})
	e.checkRetention(ctx) // as Run does
	e.EvaluateOnce(ctx)
	backfillAll(t, e)
	e.EvaluateOnce(ctx)

	// at0 - 10d = Nov 17 12:02:30: the hour bucket 12:00 lacks its first
	// samples, so Nov 17 13:00 is the oldest bucket Prometheus holds.
	oldest := time.Date(2026, 11, 17, 13, 0, 0, 0, time.UTC)
	var first time.Time
	for _, c := range src.take() {
		if c.instant() {
			continue
		}
		if c.first().Before(oldest) {
			t.Errorf("asked for %v, before the retention's %v", c, oldest)
		}
		if first.IsZero() || c.first().Before(first) {
			first = c.first()
		}
	}
	if !first.Equal(oldest) {
		t.Errorf("oldest bucket fetched %v, want %v", first, oldest)
	}
	st := e.Snapshot().Services["checkout"]
	s := st.SLOs[0]
	// Missing: Oct 28 12:02:30..Nov 17 13:00 = 20d 57m30s = 1,731,450s;
	// known the remaining 860,550s.
	if c := s.Coverage; c.Missing != 1_731_450*time.Second || c.Known != 860_550*time.Second || c.Unknown != 0 {
		t.Errorf("coverage %+v, want 1731450s missing, 860550s known", c)
	}
	checkCounts(t, "within retention", s.Counts, errRate*860_550, totalRate*860_550)
	if p := st.BackfillProgress(); !p.Complete() || p.Total != totalBucket {
		t.Errorf("progress %+v, want complete: missing buckets are settled", p)
	}
	if s.Stale || s.Error != "" {
		t.Errorf("stale=%v error=%q: a window past retention is partial, not failed", s.Stale, s.Error)
	}
}

// TestQueryErrorFailsOnlyItsSLO: a NaN answer to one SLO's query fails
// that SLO, named; the other SLOs of its service and others are fine.
func TestQueryErrorFailsOnlyItsSLO(t *testing.T) {
	rates := checkoutRates()
	rates["latency_errors_total"], rates["latency_requests_total"] = 0.1, 10
	rates["search_errors_total"], rates["search_requests_total"] = 0.002, 4
	src := newConstSource(t, rates)
	src.broken = map[string]error{"latency_errors_total": fmt.Errorf("%w: NaN at 2026-11-27T11:55:00Z", prom.ErrBadQuery)}
	specs := []slo.Spec{
		specOf("checkout", availability(), eventsSLO("Latency", "latency", "latency")),
		specOf("search", eventsSLO("Availability", "availability", "search")),
	}
	e, _ := loaded(t, specs, src, openStore(t))

	checkout := e.Snapshot().Services["checkout"]
	checkWhole(t, "checkout availability", checkout.SLOs[0], at0, errRate, totalRate)
	bad := checkout.SLOs[1]
	if !bad.Stale || !strings.Contains(bad.Error, "NaN") || !strings.Contains(bad.Error, "latency_errors_total") || bad.NoSeries {
		t.Errorf("broken SLO: stale=%v error=%q no_series=%v; want stale, naming the NaN and its query", bad.Stale, bad.Error, bad.NoSeries)
	}
	if !bad.EvaluatedAt.IsZero() {
		t.Errorf("broken SLO evaluated at %v: it never had numbers", bad.EvaluatedAt)
	}
	if !checkout.Stale || !strings.Contains(checkout.LastError, "latency:") || strings.Contains(checkout.LastError, "availability:") {
		t.Errorf("checkout: stale=%v last error %q; want stale naming latency alone", checkout.Stale, checkout.LastError)
	}
	search := e.Snapshot().Services["search"]
	if search.Stale || search.LastError != "" {
		t.Errorf("search: stale=%v error %q; another service's query must not fail it", search.Stale, search.LastError)
	}
	checkWhole(t, "search", search.SLOs[0], at0, 0.002, 4)
}

// TestTotalWithoutSeries: a total query that matches nothing fails its
// SLO with ErrNoSeries naming the query, and sets NoSeries.
func TestTotalWithoutSeries(t *testing.T) {
	typo := eventsSLO("Typo", "typo", "checkout")
	typo.SLI.Events.Total = `sum(rate(checkout_requets_total[{{.window}}]))`
	src := newConstSource(t, checkoutRates())
	e, _ := loaded(t, []slo.Spec{specOf("checkout", availability(), typo)}, src, openStore(t))
	checkWhole(t, "availability", status(t, e, "checkout", 0), at0, errRate, totalRate)
	s := status(t, e, "checkout", 1)
	if !s.Stale || !s.NoSeries || !strings.Contains(s.Error, slo.ErrNoSeries.Error()) || !strings.Contains(s.Error, "checkout_requets_total[2592000s]") {
		t.Errorf("typo'd total: stale=%v no_series=%v error=%q; want ErrNoSeries naming the query", s.Stale, s.NoSeries, s.Error)
	}
}

// TestRenameKeepsBookQueryChangeStartsOne: a book belongs to the queries,
// not the name; a changed query is other events, fetched anew.
func TestRenameKeepsBookQueryChangeStartsOne(t *testing.T) {
	rates := checkoutRates()
	rates["checkout_requests_v2_total"] = 20
	src := newConstSource(t, rates)
	e, clk := loaded(t, []slo.Spec{testSpec()}, src, openStore(t))

	renamed := availability()
	renamed.Name, renamed.Slug = "Edge availability", "edge-availability"
	e.Reload([]slo.Spec{specOf("checkout", renamed)}, nil)
	at := at0.Add(5 * time.Minute)
	clk.set(at)
	e.EvaluateOnce(context.Background())
	checkOneBucket(t, src.take(), time.Date(2026, 11, 27, 11, 55, 0, 0, time.UTC), at, 1)
	s := status(t, e, "checkout", 0)
	if s.Slug != "edge-availability" {
		t.Fatalf("slug %q after the rename", s.Slug)
	}
	checkWhole(t, "renamed", s, at, errRate, totalRate)

	changed := renamed
	changed.SLI.Events = &slo.EventsSLI{Errors: renamed.SLI.Events.Errors, Total: `sum(rate(checkout_requests_v2_total[{{.window}}]))`}
	e.Reload([]slo.Spec{specOf("checkout", changed)}, nil)
	at = at0.Add(10 * time.Minute)
	clk.set(at)
	e.EvaluateOnce(context.Background())
	// A new book: the first cycle's six hours before Closed (12:05).
	bs, _ := bucketCalls(src.take())
	if len(bs) != 1 || !bs[0].first().Equal(time.Date(2026, 11, 27, 6, 5, 0, 0, time.UTC)) || !bs[0].end.Equal(time.Date(2026, 11, 27, 12, 5, 0, 0, time.UTC)) {
		t.Errorf("after a query change fetched %v, want the six hours 06:05..12:05 of a new book", bs)
	}
	st := e.Snapshot().Services["checkout"]
	if p := st.BackfillProgress(); p.Complete() || p.Done != firstFetched {
		t.Errorf("progress after a query change %+v, want %d done of more", p, firstFetched)
	}
	// Its period is measured whole while the new book loads.
	checkCounts(t, "changed query", st.SLOs[0].Counts, errRate*windowSecs, 20*windowSecs)
	e.books.mu.Lock()
	n := len(e.books.byFP)
	e.books.mu.Unlock()
	if n != 1 {
		t.Errorf("%d books in force, want 1: the old queries' book is no one's", n)
	}
}

// TestRestartLoadsBucketsFromStore: a second engine over the same SQLite
// file fetches only the bucket that closed since, not the window.
func TestRestartLoadsBucketsFromStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slod.db")
	st1, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	src := newConstSource(t, checkoutRates())
	loaded(t, []slo.Spec{testSpec()}, src, st1)
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	at := at0.Add(5 * time.Minute)
	e := New([]slo.Spec{testSpec()}, src, st2, quiet, Options{Clock: func() time.Time { return at }})
	e.EvaluateOnce(context.Background())
	checkOneBucket(t, src.take(), time.Date(2026, 11, 27, 11, 55, 0, 0, time.UTC), at, 1)
	st := e.Snapshot().Services["checkout"]
	checkWhole(t, "after restart", st.SLOs[0], at, errRate, totalRate)
	if p := st.BackfillProgress(); !p.Complete() {
		t.Errorf("progress after restart %+v, want complete", p)
	}
	if more, err := e.backfillRound(context.Background()); more || err != nil {
		t.Errorf("backfill after restart: %v, %v; want nothing to fetch", more, err)
	}
}

// TestHistoryFromLedger: hourly points of the window that ends at at0,
// each the events from its start up to the point; the last is the
// current status.
func TestHistoryFromLedger(t *testing.T) {
	// 0.005/s of 10/s: half the budget at any point.
	src := newConstSource(t, map[string]float64{"checkout_errors_total": 0.005, "checkout_requests_total": 10})
	e, _ := loaded(t, []slo.Spec{testSpec()}, src, openStore(t))
	pts, err := e.History(context.Background(), "checkout", "availability", at0.Add(-40*day), at0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// The window starts Oct 28 12:02:30: points every hour from Oct 28
	// 13:00 to Nov 27 11:00, the last hour closed by 11:55 (718 hours,
	// 719 points), then the current status.
	start := at0.Add(-30 * day)
	if len(pts) != 720 {
		t.Fatalf("%d points, want 719 hourly and the current", len(pts))
	}
	for i, p := range pts[:719] {
		h := time.Date(2026, 10, 28, 13, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		if !p.EvaluatedAt.Equal(h) {
			t.Fatalf("point %d at %v, want %v", i, p.EvaluatedAt, h)
		}
		secs := h.Sub(start).Seconds()
		checkCounts(t, "point "+h.Format(time.RFC3339), p.Counts, 0.005*secs, 10*secs)
	}
	// The last ledger point, Nov 27 11:00: 30d - 1h2m30s = 2,588,250s,
	// 12,941.25 errors of 25,882,500; budget 0.1% of that, half used.
	last := pts[718].Budget
	want := slo.Budget{Status: slo.StatusOK, SLI: 0.9995, ErrorRatio: 0.0005, Consumed: 0.5, Remaining: 0.5,
		TotalEvents: 25_882_500, AllowedEvents: 25_882.5, FailedEvents: 12_941.25, RemainingEvents: 12_941.25,
		AllowedMinutes: 43.2, RemainingMinutes: 21.6}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"SLI", last.SLI, want.SLI}, {"ErrorRatio", last.ErrorRatio, want.ErrorRatio}, {"Consumed", last.Consumed, want.Consumed},
		{"Remaining", last.Remaining, want.Remaining}, {"TotalEvents", last.TotalEvents, want.TotalEvents},
		{"AllowedEvents", last.AllowedEvents, want.AllowedEvents}, {"FailedEvents", last.FailedEvents, want.FailedEvents},
		{"RemainingEvents", last.RemainingEvents, want.RemainingEvents}, {"AllowedMinutes", last.AllowedMinutes, want.AllowedMinutes},
		{"RemainingMinutes", last.RemainingMinutes, want.RemainingMinutes},
	} {
		if !approx(f.got, f.want) {
			t.Errorf("last ledger point %s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if last.Status != want.Status {
		t.Errorf("last ledger point status %s, want %s", last.Status, want.Status)
	}
	if cur := pts[719]; !cur.EvaluatedAt.Equal(at0) {
		t.Errorf("last point at %v, want the current status at %v", cur.EvaluatedAt, at0)
	}
	checkCounts(t, "current", pts[719].Counts, 0.005*windowSecs, 10*windowSecs)
}

// TestRunBackfillsBehindTheCycles runs the loop on the real clock: the
// backfill goroutine fills the window while cycles go on (the race
// detector watches the books, the queue and the snapshot), and a cycle
// after it reports the whole window, exact.
func TestRunBackfillsBehindTheCycles(t *testing.T) {
	src := newConstSource(t, checkoutRates())
	e := New([]slo.Spec{testSpec()}, src, openStore(t), quiet, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, 20*time.Millisecond)
	}()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := e.Snapshot().Services["checkout"]
		s := st.SLOs[0]
		if st.BackfillProgress().Complete() && !s.EvaluatedAt.IsZero() && s.Coverage.Complete() {
			if s.Stale || s.Error != "" {
				t.Fatalf("stale=%v error=%q", s.Stale, s.Error)
			}
			checkCounts(t, "after the background backfill", s.Counts, errRate*windowSecs, totalRate*windowSecs)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backfill not done after 20s: progress %+v, coverage %+v", st.BackfillProgress(), s.Coverage)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOutageLongerThanACycleSpan: after 8h away, the first cycle fetches
// the newest cycleSpan (6h) of the hole and the backfill the rest.
func TestOutageLongerThanACycleSpan(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	e, clk := loaded(t, []slo.Spec{testSpec()}, src, openStore(t))
	src.set(func(s *constSource) { s.down = errors.New("connection refused") })
	clk.set(at0.Add(5 * time.Minute))
	e.EvaluateOnce(ctx)
	src.set(func(s *constSource) { s.down = nil })
	src.take()

	// At 20:02:30 Closed is 19:55: the hole is [11:55, 19:55).
	at := at0.Add(8 * time.Hour)
	clk.set(at)
	e.EvaluateOnce(ctx)
	bs, _ := bucketCalls(src.take())
	if len(bs) != 1 || !bs[0].first().Equal(time.Date(2026, 11, 27, 13, 55, 0, 0, time.UTC)) || !bs[0].end.Equal(time.Date(2026, 11, 27, 19, 55, 0, 0, time.UTC)) {
		t.Errorf("first cycle after 8h fetched %v, want 13:55..19:55", bs)
	}
	// The two hours 11:55..13:55 are left to the backfill: 24 fine
	// buckets not done.
	if p := e.Snapshot().Services["checkout"].BackfillProgress(); p.Total-p.Done != 24 {
		t.Errorf("progress %+v, want 24 buckets left", p)
	}
	if n := backfillAll(t, e); n != 1 {
		t.Errorf("backfill took %d rounds, want 1 for the 2h left", n)
	}
	bs, _ = bucketCalls(src.take())
	if len(bs) != 1 || !bs[0].first().Equal(time.Date(2026, 11, 27, 11, 55, 0, 0, time.UTC)) || !bs[0].end.Equal(time.Date(2026, 11, 27, 13, 55, 0, 0, time.UTC)) {
		t.Errorf("backfill fetched %v, want 11:55..13:55", bs)
	}
	e.EvaluateOnce(ctx)
	checkWhole(t, "after the backfill", status(t, e, "checkout", 0), at, errRate, totalRate)
}

// TestLoadingWindowsAreCarriedForward: while history loads, a window
// measured whole in one cycle is carried forward by the next ones (its
// measurement, the buckets since, the new tail, less the share that slid
// out at its start), not queried whole again each cycle; after
// directRefresh it is measured whole again.
func TestLoadingWindowsAreCarriedForward(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	clk := &clock{t: at0}
	e := New([]slo.Spec{testSpec()}, src, openStore(t), quiet, Options{Clock: clk.now})
	e.EvaluateOnce(ctx)
	src.take()

	wholeQueries := func(calls []rangeCall) (n int) {
		for _, c := range calls {
			for _, q := range c.queries {
				if strings.Contains(q, "[2592000s]") || strings.Contains(q, "[86400s]") || strings.Contains(q, "[259200s]") {
					n++
				}
			}
		}
		return n
	}
	for i, step := range []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute} {
		at := at0.Add(step)
		clk.set(at)
		e.EvaluateOnce(ctx)
		if n := wholeQueries(src.take()); n != 0 {
			t.Errorf("cycle %d (+%v): %d whole-window queries, want none: the first cycle's are carried", i+2, step, n)
		}
		s := status(t, e, "checkout", 0)
		// Constant rates: every carried window is rate x its length
		// exactly, whatever slid out and came in.
		checkWhole(t, fmt.Sprintf("carried at +%v", step), s, at, errRate, totalRate)
		for _, l := range []string{"1d", "3d"} {
			if r := s.BurnRates[l]; !approx(r, 1) {
				t.Errorf("+%v: burn rate %s = %v, want 1", step, l, r)
			}
		}
	}

	// Older than directRefresh: the period and the 1d and 3d windows are
	// measured whole again (bad and total each).
	clk.set(at0.Add(directRefresh + 5*time.Minute))
	e.EvaluateOnce(ctx)
	if n := wholeQueries(src.take()); n != 6 {
		t.Errorf("after directRefresh: %d whole-window queries, want 6", n)
	}
	checkWhole(t, "re-measured", status(t, e, "checkout", 0), at0.Add(directRefresh+5*time.Minute), errRate, totalRate)
}

// Two SLOs counting the same events share a book: a rolling 30d one and a
// calendar month. While history loads each period is measured whole once
// and carried on its own; neither is taken for the other.
func TestLoadingPeriodsOfASharedBook(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	clk := &clock{t: at0}
	monthly := availability()
	monthly.Name, monthly.Slug, monthly.Window, monthly.Calendar = "Monthly", "monthly", 0, slo.CalendarMonth
	e := New([]slo.Spec{specOf("checkout", availability(), monthly)}, src, openStore(t), quiet, Options{Clock: clk.now})
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, step := range []time.Duration{0, 5 * time.Minute} {
		at := at0.Add(step)
		clk.set(at)
		e.EvaluateOnce(ctx)
		checkWhole(t, fmt.Sprintf("rolling at +%v", step), status(t, e, "checkout", 0), at, errRate, totalRate)
		// The month so far: from Nov 1 00:00 UTC to at, every second known.
		s := status(t, e, "checkout", 1)
		elapsed := at.Sub(month)
		checkCounts(t, fmt.Sprintf("month at +%v", step), s.Counts, errRate*elapsed.Seconds(), totalRate*elapsed.Seconds())
		if c := s.Coverage; c.Known != elapsed || c.Unknown != 0 || c.Missing != 0 {
			t.Errorf("month at +%v: coverage %+v, want %v known", step, c, elapsed)
		}
	}
}

// TestNewestPointsDroppedLoggedOncePerStreak: a Prometheus that leaves out
// its newest points fails every cycle alike until it is reconfigured, so
// it is logged when a streak of such cycles begins and when it ends, not
// every cycle; each SLO still carries the error and goes stale.
func TestNewestPointsDroppedLoggedOncePerStreak(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	e, clk := loaded(t, []slo.Spec{testSpec()}, src, openStore(t))
	var logs bytes.Buffer
	e.log = slog.New(slog.NewTextHandler(&logs, nil))
	dropped := fmt.Errorf("query ranges: queries 0 to 3 of 4: %w: no point at 12:00", prom.ErrNewestPointsDropped)
	refused := errors.New("dial tcp 127.0.0.1:9090: connect: connection refused")
	for i, down := range []error{dropped, dropped, refused, dropped, nil, nil, dropped} {
		src.set(func(s *constSource) { s.down = down })
		clk.set(at0.Add(time.Duration(i+1) * time.Minute))
		e.EvaluateOnce(ctx)
		st := e.Snapshot().Services["checkout"]
		if down != nil && (!st.Stale || !strings.Contains(st.SLOs[0].Error, down.Error())) {
			t.Errorf("cycle %d: stale=%v error %q, want stale with %q", i, st.Stale, st.SLOs[0].Error, down)
		}
	}
	count := func(msg string) int { return strings.Count(logs.String(), msg) }
	// Two streaks (the refused cycle does not end the first); the refused
	// cycle is logged as any failure is.
	if n := count("Prometheus answers without its newest points"); n != 2 {
		t.Errorf("%d lines about dropped points for 2 streaks of 4 failed cycles, want 2:\n%s", n, logs.String())
	}
	if n := count("Prometheus answers with its newest points again"); n != 1 {
		t.Errorf("%d lines about the points being back, want 1:\n%s", n, logs.String())
	}
	if n := count("evaluation failed"); n != 1 {
		t.Errorf("%d \"evaluation failed\" lines, want 1 (the refused cycle):\n%s", n, logs.String())
	}
}

// The retention is read again with the hourly prune: a Prometheus
// restarted with a shorter retention is known within the hour.
func TestRetentionIsReadAgainHourly(t *testing.T) {
	ctx := context.Background()
	src := newConstSource(t, checkoutRates())
	src.keep = 10 * day
	clk := &clock{t: at0}
	e := New([]slo.Spec{testSpec()}, src, openStore(t), quiet, Options{Clock: clk.now})
	e.checkRetention(ctx)
	e.EvaluateOnce(ctx)
	src.mu.Lock()
	src.keep = 5 * day
	src.mu.Unlock()
	clk.set(at0.Add(30 * time.Minute))
	e.EvaluateOnce(ctx)
	if d, _ := e.retention(); d != 10*day {
		t.Errorf("retention within the hour = %v, want the first reading 10d", d)
	}
	clk.set(at0.Add(61 * time.Minute))
	e.EvaluateOnce(ctx)
	if d, _ := e.retention(); d != 5*day {
		t.Errorf("retention after an hour = %v, want the new reading 5d", d)
	}
}
