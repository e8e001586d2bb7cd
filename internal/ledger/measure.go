package ledger

import (
	"errors"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// ErrGoodExceedsTotal: the good events outnumber all events by more than
// goodExcess, so the good and total queries measure different things.
var ErrGoodExceedsTotal = errors.New("good events exceed total events")

// goodExcess is how far good may exceed total over the SLO's period (as a
// share of total) before the measurement is an error: rate() extrapolates
// each series on its own, so sums over series that start or stop within
// the period can disagree a little, never by a percent.
const goodExcess = 0.01

// Readings are what was measured directly at one instant besides the
// buckets: the tail since the newest fetchable bucket, the last Fine step
// (the shortest burn-rate window, measured whole rather than pro-rated
// from a tail up to twice as long), and Direct, a range of a given length
// Direct, the events of a window measured whole, which stand in for a
// window the ledger does not hold yet (period says which: the period, or
// the burn-rate window of length d; tail is the one the window ends
// with). A replay of settled buckets has none of them: empty tails at the
// instant and no Direct.
type Readings struct {
	Tail, Short Tail
	Direct      func(period bool, d time.Duration, tail Tail) (c slo.Counts, series, ok bool)
	// Exclude are spans whose events count in no window (corrections and
	// maintenance windows).
	Exclude Exclusions
}

// At is the Readings of an instant whose windows all end on a bucket
// boundary held by the ledger: nothing measured besides the buckets.
func At(t time.Time) Readings {
	return Readings{Tail: Tail{From: t, To: t}, Short: Tail{From: t, To: t}}
}

// Measure computes o's period and window counts at t from l and r. A
// period without any series is slo.ErrNoSeries, naming the total query.
func Measure(o slo.SLO, l *Ledger, r Readings, t time.Time) (slo.Measurement, error) {
	elapsed, _ := o.Period(t)
	// A window measured whole loses what the exclusions take out of its
	// loaded part; the part still loading cannot be told apart yet.
	window := func(period bool, d time.Duration, tail Tail) (kept, excluded Counts) {
		c, ex := l.Excluding(t.Add(-d), tail.To, tail, r.Exclude)
		if r.Direct == nil || c.Unknown == 0 {
			return c, ex
		}
		if w, series, ok := r.Direct(period, d, tail); ok {
			c = Counts{
				Counts:   slo.Counts{Errors: w.Errors - ex.Errors, Total: w.Total - ex.Total},
				Coverage: slo.Coverage{Known: d - c.Missing, Missing: c.Missing},
				Series:   series,
			}
		}
		return c, ex
	}
	period, excluded := window(true, elapsed, r.Tail)
	if !period.Series {
		_, total := o.Queries(fmt.Sprintf("%ds", int64(elapsed/time.Second)))
		return slo.Measurement{}, fmt.Errorf("measure %s: %w: %s", o.Name, slo.ErrNoSeries, total)
	}
	if period.Errors < -goodExcess*period.Total {
		return slo.Measurement{}, fmt.Errorf("measure %s: %w: good %g > total %g over the period; the good and total queries must select the same series",
			o.Name, ErrGoodExceedsTotal, period.Total-period.Errors, period.Total)
	}
	m := slo.Measurement{
		At:           t,
		Period:       period.Counts.Clamped(),
		Excluded:     excluded.Counts.Clamped(),
		PeriodLength: elapsed,
		Coverage:     period.Coverage,
		Windows:      map[time.Duration]slo.Counts{},
	}
	for _, d := range burnrate.Durations(burnrate.Windows(o.NominalWindow())) {
		tail := r.Tail
		if !t.Add(-d).Before(r.Short.From) {
			tail = r.Short
		}
		c, _ := window(false, d, tail)
		m.Windows[d] = c.Counts.Clamped()
	}
	return m, nil
}
