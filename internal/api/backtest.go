package api

import "time"

// DefaultBacktestDays is how far back a backtest starts when the request
// names no from.
const DefaultBacktestDays = 30

// DefaultBacktestPoints is how many points per SLO a backtest answer holds
// at most unless the request asks for another number: a chart's worth.
// Alerts, gate spans and the summary are always exact.
const DefaultBacktestPoints = 1000

// BacktestRequest is the body of POST /api/v1/backtest: a spec (its YAML,
// with the file name problems should name) or a running service, and
// optionally a second spec to compare (its YAML, or the first with other
// targets).
type BacktestRequest struct {
	Service string `json:"service"`
	Spec    string `json:"spec"`
	File    string `json:"file"`
	// Against is a second spec's YAML, AgainstFile its name.
	Against     string `json:"against"`
	AgainstFile string `json:"against_file"`
	// AgainstTargets replaces, in a copy of the first spec, the target of
	// the SLOs it names (slug to percent, 99.95).
	AgainstTargets map[string]float64 `json:"against_targets"`
	// From defaults to DefaultBacktestDays before To, To to now.
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
	// Points bounds the points per SLO (2 to 10,000).
	Points int `json:"points"`
	// IncidentBurn is the 5-minute burn rate from which bad events are an
	// incident; 0: the slowest page condition's factor.
	IncidentBurn float64 `json:"incident_burn"`
}

// Backtest answers POST /api/v1/backtest.
type Backtest struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Step is the replay's step ("5m").
	Step   string      `json:"step"`
	Result BacktestRun `json:"result"`
	// Against and Diff are there when a second spec was given; Diff is
	// Against minus Result.
	Against *BacktestRun  `json:"against,omitempty"`
	Diff    *BacktestDiff `json:"diff,omitempty"`
}

// BacktestRun is one spec replayed.
type BacktestRun struct {
	Service string          `json:"service"`
	File    string          `json:"file,omitempty"`
	SLOs    []BacktestSLO   `json:"slos"`
	Gate    []GateSpan      `json:"gate"`
	Summary BacktestSummary `json:"summary"`
}

// BacktestSLO is one SLO's timeline.
type BacktestSLO struct {
	Slug   string  `json:"slug"`
	Name   string  `json:"name"`
	Target float64 `json:"target"`
	Window string  `json:"window"`
	// Source is "ledger" (slod's own buckets) or "prometheus".
	Source    string             `json:"source"`
	Points    []BacktestPoint    `json:"points"`
	Alerts    []BacktestAlert    `json:"alerts"`
	Incidents []BacktestIncident `json:"incidents"`
}

// BacktestPoint is one SLO at one step.
type BacktestPoint struct {
	At        time.Time          `json:"at"`
	Status    string             `json:"status"`
	Consumed  float64            `json:"consumed"`
	Remaining float64            `json:"remaining"`
	BurnRates map[string]float64 `json:"burn_rates"`
	Coverage  float64            `json:"coverage"`
	Error     string             `json:"error,omitempty"`
}

// BacktestAlert is one firing interval of one MWMB alert.
type BacktestAlert struct {
	Severity string    `json:"severity"`
	Long     string    `json:"long"`
	Short    string    `json:"short"`
	Factor   float64   `json:"factor"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Minutes  float64   `json:"minutes"`
	// Open: still firing at the end of the range.
	Open bool `json:"open"`
}

// GateSpan is a run of steps with the same answer to a normal deploy.
type GateSpan struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Decision string    `json:"decision"`
	Codes    []string  `json:"codes"`
}

// BacktestIncident is a burst of bad events and when an alert caught it.
type BacktestIncident struct {
	SLO      string     `json:"slo"`
	From     time.Time  `json:"from"`
	To       time.Time  `json:"to"`
	PeakBurn float64    `json:"peak_burn"`
	Detected *time.Time `json:"detected,omitempty"`
	// DetectSeconds is Detected - From; absent when no alert fired.
	DetectSeconds *float64 `json:"detect_seconds,omitempty"`
}

// BacktestSummary is what two specs are compared on.
type BacktestSummary struct {
	Pages        int                `json:"pages"`
	Tickets      int                `json:"tickets"`
	AlertMinutes float64            `json:"alert_minutes"`
	DeniedHours  float64            `json:"denied_hours"`
	LowestBudget *BacktestLowest    `json:"lowest_budget,omitempty"`
	Incidents    []BacktestIncident `json:"incidents"`
}

// BacktestLowest is the least budget remaining of a replay.
type BacktestLowest struct {
	SLO       string    `json:"slo"`
	At        time.Time `json:"at"`
	Remaining float64   `json:"remaining"`
}

// BacktestDiff is the second run's summary minus the first's.
type BacktestDiff struct {
	Pages        int      `json:"pages"`
	Tickets      int      `json:"tickets"`
	AlertMinutes float64  `json:"alert_minutes"`
	DeniedHours  float64  `json:"denied_hours"`
	LowestBudget *float64 `json:"lowest_budget,omitempty"`
}
