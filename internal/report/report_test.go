package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

func TestBounds(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	// Tuesday 2026-11-03 02:00 UTC is Monday 2026-11-02 21:00 in New York.
	now := time.Date(2026, 11, 3, 2, 0, 0, 0, time.UTC)
	rolling := slo.SLO{Window: 30 * 24 * time.Hour}
	weekNY := slo.SLO{Calendar: slo.CalendarWeek, Location: ny}
	cases := []struct {
		period     string
		o          slo.SLO
		start, end time.Time
	}{
		{LastWeek, rolling, time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)},
		// New York's week began on Monday 2 November at local midnight
		// (05:00 UTC, after the DST change on 1 November).
		{LastWeek, weekNY, time.Date(2026, 10, 26, 4, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)},
		{Current, weekNY, time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), now},
		{Previous, rolling, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{LastMonth, weekNY, time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)},
		{"2026-02", rolling, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		start, end, err := Bounds(c.period, c.o, now)
		if err != nil || !start.Equal(c.start) || !end.Equal(c.end) {
			t.Errorf("%s (%s): %s .. %s (%v), want %s .. %s", c.period, c.o.Location, start, end, err, c.start, c.end)
		}
	}
	for _, bad := range []string{"2026-13", "yesterday", "2027-01"} {
		if _, _, err := Bounds(bad, rolling, now); err == nil {
			t.Errorf("period %q accepted", bad)
		}
	}
}

func decisionEvent(changed time.Time, from, to slo.Decision) slo.Event {
	d, _ := json.Marshal(map[string]any{"from": from, "to": to, "changed_at": changed})
	return slo.Event{Type: slo.EventDecisionChanged, At: changed.Add(5 * time.Minute), Details: d}
}

// A day with a known timeline: denied 22:00 the day before until 01:00,
// and 12:00 to 12:30; numbers by hand.
func TestCompute(t *testing.T) {
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	o := slo.SLO{Slug: "availability", Name: "availability", Target: 0.99, Window: 30 * 24 * time.Hour}
	var steps []ledger.Bucket
	for s := day; s.Before(day.Add(24 * time.Hour)); s = s.Add(15 * time.Minute) {
		b := ledger.Bucket{Start: s, Step: 15 * time.Minute, State: ledger.Known, Total: 1000, Bad: 1}
		if s.Hour() == 9 { // one hour at 5% errors: burn 5
			b.Bad = 50
		}
		steps = append(steps, b)
	}
	in := Input{Service: "checkout", SLO: o, Start: day, End: day.Add(24 * time.Hour), WindowStart: day, Steps: steps,
		Events: []slo.Event{
			decisionEvent(day.Add(-2*time.Hour), slo.Allow, slo.Deny),
			decisionEvent(day.Add(time.Hour), slo.Deny, slo.Allow),
			decisionEvent(day.Add(12*time.Hour), slo.Allow, slo.Deny),
			decisionEvent(day.Add(12*time.Hour+30*time.Minute), slo.Deny, slo.Warn),
			{Type: slo.EventAlertStarted, SLO: "availability", At: day.Add(9 * time.Hour), Details: json.RawMessage(`{"alert":"page"}`)},
			{Type: slo.EventAlertStarted, SLO: "latency", At: day.Add(9 * time.Hour), Details: json.RawMessage(`{"alert":"ticket"}`)},
		},
		Overrides: []slo.Override{{CreatedAt: day.Add(-time.Hour), ExpiresAt: day.Add(2 * time.Hour)}},
	}
	r := Compute(in)
	// 96 steps of 1,000 events; 92 with 1 bad, 4 with 50.
	wantBad := 92.0 + 200
	if r.Total != 96000 || r.Bad != wantBad || *r.SLI != 1-wantBad/96000 {
		t.Errorf("total %v bad %v sli %v", r.Total, r.Bad, *r.SLI)
	}
	if want := wantBad / 96000 / 0.01; !near(*r.Consumed, want) || !near(*r.ConsumedAtEnd, want) {
		t.Errorf("consumed %v at end %v, want %v", *r.Consumed, *r.ConsumedAtEnd, want)
	}
	if !near(r.WorstBurn, 5) || !r.WorstBurnAt.Equal(day.Add(10*time.Hour)) {
		t.Errorf("worst burn %v at %v, want 5 at 10:00", r.WorstBurn, r.WorstBurnAt)
	}
	if r.DeniedMinutes != 90 {
		t.Errorf("denied %v minutes, want 60 + 30", r.DeniedMinutes)
	}
	if r.AlertsPage != 1 || r.AlertsTicket != 0 {
		t.Errorf("alerts %d/%d, want 1/0", r.AlertsPage, r.AlertsTicket)
	}
	if r.Overrides != 1 || r.OverrideMinutes != 120 {
		t.Errorf("overrides %d for %v minutes, want 1 for 120", r.Overrides, r.OverrideMinutes)
	}
	// Hourly points over a day: the start and 24 more, ending at 1 - consumed.
	if n := len(r.BurnDown); n != 25 || !near(r.BurnDown[n-1].Remaining, 1-*r.Consumed) {
		t.Errorf("burn-down %d points ending %v", n, r.BurnDown[n-1])
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
