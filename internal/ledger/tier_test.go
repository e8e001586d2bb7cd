package ledger

import (
	"testing"
	"time"
)

func TestTierIndexFloorDivision(t *testing.T) {
	fine, coarse := newTier(Fine), newTier(Coarse)
	tests := []struct {
		name string
		t    *tier
		sec  int64
		want int64
	}{
		{"fine zero", &fine, 0, 0},
		{"fine last second of first bucket", &fine, 299, 0},
		{"fine second bucket", &fine, 300, 1},
		// -1 s lies in [-300, 0): bucket -1, not 0 as truncating division gives.
		{"fine one second before epoch", &fine, -1, -1},
		{"fine aligned negative", &fine, -300, -1},
		// -301 s lies in [-600, -300): bucket -2.
		{"fine just before aligned negative", &fine, -301, -2},
		{"fine two buckets back", &fine, -600, -2},
		{"coarse aligned negative", &coarse, -3600, -1},
		{"coarse inside negative hour", &coarse, -3599, -1},
		{"coarse just before", &coarse, -3601, -2},
		{"coarse end of second hour", &coarse, 7199, 1},
		// 2026-11-30T12:00:00Z is 1796040000 s = 498900 h = 5986800 fine steps.
		{"coarse 2026", &coarse, 1796040000, 498900},
		{"fine 2026 plus 299 s", &fine, 1796040299, 5986800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.index(tt.sec); got != tt.want {
				t.Errorf("index(%d) with step %d = %d, want %d", tt.sec, tt.t.step, got, tt.want)
			}
		})
	}
}

func TestTierSetGrowsBothWays(t *testing.T) {
	tr := newTier(Fine)
	tr.set(5, slot{bad: 5, state: Known})
	tr.set(8, slot{bad: 8, state: Known})
	// 5..8: four slots, 6 and 7 Unknown.
	if tr.first != 5 || tr.len() != 4 {
		t.Fatalf("after 5, 8: first %d, len %d; want 5, 4", tr.first, tr.len())
	}
	tr.set(2, slot{bad: 2, state: Missing})
	// 2..8: seven slots.
	if tr.first != 2 || tr.len() != 7 {
		t.Fatalf("after 2: first %d, len %d; want 2, 7", tr.first, tr.len())
	}
	want := map[int64]slot{
		2: {bad: 2, state: Missing}, 5: {bad: 5, state: Known}, 8: {bad: 8, state: Known},
	}
	for idx := int64(0); idx <= 10; idx++ {
		if got := tr.get(idx); got != want[idx] {
			t.Errorf("get(%d) = %+v, want %+v", idx, got, want[idx])
		}
	}
	tr.set(5, slot{bad: 50, state: Known})
	if got := tr.get(5).bad; got != 50 {
		t.Errorf("after replacing 5: bad %v, want 50", got)
	}
}

func TestTierDropBefore(t *testing.T) {
	fill := func() tier {
		tr := newTier(Fine)
		for idx := int64(10); idx < 15; idx++ {
			tr.set(idx, slot{bad: float64(idx), state: Known})
		}
		return tr
	}
	tests := []struct {
		name      string
		drop      int64
		wantFirst int64
		wantLen   int64
	}{
		{"before the run", 3, 10, 5},
		{"at the start", 10, 10, 5},
		{"in the middle", 12, 12, 3},
		{"at the last", 14, 14, 1},
		{"just past the end", 15, 15, 0},
		{"far past the end", 100, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := fill()
			tr.dropBefore(tt.drop)
			if tr.first != tt.wantFirst || tr.len() != tt.wantLen {
				t.Fatalf("first %d, len %d; want %d, %d", tr.first, tr.len(), tt.wantFirst, tt.wantLen)
			}
			for idx := int64(8); idx < 17; idx++ {
				wantKnown := idx >= max(tt.drop, 10) && idx < 15
				if got := tr.get(idx).state == Known; got != wantKnown {
					t.Errorf("get(%d) known = %v, want %v", idx, got, wantKnown)
				}
			}
		})
	}
	t.Run("set after emptying", func(t *testing.T) {
		tr := fill()
		tr.dropBefore(100)
		tr.set(3, slot{bad: 3, state: Known})
		if tr.first != 3 || tr.len() != 1 || tr.get(3).bad != 3 {
			t.Errorf("first %d, len %d, bad %v; want 3, 1, 3", tr.first, tr.len(), tr.get(3).bad)
		}
	})
}

