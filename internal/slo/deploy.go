package slo

import "time"

// Deployment is one release of a service, as its pipeline reported it.
type Deployment struct {
	ID       int64
	Service  string
	Version  string
	Priority Priority
	Actor    string
	Pipeline string
	// Link points at the release (a changelog, a diff); optional.
	Link string
	// At is when the release went out; RecordedAt when slod was told.
	At         time.Time
	RecordedAt time.Time
	RequestID  string
}

// Correction takes a span out of a service's budgets: the events in
// [From, To) count neither as bad nor as total, for planned maintenance
// or a known false measurement.
type Correction struct {
	ID      int64
	Service string
	// SLOs are the slugs it applies to; empty means every SLO.
	SLOs      []string
	From, To  time.Time
	Reason    string
	Actor     string
	CreatedAt time.Time
	RevokedAt *time.Time
	RevokedBy string
}

// AppliesTo reports whether c excludes events of the SLO slug.
func (c Correction) AppliesTo(slug string) bool {
	if c.RevokedAt != nil {
		return false
	}
	if len(c.SLOs) == 0 {
		return true
	}
	for _, s := range c.SLOs {
		if s == slug {
			return true
		}
	}
	return false
}

// AttributionSpan compares one span after a deploy with the same span
// before it, for one SLO.
type AttributionSpan struct {
	// Length is the span compared (1h, 1d); Elapsed is how much of the
	// span after the deploy has passed (Length once it is complete).
	Length, Elapsed time.Duration
	Before, After   Counts
	// BeforeBurn and AfterBurn are the burn rates over each span; absent
	// without traffic.
	BeforeBurn, AfterBurn *float64
	// BeforeConsumed and AfterConsumed are the shares of the SLO window's
	// budget each span consumed: burn * span / window.
	BeforeConsumed, AfterConsumed float64
	// Excluded are the events corrections took out of the span after.
	Excluded Counts
}

// SLOAttribution is what a deploy did to one SLO.
type SLOAttribution struct {
	SLO   string
	Spans []AttributionSpan
	// Alert is the most severe MWMB condition (page or ticket) that held
	// at some point in the first span after the deploy; "" when none did.
	Alert string
	// Suspect: the burn after the deploy crossed the policy's multiple of
	// the burn before it (and burned faster than the budget allows).
	Suspect bool
}

// Attribution is a deploy and what it did to each SLO of its service.
type Attribution struct {
	Deployment Deployment
	SLOs       []SLOAttribution
	// Suspect: some SLO's burn rose past the policy's multiple after it.
	Suspect bool
}
