package api

import (
	"time"
)

// DecisionList answers GET /api/v1/decisions, newest first.
type DecisionList struct {
	Decisions []DecisionRecord `json:"decisions"`
}

// DecisionRecord is one entry of the decision (audit) log: an answered,
// POSTed can-deploy check.
type DecisionRecord struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Service  string    `json:"service"`
	Priority string    `json:"priority"`
	Version  string    `json:"version"`
	Actor    string    `json:"actor"`
	Pipeline string    `json:"pipeline"`
	Decision string    `json:"decision"`
	Allowed  bool      `json:"allowed"`
	Reasons  []Reason  `json:"reasons"`
	Actions  []string  `json:"actions"`
	// OverrideID is the override that let the deploy through, if any.
	OverrideID *int64 `json:"override_id,omitempty"`
	Stale      bool   `json:"stale"`
	RequestID  string `json:"request_id"`
}
