package api

import (
	"time"
)

// ServiceList answers GET /api/v1/services.
type ServiceList struct {
	// ConfigProblems are in files that define no known service yet.
	ConfigProblems []SpecProblem `json:"config_problems,omitempty"`
	Services       []Service     `json:"services"`
}

// Service is one service's gate state (for a normal deploy) and SLOs:
// GET /api/v1/services/{service}.
type Service struct {
	Service     string            `json:"service"`
	Owner       string            `json:"owner,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Decision    string            `json:"decision"`
	Allowed     bool              `json:"allowed"`
	Reasons     []Reason          `json:"reasons"`
	Actions     []string          `json:"actions"`
	Override    *Override         `json:"override"`
	EvaluatedAt *time.Time        `json:"evaluated_at"`
	Stale       bool              `json:"stale"`
	// LastError is why the latest evaluation failed, if it did.
	LastError string `json:"last_error,omitempty"`
	// ConfigProblems are what is wrong with the service's slo.yaml.
	ConfigProblems []SpecProblem `json:"config_problems,omitempty"`
	// Backfill is how far the history of every SLO is loaded.
	Backfill Backfill `json:"backfill"`
	SLOs     []SLO    `json:"slos"`
	// Deploys are the deploys of the last two days, newest first, with
	// their attribution.
	Deploys []Deployment `json:"deploys"`
}

// Backfill counts the ledger buckets loaded from Prometheus (or known to
// be gone from it) out of all the windows need.
type Backfill struct {
	Done     int  `json:"done"`
	Total    int  `json:"total"`
	Complete bool `json:"complete"`
}

// Coverage is how much of an SLO's period its numbers cover, in seconds:
// Unknown is still loading, Missing is past Prometheus' retention. With
// Partial set the budget covers only Known.
type Coverage struct {
	Partial        bool    `json:"partial"`
	Share          float64 `json:"share"`
	KnownSeconds   float64 `json:"known_seconds"`
	MissingSeconds float64 `json:"missing_seconds"`
	UnknownSeconds float64 `json:"unknown_seconds"`
}

// SLO is the measured state of one SLO.
type SLO struct {
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	Description string  `json:"description,omitempty"`
	Target      float64 `json:"target"`
	Window      string  `json:"window"`
	// PeriodStart and PeriodEnd (UTC) bound the period the numbers cover:
	// [EvaluatedAt-window, EvaluatedAt] for a rolling window, the calendar
	// month or week holding EvaluatedAt (in the spec's timezone) otherwise.
	// Until the SLO is first evaluated, slod's clock stands in for
	// EvaluatedAt.
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	// SLI is the good ratio over the window; nil without enough data.
	SLI    *float64 `json:"sli"`
	Budget Budget   `json:"budget"`
	// BurnRates by window label ("5m", "1h", ...).
	BurnRates map[string]float64 `json:"burn_rates"`
	Alerts    []Alert            `json:"alerts"`
	// ExhaustionSeconds is how long the budget lasts at the current burn;
	// nil when it never runs out at that rate.
	ExhaustionSeconds *float64 `json:"exhaustion_seconds"`
	// EvaluatedAt is when the numbers above were measured; nil until the
	// SLO has been measured successfully.
	EvaluatedAt *time.Time `json:"evaluated_at"`
	// Stale: the numbers are not from slod's latest attempt (it failed, or
	// slod restarted), or are older than max_staleness, or missing.
	Stale bool `json:"stale"`
	// Error is why the latest measurement attempt failed.
	Error string `json:"error,omitempty"`
	// Coverage is how much of the period the numbers cover.
	Coverage Coverage `json:"coverage"`
	// Backfill is how far this SLO's history is loaded.
	Backfill Backfill `json:"backfill"`
	// Excluded are the period's events left out of the numbers above by
	// corrections and maintenance windows.
	Excluded Excluded `json:"excluded"`
}

// Budget is the error budget of one SLO over its window. With status
// no_data the SLI is null and the ratios are zero.
type Budget struct {
	Status           string   `json:"status"`
	SLI              *float64 `json:"sli"`
	ErrorRatio       float64  `json:"error_ratio"`
	Consumed         float64  `json:"consumed"`
	Remaining        float64  `json:"remaining"`
	TotalEvents      float64  `json:"total_events"`
	AllowedEvents    float64  `json:"allowed_events"`
	FailedEvents     float64  `json:"failed_events"`
	RemainingEvents  float64  `json:"remaining_events"`
	AllowedMinutes   float64  `json:"allowed_minutes"`
	RemainingMinutes float64  `json:"remaining_minutes"`
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
