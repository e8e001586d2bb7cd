package api

import "time"

// DeploymentRequest is the body of POST /api/v1/services/{service}/deployments.
type DeploymentRequest struct {
	Version string `json:"version"`
	// Priority is normal (default), critical or rollback.
	Priority string `json:"priority,omitempty"`
	Actor    string `json:"actor,omitempty"`
	Pipeline string `json:"pipeline,omitempty"`
	// Link points at the release (http or https).
	Link string `json:"link,omitempty"`
	// At is when the release went out; now when absent. At most a minute
	// ahead of slod's clock.
	At *time.Time `json:"at,omitempty"`
}

// DeploymentList answers GET /api/v1/services/{service}/deployments and
// GET /api/v1/deployments, newest first.
type DeploymentList struct {
	Deployments []Deployment `json:"deployments"`
}

// Deployment is one recorded deploy and, for deploys of the last two
// days, what it did to each SLO.
type Deployment struct {
	ID         int64     `json:"id"`
	Service    string    `json:"service"`
	Version    string    `json:"version"`
	Priority   string    `json:"priority"`
	Actor      string    `json:"actor,omitempty"`
	Pipeline   string    `json:"pipeline,omitempty"`
	Link       string    `json:"link,omitempty"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	// Suspect: the burn after the deploy reached the policy's multiple of
	// the burn before it. Null when not attributed (older than two days).
	Suspect *bool `json:"suspect"`
	// SLOs are the attribution per SLO; empty when not attributed.
	SLOs []DeploymentSLO `json:"slos"`
}

// DeploymentSLO is what a deploy did to one SLO.
type DeploymentSLO struct {
	SLO     string `json:"slo"`
	Suspect bool   `json:"suspect"`
	// Alert is "page" or "ticket" when that MWMB condition held at some
	// point in the hour after the deploy, "" otherwise.
	Alert string            `json:"alert"`
	Spans []AttributionSpan `json:"spans"`
}

// AttributionSpan compares a span after a deploy ("1h", "1d") with the
// same span before it. Burn rates are null without traffic; consumed is
// the share of the SLO window's budget the span used (burn * span /
// window). Excluded are the events corrections took out of the span after.
type AttributionSpan struct {
	Span           string   `json:"span"`
	ElapsedSeconds float64  `json:"elapsed_seconds"`
	Before         Events   `json:"before"`
	After          Events   `json:"after"`
	BeforeBurn     *float64 `json:"before_burn"`
	AfterBurn      *float64 `json:"after_burn"`
	BeforeConsumed float64  `json:"before_consumed"`
	AfterConsumed  float64  `json:"after_consumed"`
	Excluded       Events   `json:"excluded"`
}

// Events are counts of bad and all events.
type Events struct {
	Bad   float64 `json:"bad"`
	Total float64 `json:"total"`
}

// Excluded are the events of an SLO's period that corrections and
// maintenance windows took out of its budget, and what excluded them.
type Excluded struct {
	Bad   float64  `json:"bad"`
	Total float64  `json:"total"`
	By    []string `json:"by"`
}

// CorrectionRequest is the body of POST /api/v1/services/{service}/corrections.
type CorrectionRequest struct {
	From   *time.Time `json:"from"`
	To     *time.Time `json:"to"`
	Reason string     `json:"reason"`
	Actor  string     `json:"actor"`
	// SLOs are SLO names or slugs; absent or empty means every SLO.
	SLOs []string `json:"slos,omitempty"`
}

// CorrectionList answers GET /api/v1/services/{service}/corrections.
type CorrectionList struct {
	Corrections []Correction `json:"corrections"`
}

// Correction takes [from, to) out of a service's budgets and burn rates.
type Correction struct {
	ID        int64      `json:"id"`
	Service   string     `json:"service"`
	SLOs      []string   `json:"slos"`
	From      time.Time  `json:"from"`
	To        time.Time  `json:"to"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	RevokedBy string     `json:"revoked_by,omitempty"`
}
