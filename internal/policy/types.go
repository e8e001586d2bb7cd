// Package policy turns measured SLO states into a deploy decision. It is
// pure: the caller passes the evaluations, the active override and now.
package policy

import (
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Input is everything a decision depends on.
type Input struct {
	Service  string
	Policy   slo.Policy
	Priority slo.Priority
	SLOs     []slo.Status
	// Overrides of the service; expired and revoked ones are ignored.
	Overrides []slo.Override
	// Deploys are the service's recent deploys, newest first, with their
	// attribution (block_after_suspect_deploy).
	Deploys []slo.Attribution
	Now     time.Time
}

// Result is the gate's answer.
type Result struct {
	Decision slo.Decision
	Allowed  bool
	Reasons  []slo.Reason
	Actions  []string
	Override *slo.Override
	// Stale: at least one SLO was judged on numbers older than slod's
	// latest attempt, or had no trustworthy numbers at all.
	Stale bool
}
