package ledger

import (
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Tail is the events after the newest bucket that may be fetched, up to
// now, measured directly at each evaluation: [From, To) where From is
// Layout.Closed, so To-From is between one and two Fine steps.
type Tail struct {
	From, To time.Time
	slo.Counts
	// Series: the total query returned a sample.
	Series bool
}

// Window is the events in [from, tail.To): the tail plus the buckets
// before it. A window starting inside the tail gets the tail's share,
// pro-rated like a partial bucket.
func (l *Ledger) Window(from time.Time, tail Tail) Counts {
	span := tail.To.Sub(tail.From)
	whole := Counts{Counts: tail.Counts, Coverage: slo.Coverage{Known: span}, Series: tail.Series}
	if !from.After(tail.From) {
		return whole.Add(l.Sum(from, tail.From))
	}
	if span <= 0 || !from.Before(tail.To) {
		return Counts{}
	}
	f := float64(tail.To.Sub(from)) / float64(span)
	return Counts{
		Counts:   slo.Counts{Errors: tail.Errors * f, Total: tail.Total * f},
		Coverage: slo.Coverage{Known: tail.To.Sub(from)},
		Series:   tail.Series,
	}
}

// Direct is a window's events measured whole while the ledger could not
// sum it (its history still loading): the events in [From, To), where To
// was Layout.Closed when it was measured.
type Direct struct {
	From, To time.Time
	slo.Counts
	Series bool
}

// Carry is the window [from, tail.To) from d and the buckets fetched
// since it was measured: d, plus the buckets after d.To and the tail,
// less what a rolling window let slide out at its start. The ledger
// usually does not hold that start yet (it is the oldest part, loaded
// last), so its events are d's pro rata; the caller bounds how far d is
// carried. ok is false when the buckets after d.To are not all known, or
// when from is before d.From.
func (l *Ledger) Carry(d Direct, from time.Time, tail Tail) (c slo.Counts, series, ok bool) {
	rest := l.Window(d.To, tail)
	if rest.Unknown > 0 || from.Before(d.From) {
		return slo.Counts{}, false, false
	}
	var slid slo.Counts
	if from.After(d.From) {
		if s := l.Sum(d.From, from); s.Unknown == 0 {
			slid = s.Counts
		} else if span := d.To.Sub(d.From); span > 0 {
			f := min(float64(from.Sub(d.From))/float64(span), 1)
			slid = slo.Counts{Errors: d.Errors * f, Total: d.Total * f}
		}
	}
	c = slo.Counts{Errors: d.Errors - slid.Errors + rest.Errors, Total: d.Total - slid.Total + rest.Total}
	return c, d.Series || rest.Series, true
}
