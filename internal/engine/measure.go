package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
)

// cycleSpan bounds the buckets a cycle fetches itself: after an outage
// of up to this long the next cycle closes the hole at once; anything
// older is the backfill's.
const cycleSpan = 6 * time.Hour

// ErrNoSeries: the total query matched no series over the SLO's period.
var ErrNoSeries = errors.New("total query matched no series")

// ErrGoodExceedsTotal: the good events outnumber all events by more than
// goodExcess, so the good and total queries measure different things.
var ErrGoodExceedsTotal = errors.New("good events exceed total events")

// goodExcess is how far good may exceed total over the SLO's period (as a
// share of total) before the measurement is an error: rate() extrapolates
// each series on its own, so sums over series that start or stop within
// the period can disagree a little, never by a percent.
const goodExcess = 0.01

// tails are a book's directly measured events at one instant: over the
// tail (since the newest fetchable bucket) and over the last Fine step,
// the shortest burn-rate window, which is measured whole rather than
// pro-rated from a tail up to twice as long.
type tails struct {
	tail, short ledger.Tail
	err         error
}

// fetchRecent fetches, for every book, the newest missing fine buckets
// up to cycleSpan back: normally the one bucket that closed since the
// last cycle, after an outage the buckets it missed.
func (e *Engine) fetchRecent(ctx context.Context, bs []*book, now time.Time) error {
	var jobs []fetchJob
	for _, b := range bs {
		b.mu.Lock()
		lay := b.layout(now)
		fine, _ := b.l.Gaps(lay)
		b.mu.Unlock()
		if len(fine) == 0 || !fine[0].To.Equal(lay.Closed) {
			continue
		}
		span := fine[0]
		if min := lay.Closed.Add(-cycleSpan); span.From.Before(min) {
			span.From = min
		}
		jobs = append(jobs, fetchJob{b: b, step: ledger.Fine, span: span})
	}
	return e.fetch(ctx, jobs, now)
}

// measureTails measures every book's tails at t in one batch.
func (e *Engine) measureTails(ctx context.Context, bs []*book, t time.Time) (map[*book]tails, error) {
	closed := ledger.LayoutAt(t, t).Closed
	tailLen := t.Sub(closed)
	rngs := []string{fmt.Sprintf("%ds", int64(tailLen/time.Second)), model.Duration(ledger.Fine).String()}
	queries := make([]string, 0, 4*len(bs))
	goods := make([]bool, len(bs))
	for i, b := range bs {
		for _, rng := range rngs {
			first, total, good := b.o.EventQueries(rng)
			queries = append(queries, first, total)
			goods[i] = good
		}
	}
	res, err := e.src.QueryRanges(ctx, queries, t, t, time.Second)
	if err != nil {
		return nil, fmt.Errorf("measure at %s: %w", t.Format(time.RFC3339), err)
	}
	out := make(map[*book]tails, len(bs))
	for i, b := range bs {
		var ts tails
		ts.tail, ts.err = tailOf(b.o, closed, t, res[4*i], res[4*i+1], goods[i])
		if ts.err == nil {
			ts.short, ts.err = tailOf(b.o, t.Add(-ledger.Fine), t, res[4*i+2], res[4*i+3], goods[i])
		}
		out[b] = ts
	}
	return out, nil
}

// tailOf turns one instant's rates over [from, to) into a tail.
func tailOf(o slo.SLO, from, to time.Time, first, total prom.Series, good bool) (ledger.Tail, error) {
	bs, err := bucketsOf(o, to.Sub(from), ledger.Span{From: from, To: to}, first, total, good)
	if err != nil {
		return ledger.Tail{}, err
	}
	if len(bs) != 1 {
		return ledger.Tail{}, fmt.Errorf("tail %s..%s: %d samples, want one", from.Format(time.RFC3339), to.Format(time.RFC3339), len(bs))
	}
	return ledger.Tail{From: from, To: to, Counts: slo.Counts{Errors: bs[0].Bad, Total: bs[0].Total}, Series: bs[0].Series}, nil
}

// periodKey is one period measured directly: a book over a length.
type periodKey struct {
	b       *book
	elapsed time.Duration
}

