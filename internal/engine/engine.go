// Package engine runs the evaluation loop: it measures every SLO, turns the
// measurements into budgets and burn rates, persists them and publishes an
// immutable snapshot that the API reads without waiting on Prometheus.
package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Source answers batches of range queries (internal/prom.Source): one
// batch per span of buckets, and one per cycle for the tails.
type Source interface {
	QueryRanges(ctx context.Context, queries []string, start, end time.Time, step time.Duration) ([]prom.Series, error)
	Retention(ctx context.Context) (time.Duration, bool, error)
}

// Store persists evaluations, snapshots and ledger buckets
// (internal/store.Store).
type Store interface {
	SaveServiceEvaluation(ctx context.Context, service string, at time.Time, slos []slo.Status, snapshot []byte) error
	Snapshots(ctx context.Context) (map[string]store.SnapshotRecord, error)
	SaveBucketsBatch(ctx context.Context, buckets map[string][]ledger.Bucket) error
	Buckets(ctx context.Context, fingerprint string) ([]ledger.Bucket, error)
	PruneBuckets(ctx context.Context, keep map[string]ledger.Layout) (int64, error)
}

// Options tune the engine.
type Options struct {
	// Clock returns now; time.Now when nil.
	Clock func() time.Time
	// Registerer receives the engine's metrics; none when nil.
	Registerer prometheus.Registerer
	// Marks are the deploys to attribute and the corrections to apply;
	// none when nil.
	Marks Marks
	// DeadLetterPath is the JSON-lines file for evaluations the store
	// would not take even after retries.
	DeadLetterPath string
}

// Engine owns the evaluation loop and the current snapshot.
type Engine struct {
	src     Source
	store   Store
	log     *slog.Logger
	opts    Options
	metrics *metrics
	writes  *writeBehind
	books   books
	buckets bucketQueue
	// keep is Prometheus' retention in nanoseconds; 0 when unknown or
	// unlimited.
	keep atomic.Int64
	// retentionFailing: the latest retention reading failed (logged once).
	retentionFailing bool
	// retentionAt is when the retention was last read.
	retentionAt time.Time
	// pruned is when ledger buckets were last pruned from the store.
	pruned time.Time
	// backtests holds the slot of the one backtest running.
	backtests chan struct{}
	// dropping is whether the last cycle failed because Prometheus left
	// out its newest points (logged once per streak by reportDropped).
	dropping atomic.Bool

	// mu serialises writers (evaluation, reload); readers use snap only.
	mu   sync.Mutex
	snap atomic.Pointer[Snapshot]
}

// New builds an engine over the given specs. Call Restore to load the last
// snapshot from the store before Run.
func New(specs []slo.Spec, src Source, st Store, log *slog.Logger, opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	e := &Engine{src: src, store: st, log: log, opts: opts, metrics: newMetrics(opts.Registerer), backtests: make(chan struct{}, 1)}
	e.writes = newWriteBehind(st, log, e.metrics, opts.DeadLetterPath)
	services := make(map[string]ServiceState, len(specs))
	for _, sp := range specs {
		services[sp.Service] = freshState(sp)
	}
	e.snap.Store(&Snapshot{Services: services})
	return e
}

// freshState is a never-measured service: every SLO present, no numbers.
func freshState(sp slo.Spec) ServiceState {
	st := ServiceState{Spec: sp, SLOs: make([]slo.Status, len(sp.SLOs))}
	for i, o := range sp.SLOs {
		st.SLOs[i] = slo.Placeholder(o)
	}
	return st
}

// Snapshot returns the current snapshot; never nil.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// Restore loads the last persisted snapshot so the gate is never blank after
// a restart. Restored numbers are marked stale until re-measured.
func (e *Engine) Restore(ctx context.Context) error {
	n, err := e.load(ctx, true)
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	e.log.Info("restored snapshot", "services", n)
	return nil
}

// Follow reads the snapshot the leader last wrote to a shared store and
// publishes it as this replica's own, numbers and staleness as the leader
// left them; as they age the gate's max_staleness applies. A replica
// that does not evaluate calls it every few seconds. When the store
// cannot be read, every service is marked stale: the numbers are this
// replica's last copy, and a newer one may exist.
func (e *Engine) Follow(ctx context.Context) error {
	if _, err := e.load(ctx, false); err != nil {
		e.markStale(err)
		return fmt.Errorf("follow the shared snapshot: %w", err)
	}
	return nil
}

