package api

import (
	"encoding/json"
	"time"
)

// NotificationList answers GET /api/v1/notifications, newest event first.
type NotificationList struct {
	Notifications []Notification `json:"notifications"`
}

// Notification is one event on its way to one target.
type Notification struct {
	Event  Event  `json:"event"`
	Target string `json:"target"`
	// State is pending, sent or dead (in the dead-letter table).
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	NextAt    *time.Time `json:"next_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	// DoneAt is when it was sent or dead-lettered.
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// Event is something that happened to a service: the body a generic
// webhook receives, signed in X-Slod-Signature, with the id as its
// Idempotency-Key.
type Event struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Service  string          `json:"service"`
	SLO      string          `json:"slo,omitempty"`
	At       time.Time       `json:"at"`
	Severity string          `json:"severity"`
	Summary  string          `json:"summary"`
	Details  json.RawMessage `json:"details"`
}

// NotificationRetry answers POST /api/v1/notifications/retry and
// /api/v1/notifications/{id}/retry: how many dead letters were queued
// again.
type NotificationRetry struct {
	Requeued int `json:"requeued"`
}
