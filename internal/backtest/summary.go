package backtest

import (
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// sortAlerts orders alerts by start, then severity and window.
func sortAlerts(as []Alert) {
	sort.SliceStable(as, func(i, j int) bool {
		if !as[i].From.Equal(as[j].From) {
			return as[i].From.Before(as[j].From)
		}
		return as[i].Long < as[j].Long
	})
}

// episodes merges overlapping or touching intervals of the alerts that
// keep says, sorted by start, into episodes.
func episodes(as []Alert, keep func(Alert) bool) []Alert {
	var out []Alert
	for _, a := range as {
		if !keep(a) {
			continue
		}
		if n := len(out); n > 0 && !a.From.After(out[n-1].To) {
			if a.To.After(out[n-1].To) {
				out[n-1].To = a.To
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

func summarize(r Result) Summary {
	var s Summary
	for _, o := range r.SLOs {
		s.Pages += len(episodes(o.Alerts, func(a Alert) bool { return a.Severity == burnrate.SeverityPage }))
		s.Tickets += len(episodes(o.Alerts, func(a Alert) bool { return a.Severity == burnrate.SeverityTicket }))
		for _, e := range episodes(o.Alerts, func(Alert) bool { return true }) {
			s.AlertTime += e.Duration()
		}
		if p := o.Lowest; p != nil && (s.Lowest == nil || p.Budget.Remaining < s.Lowest.Remaining) {
			s.Lowest = &Lowest{SLO: o.SLO.Slug, At: p.At, Remaining: p.Budget.Remaining}
		}
		s.Incidents = append(s.Incidents, o.Incidents...)
	}
	sort.SliceStable(s.Incidents, func(i, j int) bool { return s.Incidents[i].From.Before(s.Incidents[j].From) })
	for _, g := range r.Gate {
		if g.Decision == slo.Deny {
			s.DeniedTime += g.To.Sub(g.From)
		}
	}
	return s
}

// Diff is how a second replay's summary differs from a first's: each
// field is second minus first.
type Diff struct {
	Pages, Tickets        int
	AlertTime, DeniedTime time.Duration
	// Lowest is the change of the lowest budget remaining; nil unless
	// both replays had one.
	Lowest *float64
}

// Compare is b's summary against a's, over the same data.
func Compare(a, b Summary) Diff {
	d := Diff{
		Pages:      b.Pages - a.Pages,
		Tickets:    b.Tickets - a.Tickets,
		AlertTime:  b.AlertTime - a.AlertTime,
		DeniedTime: b.DeniedTime - a.DeniedTime,
	}
	if a.Lowest != nil && b.Lowest != nil {
		v := b.Lowest.Remaining - a.Lowest.Remaining
		d.Lowest = &v
	}
	return d
}
