package slo

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
)

// Status is the measured state of one SLO at one evaluation: what the
// engine keeps, the gate judges and the API shows.
type Status struct {
	Name   string
	Slug   string
	Target float64
	// Window is "30d" for a rolling window, or "month"/"week".
	Window string
	Counts Counts
	Budget Budget
	// BurnRates by window label ("5m", "1h", ...); a window without
	// traffic is absent.
	BurnRates  map[string]float64
	Conditions []burnrate.Condition
	// ExhaustionSeconds is the time until the budget runs out at the
	// current (1h) burn; nil when it never does at that rate.
	ExhaustionSeconds *float64
	// Coverage is how much of the SLO's period the counts cover: less
	// while its history loads, or where Prometheus no longer holds it.
	Coverage Coverage
	// Excluded are the period's events that corrections and maintenance
	// windows took out of Counts; ExcludedBy names what excluded them.
	Excluded   Counts
	ExcludedBy []string
	// EvaluatedAt is when the numbers above were measured; zero when the
	// SLO has never been measured successfully.
	EvaluatedAt time.Time
	// Stale: the numbers are older than slod's latest attempt (it failed,
	// or they were restored after a restart and not re-measured yet).
	Stale bool
	// Error is why the latest measurement attempt failed; the numbers
	// above are then the last good ones.
	Error string
	// ErrorSince is when the current run of failed attempts began.
	ErrorSince time.Time
	// NoSeries: the failure is a total query that matched no series (a
	// typo, a removed recording rule, or a service not deployed yet).
	NoSeries bool
}

// Freshness says how far an SLO's numbers may be trusted at one instant.
type Freshness string

const (
	// Fresh numbers come from slod's latest measurement attempt.
	Fresh Freshness = "fresh"
	// Stale numbers are the last good ones, younger than max_staleness:
	// the latest attempt failed, or slod restarted and has not re-measured.
	Stale Freshness = "stale"
	// Expired numbers are older than max_staleness: on_missing_data decides.
	Expired Freshness = "expired"
	// Unmeasured: the SLO was never measured successfully.
	Unmeasured Freshness = "unmeasured"
)

// FreshnessAt classifies s at now under p. A measurement exactly
// max_staleness old is still trusted.
func (s Status) FreshnessAt(p Policy, now time.Time) Freshness {
	switch {
	case s.EvaluatedAt.IsZero():
		return Unmeasured
	case now.Sub(s.EvaluatedAt) > p.MaxStaleness:
		return Expired
	case s.Stale || s.Error != "":
		return Stale
	default:
		return Fresh
	}
}
