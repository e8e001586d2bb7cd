package engine

import (
	"context"
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

// measureLoadingPeriods measures in one batch, directly over the whole
// range, the period and the burn-rate windows of every SLO whose ledger
// does not hold them yet and whose earlier direct measurement cannot be
// carried forward: while history loads, the budget and burn rates are
// still the whole windows', as the gate needs, and never numbers over
// part of a window. Once loaded, no SLO needs this.
func (e *Engine) measureLoadingPeriods(ctx context.Context, specs []slo.Spec, bookOf map[string]map[string]*book, ts map[*book]tails, t time.Time) error {
	type job struct {
		b        *book
		key      string
		from, to time.Time
	}
	var jobs []job
	seen := map[*book]map[string]bool{}
	var queries []string
	var goods []bool
	for _, sp := range specs {
		for _, o := range sp.SLOs {
			b := bookOf[sp.Service][o.Slug]
			tail := ts[b]
			if tail.err != nil {
				continue // the SLO fails this cycle anyway
			}
			elapsed, _ := o.Period(t)
			b.mu.Lock()
			closed := b.layout(t).Closed
			for i, d := range append([]time.Duration{elapsed}, burnrate.Durations(burnrate.Windows(o.NominalWindow()))...) {
				key := windowKey(o, i == 0, d)
				from := t.Add(-d)
				switch {
				case seen[b][key] || from.After(closed):
					continue
				case b.l.Sum(from, closed).Unknown == 0:
					delete(b.direct, key)
					continue
				}
				if _, _, ok := b.carried(key, from, tail.tail, t); ok {
					continue
				}
				if seen[b] == nil {
					seen[b] = map[string]bool{}
				}
				seen[b][key] = true
				jobs = append(jobs, job{b: b, key: key, from: from, to: closed})
				first, total, good := o.EventQueries(fmt.Sprintf("%ds", int64(d/time.Second)))
				queries = append(queries, first, total)
				goods = append(goods, good)
			}
			b.mu.Unlock()
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	res, err := e.src.QueryRanges(ctx, queries, t, t, time.Second)
	if err != nil {
		return fmt.Errorf("measure loading periods at %s: %w", t.Format(time.RFC3339), err)
	}
	for i, j := range jobs {
		p, err := tailOf(j.b.o, j.from, t, res[2*i], res[2*i+1], goods[i])
		if err != nil {
			continue
		}
		// Stored up to the cycle's Closed: the tail, measured in the same
		// cycle, is taken off, and later cycles add theirs.
		tail := ts[j.b].tail
		j.b.mu.Lock()
		if j.b.direct == nil {
			j.b.direct = map[string]directWindow{}
		}
		j.b.direct[j.key] = directWindow{at: t, Direct: ledger.Direct{
			From: j.from, To: j.to, Series: p.Series,
			Counts: slo.Counts{Errors: p.Errors - tail.Errors, Total: p.Total - tail.Total},
		}}
		j.b.mu.Unlock()
	}
	return nil
}
