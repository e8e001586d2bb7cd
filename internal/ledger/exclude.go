package ledger

import (
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Exclusions are spans whose events count in no window, neither bad nor
// total: corrections and maintenance windows. They are sorted and never
// overlap or touch (Merge), so an instant is excluded at most once.
type Exclusions []Span

// Merge sorts spans and joins those that overlap or touch; empty spans
// are dropped. Two corrections over the same incident exclude it once.
func Merge(spans []Span) Exclusions {
	var in []Span
	for _, s := range spans {
		if s.To.After(s.From) {
			in = append(in, s)
		}
	}
	slices.SortFunc(in, func(a, b Span) int { return a.From.Compare(b.From) })
	var out Exclusions
	for _, s := range in {
		if n := len(out); n > 0 && !s.From.After(out[n-1].To) {
			if s.To.After(out[n-1].To) {
				out[n-1].To = s.To
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// Within is the parts of x inside [from, to).
func (x Exclusions) Within(from, to time.Time) []Span {
	var out []Span
	for _, s := range x {
		f, t := later(s.From, from), earlier(s.To, to)
		if t.After(f) {
			out = append(out, Span{From: f, To: t})
		}
	}
	return out
}

// Apply splits the events of [from, to) into those that count and those
// x excludes. sum is any additive count over a span (a ledger's Sum, a
// window with its tail, a backtest's buckets): the excluded events are
// sum over each excluded part, so a bucket a correction cuts through
// loses its share pro rata, as a window's edge bucket does. The kept
// counts keep the whole span's coverage: an excluded span is known, just
// not counted.
func (x Exclusions) Apply(from, to time.Time, sum func(from, to time.Time) Counts) (kept, excluded Counts) {
	whole := sum(from, to)
	for _, p := range x.Within(from, to) {
		excluded = excluded.Add(sum(p.From, p.To))
	}
	kept = whole
	kept.Errors -= excluded.Errors
	kept.Total -= excluded.Total
	return kept, excluded
}

// Between is the events in [from, to), to at most tail.To: the window
// from from less the window from to, both linear in the buckets they cut.
func (l *Ledger) Between(from, to time.Time, tail Tail) Counts {
	a, b := l.Window(from, tail), l.Window(to, tail)
	return Counts{
		Counts:   slo.Counts{Errors: a.Errors - b.Errors, Total: a.Total - b.Total},
		Coverage: slo.Coverage{Known: a.Known - b.Known, Missing: a.Missing - b.Missing, Unknown: a.Unknown - b.Unknown},
		Series:   a.Series,
	}
}

// Excluding is Between(from, to, tail) without the events of x, and the
// events x took out of it.
func (l *Ledger) Excluding(from, to time.Time, tail Tail, x Exclusions) (kept, excluded Counts) {
	return x.Apply(from, to, func(f, t time.Time) Counts { return l.Between(f, t, tail) })
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