// load publishes the stored snapshot records of every configured
// service and returns how many it read; restored marks every number
// stale (see snapshotRecord.statuses).
func (e *Engine) load(ctx context.Context, restored bool) (int, error) {
	recs, err := e.store.Snapshots(ctx)
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.Snapshot().clone()
	n := 0
	for name, rec := range recs {
		state, ok := next.Services[name]
		if !ok {
			continue
		}
		var saved snapshotRecord
		if err := json.Unmarshal(rec.Data, &saved); err != nil || saved.Version != recordVersion {
			e.log.Warn("ignoring a snapshot this slod cannot read; the service is re-measured in the first cycle",
				"service", name, "version", saved.Version, "err", err)
			continue
		}
		state.SLOs = saved.statuses(state.Spec, restored)
		state.Stale = restored || slices.ContainsFunc(state.SLOs, func(s slo.Status) bool { return s.Stale })
		state.LastAttempt = saved.LastAttempt
		if !restored {
			state.LastError, state.Backfill, state.Deploys = saved.LastError, saved.Backfill, saved.Deploys
			// Every replica reports the leader's last success, so
			// the stale-evaluation alert follows the cluster, not
			// whichever replica Prometheus scraped.
			if at := state.EvaluatedAt(); !at.IsZero() {
				e.metrics.lastSuccess.WithLabelValues(name).Set(float64(at.UnixNano()) / 1e9)
			}
		}
		next.Services[name] = state
		n++
	}
	next.Ready = next.Ready || n > 0
	e.snap.Store(next)
	return n, nil
}

// markStale marks every service's numbers stale with why, unless they
// are already.
func (e *Engine) markStale(why error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.Snapshot()
	next := cur.clone()
	changed := false
	for name, state := range next.Services {
		if state.Stale {
			continue
		}
		state.Stale, state.LastError = true, why.Error()
		state.SLOs = slices.Clone(state.SLOs)
		for i := range state.SLOs {
			state.SLOs[i].Stale = true
		}
		next.Services[name] = state
		changed = true
	}
	if changed {
		e.snap.Store(next)
	}
}

// mergeStatuses keeps the status of every SLO still in the spec (by slug)
// whose objective and queries are unchanged (the same fingerprint), and a
// placeholder for new or changed ones, in spec order: numbers measured
// with other queries or another target mean nothing for the new spec.
func mergeStatuses(sp, old slo.Spec, saved []slo.Status) []slo.Status {
	kept := make(map[string]slo.Status, len(saved))
	for i, s := range saved {
		if i < len(old.SLOs) {
			kept[old.SLOs[i].Slug+"\x00"+old.SLOs[i].Fingerprint()] = s
		}
	}
	out := make([]slo.Status, len(sp.SLOs))
	for i, o := range sp.SLOs {
		s, ok := kept[o.Slug+"\x00"+o.Fingerprint()]
		if !ok {
			s = slo.Placeholder(o)
		}
		s.Name = o.Name
		out[i] = s
	}
	return out
}

func (s *Snapshot) clone() *Snapshot {
	next := &Snapshot{Services: make(map[string]ServiceState, len(s.Services)), Orphans: s.Orphans, Ready: s.Ready}
	for k, v := range s.Services {
		next.Services[k] = v
	}
	return next
}

