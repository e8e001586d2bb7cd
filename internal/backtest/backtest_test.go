package backtest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

const day = 24 * time.Hour

// t0 is when the test's events of interest begin, on the hour.
var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func spec(t testing.TB, target string) slo.Spec {
	t.Helper()
	sp, problems := slo.Parse("checkout.yaml", []byte(`service: checkout
slos:
  - name: availability
    target: `+target+`
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total[{{.window}}]))
`))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return sp
}

// series is 1,000 events every 5 minutes (12,000 an hour) from 32 days
// before t0 to 4 days after it, with bad events badAt(bucket start) per
// 5 minutes: hourly buckets before t0-4d, 5-minute ones after.
func series(badAt func(time.Time) float64) Series {
	split := t0.Add(-4 * day)
	s := Series{Split: split}
	for h := t0.Add(-32 * day); h.Before(split); h = h.Add(time.Hour) {
		bad := 0.0
		for m := h; m.Before(h.Add(time.Hour)); m = m.Add(ledger.Fine) {
			bad += badAt(m)
		}
		s.Buckets = append(s.Buckets, ledger.Bucket{Start: h, Step: ledger.Coarse, Bad: bad, Total: 12000, State: ledger.Known, Series: true})
	}
	for m := split; m.Before(t0.Add(4 * day)); m = m.Add(ledger.Fine) {
		s.Buckets = append(s.Buckets, ledger.Bucket{Start: m, Step: ledger.Fine, Bad: badAt(m), Total: 1000, State: ledger.Known, Series: true})
	}
	return s
}

func during(from, to time.Time, bad float64) func(time.Time) float64 {
	return func(m time.Time) float64 {
		if !m.Before(from) && m.Before(to) {
			return bad
		}
		return 0
	}
}

