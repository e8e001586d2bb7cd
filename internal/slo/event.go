package slo

import (
	"encoding/json"
	"time"
)

// Event is one thing that happened to a service which people want to hear
// about: a gate decision that changed, a budget threshold crossed, an
// alert condition that began or ended, an override written or expired,
// slod failing to measure. It is written to the outbox (internal/store)
// in the transaction of the change that caused it and delivered by
// internal/notify.
type Event struct {
	// ID is stable: detecting the same change again (after a restart)
	// gives the same ID, so the outbox keeps one row and receivers dedupe.
	ID       string
	Type     EventType
	Service  string
	SLO      string // empty for service-wide events
	At       time.Time
	Severity Severity
	// Summary is one line for people.
	Summary string
	// Details are the structured numbers, as JSON (an object).
	Details json.RawMessage
}

// EventType names what happened.
type EventType string

// Event types. Deploy events (suspect deploys, corrections) get their own
// types when slod records deploys; receivers filter by type.
const (
	EventDecisionChanged  EventType = "gate.decision_changed"
	EventBudgetThreshold  EventType = "budget.threshold_crossed"
	EventBudgetRecovered  EventType = "budget.recovered"
	EventAlertStarted     EventType = "alert.started"
	EventAlertEnded       EventType = "alert.ended"
	EventOverrideCreated  EventType = "override.created"
	EventOverrideRevoked  EventType = "override.revoked"
	EventOverrideExpired  EventType = "override.expired"
	EventDataStale        EventType = "slod.data_stale"
	EventDataRecovered    EventType = "slod.data_recovered"
	EventCorrectionCreate EventType = "correction.created"
	EventSuspectDeploy    EventType = "deploy.suspect"
)

// EventTypes lists every event type, for validating configuration.
var EventTypes = []EventType{
	EventDecisionChanged, EventBudgetThreshold, EventBudgetRecovered,
	EventAlertStarted, EventAlertEnded,
	EventOverrideCreated, EventOverrideRevoked, EventOverrideExpired,
	EventDataStale, EventDataRecovered,
	EventCorrectionCreate, EventSuspectDeploy,
}

// Severity orders events for routing: info < warning < critical.
type Severity string

// Severities, least first.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Severities lists the severities, least first.
var Severities = []Severity{SeverityInfo, SeverityWarning, SeverityCritical}

// Rank orders severities: 0 info, 1 warning, 2 critical, -1 unknown.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// Delivery states. A delivery that failed too often is dead: it moved to
// the dead-letter table until someone retries it.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryDead    = "dead"
)

// Delivery is one event on its way to one notification target.
type Delivery struct {
	Event     Event
	Target    string
	State     string
	Attempts  int
	NextAt    time.Time
	LastError string
	// DoneAt is when it was sent, or dead-lettered.
	DoneAt *time.Time
}

// NotificationQuery selects deliveries, newest event first.
type NotificationQuery struct {
	// State is DeliveryPending, DeliverySent or DeliveryDead; empty means
	// pending and sent.
	State   string
	Service string
	Limit   int
}
