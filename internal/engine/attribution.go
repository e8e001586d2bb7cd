package engine

import (
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// Marks are a service's deploys and corrections (internal/events.Events).
type Marks interface {
	// RecentDeployments are the deploys the engine attributes each
	// cycle, newest first.
	RecentDeployments(service string) []slo.Deployment
	// Corrections are the unrevoked corrections.
	Corrections(service string) []slo.Correction
}

// AttributionSpans are the spans after a deploy compared with the same
// spans before it: the first decides suspect and the alert check.
var AttributionSpans = []time.Duration{time.Hour, 24 * time.Hour}

// minSuspectElapsed is how much of the hour after a deploy must pass
// before it can be suspect: one fine bucket, so a blip in the tail alone
// does not blame a release.
const minSuspectElapsed = ledger.Fine

// exclusions are the spans corrections and maintenance windows take out
// of o's events in [from, to), merged, and what each came from. It is
// pure.
func exclusions(sp slo.Spec, o slo.SLO, cs []slo.Correction, from, to time.Time) (ledger.Exclusions, []string) {
	var spans []ledger.Span
	var names []string
	for _, c := range cs {
		if c.AppliesTo(o.Slug) && c.To.After(from) && c.From.Before(to) {
			spans = append(spans, ledger.Span{From: c.From, To: c.To})
			names = append(names, fmt.Sprintf("correction %d (%s)", c.ID, c.Reason))
		}
	}
	for _, m := range sp.Maintenance {
		if !m.AppliesTo(o.Slug) {
			continue
		}
		occ := m.Occurrences(from, to)
		for _, w := range occ {
			spans = append(spans, ledger.Span{From: w[0], To: w[1]})
		}
		if len(occ) > 0 {
			names = append(names, m.String())
		}
	}
	return ledger.Merge(spans), names
}

// attribute compares, for one SLO, each span after d with the same span
// before it, up to the tail's end; b.mu is held. It is pure given the
// ledger.
func attribute(o slo.SLO, p slo.Policy, l *ledger.Ledger, tail ledger.Tail, x ledger.Exclusions, d slo.Deployment) slo.SLOAttribution {
	now := tail.To
	out := slo.SLOAttribution{SLO: o.Slug}
	window := o.NominalWindow()
	burn := func(c slo.Counts) *float64 {
		if r, ok := slo.BurnRate(o.Target, c); ok {
			return &r
		}
		return nil
	}
	for i, length := range AttributionSpans {
		end := d.At.Add(length)
		if end.After(now) {
			end = now
		}
		s := slo.AttributionSpan{Length: length, Elapsed: max(end.Sub(d.At), 0)}
		before, _ := l.Excluding(d.At.Add(-length), d.At, tail, x)
		s.Before = before.Counts.Clamped()
		if s.Elapsed > 0 {
			after, excluded := l.Excluding(d.At, end, tail, x)
			s.After, s.Excluded = after.Counts.Clamped(), excluded.Counts
		}
		s.BeforeBurn, s.AfterBurn = burn(s.Before), burn(s.After)
		if s.BeforeBurn != nil {
			s.BeforeConsumed = *s.BeforeBurn * float64(length) / float64(window)
		}
		if s.AfterBurn != nil {
			s.AfterConsumed = *s.AfterBurn * float64(s.Elapsed) / float64(window)
		}
		if i == 0 {
			out.Suspect = suspect(s, p.SuspectBurnMultiple)
			out.Alert = alertAfter(o, l, tail, x, d.At, end)
		}
		out.Spans = append(out.Spans, s)
	}
	return out
}

// suspect: the burn after reached multiple times the burn before, and
// burns the budget faster than it allows (1x), once enough has passed.
func suspect(s slo.AttributionSpan, multiple float64) bool {
	if s.Elapsed < minSuspectElapsed || s.AfterBurn == nil {
		return false
	}
	before := 0.0
	if s.BeforeBurn != nil {
		before = *s.BeforeBurn
	}
	return *s.AfterBurn >= 1 && *s.AfterBurn >= multiple*before
}

// alertAfter is the most severe MWMB condition that held at some fine
// step in (from, to], from the ledger: "page", "ticket" or "".
func alertAfter(o slo.SLO, l *ledger.Ledger, tail ledger.Tail, x ledger.Exclusions, from, to time.Time) string {
	windows := burnrate.Windows(o.NominalWindow())
	worst := ""
	for t := from.Add(ledger.Fine); !t.After(to); t = t.Add(ledger.Fine) {
		burns := map[time.Duration]float64{}
		for _, d := range burnrate.Durations(windows) {
			c, _ := l.Excluding(t.Add(-d), t, tail, x)
			if r, ok := slo.BurnRate(o.Target, c.Counts.Clamped()); ok {
				burns[d] = r
			}
		}
		for _, c := range burnrate.Evaluate(windows, burns) {
			if !c.Firing {
				continue
			}
			if c.Severity == burnrate.SeverityPage {
				return string(c.Severity)
			}
			worst = string(c.Severity)
		}
	}
	return worst
}

// join collects one deploy's per-SLO attributions.
func joinAttribution(d slo.Deployment, per []slo.SLOAttribution) slo.Attribution {
	a := slo.Attribution{Deployment: d, SLOs: per}
	for _, s := range per {
		a.Suspect = a.Suspect || s.Suspect
	}
	return a
}
