// Package slo holds the slo.yaml model, its loading and validation, and the
// pure error-budget math. Nothing here does I/O beyond reading spec files.
package slo

import (
	"time"
)

// Spec is one service's slo.yaml after loading and validation.
type Spec struct {
	Service string
	Owner   string
	Labels  map[string]string
	SLOs    []SLO
	Policy  Policy
	// Maintenance are recurring windows whose events count in no budget.
	Maintenance []Maintenance
	// File is the path the spec was loaded from.
	File string
}

// SLO is one objective of a service.
type SLO struct {
	// Name is the display name as written (may contain spaces).
	Name string
	// Slug is the stable identifier used in URLs, labels and the store.
	Slug        string
	Description string
	// Target is a fraction in (0,1): 99.9% is 0.999.
	Target float64
	// Window is the rolling window; zero when Calendar is set.
	Window time.Duration
	// Calendar is set instead of Window for a calendar-aligned period.
	Calendar Calendar
	// Location is the calendar's time zone (UTC unless timezone: was set).
	Location *time.Location
	SLI      SLI
}

// SLI says what to query. Exactly one of Events and Latency is set.
type SLI struct {
	Events  *EventsSLI
	Latency *LatencySLI
}

// EventsSLI is a ratio SLI. Errors or Good is set, Total always; the
// queries are templates containing {{.window}}.
type EventsSLI struct {
	Errors string
	Good   string
	Total  string
}

// LatencySLI counts requests at or under Threshold as good, from a
// Prometheus histogram: good = Metric_bucket{le=Le}, total = Metric_count.
type LatencySLI struct {
	Metric    string
	Selector  string
	Threshold time.Duration
	// Le is the bucket bound as Prometheus writes it, in seconds ("0.5").
	Le string
}

// Priority of a deploy: normal < critical < rollback.
type Priority string

// Deploy priorities.
const (
	PriorityNormal   Priority = "normal"
	PriorityCritical Priority = "critical"
	PriorityRollback Priority = "rollback"
)

// OnMissingData is what the gate does for an SLO without trustworthy
// numbers.
type OnMissingData string

// Missing-data behaviours.
const (
	OnMissingDeny  OnMissingData = "deny"
	OnMissingAllow OnMissingData = "allow"
)

// Calendar is a calendar-aligned SLO period; "" for a rolling window.
type Calendar string

// Calendar periods; weeks start on Monday.
const (
	CalendarMonth Calendar = "month"
	CalendarWeek  Calendar = "week"
)

// Policy is the service's error-budget policy.
type Policy struct {
	// Thresholds sorted by Consumed, highest first.
	Thresholds      []Threshold
	BlockOnFastBurn bool
	OnMissingData   OnMissingData
	MaxStaleness    time.Duration
	// NoSeriesGrace is how long a total query may match no series (a
	// service not deployed yet) before on_missing_data applies.
	NoSeriesGrace time.Duration
	MinEvents     float64
	// BlockAfterSuspectDeploy, when positive, denies normal deploys for
	// that long after a deploy flagged suspect (opt-in).
	BlockAfterSuspectDeploy time.Duration
	// SuspectBurnMultiple: a deploy is suspect when the burn rate in the
	// hour after it reaches this multiple of the hour before (and 1x).
	SuspectBurnMultiple float64
	// HealthyActions is the seed's error_budget.policy.budget_healthy list,
	// shown while the budget holds.
	HealthyActions []string
}

// Threshold: once Consumed (a fraction, 1.0 = 100%) of the budget is used,
// Action applies; a normal deploy is denied unless "normal" is in Allow.
// An empty Allow means every priority is allowed (with a warning).
type Threshold struct {
	Consumed float64
	Action   string
	Actions  []string
	Allow    []Priority
}

// Period returns the evaluation window of o that ends at now: the rolling
// window, or the time since the calendar period began. The second value is
// the full length of the period (equal to the window when rolling).
func (o SLO) Period(now time.Time) (elapsed, full time.Duration) {
	if o.Calendar == "" {
		return o.Window, o.Window
	}
	start, end := CalendarBounds(now, o.Calendar, o.Location)
	return now.Sub(start), end.Sub(start)
}

// Bounds returns the period of o that holds at: [at-Window, at] for a
// rolling window, or the calendar month or week (in o.Location) around at.
func (o SLO) Bounds(at time.Time) (start, end time.Time) {
	if o.Calendar == "" {
		return at.Add(-o.Window), at
	}
	return CalendarBounds(at, o.Calendar, o.Location)
}

// NominalWindow is the window used for alert factors and rule generation:
// the rolling window, or 30d for a calendar month and 7d for a week.
func (o SLO) NominalWindow() time.Duration {
	switch o.Calendar {
	case CalendarMonth:
		return 30 * 24 * time.Hour
	case CalendarWeek:
		return 7 * 24 * time.Hour
	}
	return o.Window
}

// CalendarBounds returns the start and end of the calendar period (month or
// week, weeks start on Monday) holding now, in loc (UTC when nil).
func CalendarBounds(now time.Time, calendar Calendar, loc *time.Location) (start, end time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	switch calendar {
	case CalendarWeek:
		offset := (int(t.Weekday()) + 6) % 7
		start = time.Date(t.Year(), t.Month(), t.Day()-offset, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 0, 7)
	default:
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 1, 0)
	}
}
