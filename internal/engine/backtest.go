package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/backtest"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// backtestWait is how long a backtest waits for the one running before
// it to finish before it is turned away (ErrBacktestBusy).
const backtestWait = 10 * time.Second

// Errors of Backtest besides backtest.ErrInput.
var (
	// ErrBacktestBusy: another backtest held the slot for backtestWait.
	ErrBacktestBusy = errors.New("another backtest is running")
	// ErrBeyondRetention: the range starts before the oldest data
	// Prometheus keeps.
	ErrBeyondRetention = errors.New("range starts before Prometheus' retention")
)

// Event sources of a replayed SLO.
const (
	// SourceLedger: slod's own buckets of the SLO's queries, with any
	// older hours the replay needs fetched from Prometheus.
	SourceLedger = "ledger"
	// SourcePrometheus: slod runs no SLO with these queries; every bucket
	// was fetched from Prometheus as the backfill fetches them.
	SourcePrometheus = "prometheus"
)

// Replay is a backtest of one spec and where its SLOs' events came from.
type Replay struct {
	backtest.Result
	// Sources are SourceLedger or SourcePrometheus, per SLO in spec order.
	Sources []string
}

// BacktestRange is what a backtest replays: from and to (to is clamped to
// the newest bucket that may be fetched), every step (zero: 5 minutes).
type BacktestRange struct {
	From, To     time.Time
	Step         time.Duration
	IncidentBurn float64
}

// Backtest replays each spec over r on the same events: per SLO the
// ledger of its queries when slod runs them, else buckets fetched from
// Prometheus in the backfill's layout. It never writes to the live
// ledgers or the store. One backtest runs at a time, and its fetches go
// through the same bulkhead as the live cycle one batch at a time, so
// backtests hold at most one query slot and never starve evaluation.
func (e *Engine) Backtest(ctx context.Context, specs []slo.Spec, r BacktestRange) ([]Replay, error) {
	now := e.opts.Clock()
	if r.Step == 0 {
		r.Step = ledger.Fine
	}
	closed := ledger.LayoutAt(now, now).Closed
	if r.To.After(closed) {
		r.To = closed
	}
	if keep, ok := e.retention(); ok {
		if oldest := now.Add(-keep); r.From.Before(oldest) {
			return nil, fmt.Errorf("%w: Prometheus keeps %s of data, so a backtest may start at %s at the earliest",
				ErrBeyondRetention, keep, oldest.UTC().Format(time.RFC3339))
		}
	}
	// Check the range before fetching anything for it.
	if _, _, err := (backtest.Input{From: r.From, To: r.To, Step: r.Step, IncidentBurn: r.IncidentBurn}).Steps(); err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, backtestWait)
	defer cancel()
	select {
	case e.backtests <- struct{}{}:
		defer func() { <-e.backtests }()
	case <-wait.Done():
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, ErrBacktestBusy
	}

	type events struct {
		s      backtest.Series
		source string
	}
	byFP := map[string]events{}
	out := make([]Replay, 0, len(specs))
	for _, sp := range specs {
		in := backtest.Input{Spec: sp, From: r.From, To: r.To, Step: r.Step, IncidentBurn: r.IncidentBurn}
		var corrections []slo.Correction
		if e.opts.Marks != nil {
			corrections = e.opts.Marks.Corrections(sp.Service)
		}
		rep := Replay{}
		for _, o := range sp.SLOs {
			// As far back as the first step's period reaches.
			reach, _ := o.Bounds(r.From)
			x, _ := exclusions(sp, o, corrections, reach, r.To)
			in.Exclude = append(in.Exclude, x)
			fp := o.QueryFingerprint()
			ev, ok := byFP[fp]
			if !ok {
				s, source, err := e.seriesOf(ctx, o, r, now)
				if err != nil {
					return nil, fmt.Errorf("backtest %s/%s: %w", sp.Service, o.Slug, err)
				}
				ev = events{s: s, source: source}
				byFP[fp] = ev
			}
			in.Series = append(in.Series, ev.s)
			rep.Sources = append(rep.Sources, ev.source)
		}
		res, err := backtest.Run(in)
		if err != nil {
			return nil, fmt.Errorf("backtest %s: %w", sp.Service, err)
		}
		rep.Result = res
		out = append(out, rep)
	}
	return out, nil
}

// seriesOf is o's events over everything r's windows reach: a copy of
// its book when slod keeps one, with the buckets the book lacks fetched
// from Prometheus into the copy.
func (e *Engine) seriesOf(ctx context.Context, o slo.SLO, r BacktestRange, now time.Time) (backtest.Series, string, error) {
	lay := ledger.LayoutAt(now, now)
	source := SourcePrometheus
	l := ledger.New(lay.Split)
	e.books.mu.Lock()
	b := e.books.byFP[o.QueryFingerprint()]
	e.books.mu.Unlock()
	if b != nil {
		source = SourceLedger
		b.mu.Lock()
		l = ledger.New(b.l.Split())
		for _, bk := range b.l.Buckets() {
			// Buckets of the book are aligned: Put cannot fail.
			_ = l.Put(bk)
		}
		b.mu.Unlock()
	}
	// The oldest instant a window of the first step reaches.
	oldest := r.From.Add(-o.NominalWindow())
	if start, _ := o.Bounds(r.From); start.Before(oldest) {
		oldest = start
	}
	need := ledger.Layout{From: oldest.Truncate(ledger.Coarse), Split: l.Split(), Closed: r.To.Truncate(ledger.Fine)}
	if need.Closed.Before(need.Split) {
		need.Closed = need.Split
	}
	fine, coarse := l.Gaps(need)
	var jobs []fetchJob
	for _, g := range fine {
		jobs = append(jobs, chunks(g, ledger.Fine, fineChunk, r.To)...)
	}
	for _, g := range coarse {
		jobs = append(jobs, chunks(g, ledger.Coarse, coarseChunk, r.To)...)
	}
	total := 0
	for _, j := range jobs {
		total += int(j.span.To.Sub(j.span.From) / j.step)
	}
	if total > 0 {
		e.log.Info("backtest fetching buckets from Prometheus", "slo", o.Name, "source", source, "buckets", total, "requests", len(jobs))
	}
	done := 0
	for _, j := range jobs {
		gone, span := e.expired(j.span, j.step, now)
		put := gone
		if span.From.Before(span.To) {
			fetched, errs, err := e.fetchSpan(ctx, j.step, span, []slo.SLO{o})
			if err != nil {
				return backtest.Series{}, "", err
			}
			if errs[0] != nil {
				return backtest.Series{}, "", errs[0]
			}
			put = append(put, fetched[0]...)
		}
		for _, bk := range put {
			if err := l.Put(bk); err != nil {
				return backtest.Series{}, "", err
			}
		}
		done += int(j.span.To.Sub(j.span.From) / j.step)
		e.log.Debug("backtest fetch progress", "slo", o.Name, "done", done, "total", total)
	}
	return backtest.Series{Split: l.Split(), Buckets: l.Buckets()}, source, nil
}

// chunks cuts a span of missing buckets ending at or before to into
// fetch jobs of at most n each, newest first as the backfill fetches.
func chunks(s ledger.Span, step, n time.Duration, to time.Time) []fetchJob {
	if s.To.After(to) {
		s.To = to.Truncate(step)
	}
	var out []fetchJob
	for s.From.Before(s.To) {
		c := clip(s, n)
		out = append(out, fetchJob{step: step, span: c})
		s.To = c.From
	}
	return out
}