// measureLoadingPeriods measures in one batch, directly over the whole
// range, the period and the burn-rate windows of every SLO whose ledger
// does not hold them yet: while history loads, the budget and burn rates
// are still the whole windows', as the gate needs, and never numbers over
// part of a window. Once loaded, no SLO needs this.
func (e *Engine) measureLoadingPeriods(ctx context.Context, specs []slo.Spec, bookOf map[string]map[string]*book, t time.Time) (map[periodKey]ledger.Tail, error) {
	var keys []periodKey
	seen := map[periodKey]bool{}
	var queries []string
	var goods []bool
	for _, sp := range specs {
		for _, o := range sp.SLOs {
			b := bookOf[sp.Service][o.Slug]
			elapsed, _ := o.Period(t)
			lengths := append([]time.Duration{elapsed}, burnrate.Durations(burnrate.Windows(o.NominalWindow()))...)
			b.mu.Lock()
			closed := b.layout(t).Closed
			for _, d := range lengths {
				k := periodKey{b: b, elapsed: d}
				if seen[k] || t.Add(-d).After(closed) || b.l.Sum(t.Add(-d), closed).Unknown == 0 {
					continue
				}
				seen[k] = true
				keys = append(keys, k)
				first, total, good := o.EventQueries(fmt.Sprintf("%ds", int64(d/time.Second)))
				queries = append(queries, first, total)
				goods = append(goods, good)
			}
			b.mu.Unlock()
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	res, err := e.src.QueryRanges(ctx, queries, t, t, time.Second)
	if err != nil {
		return nil, fmt.Errorf("measure loading periods at %s: %w", t.Format(time.RFC3339), err)
	}
	out := make(map[periodKey]ledger.Tail, len(keys))
	for i, k := range keys {
		if p, err := tailOf(k.b.o, t.Add(-k.elapsed), t, res[2*i], res[2*i+1], goods[i]); err == nil {
			out[k] = p
		}
	}
	return out, nil
}

// measurement computes o's period and window counts at t from its book
// and tails, without the events of x; b.mu is held. direct gives a range
// of that length measured whole, if it was, which stands in for a window
// the ledger does not hold yet (less what x excludes of the loaded part).
func measurement(o slo.SLO, l *ledger.Ledger, ts tails, x ledger.Exclusions, direct func(time.Duration) (ledger.Tail, bool), t time.Time) (slo.Measurement, error) {
	elapsed, _ := o.Period(t)
	window := func(d time.Duration, tail ledger.Tail) (kept, excluded ledger.Counts) {
		c, ex := l.Excluding(t.Add(-d), tail.To, tail, x)
		if w, ok := direct(d); ok && c.Unknown > 0 {
			c = ledger.Counts{
				Counts:   slo.Counts{Errors: w.Errors - ex.Errors, Total: w.Total - ex.Total},
				Coverage: slo.Coverage{Known: d - c.Missing, Missing: c.Missing},
				Series:   w.Series,
			}
		}
		return c, ex
	}
	period, excluded := window(elapsed, ts.tail)
	if !period.Series {
		_, total := o.Queries(fmt.Sprintf("%ds", int64(elapsed/time.Second)))
		return slo.Measurement{}, fmt.Errorf("measure %s: %w: %s", o.Name, ErrNoSeries, total)
	}
	if period.Errors < -goodExcess*period.Total {
		return slo.Measurement{}, fmt.Errorf("measure %s: %w: good %g > total %g over the period; the good and total queries must select the same series",
			o.Name, ErrGoodExceedsTotal, period.Total-period.Errors, period.Total)
	}
	m := slo.Measurement{
		At:           t,
		Period:       clamp(period.Counts),
		Excluded:     clamp(excluded.Counts),
		PeriodLength: elapsed,
		Coverage:     period.Coverage,
		Windows:      map[time.Duration]slo.Counts{},
	}
	for _, d := range burnrate.Durations(burnrate.Windows(o.NominalWindow())) {
		tail := ts.tail
		if !t.Add(-d).Before(ts.short.From) {
			tail = ts.short
		}
		c, _ := window(d, tail)
		m.Windows[d] = clamp(c.Counts)
	}
	return m, nil
}

// clamp drops the slightly negative bad counts that rate extrapolation
// gives an SLI defined by good events (total - good).
func clamp(c slo.Counts) slo.Counts {
	c.Errors = max(c.Errors, 0)
	return c
}
