// Package policy turns measured SLO states into a deploy decision. It is
// pure: the caller passes the evaluations, the active override and now.
package policy

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// Decision is the gate's answer to one deploy.
type Decision string

// Decisions, from best to worst.
const (
	Allow Decision = "allow"
	Warn  Decision = "warn"
	Deny  Decision = "deny"
)

// SLOStatus is the measured state of one SLO at one evaluation.
type SLOStatus struct {
	Name   string
	Slug   string
	Target float64
	// Window is "30d" for a rolling window, or "month"/"week".
	Window string
	Counts slo.Counts
	Budget slo.Budget
	// BurnRates by window label ("5m", "1h", ...); a window without
	// traffic is absent.
	BurnRates  map[string]float64
	Conditions []burnrate.Condition
	// ExhaustionSeconds is the time until the budget runs out at the
	// current (1h) burn; nil when it never does at that rate.
	ExhaustionSeconds *float64
	// Coverage is how much of the SLO's period the counts cover: less
	// while its history loads, or where Prometheus no longer holds it.
	Coverage slo.Coverage
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

// Override lets every deploy of a service through until it expires or is
// revoked.
type Override struct {
	ID        int64
	Service   string
	Reason    string
	Actor     string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
	RevokedBy string
}

// ActiveAt reports whether o lets deploys through at now.
func (o Override) ActiveAt(now time.Time) bool {
	return o.RevokedAt == nil && now.Before(o.ExpiresAt)
}

// Input is everything a decision depends on.
type Input struct {
	Service  string
	Policy   slo.Policy
	Priority slo.Priority
	SLOs     []SLOStatus
	// Overrides of the service; expired and revoked ones are ignored.
	Overrides []Override
	Now       time.Time
}

// Reason explains one part of a decision.
type Reason struct {
	SLO     string
	Code    string
	Message string
	// Decision is what this reason alone makes of the deploy (allow, warn
	// or deny), so clients can show which reason denied it.
	Decision Decision
}

// Reason codes.
const (
	CodeBudgetExhausted  = "budget_exhausted"
	CodeBudgetThreshold  = "budget_threshold"
	CodeFastBurn         = "fast_burn"
	CodeInsufficientData = "insufficient_data"
	CodeStaleData        = "stale_data"
	CodeNoEvaluation     = "no_evaluation"
	CodeOverride         = "override_active"
	CodePriorityExempt   = "priority_exempt"
	CodeMeasurementError = "measurement_error"
	CodeNoSeries         = "no_series"
	CodePartialHistory   = "partial_history"
)

// Result is the gate's answer.
type Result struct {
	Decision Decision
	Allowed  bool
	Reasons  []Reason
	Actions  []string
	Override *Override
	// Stale: at least one SLO was judged on numbers older than slod's
	// latest attempt, or had no trustworthy numbers at all.
	Stale bool
}
