package slo

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below must not depend on the machine's zoneinfo
)

// TestBounds pins the period instants the API reports (period_start,
// period_end). The expected instants are worked by hand: New York is UTC-4
// (EDT) until 2026-11-01 02:00 local and UTC-5 (EST) after, so November
// starts at 04:00Z and ends at 05:00Z; Tokyo is UTC+9 all year.
func TestBounds(t *testing.T) {
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	ny, tokyo := zone("America/New_York"), zone("Asia/Tokyo")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name       string
		o          SLO
		at         string
		start, end string
	}{
		{"NY month, mid-month", SLO{Calendar: "month", Location: ny}, "2026-11-27T18:00:00Z",
			"2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"},
		// Already December in UTC, still November 30 (22:00) in New York.
		{"NY month, last evening", SLO{Calendar: "month", Location: ny}, "2026-12-01T03:00:00Z",
			"2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"},
		// Still November 30 in UTC, already December 1 (01:00) in Tokyo.
		{"Tokyo month, first hour", SLO{Calendar: "month", Location: tokyo}, "2026-11-30T16:00:00Z",
			"2026-11-30T15:00:00Z", "2026-12-31T15:00:00Z"},
		// Sunday 2026-11-01 07:00 EST: the week began Monday Oct 26 in EDT
		// and ends Monday Nov 2 in EST, so it lasts 7d 1h.
		{"NY week across the DST change", SLO{Calendar: "week", Location: ny}, "2026-11-01T12:00:00Z",
			"2026-10-26T04:00:00Z", "2026-11-02T05:00:00Z"},
		// Monday in UTC, still Sunday 22:00 in New York: the week of Nov 23.
		{"NY week, Sunday evening", SLO{Calendar: "week", Location: ny}, "2026-11-30T03:00:00Z",
			"2026-11-23T05:00:00Z", "2026-11-30T05:00:00Z"},
		{"rolling 30d", SLO{Window: 30 * day}, "2026-11-27T18:00:00Z",
			"2026-10-28T18:00:00Z", "2026-11-27T18:00:00Z"},
	} {
		start, end := tc.o.Bounds(utc(tc.at))
		if !start.Equal(utc(tc.start)) || !end.Equal(utc(tc.end)) {
			t.Errorf("%s: Bounds(%s) = %s .. %s, want %s .. %s", tc.name, tc.at,
				start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), tc.start, tc.end)
		}
	}
}
