// Package backtest replays a spec over recorded events: given each SLO's
// buckets, it steps through time and at every step computes what slod
// would have published and decided then, with the code slod runs live
// (ledger.Measure, slo.StatusFrom, burnrate.Evaluate, policy.Decide), so
// the same buckets and spec give the same numbers and decisions as the
// live evaluation at that instant. On top it follows every MWMB alert as
// the generated rules would fire it (for: included), the gate's answer to
// a normal deploy, and incidents, and sums them up; Compare sets two
// replays side by side.
//
// The package is pure: buckets in, timeline out.
package backtest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
)

// MaxRange is the longest range a backtest replays: a quarter, enough to
// see a policy through a few windows, and a bound on its memory (a point
// per SLO and step).
const MaxRange = 90 * 24 * time.Hour

// incidentJoin is the longest calm between two bursts of bad events that
// still makes them one incident: a flapping dependency is one incident.
const incidentJoin = 30 * time.Minute

// detectGrace is how long after an incident ends an alert still counts as
// detecting it: the long windows lag the burst by up to an hour.
const detectGrace = time.Hour

// ErrInput is an Input that cannot be replayed (a range too long, a step
// off the bucket grid); its message says what to change.
var ErrInput = errors.New("invalid backtest")

// Series is one SLO's events as the ledger keeps them: 5-minute
// (ledger.Fine) buckets from Split on, hourly (ledger.Coarse) ones before
// it. It is a plain list so that a filter (a correction that excludes a
// span) can rewrite it before the replay.
type Series struct {
	Split   time.Time
	Buckets []ledger.Bucket
}

// Input is one replay.
type Input struct {
	Spec slo.Spec
	// Series holds the events of each of Spec's SLOs, in spec order.
	Series []Series
	// Exclude, when set, holds for each SLO (in spec order) the spans whose
	// events count in no window: corrections and maintenance windows, as
	// the live evaluation leaves them out.
	Exclude []ledger.Exclusions
	// From and To bound the steps: the first is the first multiple of
	// Step (since the epoch) at or after From, the last at or before To.
	From, To time.Time
	// Step is a whole number of 5-minute buckets, so that every window
	// ends on a bucket boundary.
	Step time.Duration
	// IncidentBurn is the burn rate over one 5-minute bucket from which
	// bad events are an incident; zero takes the factor of the slowest
	// page condition of the SLO's window (6 for 30 days), that is a burst
	// that pages if it lasts.
	IncidentBurn float64
}

// Result is a replay's timeline and summary.
type Result struct {
	Service string
	// From and To are the first and last step.
	From, To time.Time
	Step     time.Duration
	SLOs     []SLOResult
	// Gate is the decision for a normal deploy, as spans of equal
	// decision and reason codes, oldest first.
	Gate    []GateSpan
	Summary Summary
}

// SLOResult is one SLO's timeline.
type SLOResult struct {
	SLO    slo.SLO
	Points []Point
	// Alerts are the firing intervals of every MWMB condition, in time
	// order.
	Alerts    []Alert
	Incidents []Incident
	// Lowest is the point with the least budget remaining; nil when no
	// point had a budget (no traffic, or a failed measurement throughout).
	Lowest *Point
}

// Point is one SLO at one step.
type Point struct {
	At     time.Time
	Budget slo.Budget
	// BurnRates by window label ("5m", "1h", ...), absent without traffic.
	BurnRates map[string]float64
	// Coverage is the share of the SLO's period the buckets held.
	Coverage float64
	// Error is why the step could not be measured (no series, good
	// exceeding total); the gate then judges the last good numbers.
	Error string
}

// Alert is one firing interval of one MWMB condition: from when the
// generated rule would fire (the condition held for its for:) to the
// first step it no longer held.
type Alert struct {
	burnrate.Window
	From, To time.Time
	// Open: still firing at the last step; To is then one step past it.
	Open bool
}

// Duration is how long the alert fired.
func (a Alert) Duration() time.Duration { return a.To.Sub(a.From) }

// GateSpan is a run of steps with the same gate answer.
type GateSpan struct {
	From, To time.Time
	Decision slo.Decision
	// Codes are the reason codes (slo.Code...), in the order the gate
	// gave them.
	Codes []string
}

// Incident is a burst of bad events: consecutive buckets burning at
// IncidentBurn or faster, bursts less than 30 minutes apart joined.
type Incident struct {
	SLO      string
	From, To time.Time
	// PeakBurn is the highest 5-minute burn rate in it.
	PeakBurn float64
	// Detected is when the first alert fired, if one did during it or
	// within an hour after it.
	Detected *time.Time
}

// TimeToDetect is how long the incident went without an alert; false
// when none fired.
func (i Incident) TimeToDetect() (time.Duration, bool) {
	if i.Detected == nil {
		return 0, false
	}
	return i.Detected.Sub(i.From), true
}

// Summary is what a team compares between two specs.
type Summary struct {
	// Pages and Tickets count alert episodes per SLO: overlapping firing
	// intervals of one severity (both page conditions during one outage)
	// are one page, as an Alertmanager grouping by SLO and severity
	// would send.
	Pages, Tickets int
	// AlertTime is how long any alert of any SLO fired, per SLO, summed.
	AlertTime time.Duration
	// DeniedTime is how long a normal deploy would have been denied.
	DeniedTime time.Duration
	// Lowest is the least budget remaining of any SLO, and which.
	Lowest *Lowest
	// Incidents of every SLO, oldest first.
	Incidents []Incident
}

