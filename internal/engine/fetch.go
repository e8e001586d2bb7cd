package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
)

// fetchJob is one span of buckets of one step to fetch for one book.
type fetchJob struct {
	b    *book
	step time.Duration
	span ledger.Span
}

type spanKey struct {
	step     time.Duration
	from, to int64
}

// fetch fetches every job's buckets from Prometheus and records them in
// the books; jobs over the same span share one batch of queries. Spans
// older than Prometheus' retention are recorded Missing without asking.
// A failure of one book's queries is recorded on the book; a failure of
// a whole batch (Prometheus unreachable) is returned.
func (e *Engine) fetch(ctx context.Context, jobs []fetchJob, now time.Time) error {
	groups := map[spanKey][]*book{}
	var order []spanKey
	for _, j := range jobs {
		span := e.dropExpired(j, now)
		if !span.From.Before(span.To) {
			continue
		}
		k := spanKey{step: j.step, from: span.From.Unix(), to: span.To.Unix()}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], j.b)
	}
	var errs []error
	for _, k := range order {
		if err := e.fetchGroup(ctx, k, groups[k]); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// dropExpired records the buckets of j that Prometheus no longer holds as
// Missing and returns the span left to fetch.
func (e *Engine) dropExpired(j fetchJob, now time.Time) ledger.Span {
	gone, span := e.expired(j.span, j.step, now)
	if len(gone) > 0 {
		e.record(j.b, gone, nil)
	}
	return span
}

// expired splits span into the buckets of step older than Prometheus'
// retention at now, as Missing buckets, and the span left to fetch.
func (e *Engine) expired(span ledger.Span, step time.Duration, now time.Time) ([]ledger.Bucket, ledger.Span) {
	keep, ok := e.retention()
	if !ok {
		return nil, span
	}
	// A bucket is rate() at its end over its own step: it needs samples
	// from its start on.
	oldest := now.Add(-keep).Truncate(step).Add(step)
	if !span.From.Before(oldest) {
		return nil, span
	}
	var gone []ledger.Bucket
	for s := span.From; s.Before(span.To) && s.Before(oldest); s = s.Add(step) {
		gone = append(gone, ledger.Bucket{Start: s, Step: step, State: ledger.Missing})
	}
	if oldest.After(span.From) {
		span.From = oldest
	}
	return gone, span
}

// fetchGroup fetches one span for several books in one batch.
func (e *Engine) fetchGroup(ctx context.Context, k spanKey, bs []*book) error {
	os := make([]slo.SLO, len(bs))
	for i, b := range bs {
		os[i] = b.o
	}
	span := ledger.Span{From: time.Unix(k.from, 0).UTC(), To: time.Unix(k.to, 0).UTC()}
	fetched, errs, err := e.fetchSpan(ctx, k.step, span, os)
	if err != nil {
		return err
	}
	for i, b := range bs {
		e.record(b, fetched[i], errs[i])
	}
	return nil
}

// fetchSpan fetches the buckets of step over span for several SLOs in
// one batch, scrape gaps mended: per SLO its buckets, or the failure of
// its own queries (several series, NaN). The error is the batch's.
func (e *Engine) fetchSpan(ctx context.Context, step time.Duration, span ledger.Span, os []slo.SLO) ([][]ledger.Bucket, []error, error) {
	rng := model.Duration(step).String()
	queries := make([]string, 0, 2*len(os))
	goods := make([]bool, len(os))
	for i, o := range os {
		first, total, good := o.EventQueries(rng)
		queries = append(queries, first, total)
		goods[i] = good
	}
	// The bucket [s, s+step) is the rate over the step, evaluated at s+step.
	res, err := e.src.QueryRanges(ctx, queries, span.From.Add(step), span.To, step)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch %s buckets %s..%s: %w", step, span.From.Format(time.RFC3339), span.To.Format(time.RFC3339), err)
	}
	fetched := make([][]ledger.Bucket, len(os))
	errs := make([]error, len(os))
	var holes []hole
	for i, o := range os {
		fetched[i], errs[i] = bucketsOf(o, step, span, res[2*i], res[2*i+1], goods[i])
		holes = append(holes, holesOf(i, fetched[i])...)
	}
	if err := e.mendHoles(ctx, os, goods, fetched, errs, holes); err != nil {
		return nil, nil, err
	}
	return fetched, errs, nil
}

// hole is a run of buckets without samples (a scrape gap) between two
// buckets with samples, widened by those two: buckets[from:to] of book i.
// Per bucket, the events counted while scrapes failed fall between
// buckets (the first sample after the gap holds them), so the run is
// measured again as one range, which sees both sides of the gap.
type hole struct {
	i, from, to int
}

// holesOf finds the holes of one book's fetched buckets.
func holesOf(i int, bs []ledger.Bucket) []hole {
	var out []hole
	for j := 1; j < len(bs)-1; j++ {
		if bs[j].Series || !bs[j-1].Series {
			continue
		}
		k := j
		for k < len(bs) && !bs[k].Series {
			k++
		}
		if k < len(bs) {
			out = append(out, hole{i: i, from: j - 1, to: k + 1})
		}
		j = k
	}
	return out
}

