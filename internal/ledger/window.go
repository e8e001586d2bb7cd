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
