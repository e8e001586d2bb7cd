// Package policy turns measured SLO states into a deploy decision. It is
// pure: the caller passes the evaluations, the active override and now.
package policy

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// Decisions, from best to worst.
const (
	Allow = "allow"
	Warn  = "warn"
	Deny  = "deny"
)

// SLOStatus is the measured state of one SLO at one evaluation.
type SLOStatus struct {
	Name   string  `json:"name"`
	Slug   string  `json:"slug"`
	Target float64 `json:"target"`
	// Window is "30d" for a rolling window, or "month"/"week".
	Window string     `json:"window"`
	Counts slo.Counts `json:"counts"`
	Budget slo.Budget `json:"budget"`
	// BurnRates by window label ("5m", "1h", ...); a window without
	// traffic is absent.
	BurnRates  map[string]float64   `json:"burn_rates"`
	Conditions []burnrate.Condition `json:"conditions"`
	// ExhaustionSeconds is the time until the budget runs out at the
	// current (1h) burn; nil when it never does at that rate.
	ExhaustionSeconds *float64 `json:"exhaustion_seconds,omitempty"`
	// Error is set when this SLO could not be measured at EvaluatedAt.
	Error       string    `json:"error,omitempty"`
	EvaluatedAt time.Time `json:"evaluated_at"`
}

// Override lets every deploy of a service through until it expires or is
// revoked.
type Override struct {
	ID        int64      `json:"id"`
	Service   string     `json:"service"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RevokedBy string     `json:"revoked_by,omitempty"`
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
	// EvaluatedAt is the time of the last successful evaluation; zero when
	// the service has never been measured.
	EvaluatedAt time.Time
	// Stale: SLOs hold the last known good states, because the latest
	// evaluation attempt failed.
	Stale bool
	Now   time.Time
}

// Reason explains one part of a decision.
type Reason struct {
	SLO     string `json:"slo,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Decision is what this reason alone makes of the deploy (allow, warn
	// or deny), so clients can show which reason denied it.
	Decision string `json:"decision"`
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
)

// Result is the gate's answer.
type Result struct {
	Decision string    `json:"decision"`
	Allowed  bool      `json:"allowed"`
	Reasons  []Reason  `json:"reasons"`
	Actions  []string  `json:"actions"`
	Override *Override `json:"override"`
	Stale    bool      `json:"stale"`
}
