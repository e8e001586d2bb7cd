package ledger

import "time"

// tier holds the buckets of one step as a dense run: bucket first+i has
// events[i] and flags[i]. Kept apart, a bucket costs 17 bytes rather
// than the 24 of one padded struct, which matters at 1,000 SLOs x 1,500
// buckets.
type tier struct {
	step   int64 // seconds
	first  int64 // bucket index of events[0]
	events []events
	flags  []flags
}

type events struct{ bad, total float64 }

// flags packs a bucket's State (low bits) and whether it had a series.
type flags uint8

const seriesFlag flags = 1 << 7

// slot is one bucket as get and set see it.
type slot struct {
	bad, total float64
	state      State
	series     bool
}

func pack(s slot) (events, flags) {
	f := flags(s.state)
	if s.series {
		f |= seriesFlag
	}
	return events{s.bad, s.total}, f
}

func newTier(step time.Duration) tier { return tier{step: int64(step / time.Second)} }

// index is the bucket index holding the second t (floor division, so
// times before 1970 stay aligned too).
func (t *tier) index(sec int64) int64 {
	q := sec / t.step
	if sec%t.step != 0 && sec < 0 {
		q--
	}
	return q
}

// len is how many buckets the run holds, Unknown ones included.
func (t *tier) len() int64 { return int64(len(t.events)) }

func (t *tier) get(idx int64) slot {
	if i := idx - t.first; i >= 0 && i < t.len() {
		e, f := t.events[i], t.flags[i]
		return slot{bad: e.bad, total: e.total, state: State(f &^ seriesFlag), series: f&seriesFlag != 0}
	}
	return slot{}
}

// set stores s at idx, growing the run to include it; buckets in between
// are Unknown.
func (t *tier) set(idx int64, s slot) {
	switch {
	case t.len() == 0:
		t.resize(idx, idx+1)
	case idx < t.first:
		t.resize(idx, t.first+t.len())
	case idx >= t.first+t.len():
		t.resize(t.first, idx+1)
	}
	t.events[idx-t.first], t.flags[idx-t.first] = pack(s)
}

// reserve makes the run cover the buckets [lo, hi) in one allocation, so
// that filling them newest first (the backfill) does not copy the run
// once per chunk; what it holds stays.
func (t *tier) reserve(lo, hi int64) {
	if t.len() > 0 {
		last := t.first + t.len()
		if lo >= t.first && hi <= last {
			return
		}
		lo, hi = min(lo, t.first), max(hi, last)
	}
	if hi > lo {
		t.resize(lo, hi)
	}
}

// resize makes the run exactly the buckets [lo, hi), keeping what it
// holds of them; new buckets are Unknown. Growing at the end appends (an
// hour of new fine buckets copies the run once, not twelve times).
func (t *tier) resize(lo, hi int64) {
	if t.len() > 0 && lo == t.first && hi >= t.first+t.len() {
		n := hi - t.first - t.len()
		t.events = append(t.events, make([]events, n)...)
		t.flags = append(t.flags, make([]flags, n)...)
		return
	}
	events, flags := make([]events, hi-lo), make([]flags, hi-lo)
	if t.len() > 0 {
		// The held run overlapping [lo, hi), at its place in the new one.
		from, to := max(lo, t.first), min(hi, t.first+t.len())
		if from < to {
			copy(events[from-lo:], t.events[from-t.first:to-t.first])
			copy(flags[from-lo:], t.flags[from-t.first:to-t.first])
		}
	}
	t.events, t.flags, t.first = events, flags, lo
}

// dropBefore forgets every bucket with index below idx, releasing them.
func (t *tier) dropBefore(idx int64) {
	switch n := idx - t.first; {
	case n <= 0:
		return
	case n >= t.len():
		t.events, t.flags, t.first = nil, nil, idx
	default:
		t.resize(idx, t.first+t.len())
	}
}

// span is a tier's share of a sum.
type span struct {
	bad, total              float64
	known, missing, unknown float64 // seconds
	series                  bool
}

// sum adds the buckets overlapping [from, to) (Unix seconds), each
// pro-rated by its overlap: within a bucket events are taken as spread
// evenly, which is what rate() assumes inside its range as well.
func (t *tier) sum(from, to int64) span {
	var s span
	if to <= from {
		return s
	}
	for idx := t.index(from); idx*t.step < to; idx++ {
		lo, hi := max(idx*t.step, from), min((idx+1)*t.step, to)
		overlap := float64(hi - lo)
		b := t.get(idx)
		switch b.state {
		case Known:
			f := overlap / float64(t.step)
			s.bad += b.bad * f
			s.total += b.total * f
			s.known += overlap
			s.series = s.series || b.series
		case Missing:
			s.missing += overlap
		default:
			s.unknown += overlap
		}
	}
	return s
}

// gaps lists the runs of Unknown buckets within [from, to) as whole
// buckets, newest first.
func (t *tier) gaps(from, to int64) []Span {
	var out []Span
	step := time.Duration(t.step) * time.Second
	if to <= from {
		return nil
	}
	for idx, lo := t.index(to-1), t.index(from); idx >= lo; idx-- {
		if t.get(idx).state != Unknown {
			continue
		}
		start := time.Unix(idx*t.step, 0).UTC()
		if n := len(out); n > 0 && out[n-1].From.Equal(start.Add(step)) {
			out[n-1].From = start
			continue
		}
		out = append(out, Span{From: start, To: start.Add(step)})
	}
	return out
}

// count is how many buckets of [from, to) are not Unknown, out of all.
func (t *tier) count(from, to int64) (done, total int) {
	if to <= from {
		return 0, 0
	}
	for idx := t.index(from); idx*t.step < to; idx++ {
		total++
		if t.get(idx).state != Unknown {
			done++
		}
	}
	return done, total
}