// Lowest is the least budget of a replay.
type Lowest struct {
	SLO       string
	At        time.Time
	Remaining float64
}

// Run replays in.
func Run(in Input) (Result, error) {
	first, last, err := in.Steps()
	if err != nil {
		return Result{}, err
	}
	sp := in.Spec
	ledgers := make([]*ledger.Ledger, len(sp.SLOs))
	for i, s := range in.Series {
		if ledgers[i], err = ledgerOf(s); err != nil {
			return Result{}, fmt.Errorf("%w: SLO %s: %w", ErrInput, sp.SLOs[i].Name, err)
		}
	}
	n := int(last.Sub(first)/in.Step) + 1
	trackers := make([]*tracker, len(sp.SLOs))
	prev := make([]slo.Status, len(sp.SLOs))
	for i, o := range sp.SLOs {
		trackers[i] = newTracker(o, in.IncidentBurn, n)
		prev[i] = slo.Placeholder(o)
	}
	var gate gateTracker
	statuses := make([]slo.Status, len(sp.SLOs))
	for t := first; !t.After(last); t = t.Add(in.Step) {
		for i, o := range sp.SLOs {
			r := ledger.At(t)
			if i < len(in.Exclude) {
				r.Exclude = in.Exclude[i]
			}
			m, err := ledger.Measure(o, ledgers[i], r, t)
			if err != nil {
				statuses[i] = prev[i].Failed(err, t)
			} else {
				statuses[i] = slo.StatusFrom(o, sp.Policy, m)
			}
			prev[i] = statuses[i]
			burst, _ := slo.BurnRate(o.Target, ledgers[i].Sum(t.Add(-ledger.Fine), t).Counts.Clamped())
			trackers[i].step(t, statuses[i], err, burst)
		}
		d := policy.Decide(policy.Input{Service: sp.Service, Policy: sp.Policy, Priority: slo.PriorityNormal, SLOs: statuses, Now: t})
		gate.step(t, in.Step, d)
	}
	end := last.Add(in.Step)
	res := Result{Service: sp.Service, From: first, To: last, Step: in.Step, Gate: gate.spans}
	for _, tr := range trackers {
		res.SLOs = append(res.SLOs, tr.result(end))
	}
	res.Summary = summarize(res)
	return res, nil
}

// Steps checks in and finds its first and last step.
func (in Input) Steps() (first, last time.Time, err error) {
	switch {
	case len(in.Series) != len(in.Spec.SLOs):
		return first, last, fmt.Errorf("%w: %d series for %d SLOs", ErrInput, len(in.Series), len(in.Spec.SLOs))
	case in.Step <= 0 || in.Step%ledger.Fine != 0:
		return first, last, fmt.Errorf("%w: step %s must be a whole number of %s buckets", ErrInput, in.Step, ledger.Fine)
	case !in.From.Before(in.To):
		return first, last, fmt.Errorf("%w: from %s must be before to %s", ErrInput, in.From.UTC().Format(time.RFC3339), in.To.UTC().Format(time.RFC3339))
	case in.To.Sub(in.From) > MaxRange:
		return first, last, fmt.Errorf("%w: %s to %s is longer than the %d days a backtest may cover",
			ErrInput, in.From.UTC().Format(time.RFC3339), in.To.UTC().Format(time.RFC3339), int(MaxRange.Hours()/24))
	case in.IncidentBurn < 0:
		return first, last, fmt.Errorf("%w: incident burn rate %g must not be negative", ErrInput, in.IncidentBurn)
	}
	first = in.From.Truncate(in.Step)
	if first.Before(in.From) {
		first = first.Add(in.Step)
	}
	last = in.To.Truncate(in.Step)
	if last.Before(first) {
		return first, last, fmt.Errorf("%w: no %s step between %s and %s", ErrInput, in.Step,
			in.From.UTC().Format(time.RFC3339), in.To.UTC().Format(time.RFC3339))
	}
	return first.UTC(), last.UTC(), nil
}

// ledgerOf lays a series out as the live ledger holds it.
func ledgerOf(s Series) (*ledger.Ledger, error) {
	l := ledger.New(s.Split)
	for _, b := range s.Buckets {
		if err := l.Put(b); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// gateTracker folds the gate's decisions into spans.
type gateTracker struct{ spans []GateSpan }

func (g *gateTracker) step(t time.Time, step time.Duration, d policy.Result) {
	var codes []string
	for _, r := range d.Reasons {
		if !slices.Contains(codes, r.Code) {
			codes = append(codes, r.Code)
		}
	}
	if n := len(g.spans); n > 0 {
		last := &g.spans[n-1]
		if last.Decision == d.Decision && slices.Equal(last.Codes, codes) && last.To.Equal(t) {
			last.To = t.Add(step)
			return
		}
	}
	g.spans = append(g.spans, GateSpan{From: t, To: t.Add(step), Decision: d.Decision, Codes: codes})
}
