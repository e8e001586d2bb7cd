package ledger

import (
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// FineSpan is how far back fine buckets reach: the longest burn-rate
// window (3d, for a 30d SLO) must be summed from fine buckets, so that
// burn rates are as exact as their short windows.
const FineSpan = 3 * 24 * time.Hour

// Span is a time range [From, To).
type Span struct{ From, To time.Time }

// Ledger is one SLO's buckets. Fine buckets cover [split, ...), coarse
// ones (..., split): the tiers never overlap, so a sum reads each instant
// once. It is not safe for concurrent use; callers lock.
type Ledger struct {
	fine, coarse tier
	split        int64 // Unix seconds, hour-aligned
}

// New returns an empty ledger whose fine tier starts at split (see
// Layout), truncated to the hour.
func New(split time.Time) *Ledger {
	return &Ledger{fine: newTier(Fine), coarse: newTier(Coarse), split: split.Truncate(Coarse).Unix()}
}

// Layout is where an SLO's buckets lie at an instant.
type Layout struct {
	// From is the start of the oldest bucket any window needs: the SLO
	// window (rolling) or the current period (calendar), hour-aligned.
	From time.Time
	// Split is where fine buckets begin, hour-aligned: FineSpan before the
	// newest closed bucket.
	Split time.Time
	// Closed is the end of the newest bucket that may be fetched: buckets
	// are fetched one Fine step after they close, so every sample of them
	// has been ingested and a fetched bucket never changes.
	Closed time.Time
}

// LayoutAt is the layout of an SLO whose oldest needed instant is from,
// at now.
func LayoutAt(from, now time.Time) Layout {
	closed := now.Add(-Fine).Truncate(Fine)
	split := closed.Add(-FineSpan).Truncate(Coarse)
	start := from.Truncate(Coarse)
	if start.After(split) {
		start = split
	}
	return Layout{From: start.UTC(), Split: split.UTC(), Closed: closed.UTC()}
}

// Reserve makes room for every bucket of lay at once, fine after
// lay.Split and coarse before it: a backfill then fills them in place.
// Call it after Advance(lay), which moves the split there.
func (l *Ledger) Reserve(lay Layout) {
	l.fine.reserve(l.fine.index(lay.Split.Unix()), l.fine.index(lay.Closed.Unix()))
	l.coarse.reserve(l.coarse.index(lay.From.Unix()), l.coarse.index(lay.Split.Unix()))
}

// Split is where the fine tier begins.
func (l *Ledger) Split() time.Time { return time.Unix(l.split, 0).UTC() }

// Put stores b, replacing what was known of its span. A bucket of a step
// other than Fine or Coarse, or not aligned to its step, is an error.
func (l *Ledger) Put(b Bucket) error {
	t, err := l.tierOf(b)
	if err != nil {
		return err
	}
	t.set(t.index(b.Start.Unix()), slot{bad: b.Bad, total: b.Total, state: b.State, series: b.Series})
	return nil
}

func (l *Ledger) tierOf(b Bucket) (*tier, error) {
	var t *tier
	switch b.Step {
	case Fine:
		t = &l.fine
	case Coarse:
		t = &l.coarse
	default:
		return nil, fmt.Errorf("bucket at %s: step %s is neither %s nor %s", b.Start.UTC().Format(time.RFC3339), b.Step, Fine, Coarse)
	}
	if b.Start.Unix()%t.step != 0 || b.Start.Nanosecond() != 0 {
		return nil, fmt.Errorf("bucket at %s is not aligned to its %s step", b.Start.UTC().Format(time.RFC3339Nano), b.Step)
	}
	return t, nil
}

// Counts are the events of a span and how much of it is known.
type Counts struct {
	slo.Counts
	slo.Coverage
	// Series: some bucket of the span had a total series.
	Series bool
}

// Add is c and d together.
func (c Counts) Add(d Counts) Counts {
	return Counts{
		Counts: slo.Counts{Errors: c.Errors + d.Errors, Total: c.Total + d.Total},
		Coverage: slo.Coverage{
			Known: c.Known + d.Known, Missing: c.Missing + d.Missing, Unknown: c.Unknown + d.Unknown,
		},
		Series: c.Series || d.Series,
	}
}

// Sum is the events in [from, to): coarse buckets before the split, fine
// ones after it, partial buckets pro-rated. Errors may be slightly
// negative (see Bucket.Bad); callers clamp.
func (l *Ledger) Sum(from, to time.Time) Counts {
	f, t := from.Unix(), to.Unix()
	old := l.coarse.sum(f, min(t, l.split))
	recent := l.fine.sum(max(f, l.split), t)
	return fromSpan(old).Add(fromSpan(recent))
}

func fromSpan(s span) Counts {
	sec := func(v float64) time.Duration { return time.Duration(v) * time.Second }
	return Counts{
		Counts:   slo.Counts{Errors: s.bad, Total: s.total},
		Coverage: slo.Coverage{Known: sec(s.known), Missing: sec(s.missing), Unknown: sec(s.unknown)},
		Series:   s.series,
	}
}

// Advance moves the split forward to lay.Split, rolling each hour that
// leaves the fine tier into one coarse bucket when all of its fine buckets
// are settled (Known or Missing), and forgets coarse buckets before
// lay.From. It returns the coarse buckets it made, to be persisted; an
// hour with unsettled fine buckets stays Unknown and is fetched whole.
func (l *Ledger) Advance(lay Layout) []Bucket {
	var made []Bucket
	next := lay.Split.Unix()
	for h := l.split; h < next; h += l.coarse.step {
		if l.coarse.get(l.coarse.index(h)).state != Unknown {
			continue
		}
		if b, ok := l.rollup(h); ok {
			made = append(made, b)
			l.coarse.set(l.coarse.index(h), slot{bad: b.Bad, total: b.Total, state: b.State, series: b.Series})
		}
	}
	if next > l.split {
		l.split = next
	}
	l.fine.dropBefore(l.fine.index(l.split))
	l.coarse.dropBefore(l.coarse.index(lay.From.Unix()))
	return made
}

// rollup sums the fine buckets of the hour starting at h.
func (l *Ledger) rollup(h int64) (Bucket, bool) {
	b := Bucket{Start: time.Unix(h, 0).UTC(), Step: Coarse, State: Missing}
	for idx := l.fine.index(h); idx < l.fine.index(h+l.coarse.step); idx++ {
		s := l.fine.get(idx)
		switch s.state {
		case Unknown:
			return Bucket{}, false
		case Known:
			b.Bad += s.bad
			b.Total += s.total
			b.State = Known
			b.Series = b.Series || s.series
		}
	}
	return b, true
}

// Gaps lists the spans to fetch under lay, newest first and per step:
// fine gaps from the newest closed bucket back to the split, then coarse
// gaps back to lay.From. Fetching newest first makes the gate and the
// short windows right first.
func (l *Ledger) Gaps(lay Layout) (fine, coarse []Span) {
	return l.fine.gaps(lay.Split.Unix(), lay.Closed.Unix()), l.coarse.gaps(lay.From.Unix(), lay.Split.Unix())
}

// Progress counts the settled buckets under lay, out of all it needs.
func (l *Ledger) Progress(lay Layout) (done, total int) {
	fd, ft := l.fine.count(lay.Split.Unix(), lay.Closed.Unix())
	cd, ct := l.coarse.count(lay.From.Unix(), lay.Split.Unix())
	return fd + cd, ft + ct
}

// Buckets lists every settled bucket, oldest first per step (coarse,
// then fine), e.g. to compare with what a store holds.
func (l *Ledger) Buckets() []Bucket {
	var out []Bucket
	for _, t := range []*tier{&l.coarse, &l.fine} {
		step := time.Duration(t.step) * time.Second
		for idx := t.first; idx < t.first+t.len(); idx++ {
			s := t.get(idx)
			if s.state == Unknown {
				continue
			}
			out = append(out, Bucket{
				Start: time.Unix(idx*t.step, 0).UTC(), Step: step,
				Bad: s.bad, Total: s.total, State: s.state, Series: s.series,
			})
		}
	}
	return out
}
