package prom

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Point is one sample of a query's answer.
type Point struct {
	At    time.Time
	Value float64
}

// Series is one query's answer in a batch. Err is set when this query alone
// failed (bad PromQL, several series, a native histogram, a NaN/Inf value):
// the other queries of the batch are unaffected.
type Series struct {
	Points []Point // oldest first; absent steps (no data) are simply absent
	Err    error
}

// batchLabel tells the queries of one request apart in its answer.
// Exporters do not make up names in the reserved __ space, and label_replace
// overwrites a clash anyway. Prometheus (2.42 checked by the tests) returns
// it like any label.
const batchLabel = "__slo_batch__"

// Bounds on one request of a batch.
//
// maxChunkQueries: a bad query makes its whole chunk run again query by
// query, so this is what one bad query costs per batch in extra requests;
// each "or" copies its left side at every step, so union nests them as a
// balanced tree (O(n log n) per step, not the O(n²) of a chain); and
// chunks run in parallel on the bulkhead's slots. 100 keeps a rerun to 100 small requests and the union
// cheap, while 4,000 queries a cycle still take only 40 requests.
//
// maxChunkBytes: SLO queries are 100-300 bytes, so 100 of them fit and this
// only cuts chunks of unusually long queries. It keeps each request's body
// far below the limits a proxy in front of Prometheus may set (nginx: 1 MiB)
// and bounds the parse work a retried or failed request wastes. A query
// longer than that alone still gets a chunk of its own.
const (
	maxChunkQueries = 100
	maxChunkBytes   = 32 << 10
)

// maxResolution is Prometheus' limit of points per series of a range query
// ("exceeded maximum resolution of 11,000 points"): checked here so the
// limit fails the batch once rather than every query one by one.
const maxResolution = 11000