// mendHoles measures every hole as one range ending at its end and
// spreads what its edge buckets did not count evenly over the buckets
// without samples. Holes over the same span share a batch.
func (e *Engine) mendHoles(ctx context.Context, os []slo.SLO, goods []bool, fetched [][]ledger.Bucket, errs []error, holes []hole) error {
	bySpan := map[ledger.Span][]hole{}
	for _, h := range holes {
		bk := fetched[h.i]
		span := ledger.Span{From: bk[h.from].Start, To: bk[h.to-1].End()}
		bySpan[span] = append(bySpan[span], h)
	}
	for span, hs := range bySpan {
		rng := fmt.Sprintf("%ds", int64(span.To.Sub(span.From)/time.Second))
		queries := make([]string, 0, 2*len(hs))
		for _, h := range hs {
			first, total, _ := os[h.i].EventQueries(rng)
			queries = append(queries, first, total)
		}
		res, err := e.src.QueryRanges(ctx, queries, span.To, span.To, time.Second)
		if err != nil {
			return fmt.Errorf("measure scrape gap %s..%s: %w", span.From.Format(time.RFC3339), span.To.Format(time.RFC3339), err)
		}
		for n, h := range hs {
			whole, err := tailOf(os[h.i], span.From, span.To, res[2*n], res[2*n+1], goods[h.i])
			if err != nil {
				fetched[h.i], errs[h.i] = nil, err
				continue
			}
			if fetched[h.i] == nil {
				// Another hole of the same SLO failed.
				continue
			}
			spread(fetched[h.i][h.from:h.to], whole.Counts)
		}
	}
	return nil
}

// spread gives the empty inner buckets of run an even share of what whole
// counts beyond its two edge buckets.
func spread(run []ledger.Bucket, whole slo.Counts) {
	first, last := run[0], run[len(run)-1]
	inner := run[1 : len(run)-1]
	share := 1 / float64(len(inner))
	bad := max(whole.Errors-first.Bad-last.Bad, 0) * share
	total := max(whole.Total-first.Total-last.Total, 0) * share
	for i := range inner {
		inner[i].Bad, inner[i].Total, inner[i].Series = bad, total, true
	}
}

// record stores fetched buckets in b (or the failure) and queues them for
// the store.
func (e *Engine) record(b *book, buckets []ledger.Bucket, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.fetchErr, b.fetchErrAt = err, e.opts.Clock()
		return
	}
	b.fetchErr = nil
	for _, bk := range buckets {
		if perr := b.l.Put(bk); perr != nil {
			// Only a bug makes an unaligned bucket here; keep the rest.
			e.log.Error("ledger rejected a bucket", "fingerprint", b.fp, "err", perr)
		}
	}
	e.queueBuckets(b.fp, buckets)
}

// bucketsOf turns the per-second rates of one span into buckets. first
// is the bad rate, or the good rate when good is set.
func bucketsOf(o slo.SLO, step time.Duration, span ledger.Span, first, total prom.Series, good bool) ([]ledger.Bucket, error) {
	for _, s := range []prom.Series{first, total} {
		if s.Err != nil {
			return nil, fmt.Errorf("%s buckets from %s: %w", step, span.From.Format(time.RFC3339), s.Err)
		}
	}
	firsts, totals := byTime(first.Points), byTime(total.Points)
	secs := step.Seconds()
	var out []ledger.Bucket
	for s := span.From; s.Before(span.To); s = s.Add(step) {
		at := s.Add(step).Unix()
		b := ledger.Bucket{Start: s, Step: step, State: ledger.Known}
		t, ok := totals[at]
		if ok {
			f, fok := firsts[at]
			bad := f
			if good {
				if !fok && t > 0 {
					return nil, fmt.Errorf("bucket %s: %w while total has traffic: %s", s.Format(time.RFC3339), ErrNoGoodSeries, goodHint(o))
				}
				bad = t - f
			}
			b.Bad, b.Total, b.Series = bad*secs, t*secs, true
		}
		out = append(out, b)
	}
	return out, nil
}

func byTime(ps []prom.Point) map[int64]float64 {
	m := make(map[int64]float64, len(ps))
	for _, p := range ps {
		m[p.At.Unix()] = p.Value
	}
	return m
}

// ErrNoGoodSeries: an SLI defined by good events saw traffic but its good
// query matched no series, which is a broken spec (a latency threshold that
// is not a bucket bound), not a perfect or a failing service.
var ErrNoGoodSeries = errors.New("good-events query matched no series")

// goodHint says what to check when the good query finds nothing.
func goodHint(o slo.SLO) string {
	if lat := o.SLI.Latency; lat != nil {
		return fmt.Sprintf("no %s_bucket series has le=%s; the threshold must equal an existing bucket bound",
			lat.Metric, strconv.FormatFloat(lat.Threshold.Seconds(), 'f', -1, 64))
	}
	return "check the good query's selector"
}