// Run evaluates every interval until ctx ends. Cycles never overlap: a
// cycle slower than the interval delays the next one (the ticker drops the
// missed ticks). Each query is bounded by the source's own timeout, so a
// cycle-wide deadline would only cut off healthy queries of late services
// and count them against the circuit breaker. After the first cycle a
// backfill fills the rest of every SLO's window behind it.
func (e *Engine) Run(ctx context.Context, interval time.Duration) {
	e.startTerm()
	e.checkRetention(ctx)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var backfill sync.WaitGroup
	defer backfill.Wait()
	for first := true; ; first = false {
		e.EvaluateOnce(ctx)
		if first {
			backfill.Go(func() { e.backfill(ctx, interval) })
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// startTerm forgets what an earlier spell of evaluating left in memory:
// on a shared store another replica led since, so the books are read
// again from the store and writes still queued from then are dropped
// (the store would refuse them as fenced anyway).
func (e *Engine) startTerm() {
	e.books.mu.Lock()
	e.books.byFP = nil
	e.books.mu.Unlock()
	e.buckets.clear()
	e.writes.clear()
}

// EvaluateOnce measures every SLO once and publishes the new snapshot:
// the buckets that closed since the last cycle are fetched, then one
// batch measures every SLO's tail, and every window is summed from the
// ledger.
func (e *Engine) EvaluateOnce(ctx context.Context) {
	start := e.opts.Clock()
	// Whole seconds: PromQL ranges take no fractions, and the tail must
	// end exactly where its range says.
	at := start.Truncate(time.Second)
	e.writes.retry(ctx)
	snap := e.Snapshot()
	names := snap.Names()
	specs := make([]slo.Spec, len(names))
	for i, n := range names {
		specs[i] = snap.Services[n].Spec
	}
	var (
		tails   map[*book]tails
		bookOf  map[string]map[string]*book
		failure error
	)
	bookOf, failure = e.syncBooks(ctx, specs, at)
	if failure == nil {
		bs := e.books.all()
		e.advance(bs, at)
		if err := e.fetchRecent(ctx, bs, at); err != nil {
			e.log.Warn("fetching new buckets failed; the next cycles fill them", "err", err)
		}
		tails, failure = e.measureTails(ctx, bs, at)
		if failure == nil {
			failure = e.measureLoadingPeriods(ctx, specs, bookOf, tails, at)
		}
		e.flushBuckets(ctx)
		e.pruneBuckets(ctx, bs, at)
	}
	e.reportDropped(failure)

	results := make([]ServiceState, 0, len(names))
	for _, name := range names {
		results = append(results, e.evaluateService(ctx, snap.Services[name], bookOf[name], tails, failure, at))
	}

	e.mu.Lock()
	next := e.Snapshot().clone()
	for _, st := range results {
		cur, ok := next.Services[st.Spec.Service]
		if !ok || cur.Spec.File != st.Spec.File || !sameSLOs(cur.Spec, st.Spec) {
			// Reloaded or removed while measuring: drop the stale result.
			continue
		}
		st.Spec, st.ConfigProblems = cur.Spec, cur.ConfigProblems
		next.Services[st.Spec.Service] = st
	}
	next.Ready = true
	e.snap.Store(next)
	e.mu.Unlock()
	e.metrics.cycleDuration.Observe(e.opts.Clock().Sub(start).Seconds())
}

// reportDropped logs a Prometheus that leaves out its newest points when
// a cycle first fails for it and when a cycle succeeds again: until it is
// reconfigured every cycle fails alike, and each SLO's error says why.
func (e *Engine) reportDropped(failure error) {
	dropped := errors.Is(failure, prom.ErrNewestPointsDropped)
	was := e.dropping.Load()
	switch {
	case dropped && !was:
		e.log.Error("Prometheus answers without its newest points, so no SLO can be measured: they go stale and on_missing_data applies after max_staleness",
			"err", failure)
	case was && failure == nil:
		e.log.Info("Prometheus answers with its newest points again")
	case was && !dropped:
		return // another failure: whether the points are back is not known yet
	}
	e.dropping.Store(dropped)
}

// evaluateService turns one service's books and tails into statuses and
// persists them. failure, when set, failed the whole cycle. A failed SLO
// keeps its last known good numbers, marked stale with the error, so the
// gate goes on judging them.
func (e *Engine) evaluateService(ctx context.Context, st ServiceState, books map[string]*book, tails map[*book]tails, failure error, at time.Time) ServiceState {
	next := st
	next.SLOs = make([]slo.Status, len(st.SLOs))
	next.Backfill = make([]Progress, len(st.SLOs))
	next.LastAttempt = at
	next.Stale = false
	next.LastError = ""
	var errs []error
	var corrections []slo.Correction
	var deploys []slo.Deployment
	if e.opts.Marks != nil {
		corrections = e.opts.Marks.Corrections(st.Spec.Service)
		deploys = e.opts.Marks.RecentDeployments(st.Spec.Service)
	}
	per := make([][]slo.SLOAttribution, len(deploys))
	for i, o := range st.Spec.SLOs {
		s, p, attrs, err := e.evaluateSLO(st.Spec, o, books[o.Slug], tails, failure, corrections, deploys, at)
		next.Backfill[i] = p
		if err != nil {
			next.SLOs[i] = st.SLOs[i].Failed(err, at)
			errs = append(errs, fmt.Errorf("%s: %w", o.Slug, err))
			continue
		}
		next.SLOs[i] = s
		for j, a := range attrs {
			per[j] = append(per[j], a)
		}
	}
	next.Deploys = make([]slo.Attribution, len(deploys))
	for j, d := range deploys {
		next.Deploys[j] = joinAttribution(d, per[j])
	}
	service := st.Spec.Service
	if err := errors.Join(errs...); err != nil {
		next.Stale = true
		next.LastError = err.Error()
		e.metrics.evalErrors.WithLabelValues(service).Inc()
		if !errors.Is(failure, prom.ErrNewestPointsDropped) { // reportDropped logged it
			e.log.Warn("evaluation failed", "service", service, "err", err)
		}
	} else {
		e.metrics.lastSuccess.WithLabelValues(service).Set(float64(at.UnixNano()) / 1e9)
	}
	data, err := json.Marshal(recordOf(next))
	if err != nil {
		e.log.Error("encode snapshot", "service", service, "err", err)
		return next
	}
	// Persist only what was measured now; failed SLOs keep old rows.
	e.writes.save(ctx, pendingWrite{Service: service, At: at, SLOs: measured(next.SLOs, at), Snapshot: data})
	return next
}

// evaluateSLO is one SLO's status at at, how far its history is
// loaded, and what each of deploys did to it.
func (e *Engine) evaluateSLO(sp slo.Spec, o slo.SLO, b *book, tails map[*book]tails, failure error, cs []slo.Correction, deploys []slo.Deployment, at time.Time) (slo.Status, Progress, []slo.SLOAttribution, error) {
	if b == nil {
		// The books could not be loaded (failure is set): how far the
		// history is loaded is not known this cycle.
		return slo.Status{}, Progress{}, nil, cmp.Or(failure, fmt.Errorf("no ledger for %s", o.Name))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// Progress even when the cycle failed: an empty Progress would read
	// as a history wholly loaded.
	lay := b.layout(at)
	done, total := b.l.Progress(lay)
	prog := Progress{Done: done, Total: total}
	ts := tails[b]
	if err := cmp.Or(failure, ts.err, b.fetchErr); err != nil {
		return slo.Status{}, prog, nil, err
	}
	direct := func(period bool, d time.Duration, tail ledger.Tail) (slo.Counts, bool, bool) {
		return b.carried(windowKey(o, period, d), at.Add(-d), tail, at)
	}
	elapsed, _ := o.Period(at)
	x, names := exclusions(sp, o, cs, at.Add(-elapsed), at)
	m, err := ledger.Measure(o, b.l, ledger.Readings{Tail: ts.tail, Short: ts.short, Direct: direct, Exclude: x}, at)
	if err != nil {
		return slo.Status{}, prog, nil, err
	}
	st := slo.StatusFrom(o, sp.Policy, m)
	if m.Excluded.Total > 0 || m.Excluded.Errors > 0 {
		st.ExcludedBy = names
	}
	attrs := make([]slo.SLOAttribution, len(deploys))
	for i, d := range deploys {
		// Attribution reaches a day before and after the deploy.
		dx, _ := exclusions(sp, o, cs, d.At.Add(-AttributionSpans[len(AttributionSpans)-1]), at)
		attrs[i] = attribute(o, sp.Policy, b.l, ts.tail, dx, d)
	}
	return st, prog, attrs, nil
}

// measured keeps the statuses taken at this evaluation.
func measured(all []slo.Status, at time.Time) []slo.Status {
	var out []slo.Status
	for _, s := range all {
		if s.EvaluatedAt.Equal(at) {
			out = append(out, s)
		}
	}
	return out
}

// sameSLOs reports whether two specs measure the same objectives with the
// same queries.
func sameSLOs(a, b slo.Spec) bool {
	return slices.EqualFunc(a.SLOs, b.SLOs, func(x, y slo.SLO) bool {
		return x.Slug == y.Slug && x.Fingerprint() == y.Fingerprint()
	})
}