// QueryRanges evaluates every query over [start, end] every step (start == end:
// one evaluation at that instant) and returns one Series per query, in order.
// The returned error is for the batch as a whole (Prometheus unreachable, circuit open,
// bulkhead full, ctx ended): then no query's answer is known.
//
// The queries go in chunks of up to maxChunkQueries, each one request
// holding one bulkhead slot, through the retries, breaker and timeout of
// Query. A query matching nothing has no points and no Err. Each request
// also carries a probe (vector(1)): an answer without its point at the
// last step fails the batch with ErrNewestPointsDropped, since the empty
// answers beside it would read as no traffic.
func (s *Source) QueryRanges(ctx context.Context, queries []string, start, end time.Time, step time.Duration) ([]Series, error) {
	rng, err := rangeOf(start, end, step)
	if err != nil {
		return nil, fmt.Errorf("query ranges: %w", err)
	}
	out := make([]Series, len(queries))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, c := range chunks(queries) {
		wg.Go(func() {
			err := s.runChunk(ctx, queries[c.lo:c.hi], rng, out[c.lo:c.hi])
			if err == nil {
				return
			}
			once.Do(func() {
				firstErr = fmt.Errorf("query ranges: queries %d to %d of %d: %w", c.lo, c.hi-1, len(queries), err)
			})
			// As in Measure: a sibling may be the half-open breaker's one
			// probe, which must not be cancelled.
			if !errors.Is(err, ErrCircuitOpen) {
				cancel()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// rangeOf checks a batch's range before any request: these mistakes would
// fail every chunk alike.
func rangeOf(start, end time.Time, step time.Duration) (v1.Range, error) {
	switch {
	case end.Before(start):
		return v1.Range{}, fmt.Errorf("end %s is before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	case start.Equal(end):
		// Any step gives the one evaluation; a second keeps a step-aligning
		// front end from moving it far.
		return v1.Range{Start: start, End: end, Step: time.Second}, nil
	case step <= 0:
		return v1.Range{}, fmt.Errorf("step %s must be positive", step)
	case end.Sub(start)/step > maxResolution:
		return v1.Range{}, fmt.Errorf("%s every %s is more than Prometheus' %d points per series", end.Sub(start), step, maxResolution)
	}
	return v1.Range{Start: start, End: end, Step: step}, nil
}

// chunk is the queries [lo, hi) of a batch, sent in one request.
type chunk struct{ lo, hi int }

// wrapOverhead bounds what union adds to a query within a chunk: wrap, the
// " or " joining it to the next leg, and a pair of parentheses per level
// of the tree it sits in.
var wrapOverhead = len(wrap("", maxChunkQueries)) + len(" or ") + 2*bits.Len(maxChunkQueries)

// chunks cuts queries into runs of at most maxChunkQueries and, unless a
// query alone is longer, maxChunkBytes of union text with the probe.
func chunks(queries []string) []chunk {
	var out []chunk
	probe := len(probeQuery) + wrapOverhead
	lo, size := 0, probe
	for i, q := range queries {
		n := len(q) + wrapOverhead
		if i > lo && (i-lo == maxChunkQueries || size+n > maxChunkBytes) {
			out = append(out, chunk{lo, i})
			lo, size = i, probe
		}
		size += n
	}
	if lo < len(queries) {
		out = append(out, chunk{lo, len(queries)})
	}
	return out
}

// wrap labels the answer of q, the i-th query of its chunk. The newline
// ends a trailing # comment in q, which would swallow the rest.
func wrap(q string, i int) string {
	return "label_replace((" + q + "\n), \"" + batchLabel + "\", \"" + strconv.Itoa(i) + "\", \"\", \"\")"
}

// union is the one PromQL expression for a chunk's queries: a balanced
// tree of "or"s, parenthesised because "or" is left-associative.
func union(qs []string) string {
	var b strings.Builder
	var tree func(lo, hi int)
	tree = func(lo, hi int) {
		if hi-lo == 1 {
			b.WriteString(wrap(qs[lo], lo))
			return
		}
		mid := (lo + hi) / 2
		for _, half := range [][2]int{{lo, mid}, {mid, hi}} {
			if half[0] == mid {
				b.WriteString(" or ")
			}
			if half[1]-half[0] > 1 {
				b.WriteString("(")
				tree(half[0], half[1])
				b.WriteString(")")
			} else {
				tree(half[0], half[1])
			}
		}
	}
	tree(0, len(qs))
	return b.String()
}

// runChunk answers qs into out (as long as qs) and counts their outcomes.
func (s *Source) runChunk(ctx context.Context, qs []string, rng v1.Range, out []Series) error {
	sent, err := s.chunk(ctx, qs, rng, out)
	if err != nil {
		s.count(len(qs), sent, err)
		return err
	}
	for _, r := range out {
		s.count(1, true, r.Err)
	}
	return nil
}

// chunk runs qs as one union on one bulkhead slot. sent is false when no
// attempt reached Prometheus.
func (s *Source) chunk(ctx context.Context, qs []string, rng v1.Range, out []Series) (sent bool, err error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	legs, probe := withProbe(qs)
	v, sent, err := s.retry(ctx, evaluation{q: union(legs), rng: &rng, probe: probe})
	if k, ok := kindOf(err); ok && k == kindQuery {
		// One query spoils the union for all (a syntax error, a scalar
		// that label_replace rejects, an execution error): run each alone
		// and unwrapped, so only the bad one fails. It holds the same
		// slot, so a bad query slows its own chunk, not the others.
		return true, s.isolate(ctx, qs, rng, out)
	}
	if err != nil {
		return sent, err
	}
	return true, split(v, qs, out)
}

// isolate runs each of qs on its own, after the probe. A PromQL error is
// that query's; any other failure is the batch's.
func (s *Source) isolate(ctx context.Context, qs []string, rng v1.Range, out []Series) error {
	legs, probe := withProbe(nil)
	if _, _, err := s.retry(ctx, evaluation{q: union(legs), rng: &rng, probe: probe}); err != nil {
		return fmt.Errorf("probe %s, run alone after its chunk failed: %w", probeQuery, err)
	}
	for i, q := range qs {
		v, _, err := s.retry(ctx, evaluation{q: q, rng: &rng})
		if k, ok := kindOf(err); ok && k == kindQuery {
			out[i] = Series{Err: fmt.Errorf("query %q: %w", q, err)}
			continue
		}
		if err != nil {
			return fmt.Errorf("query %q, run alone after its chunk failed: %w", q, err)
		}
		m, err := matrix(v)
		if err != nil {
			return err
		}
		out[i] = seriesOf(q, m)
	}
	return nil
}

// split sorts the answer to union(qs and the probe) by batchLabel into
// one Series per query; the probe's series, checked already, is left out.
// A series without a valid label means the answer is not what was asked
// for: the batch fails rather than guess.
func split(v model.Value, qs []string, out []Series) error {
	m, err := matrix(v)
	if err != nil {
		return err
	}
	groups := make([][]*model.SampleStream, len(qs)+1)
	for _, ss := range m {
		l := ss.Metric[batchLabel]
		i, err := strconv.Atoi(string(l))
		if err != nil || i < 0 || i > len(qs) {
			return fmt.Errorf("batch answer has a series with %s=%q, want 0 to %d", batchLabel, l, len(qs))
		}
		groups[i] = append(groups[i], ss)
	}
	for i := range qs {
		out[i] = seriesOf(qs[i], groups[i])
	}
	return nil
}

func matrix(v model.Value) (model.Matrix, error) {
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("range query answered with a %s, want a matrix", typeName(v))
	}
	return m, nil
}

// seriesOf is query q's answer from the series it returned.
func seriesOf(q string, streams []*model.SampleStream) Series {
	bad := func(format string, args ...any) Series {
		return Series{Err: fmt.Errorf("query %q: %w: %s", q, ErrBadQuery, fmt.Sprintf(format, args...))}
	}
	switch len(streams) {
	case 0:
		return Series{}
	case 1:
	default:
		return bad("%d series returned, want one: aggregate with sum(...)", len(streams))
	}
	ss := streams[0]
	if len(ss.Histograms) > 0 {
		return bad("result is a native histogram, want a number")
	}
	points := make([]Point, 0, len(ss.Values))
	for _, p := range ss.Values {
		f := float64(p.Value)
		// 0/0 from a ratio over no traffic: the ledger must never store
		// it as a number.
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("%v at %s", f, p.Timestamp.Time().UTC().Format(time.RFC3339))
		}
		points = append(points, Point{At: p.Timestamp.Time(), Value: f})
	}
	return Series{Points: points}
}
