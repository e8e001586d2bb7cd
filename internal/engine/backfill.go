package engine

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
)

// Chunks of one backfill batch: 144 fine and 168 coarse points per query,
// far below Prometheus' 11,000-point limit, small enough that a round
// finishes quickly and the newest data arrives first.
const (
	fineChunk   = 12 * time.Hour
	coarseChunk = 7 * 24 * time.Hour
	// retryBroken is how long a book whose queries failed (several series,
	// NaN) waits before the backfill asks again.
	retryBroken = time.Minute
)

// backfill fills every book's missing buckets, newest first, until ctx
// ends: each round fetches the newest chunk of every book in one batch
// per span. With nothing left to fetch it waits an interval and looks
// again (a reload may add SLOs; an outage may leave holes).
func (e *Engine) backfill(ctx context.Context, interval time.Duration) {
	for {
		progressed, err := e.backfillRound(ctx)
		if err != nil {
			e.log.Warn("backfill round failed; retrying", "err", err)
		}
		if progressed && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// backfillRound fetches one chunk per book and reports whether there was
// anything to fetch.
func (e *Engine) backfillRound(ctx context.Context) (bool, error) {
	now := e.opts.Clock()
	bs := e.books.all()
	var jobs []fetchJob
	for _, b := range bs {
		if j, ok := nextChunk(b, now); ok {
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 || ctx.Err() != nil {
		return false, ctx.Err()
	}
	err := e.fetch(ctx, jobs, now)
	e.flushBuckets(ctx)
	e.reportLoaded(bs, now)
	return true, err
}

// nextChunk is the newest missing chunk of b: fine buckets first (the
// burn-rate windows), then coarse ones back to the window's start.
func nextChunk(b *book, now time.Time) (fetchJob, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fetchErr != nil && now.Sub(b.fetchErrAt) < retryBroken {
		return fetchJob{}, false
	}
	fine, coarse := b.l.Gaps(b.layout(now))
	switch {
	case len(fine) > 0:
		return fetchJob{b: b, step: ledger.Fine, span: clip(fine[0], fineChunk)}, true
	case len(coarse) > 0:
		return fetchJob{b: b, step: ledger.Coarse, span: clip(coarse[0], coarseChunk)}, true
	}
	return fetchJob{}, false
}

// clip keeps the newest n of s.
func clip(s ledger.Span, n time.Duration) ledger.Span {
	if s.To.Sub(s.From) > n {
		s.From = s.To.Add(-n)
	}
	return s
}

// reportLoaded logs each book whose window has just been loaded whole.
func (e *Engine) reportLoaded(bs []*book, now time.Time) {
	for _, b := range bs {
		b.mu.Lock()
		lay := b.layout(now)
		done, total := b.l.Progress(lay)
		c := b.l.Sum(lay.From, lay.Closed)
		first := !b.complete && done >= total
		if first {
			b.complete = true
		}
		slos := make([]string, len(b.users))
		for i, o := range b.users {
			slos[i] = o.Name
		}
		b.mu.Unlock()
		if first {
			e.log.Info("SLO history loaded", "slos", slos, "fingerprint", b.fp, "buckets", total,
				"missing", c.Missing.String(), "took", now.Sub(b.started).Round(time.Millisecond).String())
		}
	}
}
