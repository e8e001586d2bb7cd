package ledger

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestWindow(t *testing.T) {
	l := New(at("2026-11-30T11:00:00Z"))
	put(t, l,
		known("2026-11-30T11:50:00Z", Fine, 1, 100),
		Bucket{Start: at("2026-11-30T11:55:00Z"), Step: Fine, Bad: 2, Total: 200, State: Known},
	)
	// The tail is [12:00, 12:07:30), 7m30s, with 3 of 300 events.
	tail := Tail{From: at("2026-11-30T12:00:00Z"), To: at("2026-11-30T12:07:30Z"), Counts: slo.Counts{Errors: 3, Total: 300}, Series: true}
	quiet := tail
	quiet.Series = false
	empty := Tail{From: at("2026-11-30T12:00:00Z"), To: at("2026-11-30T12:00:00Z")}
	counts := func(errors, total float64, known, unknown time.Duration, series bool) Counts {
		var c Counts
		c.Errors, c.Total, c.Known, c.Unknown, c.Series = errors, total, known, unknown, series
		return c
	}
	s := time.Second
	tests := []struct {
		name string
		from string
		tail Tail
		want Counts
	}{
		// Tail 3/300 + 1/100 + 2/200; known 7m30s + 10m.
		{"two buckets and the tail", "2026-11-30T11:50:00Z", tail, counts(6, 600, 1050*s, 0, true)},
		// 11:45-11:50 was never fetched: 5m unknown.
		{"reaching an unknown bucket", "2026-11-30T11:45:00Z", tail, counts(6, 600, 1050*s, 300*s, true)},
		// Half of 11:50 (0.5/50) + 2/200 + 3/300 = 5.5/550; known 2m30s + 5m + 7m30s.
		{"half a bucket", "2026-11-30T11:52:30Z", tail, counts(5.5, 550, 900*s, 0, true)},
		{"at the tail", "2026-11-30T12:00:00Z", tail, counts(3, 300, 450*s, 0, true)},
		// 3m45s of 7m30s left: half of 3/300.
		{"half the tail", "2026-11-30T12:03:45Z", tail, counts(1.5, 150, 225*s, 0, true)},
		// 1m30s of 7m30s is a fifth: 0.6/60.
		{"a fifth of the tail", "2026-11-30T12:06:00Z", tail, counts(0.6, 60, 90*s, 0, true)},
		{"at the end", "2026-11-30T12:07:30Z", tail, Counts{}},
		{"after the end", "2026-11-30T12:10:00Z", tail, Counts{}},
		// The 11:55 bucket has no series, nor has the tail; 11:50 has one.
		{"no series anywhere", "2026-11-30T11:55:00Z", quiet, counts(5, 500, 750*s, 0, false)},
		{"series from a bucket", "2026-11-30T11:50:00Z", quiet, counts(6, 600, 1050*s, 0, true)},
		{"inside a quiet tail", "2026-11-30T12:03:45Z", quiet, counts(1.5, 150, 225*s, 0, false)},
		// An empty tail adds nothing: the 11:55 bucket alone.
		{"empty tail", "2026-11-30T11:55:00Z", empty, counts(2, 200, 300*s, 0, false)},
		{"at an empty tail", "2026-11-30T12:00:00Z", empty, Counts{}},
		{"after an empty tail", "2026-11-30T12:01:00Z", empty, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCounts(t, "Window", l.Window(at(tt.from), tt.tail), tt.want)
		})
	}
}

// A window reaching past the split reads coarse buckets before it.
func TestWindowAcrossTiers(t *testing.T) {
	l := New(at("2026-11-30T11:00:00Z"))
	put(t, l,
		known("2026-11-30T10:00:00Z", Coarse, 12, 1200),
		known("2026-11-30T11:00:00Z", Fine, 1, 100),
	)
	tail := Tail{From: at("2026-11-30T11:05:00Z"), To: at("2026-11-30T11:12:00Z"), Counts: slo.Counts{Errors: 7, Total: 700}}
	// 10:30-11:00 half of 12/1200 = 6/600; 11:00 1/100; tail 7/700.
	// Known 30m + 5m + 7m = 42m.
	var want Counts
	want.Errors, want.Total, want.Known, want.Series = 14, 1400, 42*time.Minute, true
	checkCounts(t, "Window", l.Window(at("2026-11-30T10:30:00Z"), tail), want)
}

// A window measured whole is carried forward by the buckets fetched since,
// less what slid out of a rolling window at its start.
func TestCarry(t *testing.T) {
	l := New(at("2026-11-30T11:00:00Z"))
	put(t, l,
		known("2026-11-30T12:00:00Z", Fine, 1, 100),
		known("2026-11-30T12:05:00Z", Fine, 2, 200),
	)
	// Measured at 12:07 over the 30 days before: 900/90,000 events in
	// [Oct 31 12:00, Nov 30 12:00), the tail then taken off.
	d := Direct{From: at("2026-10-31T12:00:00Z"), To: at("2026-11-30T12:00:00Z"), Counts: slo.Counts{Errors: 900, Total: 90_000}}
	// Now 12:13: the buckets 12:00 and 12:05 are known, the tail is
	// [12:10, 12:13) with 3/300.
	tail := Tail{From: at("2026-11-30T12:10:00Z"), To: at("2026-11-30T12:13:00Z"), Counts: slo.Counts{Errors: 3, Total: 300}, Series: true}
	tests := []struct {
		name       string
		from       string
		wantErrors float64
		wantTotal  float64
	}{
		// A calendar period keeps its start: 900 + 1 + 2 + 3, 90,000 + 600.
		{"same start", "2026-10-31T12:00:00Z", 906, 90_600},
		// A rolling window moved 6 of 43,200 minutes: a 7,200th of d
		// (0.125 / 12.5) slid out, the ledger not holding that span.
		{"slid start", "2026-10-31T12:06:00Z", 906 - 0.125, 90_600 - 12.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, series, ok := l.Carry(d, at(tt.from), tail)
			if !ok || !series || !near(c.Errors, tt.wantErrors) || !near(c.Total, tt.wantTotal) {
				t.Errorf("Carry = %+v series %v ok %v; want %v/%v, series, ok", c, series, ok, tt.wantErrors, tt.wantTotal)
			}
		})
	}

	// The ledger holds the span that slid out (an hour at 10/1,000): its
	// own events are taken off, not d's share.
	l2 := New(at("2026-11-30T11:00:00Z"))
	put(t, l2,
		known("2026-10-31T12:00:00Z", Coarse, 10, 1000),
		known("2026-11-30T12:00:00Z", Fine, 1, 100),
		known("2026-11-30T12:05:00Z", Fine, 2, 200),
	)
	// Half the hour slid out: 5/500.
	if c, _, ok := l2.Carry(d, at("2026-10-31T12:30:00Z"), tail); !ok || !near(c.Errors, 901) || !near(c.Total, 90_100) {
		t.Errorf("Carry with the slid span held = %+v ok %v; want 901/90,100", c, ok)
	}

	// A bucket after d.To not fetched yet (12:05 missing): not carried.
	l3 := New(at("2026-11-30T11:00:00Z"))
	put(t, l3, known("2026-11-30T12:00:00Z", Fine, 1, 100))
	if _, _, ok := l3.Carry(d, at("2026-10-31T12:00:00Z"), tail); ok {
		t.Error("Carry over an unknown bucket after the measurement must fail")
	}
	// A start before the measured one (a longer window): not carried.
	if _, _, ok := l.Carry(d, at("2026-10-31T11:00:00Z"), tail); ok {
		t.Error("Carry to a start before the measured window must fail")
	}
}
