package prom

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/slo"
)

// minPeriod is the shortest range queried for a period: just after a
// calendar period starts, a rate over a few seconds is mostly noise (and
// shorter than a scrape interval it is empty).
const minPeriod = time.Minute

// span is one range to measure: a bad and a total query over it.
type span struct {
	rng    string
	length time.Duration
}

// Measure queries the bad (or, for an SLI defined by good events, the good)
// and total events of o over its period and each of windows, all at
// the same instant at (now when zero) so that numerators and denominators
// agree. The queries run concurrently, each through the bulkhead; the first
// failure cancels the rest.
func (s *Source) Measure(ctx context.Context, o slo.SLO, at time.Time, windows []time.Duration) (slo.Measurement, error) {
	if at.IsZero() {
		at = time.Now()
	}
	spans := spansOf(o, at, windows)
	// results[2*i] is bad (or good) over spans[i], results[2*i+1] total.
	results := make([]sample, 2*len(spans))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for i, sp := range spans {
		first, total := o.Queries(sp.rng)
		if good := o.GoodQuery(sp.rng); good != "" {
			first = good
		}
		for j, q := range []string{first, total} {
			wg.Go(func() {
				v, ok, err := s.Query(ctx, q, at)
				if err != nil {
					once.Do(func() {
						firstErr = fmt.Errorf("measure %s over %s: %w", o.Name, sp.rng, err)
					})
					// A circuit-open rejection cancels nothing: a sibling
					// may be the half-open breaker's one probe, and a
					// cancelled probe (excluded, neither success nor
					// failure) never closes the breaker, so slod would not
					// recover from an outage. In the open state every
					// sibling fails fast anyway.
					if !errors.Is(err, ErrCircuitOpen) {
						cancel()
					}
					return
				}
				results[2*i+j] = sample{value: v, ok: ok}
			})
		}
	}
	wg.Wait()
	if firstErr != nil {
		return slo.Measurement{}, firstErr
	}
	if !results[1].ok {
		// Over the whole period, no series at all is not a quiet service
		// (its counters would exist and stay flat) but a query that
		// selects nothing: a typo, or a metric that does not exist yet.
		_, total := o.Queries(spans[0].rng)
		return slo.Measurement{}, fmt.Errorf("measure %s: %w: %s", o.Name, ErrNoSeries, total)
	}
	m := slo.Measurement{At: at, PeriodLength: spans[0].length, Windows: make(map[time.Duration]slo.Counts, len(spans)-1)}
	for i, sp := range spans {
		c, err := s.counts(o, sp, results[2*i], results[2*i+1], i == 0)
		if err != nil {
			return slo.Measurement{}, fmt.Errorf("measure %s over %s: %w", o.Name, sp.rng, err)
		}
		if i == 0 {
			m.Period = c
		} else {
			m.Windows[sp.length] = c
		}
	}
	return m, nil
}

// spansOf lists the period first, then the burn-rate windows.
func spansOf(o slo.SLO, at time.Time, windows []time.Duration) []span {
	rng, period := PeriodRange(o, at)
	spans := []span{{rng: rng, length: period}}
	for _, d := range windows {
		spans = append(spans, span{rng: model.Duration(d).String(), length: d})
	}
	return spans
}

// PeriodRange is the PromQL range Measure queries o's period with at at:
// the rolling window, or the calendar period so far (at least minPeriod),
// in whole seconds ("2592000s"), and its length.
func PeriodRange(o slo.SLO, at time.Time) (rng string, length time.Duration) {
	elapsed, _ := o.Period(at)
	// Whole seconds: PromQL ranges take no fractions, and the count must be
	// scaled by exactly the range that was queried.
	length = max(elapsed.Truncate(time.Second), minPeriod)
	return fmt.Sprintf("%ds", int64(length/time.Second)), length
}

// sample is one query's answer; ok is false for an empty result.
type sample struct {
	value float64
	ok    bool
}

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

// ErrNoGoodSeries: an SLI defined by good events saw traffic but its good
// query matched no series, which is a broken spec (a latency threshold that
// is not a bucket bound), not a perfect or a failing service.
var ErrNoGoodSeries = errors.New("good-events query matched no series")

// counts turns per-second rates over sp into event counts. first is the
// bad rate, or the good rate when o is defined by good events.
func (s *Source) counts(o slo.SLO, sp span, first, total sample, period bool) (slo.Counts, error) {
	if !total.ok || total.value <= 0 {
		return slo.Counts{}, nil // no traffic
	}
	bad := first.value
	if o.GoodQuery(sp.rng) != "" {
		if !first.ok {
			return slo.Counts{}, fmt.Errorf("%w while total has traffic: %s", ErrNoGoodSeries, goodHint(o))
		}
		bad = total.value - first.value
	}
	// Over the whole period, good above total by more than rate
	// extrapolation can explain means the two queries select different
	// series: a broken spec, which must not pass as a perfect service.
	// Short windows with few events and churning series can differ more
	// for real, so they only clamp.
	if period && bad < -goodExcess*total.value {
		return slo.Counts{}, fmt.Errorf("%w: good %g/s > total %g/s over %s; the good and total queries must select the same series",
			ErrGoodExceedsTotal, first.value, total.value, sp.rng)
	}
	// total - good is slightly negative through float rounding and
	// per-series extrapolation; worth a look, not an error.
	if bad < -1e-6*total.value {
		s.log.Warn("bad events negative: good slightly exceeds total, check the SLI queries",
			"slo", o.Name, "range", sp.rng, "bad_rate", bad, "total_rate", total.value)
	}
	// An error counter without any 5xx series yet answers with an empty
	// vector: that is zero errors, not missing data.
	errs := max(bad, 0)
	secs := sp.length.Seconds()
	return slo.Counts{Errors: errs * secs, Total: total.value * secs}, nil
}

// goodHint says what to check when the good query finds nothing.
func goodHint(o slo.SLO) string {
	if lat := o.SLI.Latency; lat != nil {
		return fmt.Sprintf("no %s_bucket series has le=%s; the threshold must equal an existing bucket bound",
			lat.Metric, strconv.FormatFloat(lat.Threshold.Seconds(), 'f', -1, 64))
	}
	return "check the good query's selector"
}
