package slo

import "time"

// Decision is the gate's answer to one deploy.
type Decision string

// Decisions, from best to worst.
const (
	Allow Decision = "allow"
	Warn  Decision = "warn"
	Deny  Decision = "deny"
)

// Decisions lists every decision, best first.
var Decisions = []Decision{Allow, Warn, Deny}

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
	CodeSuspectDeploy    = "suspect_deploy"
	CodeCorrection       = "correction_applied"
)

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

// DecisionRecord is one audited can-deploy answer in the decision log.
type DecisionRecord struct {
	ID       int64
	At       time.Time
	Service  string
	Priority Priority
	Version  string
	Actor    string
	Pipeline string
	Decision Decision
	Allowed  bool
	Reasons  []Reason
	Actions  []string
	// OverrideID is the override that let the deploy through, if any.
	OverrideID *int64
	Stale      bool
	RequestID  string
}

// DecisionQuery selects decisions from the log, newest first.
type DecisionQuery struct {
	// Service filters by service; empty means all.
	Service string
	// Limit defaults to the store's default list length and is capped at
	// its maximum.
	Limit int
	// Before, when positive, returns only decisions with a smaller ID: pass
	// the last ID of a page to get the next one.
	Before int64
}
