package backtest

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// tracker follows one SLO through the steps.
type tracker struct {
	o         slo.SLO
	windows   []burnrate.Window
	incidentA float64 // burn rate from which a bucket is an incident
	// since[c] is when condition c began to hold, zero while it does not.
	since  []time.Time
	points []Point
	alerts []Alert
	// bursts are the runs of buckets at incidentA or above.
	bursts []Incident
}

func newTracker(o slo.SLO, incidentBurn float64, n int) *tracker {
	ws := burnrate.Windows(o.NominalWindow())
	if incidentBurn == 0 {
		incidentBurn = slowestPage(ws)
	}
	return &tracker{o: o, windows: ws, incidentA: incidentBurn, since: make([]time.Time, len(ws)), points: make([]Point, 0, n)}
}

// slowestPage is the lowest factor of the page conditions (1 when there
// are none: any burn faster than the budget allows).
func slowestPage(ws []burnrate.Window) float64 {
	f := 0.0
	for _, w := range ws {
		if w.Severity == burnrate.SeverityPage && (f == 0 || w.Factor < f) {
			f = w.Factor
		}
	}
	if f == 0 {
		return 1
	}
	return f
}

// step records the SLO at t: its status (err: the measurement failed, so
// no condition holds, as a rule over missing recordings does not) and
// the burn rate of the bucket ending at t.
func (tr *tracker) step(t time.Time, st slo.Status, err error, burst float64) {
	p := Point{At: t, Budget: st.Budget, BurnRates: st.BurnRates, Coverage: st.Coverage.Share()}
	if err != nil {
		p = Point{At: t, Budget: slo.Placeholder(tr.o).Budget, Coverage: 0, Error: err.Error()}
	}
	tr.points = append(tr.points, p)
	for c, w := range tr.windows {
		holds := err == nil && c < len(st.Conditions) && st.Conditions[c].Firing
		switch {
		case holds && tr.since[c].IsZero():
			tr.since[c] = t
		case !holds && !tr.since[c].IsZero():
			tr.close(c, w, t, false)
		}
	}
	if err == nil && burst >= tr.incidentA {
		n := len(tr.bursts)
		if n > 0 && !t.Add(-ledger.Fine).After(tr.bursts[n-1].To.Add(incidentJoin)) {
			tr.bursts[n-1].To = t
			tr.bursts[n-1].PeakBurn = max(tr.bursts[n-1].PeakBurn, burst)
		} else {
			tr.bursts = append(tr.bursts, Incident{SLO: tr.o.Slug, From: t.Add(-ledger.Fine), To: t, PeakBurn: burst})
		}
	}
}

// close ends condition c's run at end: the rule fires once the condition
// has held for the window's for:, which a run of steps each holding
// until the next does when it is longer than that.
func (tr *tracker) close(c int, w burnrate.Window, end time.Time, open bool) {
	start := tr.since[c].Add(w.HoldFor())
	tr.since[c] = time.Time{}
	if start.Before(end) {
		tr.alerts = append(tr.alerts, Alert{Window: w, From: start, To: end, Open: open})
	}
}

// result closes the alerts still firing at end and finds what each
// incident's detection was.
func (tr *tracker) result(end time.Time) SLOResult {
	for c, w := range tr.windows {
		if !tr.since[c].IsZero() {
			tr.close(c, w, end, true)
		}
	}
	sortAlerts(tr.alerts)
	r := SLOResult{SLO: tr.o, Points: tr.points, Alerts: tr.alerts, Incidents: tr.bursts}
	for i := range r.Incidents {
		r.Incidents[i].Detected = detected(r.Incidents[i], tr.alerts)
	}
	for i := range r.Points {
		p := &r.Points[i]
		if p.Error == "" && p.Budget.Status != slo.StatusNoData && (r.Lowest == nil || p.Budget.Remaining < r.Lowest.Budget.Remaining) {
			r.Lowest = p
		}
	}
	return r
}

// detected is when the first alert that fired during inc, or within
// detectGrace after it, did so (the incident's start if one was firing
// already).
func detected(inc Incident, alerts []Alert) *time.Time {
	var first *time.Time
	for _, a := range alerts {
		if !a.To.After(inc.From) || a.From.After(inc.To.Add(detectGrace)) {
			continue
		}
		at := a.From
		if at.Before(inc.From) {
			at = inc.From
		}
		if first == nil || at.Before(*first) {
			first = &at
		}
	}
	return first
}