func TestTierSum(t *testing.T) {
	tr := newTier(Fine)
	// Buckets of 300 s: [-300, 0) Known 6/60, [0, 300) Known 10/100,
	// [300, 600) Missing, [600, 900) Unknown, [900, 1200) Known 3/30 no series.
	tr.set(-1, slot{bad: 6, total: 60, state: Known, series: true})
	tr.set(0, slot{bad: 10, total: 100, state: Known, series: true})
	tr.set(1, slot{state: Missing, series: true})
	tr.set(3, slot{bad: 3, total: 30, state: Known})
	tests := []struct {
		name     string
		from, to int64
		want     span
	}{
		{"one whole bucket", 0, 300, span{bad: 10, total: 100, known: 300, series: true}},
		// 150 of 300 s: half of 10/100.
		{"second half", 150, 300, span{bad: 5, total: 50, known: 150, series: true}},
		// 100 of 300 s: a third.
		{"a third", 100, 200, span{bad: 10.0 / 3, total: 100.0 / 3, known: 100, series: true}},
		// [-150, 0) is half of 6/60 = 3/30; [0, 150) half of 10/100 = 5/50.
		{"across the epoch", -150, 150, span{bad: 8, total: 80, known: 300, series: true}},
		// [0, 300) 10/100 known; [300, 600) missing; [600, 900) unknown;
		// [900, 1050) half of 3/30.
		{"all states", 0, 1050, span{bad: 11.5, total: 115, known: 450, missing: 300, unknown: 300, series: true}},
		// Series comes from Known buckets only: the Missing one had it.
		{"missing has no series", 300, 600, span{missing: 300}},
		{"known without series", 900, 1200, span{bad: 3, total: 30, known: 300}},
		// Nothing before -300: [-600, -300) unknown.
		{"before everything", -600, -300, span{unknown: 300}},
		{"empty", 100, 100, span{}},
		{"reversed", 300, 0, span{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tr.sum(tt.from, tt.to)
			if !near(got.bad, tt.want.bad) || !near(got.total, tt.want.total) ||
				got.known != tt.want.known || got.missing != tt.want.missing || got.unknown != tt.want.unknown ||
				got.series != tt.want.series {
				t.Errorf("sum(%d, %d) = %+v, want %+v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestTierGapsAndCount(t *testing.T) {
	tr := newTier(Coarse)
	// Hours 0..9: 2 Known, 3 Missing, 6 Known, 7 Known; the rest Unknown.
	for _, idx := range []int64{2, 6, 7} {
		tr.set(idx, slot{state: Known})
	}
	tr.set(3, slot{state: Missing})
	h := func(i int64) time.Time { return time.Unix(i*3600, 0).UTC() }
	tests := []struct {
		name                string
		from, to            int64
		want                []Span
		wantDone, wantTotal int
	}{
		// Unknown: 0-1, 4-5, 8-9; newest first.
		{"ten hours", 0, 10 * 3600, []Span{{h(8), h(10)}, {h(4), h(6)}, {h(0), h(2)}}, 4, 10},
		{"settled only", 6 * 3600, 8 * 3600, nil, 2, 2},
		{"one gap", 3 * 3600, 6 * 3600, []Span{{h(4), h(6)}}, 1, 3},
		// Unaligned bounds reach whole buckets: [1.5h, 4.5h) touches hours 1..4.
		{"unaligned", 5400, 16200, []Span{{h(4), h(5)}, {h(1), h(2)}}, 2, 4},
		// Before the epoch: hours -2, -1 are Unknown, 0, 1 too: one run.
		{"before the epoch", -2 * 3600, 2 * 3600, []Span{{h(-2), h(2)}}, 0, 4},
		{"empty", 3600, 3600, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tr.gaps(tt.from, tt.to)
			if !sameSpans(got, tt.want) {
				t.Errorf("gaps = %v, want %v", got, tt.want)
			}
			done, total := tr.count(tt.from, tt.to)
			if done != tt.wantDone || total != tt.wantTotal {
				t.Errorf("count = %d/%d, want %d/%d", done, total, tt.wantDone, tt.wantTotal)
			}
		})
	}
}

func sameSpans(a, b []Span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].From.Equal(b[i].From) || !a[i].To.Equal(b[i].To) {
			return false
		}
	}
	return true
}

// reserve covers a range in one allocation and keeps what is stored;
// filling the range then copies nothing.
func TestTierReserve(t *testing.T) {
	tr := newTier(Fine)
	tr.set(10, slot{bad: 10, state: Known})
	tr.reserve(4, 12)
	// 4..11 reserved around 10: eight slots from 4.
	if tr.first != 4 || tr.len() != 8 || tr.get(10).bad != 10 || tr.get(4).state != Unknown {
		t.Fatalf("after reserve(4, 12): first %d len %d, slot 10 %+v", tr.first, tr.len(), tr.get(10))
	}
	before := &tr.events[0]
	for idx := int64(11); idx >= 4; idx-- {
		tr.set(idx, slot{bad: float64(idx), state: Known})
	}
	if &tr.events[0] != before {
		t.Error("filling a reserved range reallocated the run")
	}
	// Inside what is held: nothing changes. Wider: it grows, keeping all.
	tr.reserve(5, 9)
	tr.reserve(2, 14)
	if tr.first != 2 || tr.len() != 12 || tr.get(7).bad != 7 || tr.get(13).state != Unknown {
		t.Errorf("after reserve(2, 14): first %d len %d, slot 7 %+v", tr.first, tr.len(), tr.get(7))
	}
	empty := newTier(Fine)
	empty.reserve(3, 3)
	if empty.len() != 0 {
		t.Errorf("reserving nothing made %d slots", empty.len())
	}
}
