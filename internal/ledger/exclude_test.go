package ledger

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func sp(from, to string) Span { return Span{From: at(from), To: at(to)} }

func TestMerge(t *testing.T) {
	got := Merge([]Span{
		sp("2026-11-30T12:00:00Z", "2026-11-30T13:00:00Z"),
		sp("2026-11-30T10:00:00Z", "2026-11-30T10:30:00Z"),
		// Overlaps the first: one span 11:30-13:00.
		sp("2026-11-30T11:30:00Z", "2026-11-30T12:15:00Z"),
		// Touches it: joined.
		sp("2026-11-30T13:00:00Z", "2026-11-30T13:10:00Z"),
		// Inside it: nothing new.
		sp("2026-11-30T12:20:00Z", "2026-11-30T12:40:00Z"),
		// Empty and backwards spans count for nothing.
		sp("2026-11-30T09:00:00Z", "2026-11-30T09:00:00Z"),
		sp("2026-11-30T08:00:00Z", "2026-11-30T07:00:00Z"),
	})
	want := Exclusions{
		sp("2026-11-30T10:00:00Z", "2026-11-30T10:30:00Z"),
		sp("2026-11-30T11:30:00Z", "2026-11-30T13:10:00Z"),
	}
	if len(got) != len(want) {
		t.Fatalf("Merge = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].From.Equal(want[i].From) || !got[i].To.Equal(want[i].To) {
			t.Fatalf("Merge = %v, want %v", got, want)
		}
	}
}

func TestExcluding(t *testing.T) {
	l := New(at("2026-11-30T11:00:00Z"))
	put(t, l,
		known("2026-11-30T11:45:00Z", Fine, 4, 100),
		known("2026-11-30T11:50:00Z", Fine, 1, 100),
		known("2026-11-30T11:55:00Z", Fine, 2, 200),
	)
	// The tail is [12:00, 12:05), 3 of 300 events.
	tail := Tail{From: at("2026-11-30T12:00:00Z"), To: at("2026-11-30T12:05:00Z"), Counts: slo.Counts{Errors: 3, Total: 300}, Series: true}
	tests := []struct {
		name           string
		x              Exclusions
		kept, excluded slo.Counts
	}{
		{"nothing excluded", nil, slo.Counts{Errors: 10, Total: 700}, slo.Counts{}},
		// 11:50 whole: 1/100 out.
		{"one bucket", Exclusions{sp("2026-11-30T11:50:00Z", "2026-11-30T11:55:00Z")}, slo.Counts{Errors: 9, Total: 600}, slo.Counts{Errors: 1, Total: 100}},
		// Second half of 11:55 (1/100) and first 2m30s of the tail (1.5/150).
		{"across the tail", Exclusions{sp("2026-11-30T11:57:30Z", "2026-11-30T12:02:30Z")}, slo.Counts{Errors: 7.5, Total: 450}, slo.Counts{Errors: 2.5, Total: 250}},
		// Before the window and after now: only [11:45, 11:50) = 4/100 counts as excluded.
		{"clipped to the window", Exclusions{sp("2026-11-30T10:00:00Z", "2026-11-30T11:50:00Z"), sp("2026-11-30T12:05:00Z", "2026-11-30T13:00:00Z")},
			slo.Counts{Errors: 6, Total: 600}, slo.Counts{Errors: 4, Total: 100}},
		{"everything", Exclusions{sp("2026-11-30T11:00:00Z", "2026-11-30T13:00:00Z")}, slo.Counts{}, slo.Counts{Errors: 10, Total: 700}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, excluded := l.Excluding(at("2026-11-30T11:45:00Z"), tail.To, tail, tt.x)
			if !nearCounts(kept.Counts, tt.kept) || !nearCounts(excluded.Counts, tt.excluded) {
				t.Fatalf("kept %+v excluded %+v, want %+v and %+v", kept.Counts, excluded.Counts, tt.kept, tt.excluded)
			}
			if kept.Known != 20*time.Minute {
				t.Fatalf("kept coverage %v, want the whole 20m known", kept.Coverage)
			}
		})
	}
}

func nearCounts(a, b slo.Counts) bool { return near(a.Errors, b.Errors) && near(a.Total, b.Total) }
