package api

import "time"

// DefaultHistoryPoints is how many points a history holds at most when
// the request names no limit: enough for a chart, small enough to send.
// Longer histories are thinned evenly, keeping the first and last point.
const DefaultHistoryPoints = 500

// History answers GET /api/v1/services/{service}/slos/{slo}/history:
// one SLO between From and To, oldest first: hourly points from slod's
// event ledger (each the budget from the window's start up to the point)
// and the latest evaluation. The fields are
// in alphabetical order, the order in which slod has always sent them.
type History struct {
	From    time.Time      `json:"from"`
	Points  []HistoryPoint `json:"points"`
	Service string         `json:"service"`
	SLO     string         `json:"slo"`
	Target  float64        `json:"target"`
	To      time.Time      `json:"to"`
	Window  string         `json:"window"`
}

// HistoryPoint is the state of one SLO at one instant.
type HistoryPoint struct {
	At               time.Time          `json:"at"`
	Errors           float64            `json:"errors"`
	Total            float64            `json:"total"`
	SLI              float64            `json:"sli"`
	Consumed         float64            `json:"consumed"`
	Remaining        float64            `json:"remaining"`
	RemainingEvents  float64            `json:"remaining_events"`
	RemainingMinutes float64            `json:"remaining_minutes"`
	Status           string             `json:"status"`
	BurnRates        map[string]float64 `json:"burn_rates"`
	Firing           []FiringCondition  `json:"firing"`
	// Coverage is the share of the point's window the ledger held: below
	// 1 while history loads or where Prometheus no longer has it.
	Coverage float64 `json:"coverage"`
	// Excluded are the events corrections took out of the point's window.
	Excluded Events `json:"excluded"`
	Error    string `json:"error,omitempty"`
}

// FiringCondition is a burn-rate condition that held at an evaluation.
type FiringCondition struct {
	Severity  string  `json:"severity"`
	Long      string  `json:"long"`
	Short     string  `json:"short"`
	Factor    float64 `json:"factor"`
	LongBurn  float64 `json:"long_burn"`
	ShortBurn float64 `json:"short_burn"`
}