func run(t *testing.T, sp slo.Spec, s Series, from, to time.Time) Result {
	t.Helper()
	r, err := Run(Input{Spec: sp, Series: []Series{s}, From: from, To: to, Step: ledger.Fine})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func at(d time.Duration) time.Time { return t0.Add(d) }

type span struct {
	sev         burnrate.Severity
	long        time.Duration
	from, to    time.Duration // after t0
	open        bool
	description string
}

func checkAlerts(t *testing.T, got []Alert, want []span) {
	t.Helper()
	var g, w []string
	for _, a := range got {
		g = append(g, fmt.Sprintf("%s %s %s..%s open=%v", a.Severity, burnrate.Label(a.Long), a.From.Sub(t0), a.To.Sub(t0), a.Open))
	}
	for _, s := range want {
		w = append(w, fmt.Sprintf("%s %s %s..%s open=%v", s.sev, burnrate.Label(s.long), s.from, s.to, s.open))
	}
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

// A 30-minute total outage at t0, in a month of 12,000 events an hour:
// 6,000 bad events, every one of them in the 30d window afterwards.
// Worked by hand with the workbook's 30d table (budget 0.001):
//
//   - page 1h/5m (14.4x): at t0+5m the 5m window is all bad (1000x) and
//     the 1h window 1000/12000 (83x); it holds until the 5m window is
//     clean at t0+35m. for: 2m, so it fires t0+7m..t0+35m.
//   - page 6h/30m (6x): 6h at t0+5m is 1000/72000 (13.9x); the 30m
//     window is clean at t0+60m. Fires t0+7m..t0+60m.
//   - ticket 1d/2h (3x): 1d at t0+5m is 1000/288000 (3.47x); the 2h window
//     is clean at t0+150m. for: 15m: t0+20m..t0+150m.
//   - ticket 3d/6h (1x): 3d 1000/864000 (1.16x); 6h clean at t0+390m:
//     t0+20m..t0+390m.
//
// The gate denies normal deploys while a page condition holds (before
// for:): t0+5m..t0+60m, 55 minutes. The budget ends at 1 - 6000/8.64M
// /0.001 = 0.30556 from t0+30m on.
func TestOutagePages(t *testing.T) {
	r := run(t, spec(t, "99.9%"), series(during(t0, at(30*time.Minute), 1000)), at(-6*time.Hour), at(12*time.Hour))
	checkAlerts(t, r.SLOs[0].Alerts, []span{
		{sev: burnrate.SeverityPage, long: time.Hour, from: 7 * time.Minute, to: 35 * time.Minute},
		{sev: burnrate.SeverityPage, long: 6 * time.Hour, from: 7 * time.Minute, to: 60 * time.Minute},
		{sev: burnrate.SeverityTicket, long: day, from: 20 * time.Minute, to: 150 * time.Minute},
		{sev: burnrate.SeverityTicket, long: 3 * day, from: 20 * time.Minute, to: 390 * time.Minute},
	})
	s := r.Summary
	if s.Pages != 1 || s.Tickets != 1 {
		t.Errorf("pages %d tickets %d, want 1 and 1 (both page windows are one episode)", s.Pages, s.Tickets)
	}
	if s.AlertTime != 383*time.Minute {
		t.Errorf("alert time %s, want 6h23m (t0+7m..t0+390m)", s.AlertTime)
	}
	if s.DeniedTime != 55*time.Minute {
		t.Errorf("denied %s, want 55m", s.DeniedTime)
	}
	if s.Lowest == nil || math.Abs(s.Lowest.Remaining-(1-6000.0/8_640_000/0.001)) > 1e-9 || !s.Lowest.At.Equal(at(30*time.Minute)) {
		t.Errorf("lowest %+v, want 0.30556 at t0+30m", s.Lowest)
	}
	if len(s.Incidents) != 1 {
		t.Fatalf("incidents %+v, want one", s.Incidents)
	}
	inc := s.Incidents[0]
	ttd, ok := inc.TimeToDetect()
	if !inc.From.Equal(t0) || !inc.To.Equal(at(30*time.Minute)) || math.Abs(inc.PeakBurn-1000) > 1e-6 || !ok || ttd != 7*time.Minute {
		t.Errorf("incident %+v (detect %s %v), want t0..t0+30m at 1000x detected after 7m", inc, ttd, ok)
	}
	// The denied span names the fast burn.
	var denied []GateSpan
	for _, g := range r.Gate {
		if g.Decision == slo.Deny {
			denied = append(denied, g)
		}
	}
	if len(denied) == 0 || !denied[0].From.Equal(at(5*time.Minute)) || !strings.Contains(strings.Join(denied[0].Codes, ","), slo.CodeFastBurn) {
		t.Errorf("denied spans %+v, want the first from t0+5m for fast_burn", denied)
	}
}

// A slow burn: 2.5x the budget (2.5 bad events in 1,000) for 48 hours.
// Only the 3d/6h ticket (1x) fires: the 3d window passes 1x once
// 2.5*x/72h > 1, x > 28h48m, so at the step t0+28h50m (2.5*28.75/72 =
// 0.998 at 28h45m); for: 15m makes it t0+29h05m. After t0+48h the 6h
// window holds 2.5*(6h-y)/6h, above 1 until y = 3h36m: true at 3h35m,
// false at 3h40m, so it ends at t0+51h40m. 1d/2h needs 3x: never.
func TestSlowBurnTicketsOnly(t *testing.T) {
	r := run(t, spec(t, "99.9%"), series(during(t0, at(48*time.Hour), 2.5)), at(-time.Hour), at(3*day))
	checkAlerts(t, r.SLOs[0].Alerts, []span{
		{sev: burnrate.SeverityTicket, long: 3 * day, from: 29*time.Hour + 5*time.Minute, to: 51*time.Hour + 40*time.Minute},
	})
	if r.Summary.Pages != 0 || r.Summary.Tickets != 1 || r.Summary.DeniedTime != 0 || len(r.Summary.Incidents) != 0 {
		t.Errorf("summary %+v, want one ticket, no page, nothing denied, no incident (2.5x is under 6x)", r.Summary)
	}
}

func TestHealthyNothing(t *testing.T) {
	r := run(t, spec(t, "99.9%"), series(func(time.Time) float64 { return 0 }), at(-day), at(day))
	s := r.Summary
	if s.Pages != 0 || s.Tickets != 0 || s.AlertTime != 0 || s.DeniedTime != 0 || len(s.Incidents) != 0 {
		t.Errorf("summary %+v, want nothing", s)
	}
	if len(r.Gate) != 1 || r.Gate[0].Decision != slo.Allow || !r.Gate[0].From.Equal(at(-day)) || !r.Gate[0].To.Equal(at(day+5*time.Minute)) {
		t.Errorf("gate %+v, want one allow span over the range", r.Gate)
	}
	if s.Lowest == nil || s.Lowest.Remaining != 1 {
		t.Errorf("lowest %+v, want the whole budget", s.Lowest)
	}
	if n := len(r.SLOs[0].Points); n != 2*24*12+1 {
		t.Errorf("%d points, want one a step over two days and the last", n)
	}
}

// 0.6 bad events in 1,000 all month: at 99.9% 60% of the budget is
// consumed (increase_monitoring warns), at 99.95% 120% (exhausted: a
// freeze), and the 3d/6h ticket burns 1.2x > 1 from the first step.
func TestStricterTargetFreezes(t *testing.T) {
	s := series(func(time.Time) float64 { return 0.6 })
	from, to := at(-day), at(day)
	a := run(t, spec(t, "99.9%"), s, from, to)
	b := run(t, spec(t, "99.95%"), s, from, to)
	if a.Summary.DeniedTime != 0 || len(a.Gate) != 1 || a.Gate[0].Decision != slo.Warn {
		t.Errorf("99.9%%: gate %+v, want warn throughout", a.Gate)
	}
	if len(b.Gate) != 1 || b.Gate[0].Decision != slo.Deny || b.Gate[0].Codes[0] != slo.CodeBudgetExhausted {
		t.Errorf("99.95%%: gate %+v, want budget_exhausted throughout", b.Gate)
	}
	d := Compare(a.Summary, b.Summary)
	if d.DeniedTime != 2*day+5*time.Minute || d.Tickets != 1 || d.Pages != 0 || d.Lowest == nil || math.Abs(*d.Lowest-(-0.6)) > 1e-9 {
		t.Errorf("diff %+v, want 2d5m more denied, one more ticket, 0.6 less budget (0.4 to -0.2)", d)
	}
}

// A step without any series (a spec whose total matches nothing) is
// measured as live: no series warns for no_series_grace, then
// on_missing_data (deny) decides.
func TestNoSeries(t *testing.T) {
	r := run(t, spec(t, "99.9%"), Series{Split: t0}, t0, at(30*time.Minute))
	if got := r.SLOs[0].Points[0].Error; !strings.Contains(got, slo.ErrNoSeries.Error()) {
		t.Errorf("error %q, want no series", got)
	}
	// Grace 10m: warn at t0..t0+10m (three steps), deny after.
	if len(r.Gate) != 2 || r.Gate[0].Decision != slo.Warn || !r.Gate[0].To.Equal(at(15*time.Minute)) || r.Gate[1].Decision != slo.Deny {
		t.Errorf("gate %+v, want warn to t0+15m then deny", r.Gate)
	}
}

func TestBadInput(t *testing.T) {
	sp := spec(t, "99.9%")
	s := []Series{{Split: t0}}
	for _, tt := range []struct {
		name string
		in   Input
		want string
	}{
		{"step off the grid", Input{Spec: sp, Series: s, From: t0, To: at(day), Step: time.Minute}, "whole number of 5m0s"},
		{"reversed", Input{Spec: sp, Series: s, From: at(day), To: t0, Step: ledger.Fine}, "must be before"},
		{"too long", Input{Spec: sp, Series: s, From: t0, To: at(91 * day), Step: ledger.Fine}, "longer than the 90 days"},
		{"no step inside", Input{Spec: sp, Series: s, From: at(time.Minute), To: at(2 * time.Minute), Step: ledger.Fine}, "no 5m0s step"},
		{"series missing", Input{Spec: sp, From: t0, To: at(day), Step: ledger.Fine}, "0 series for 1 SLOs"},
		{"bad bucket", Input{Spec: sp, Series: []Series{{Split: t0, Buckets: []ledger.Bucket{{Start: at(time.Minute), Step: ledger.Fine}}}}, From: t0, To: at(day), Step: ledger.Fine}, "not aligned"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(tt.in)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInput saying %q", err, tt.want)
			}
		})
	}
}

// A correction over the outage of TestOutagePages leaves nothing of it:
// its events count in no window, bad or total, so no alert fires, nothing
// is denied and the whole budget stays (as the live evaluation does).
func TestCorrectedOutageIsGone(t *testing.T) {
	s := series(during(t0, at(30*time.Minute), 1000))
	x := ledger.Merge([]ledger.Span{{From: t0, To: at(30 * time.Minute)}})
	r, err := Run(Input{Spec: spec(t, "99.9%"), Series: []Series{s}, Exclude: []ledger.Exclusions{x},
		From: at(-6 * time.Hour), To: at(12 * time.Hour), Step: ledger.Fine})
	if err != nil {
		t.Fatal(err)
	}
	checkAlerts(t, r.SLOs[0].Alerts, nil)
	if sum := r.Summary; sum.Pages != 0 || sum.DeniedTime != 0 || sum.Lowest == nil || sum.Lowest.Remaining != 1 {
		t.Errorf("summary %+v (lowest %+v), want no page, nothing denied, the whole budget", sum, sum.Lowest)
	}
}
