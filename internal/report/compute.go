package report

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// Report is every selected SLO over one named period.
type Report struct {
	Period      string      `json:"period"`
	GeneratedAt time.Time   `json:"generated_at"`
	SLOs        []SLOReport `json:"slos"`
}

// SLOReport is one SLO over its period.
type SLOReport struct {
	Service  string    `json:"service"`
	SLO      string    `json:"slo"`
	Name     string    `json:"name"`
	Target   float64   `json:"target"`
	Window   string    `json:"window"`
	TimeZone string    `json:"time_zone"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Total and Bad are the period's events.
	Total float64 `json:"total_events"`
	Bad   float64 `json:"bad_events"`
	// SLI is the good ratio achieved in the period; nil without events.
	SLI *float64 `json:"sli"`
	// Consumed is the budget the period used: its error ratio over the
	// budget (1 = 100%); nil without events.
	Consumed *float64 `json:"budget_consumed"`
	// ConsumedAtEnd is the SLO's own budget (its window or calendar
	// period ending with the report's) consumed at the period's end.
	ConsumedAtEnd *float64 `json:"budget_consumed_at_end"`
	// WorstBurn is the highest 1h burn rate in the period, at WorstBurnAt
	// (the hour's end).
	WorstBurn   float64    `json:"worst_burn_1h"`
	WorstBurnAt *time.Time `json:"worst_burn_at,omitempty"`
	// AlertsPage and AlertsTicket count burn-rate alerts that began.
	AlertsPage   int `json:"alerts_page"`
	AlertsTicket int `json:"alerts_ticket"`
	// DeniedMinutes is how long normal deploys of the service were denied.
	DeniedMinutes float64 `json:"denied_minutes"`
	// Overrides used in the period, and their minutes within it.
	Overrides       int     `json:"overrides"`
	OverrideMinutes float64 `json:"override_minutes"`
	// Coverage is the share of the period's steps Prometheus answered.
	Coverage float64 `json:"coverage"`
	// BurnDown is the budget left over the period, as a share of what
	// the period's traffic allowed: 1 at the start.
	BurnDown []BurnPoint `json:"burn_down"`
}

// BurnPoint is the budget left at At.
type BurnPoint struct {
	At        time.Time `json:"at"`
	Remaining float64   `json:"remaining"`
}

// Input is what one SLO's report is computed from.
type Input struct {
	Service string
	SLO     slo.SLO
	// Start and End bound the period; WindowStart is where the SLO's own
	// window ending at End begins (at or before Start when longer).
	Start, End, WindowStart time.Time
	// Steps are the SLO's events over [min(Start, WindowStart), End).
	Steps []ledger.Bucket
	// Events are the service's notification events, oldest first, from
	// before Start on (decision changes before it say what held then).
	Events []slo.Event
	// Decision is the service's decision as last seen and since when (the
	// notification state): what held when no change was recorded.
	Decision      slo.Decision
	DecisionSince time.Time
	Overrides     []slo.Override
}

// Compute is one SLO's report.
func Compute(in Input) SLOReport {
	o := in.SLO
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	r := SLOReport{Service: in.Service, SLO: o.Slug, Name: o.Name, Target: o.Target, Window: o.WindowLabel(),
		TimeZone: loc.String(), Start: in.Start, End: in.End}
	budget := 1 - o.Target
	var period, window []ledger.Bucket
	known := 0
	for _, b := range in.Steps {
		if !b.Start.Before(in.WindowStart) && b.Start.Before(in.End) {
			window = append(window, b)
		}
		if !b.Start.Before(in.Start) && b.Start.Before(in.End) {
			period = append(period, b)
			if b.State == ledger.Known {
				known++
			}
		}
	}
	if len(period) > 0 {
		r.Coverage = float64(known) / float64(len(period))
	}
	for _, b := range period {
		r.Total += b.Total
		r.Bad += b.Bad
	}
	if r.Total > 0 {
		sli := 1 - r.Bad/r.Total
		consumed := (r.Bad / r.Total) / budget
		r.SLI, r.Consumed = &sli, &consumed
	}
	var wBad, wTotal float64
	for _, b := range window {
		wBad += b.Bad
		wTotal += b.Total
	}
	if wTotal > 0 {
		c := (wBad / wTotal) / budget
		r.ConsumedAtEnd = &c
	}
	r.WorstBurn, r.WorstBurnAt = worstBurn(period, budget)
	r.BurnDown = burnDown(period, r.Bad, r.Total, budget, in.Start, in.End)
	r.AlertsPage, r.AlertsTicket = alerts(in.Events, o.Slug, in.Start, in.End)
	r.DeniedMinutes = deniedMinutes(in, in.Start, in.End)
	r.Overrides, r.OverrideMinutes = overrides(in.Overrides, in.Start, in.End)
	return r
}

// worstBurn is the highest burn over any hour of whole steps.
func worstBurn(steps []ledger.Bucket, budget float64) (float64, *time.Time) {
	var (
		worst float64
		at    *time.Time
	)
	for i := range steps {
		var bad, total float64
		var span time.Duration
		j := i
		for ; j < len(steps) && span < time.Hour; j++ {
			bad += steps[j].Bad
			total += steps[j].Total
			span += steps[j].Step
		}
		if span < time.Hour || total <= 0 {
			continue
		}
		if burn := bad / total / budget; burn > worst {
			end := steps[j-1].Start.Add(steps[j-1].Step)
			worst, at = burn, &end
		}
	}
	return worst, at
}

// burnDown samples the budget left, daily (hourly for periods up to 3
// days), with the period's allowed bad events as the whole budget.
func burnDown(steps []ledger.Bucket, bad, total, budget float64, start, end time.Time) []BurnPoint {
	allowed := budget * total
	every := 24 * time.Hour
	if end.Sub(start) <= 72*time.Hour {
		every = time.Hour
	}
	if allowed <= 0 {
		return nil
	}
	out := []BurnPoint{{At: start, Remaining: 1}}
	var cum float64
	next := start.Add(every)
	for _, b := range steps {
		cum += b.Bad
		if e := b.Start.Add(b.Step); !e.Before(next) || e.Equal(end) {
			out = append(out, BurnPoint{At: e, Remaining: 1 - cum/allowed})
			for !next.After(e) {
				next = next.Add(every)
			}
		}
	}
	return out
}

func alerts(events []slo.Event, slug string, start, end time.Time) (page, ticket int) {
	for _, e := range events {
		if e.Type != slo.EventAlertStarted || e.SLO != slug || e.At.Before(start) || !e.At.Before(end) {
			continue
		}
		var d struct {
			Alert string `json:"alert"`
		}
		_ = json.Unmarshal(e.Details, &d)
		if d.Alert == string(burnrate.SeverityPage) {
			page++
		} else {
			ticket++
		}
	}
	return page, ticket
}

// change is a gate decision change as its event records it.
type change struct {
	at       time.Time
	from, to slo.Decision
}

// deniedMinutes integrates the time the decision for normal deploys was
// deny within [start, end). Changes count from when they happened, not
// from when the hold let them be notified. Before the first recorded
// change the decision is its "from"; with no change at all, the one in
// the notification state, from its Since on.
func deniedMinutes(in Input, start, end time.Time) float64 {
	var cs []change
	for _, e := range in.Events {
		if e.Type != slo.EventDecisionChanged {
			continue
		}
		var d struct {
			From      slo.Decision `json:"from"`
			To        slo.Decision `json:"to"`
			ChangedAt time.Time    `json:"changed_at"`
		}
		if json.Unmarshal(e.Details, &d) != nil {
			continue
		}
		cs = append(cs, change{at: d.ChangedAt, from: d.From, to: d.To})
	}
	slices.SortFunc(cs, func(a, b change) int { return a.at.Compare(b.at) })
	// Segments of constant decision: [t, next) holds dec.
	type seg struct {
		from, to time.Time
		dec      slo.Decision
	}
	var segs []seg
	if len(cs) == 0 {
		if in.Decision != "" {
			segs = append(segs, seg{in.DecisionSince, end, in.Decision})
		}
	} else {
		segs = append(segs, seg{time.Time{}, cs[0].at, cs[0].from})
		for i, c := range cs {
			to := end
			if i+1 < len(cs) {
				to = cs[i+1].at
			}
			segs = append(segs, seg{c.at, to, c.to})
		}
	}
	var d time.Duration
	for _, s := range segs {
		if s.dec != slo.Deny {
			continue
		}
		lo, hi := maxTime(s.from, start), minTime(s.to, end)
		if hi.After(lo) {
			d += hi.Sub(lo)
		}
	}
	return d.Minutes()
}

// overrides counts the overrides active at some time in [start, end) and
// their minutes within it.
func overrides(os []slo.Override, start, end time.Time) (int, float64) {
	n := 0
	var d time.Duration
	for _, o := range os {
		stop := o.ExpiresAt
		if o.RevokedAt != nil && o.RevokedAt.Before(stop) {
			stop = *o.RevokedAt
		}
		lo, hi := maxTime(o.CreatedAt, start), minTime(stop, end)
		if hi.After(lo) {
			n++
			d += hi.Sub(lo)
		}
	}
	return n, d.Minutes()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
