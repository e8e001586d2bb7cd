package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/store"
)

// maxQueuedBuckets bounds the buckets waiting for the store: a day of
// 1,000 SLOs' fine buckets. Past it the oldest are dropped: they are in
// memory and in Prometheus, so a restart merely fetches them again.
const maxQueuedBuckets = 300_000

// pruneEvery is how often buckets no window needs any more are deleted
// from the store: the split moves by an hour at a time.
const pruneEvery = time.Hour

// bucketQueue holds fetched buckets until the store takes them, so one
// commit carries a whole cycle's buckets and a store outage loses none.
type bucketQueue struct {
	mu    sync.Mutex
	byFP  map[string][]ledger.Bucket
	count int
}

// queueBuckets adds buckets of fp for the next flush.
func (e *Engine) queueBuckets(fp string, bs []ledger.Bucket) {
	if len(bs) == 0 {
		return
	}
	q := &e.buckets
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.byFP == nil {
		q.byFP = map[string][]ledger.Bucket{}
	}
	q.byFP[fp] = append(q.byFP[fp], bs...)
	q.count += len(bs)
	if q.count > maxQueuedBuckets {
		e.log.Warn("store has not taken ledger buckets for long; dropping the queue, a restart refetches them from Prometheus",
			"buckets", q.count)
		q.byFP, q.count = nil, 0
	}
}

// flushBuckets writes the queued buckets in one transaction; on failure
// they stay queued for the next cycle.
func (e *Engine) flushBuckets(ctx context.Context) {
	q := &e.buckets
	q.mu.Lock()
	batch, n := q.byFP, q.count
	q.byFP, q.count = nil, 0
	q.mu.Unlock()
	if n == 0 {
		return
	}
	err := e.store.SaveBucketsBatch(ctx, batch)
	if errors.Is(err, store.ErrFenced) {
		// Another replica leads: its ledger is the one kept.
		e.log.Warn("not saving ledger buckets: this replica no longer leads", "buckets", n)
		return
	}
	if err != nil {
		e.log.Warn("saving ledger buckets failed; retrying next cycle", "buckets", n, "err", err)
		for fp, bs := range batch {
			e.queueBuckets(fp, bs)
		}
	}
}

// clear drops every queued bucket.
func (q *bucketQueue) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.byFP, q.count = nil, 0
}

// advance moves every book's split to now, queueing the hours it rolls
// up into coarse buckets.
func (e *Engine) advance(bs []*book, now time.Time) {
	for _, b := range bs {
		b.mu.Lock()
		made := b.l.Advance(b.layout(now))
		b.mu.Unlock()
		e.queueBuckets(b.fp, made)
	}
}

// pruneBuckets deletes, at most once per pruneEvery, the stored buckets
// no window needs and those of fingerprints no SLO uses any more.
func (e *Engine) pruneBuckets(ctx context.Context, bs []*book, now time.Time) {
	if now.Sub(e.pruned) < pruneEvery {
		return
	}
	keep := make(map[string]ledger.Layout, len(bs))
	for _, b := range bs {
		b.mu.Lock()
		keep[b.fp] = b.layout(now)
		b.mu.Unlock()
	}
	n, err := e.store.PruneBuckets(ctx, keep)
	if err != nil {
		e.log.Warn("pruning ledger buckets failed; retrying next cycle", "err", err)
		return
	}
	e.pruned = now
	e.log.Debug("pruned ledger buckets", "deleted", n)
	// Hourly too: a Prometheus restarted with other flags keeps another
	// span, and the fetches to come must know it. Not again right after
	// Run's reading at start.
	if now.Sub(e.retentionAt) >= pruneEvery {
		e.checkRetention(ctx)
	}
}

// checkRetention reads Prometheus' retention, at start and hourly, and
// when it differs from the last reading warns about every SLO whose window
// it cannot hold: those budgets cover only what exists. A failed reading
// keeps the last one, and is logged once until a reading succeeds.
func (e *Engine) checkRetention(ctx context.Context) {
	e.retentionAt = e.opts.Clock()
	keep, ok, err := e.src.Retention(ctx)
	if err != nil {
		if !e.retentionFailing {
			e.log.Warn("could not read Prometheus' retention; assuming it holds every window", "err", err)
		}
		e.retentionFailing = true
		return
	}
	e.retentionFailing = false
	if !ok {
		keep = 0
	}
	if prev := time.Duration(e.keep.Swap(int64(keep))); prev == keep || keep == 0 {
		return
	}
	for _, st := range e.Snapshot().Services {
		for _, o := range st.Spec.SLOs {
			if o.NominalWindow() > keep {
				e.log.Warn("Prometheus keeps less than this SLO's window; its budget covers only the data that exists and is marked partial",
					"service", st.Spec.Service, "slo", o.Slug, "window", o.WindowLabel(), "retention", keep.String())
			}
		}
	}
}

// retention is Prometheus' retention, if known and limited.
func (e *Engine) retention() (time.Duration, bool) {
	d := time.Duration(e.keep.Load())
	return d, d > 0
}
