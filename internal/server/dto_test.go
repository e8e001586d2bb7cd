package server

import (
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York must not depend on the machine's zoneinfo

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// TestSLOPeriod checks the period the API sends with each SLO, so that the
// dashboard charts it without computing calendars itself: taken at the
// SLO's evaluation (or at now before the first one), in the spec's time
// zone, and written in UTC. Instants worked by hand: New York leaves
// daylight time on 2026-11-01 at 02:00 local, so November runs from
// 04:00Z (EDT) to 05:00Z on Dec 1 (EST).
func TestSLOPeriod(t *testing.T) {
	spec, problems := slo.Parse("billing.yaml", []byte(`service: billing
slos:
  - name: monthly
    target: 99.9%
    calendar: month
    timezone: America/New_York
    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
  - name: weekly
    target: 99.9%
    calendar: week
    timezone: America/New_York
    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
  - name: rolling
    target: 99.9%
    window: 7d
    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
`))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	evaluated := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	// now is already December in UTC but still Monday, November 30
	// (22:00) in New York.
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		slo        int
		evaluated  time.Time
		start, end string
	}{
		{"calendar month", 0, evaluated, "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"},
		{"calendar month, never evaluated", 0, time.Time{}, "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"},
		// Friday Nov 27: the week of Monday Nov 23, 00:00 EST.
		{"calendar week", 1, evaluated, "2026-11-23T05:00:00Z", "2026-11-30T05:00:00Z"},
		// Monday Nov 30 in New York: the week that starts that day.
		{"calendar week, never evaluated", 1, time.Time{}, "2026-11-30T05:00:00Z", "2026-12-07T05:00:00Z"},
		{"rolling", 2, evaluated, "2026-11-20T18:00:00Z", "2026-11-27T18:00:00Z"},
		{"rolling, never evaluated", 2, time.Time{}, "2026-11-24T03:00:00Z", "2026-12-01T03:00:00Z"},
	} {
		o := spec.SLOs[tc.slo]
		b, err := json.Marshal(toSLO(o, slo.Status{Name: o.Name, Slug: o.Slug, EvaluatedAt: tc.evaluated}, spec.Policy, now))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Start string `json:"period_start"`
			End   string `json:"period_end"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.Start != tc.start || got.End != tc.end {
			t.Errorf("%s: period %s .. %s, want %s .. %s", tc.name, got.Start, got.End, tc.start, tc.end)
		}
	}
}

// An SLO without backfill progress (the service was never evaluated, or
// its snapshot was restored) has nothing to load, as the service's sum
// (0 of 0, complete) says; it was once 0 of 0 and not complete.
func TestSLOBackfillWithoutProgress(t *testing.T) {
	spec, problems := slo.Parse("a.yaml", []byte(`service: a
slos:
  - name: one
    target: 99.9%
    window: 7d
    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
  - name: two
    target: 99.9%
    window: 7d
    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
`))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	st := engine.ServiceState{Spec: spec, SLOs: make([]slo.Status, 2)}
	for name, backfill := range map[string][]engine.Progress{
		"none":  nil,
		"short": {{Done: 3, Total: 4}},
	} {
		st.Backfill = backfill
		got := toSLOs(st, now)
		want := api.Backfill{Done: 0, Total: 0, Complete: true}
		if got[1].Backfill != want {
			t.Errorf("%s: second SLO's backfill %+v, want %+v", name, got[1].Backfill, want)
		}
		if name == "short" && got[0].Backfill != (api.Backfill{Done: 3, Total: 4}) {
			t.Errorf("%s: first SLO's backfill %+v, want 3 of 4, not complete", name, got[0].Backfill)
		}
	}
}
