package ledger

import "time"

// tier holds the buckets of one step as a dense run of slots: slot i is
// the bucket starting at (first+i)*step seconds since the epoch. Dense
// slots cost 24 bytes a bucket, a third of a map entry, which matters at
// 1,000 SLOs x 1,600 buckets.
type tier struct {
	step  int64 // seconds
	first int64 // bucket index of slots[0]
	slots []slot
}

type slot struct {
	bad, total float64
	state      State
	series     bool
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

func (t *tier) get(idx int64) slot {
	if i := idx - t.first; i >= 0 && i < int64(len(t.slots)) {
		return t.slots[i]
	}
	return slot{}
}

// set stores s at idx, growing the run to include it; slots in between
// are Unknown.
func (t *tier) set(idx int64, s slot) {
	if len(t.slots) == 0 {
		t.first = idx
		t.slots = append(t.slots[:0], s)
		return
	}
	switch last := t.first + int64(len(t.slots)) - 1; {
	case idx < t.first:
		grown := make([]slot, t.first-idx+int64(len(t.slots)))
		copy(grown[t.first-idx:], t.slots)
		t.slots, t.first = grown, idx
	case idx > last:
		for range idx - last {
			t.slots = append(t.slots, slot{})
		}
	}
	t.slots[idx-t.first] = s
}

// reserve makes the run cover the buckets [lo, hi) in one allocation, so
// that filling them newest first (the backfill) does not copy the run
// once per chunk; what it holds stays.
func (t *tier) reserve(lo, hi int64) {
	if len(t.slots) > 0 {
		last := t.first + int64(len(t.slots))
		if lo >= t.first && hi <= last {
			return
		}
		lo, hi = min(lo, t.first), max(hi, last)
	}
	if hi <= lo {
		return
	}
	grown := make([]slot, hi-lo)
	if len(t.slots) > 0 {
		copy(grown[t.first-lo:], t.slots)
	}
	t.slots, t.first = grown, lo
}

// dropBefore forgets every bucket with index below idx.
func (t *tier) dropBefore(idx int64) {
	n := idx - t.first
	switch {
	case n <= 0:
		return
	case n >= int64(len(t.slots)):
		t.slots, t.first = nil, idx
	default:
		// Copy rather than reslice so the dropped head is released.
		t.slots = append([]slot(nil), t.slots[n:]...)
		t.first = idx
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
