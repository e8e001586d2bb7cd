package client

import (
	"encoding/json"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
)

// The JSON shapes of slod's API (DESIGN.md, "HTTP API"). Fields are added,
// never renamed.

// DeployRequest is the body of a POSTed can-deploy check.
type DeployRequest struct {
	// Priority is normal, critical or rollback.
	Priority string `json:"priority"`
	Version  string `json:"version,omitempty"`
	Actor    string `json:"actor,omitempty"`
	// Pipeline is a link to the CI run asking, for the audit log.
	Pipeline string `json:"pipeline,omitempty"`
}

// Decision is slod's answer to a can-deploy check.
type Decision struct {
	Service     string           `json:"service"`
	Priority    string           `json:"priority"`
	Allowed     bool             `json:"allowed"`
	Decision    string           `json:"decision"`
	Reasons     []policy.Reason  `json:"reasons"`
	Actions     []string         `json:"actions"`
	Override    *policy.Override `json:"override"`
	EvaluatedAt *time.Time       `json:"evaluated_at"`
	Stale       bool             `json:"stale"`
	// DecisionID is the audit-log entry of a POSTed check.
	DecisionID *int64 `json:"decision_id,omitempty"`
	SLOs       []SLO  `json:"slos"`
}

// SLO is the measured state of one SLO.
type SLO struct {
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	Description string  `json:"description,omitempty"`
	Target      float64 `json:"target"`
	Window      string  `json:"window"`
	// SLI is the good ratio over the window; nil without enough data.
	SLI    *float64   `json:"sli"`
	Budget slo.Budget `json:"budget"`
	// BurnRates by window label ("5m", "1h", ...).
	BurnRates map[string]float64 `json:"burn_rates"`
	Alerts    []Alert            `json:"alerts"`
	// ExhaustionSeconds is how long the budget lasts at the current burn;
	// nil when it never runs out at that rate.
	ExhaustionSeconds *float64   `json:"exhaustion_seconds"`
	EvaluatedAt       *time.Time `json:"evaluated_at"`
	Error             string     `json:"error,omitempty"`
}

// Alert is one multi-window burn-rate condition.
type Alert struct {
	Severity    string  `json:"severity"`
	Long        string  `json:"long"`
	Short       string  `json:"short"`
	Factor      float64 `json:"factor"`
	BudgetShare float64 `json:"budget_share"`
	LongBurn    float64 `json:"long_burn"`
	ShortBurn   float64 `json:"short_burn"`
	NoData      bool    `json:"no_data"`
	Firing      bool    `json:"firing"`
}

// Service is one service's gate state (for a normal deploy) and SLOs.
type Service struct {
	Service     string            `json:"service"`
	Owner       string            `json:"owner,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Decision    string            `json:"decision"`
	Allowed     bool              `json:"allowed"`
	Reasons     []policy.Reason   `json:"reasons"`
	Actions     []string          `json:"actions"`
	Override    *policy.Override  `json:"override"`
	EvaluatedAt *time.Time        `json:"evaluated_at"`
	Stale       bool              `json:"stale"`
	// LastError is why the latest evaluation failed, if it did.
	LastError string `json:"last_error,omitempty"`
	// ConfigProblems are what is wrong with the service's slo.yaml.
	ConfigProblems []slo.Problem `json:"config_problems,omitempty"`
	SLOs           []SLO         `json:"slos"`
}

// DecisionRecord is one entry of the decision (audit) log.
type DecisionRecord struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Service  string          `json:"service"`
	Priority string          `json:"priority"`
	Version  string          `json:"version"`
	Actor    string          `json:"actor"`
	Pipeline string          `json:"pipeline"`
	Decision string          `json:"decision"`
	Allowed  bool            `json:"allowed"`
	Reasons  []policy.Reason `json:"reasons"`
	Actions  []string        `json:"actions"`
	// OverrideID is the override that let the deploy through, if any.
	OverrideID *int64 `json:"override_id,omitempty"`
	Stale      bool   `json:"stale"`
	RequestID  string `json:"request_id,omitempty"`
}

// Override is an override as slod lists it.
type Override struct {
	policy.Override
	// Active is whether it lets deploys through now, by slod's clock.
	Active bool `json:"active"`
}

// OverrideRequest asks for an override lasting For from now.
type OverrideRequest struct {
	Reason string
	Actor  string
	For    time.Duration
}

// MarshalJSON writes For in Prometheus' duration format ("2h", "1d",
// "1h30m"), which slod parses.
func (r OverrideRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Reason   string `json:"reason"`
		Actor    string `json:"actor,omitempty"`
		Duration string `json:"duration"`
	}{r.Reason, r.Actor, model.Duration(r.For).String()})
}
