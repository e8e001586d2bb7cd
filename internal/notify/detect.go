// Package notify tells people when a service's state changes: it detects
// events by comparing what slod sees now with what it saw before (pure),
// writes them to the outbox in SQLite, and delivers the outbox to
// webhooks, Slack and Alertmanager with retries, circuit breakers and a
// dead-letter table.
package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// Observation is one service as slod sees it at one instant: the inputs
// of Detect.
type Observation struct {
	Service string
	At      time.Time
	// Decision is the gate's answer to a normal deploy now, with its
	// reasons; empty when the gate could not answer.
	Decision slo.Decision
	Reasons  []slo.Reason
	SLOs     []SLOObservation
	// Overrides are the service's active overrides.
	Overrides []slo.Override
	// Deploys are the service's recent deploys with their attribution.
	Deploys []slo.Attribution
}

// SLOObservation is one SLO's numbers as the gate judges them.
type SLOObservation struct {
	Slug, Name string
	// Judged: the numbers are fresh or stale but still trusted, and the
	// budget was judged (enough events). Budget and alerts are only
	// compared while judged, so a Prometheus outage is not "recovery".
	Judged   bool
	Consumed float64
	// Thresholds are the policy's budget thresholds (fractions).
	Thresholds []float64
	// Firing says which alert severities hold now.
	Firing map[burnrate.Severity]bool
	// Expired: slod has had no trustworthy numbers for longer than
	// max_staleness.
	Expired bool
}

// State is what Detect remembers of a service between observations; it
// is saved with the events it causes.
type State struct {
	Values map[string]Held `json:"values"`
	// Overrides are the active overrides last seen, by ID, with their
	// expiry: one that is gone after its expiry expired (revocations are
	// notified when written).
	Overrides map[int64]time.Time `json:"overrides,omitempty"`
}

// Held is one tracked value (a decision, a budget level, an alert): the
// value last notified, and a different value waiting out the hold.
type Held struct {
	Notified string    `json:"notified"`
	Since    time.Time `json:"since"`
	Pending  string    `json:"pending,omitempty"`
	// Changed is when the observed value last changed.
	Changed time.Time `json:"changed,omitzero"`
	// Flips counts changes since the last notification.
	Flips int `json:"flips,omitempty"`
}

// tracked value kinds, the prefix of a State key.
const (
	keyDecision = "decision"
	keyBudget   = "budget/"
	keyAlert    = "alert/"
	keyData     = "data"
	keySuspect  = "suspect/"
)

// Detect compares o with what prev holds and returns the next state and
// the events between them. A value seen for the first time is a baseline
// (no event): slod starting is not news. The gate decision must hold for
// hold before it is notified; a decision that flips back within it is no
// event, and one that flaps settles into one event that counts the
// flips. Budgets, alerts and data freshness are notified when seen.
func Detect(prev State, o Observation, hold time.Duration) (State, []slo.Event) {
	next := State{Values: maps.Clone(prev.Values), Overrides: map[int64]time.Time{}}
	if next.Values == nil {
		next.Values = map[string]Held{}
	}
	var events []slo.Event
	observe := func(key, value string, wait time.Duration, event func(from, to string, h Held) slo.Event) {
		h, ok := next.Values[key]
		if !ok {
			next.Values[key] = Held{Notified: value, Since: o.At}
			return
		}
		h, fire := step(h, value, o.At, wait)
		if fire != nil {
			events = append(events, event(fire.Notified, h.Notified, *fire))
		}
		next.Values[key] = h
	}
	if o.Decision != "" {
		observe(keyDecision, string(o.Decision), hold, func(from, to string, h Held) slo.Event {
			return decisionEvent(o, from, to, h)
		})
	}
	expired := false
	for _, s := range o.SLOs {
		expired = expired || s.Expired
		if !s.Judged {
			continue
		}
		observe(keyBudget+s.Slug, strconv.FormatFloat(level(s.Consumed, s.Thresholds), 'g', -1, 64), 0, func(from, to string, h Held) slo.Event {
			return budgetEvent(o, s, from, to, h)
		})
		for _, sev := range []burnrate.Severity{burnrate.SeverityPage, burnrate.SeverityTicket} {
			v := "ok"
			if s.Firing[sev] {
				v = "firing"
			}
			observe(keyAlert+s.Slug+"/"+string(sev), v, 0, func(from, to string, h Held) slo.Event {
				return alertEvent(o, s, sev, to, h)
			})
		}
	}
	if len(o.SLOs) > 0 {
		v := "ok"
		if expired {
			v = "expired"
		}
		observe(keyData, v, 0, func(from, to string, h Held) slo.Event { return dataEvent(o, to, h) })
	}
	// A deploy is seen first while its verdict is still "ok" (none is
	// suspect in its first minutes), so turning suspect is news once.
	seen := map[string]bool{}
	for _, d := range o.Deploys {
		key := keySuspect + strconv.FormatInt(d.Deployment.ID, 10)
		seen[key] = true
		v := "ok"
		if d.Suspect {
			v = "suspect"
		}
		observe(key, v, 0, func(from, to string, h Held) slo.Event {
			if to != "suspect" {
				return slo.Event{}
			}
			return suspectEvent(o, d)
		})
	}
	for key := range next.Values {
		if strings.HasPrefix(key, keySuspect) && !seen[key] {
			delete(next.Values, key) // past the attribution's two days
		}
	}
	events = slices.DeleteFunc(events, func(e slo.Event) bool { return e.ID == "" })
	for _, ov := range o.Overrides {
		next.Overrides[ov.ID] = ov.ExpiresAt
	}
	for id, expires := range prev.Overrides {
		if _, active := next.Overrides[id]; !active && !o.At.Before(expires) {
			events = append(events, OverrideEvent(slo.EventOverrideExpired, slo.Override{ID: id, Service: o.Service, ExpiresAt: expires}))
		}
	}
	return next, events
}

// step moves one held value to what was observed at at. It returns the
// state before the notification when one is due.
func step(h Held, value string, at time.Time, hold time.Duration) (Held, *Held) {
	switch {
	case value == h.Notified && h.Pending == "":
		return h, nil
	case value == h.Notified:
		// Flipped back within the hold: nothing to say yet.
		h.Pending, h.Changed = "", at
		h.Flips++
		return h, nil
	case value != h.Pending:
		h.Pending, h.Changed = value, at
		h.Flips++
	}
	if at.Sub(h.Changed) < hold {
		return h, nil
	}
	before := h
	return Held{Notified: value, Since: h.Changed}, &before
}

// level is the highest threshold consumed has reached, 0 below all.
func level(consumed float64, thresholds []float64) float64 {
	var l float64
	for _, t := range thresholds {
		if consumed >= t && t > l {
			l = t
		}
	}
	return l
}

// eventID is stable for one change: the same service, key, values and
// start give the same ID after a restart.
func eventID(t slo.EventType, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(append([]string{string(t)}, parts...), "\x00")))
	return string(t) + ":" + hex.EncodeToString(h[:10])
}

func ts(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func details(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain values are passed; this cannot happen.
		panic(fmt.Sprintf("notify: encode details: %v", err))
	}
	return b
}

// reasonView is a reason as event details carry it.
type reasonView struct {
	SLO      string `json:"slo,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Decision string `json:"decision"`
}

func decisionEvent(o Observation, from, to string, h Held) slo.Event {
	sev := slo.SeverityInfo
	switch slo.Decision(to) {
	case slo.Deny:
		sev = slo.SeverityCritical
	case slo.Warn:
		sev = slo.SeverityWarning
	}
	reasons := make([]reasonView, 0, len(o.Reasons))
	var worst []string
	for _, r := range o.Reasons {
		reasons = append(reasons, reasonView{r.SLO, r.Code, r.Message, string(r.Decision)})
		if r.Decision == slo.Decision(to) && r.Decision != slo.Allow {
			m := r.Message
			if r.SLO != "" {
				m = r.SLO + ": " + m
			}
			worst = append(worst, m)
		}
	}
	summary := fmt.Sprintf("%s: normal deploys %s (was %s)", o.Service, verb(slo.Decision(to)), from)
	if len(worst) > 0 {
		summary += ": " + strings.Join(worst, "; ")
	}
	changed := h.Changed
	if changed.IsZero() {
		changed = o.At
	}
	return slo.Event{
		ID: eventID(slo.EventDecisionChanged, o.Service, from, to, ts(changed)), Type: slo.EventDecisionChanged,
		Service: o.Service, At: o.At, Severity: sev, Summary: summary,
		Details: details(map[string]any{"from": from, "to": to, "changed_at": changed, "flips": h.Flips, "reasons": reasons}),
	}
}

func verb(d slo.Decision) string {
	switch d {
	case slo.Deny:
		return "are denied"
	case slo.Warn:
		return "are allowed with warnings"
	}
	return "are allowed"
}

func budgetEvent(o Observation, s SLOObservation, from, to string, h Held) slo.Event {
	f, _ := strconv.ParseFloat(from, 64)
	t, _ := strconv.ParseFloat(to, 64)
	d := map[string]any{"consumed": s.Consumed, "threshold": t, "previous_threshold": f}
	if t < f {
		return slo.Event{
			ID: eventID(slo.EventBudgetRecovered, o.Service, s.Slug, from, to, ts(o.At)), Type: slo.EventBudgetRecovered,
			Service: o.Service, SLO: s.Slug, At: o.At, Severity: slo.SeverityInfo,
			Summary: fmt.Sprintf("%s/%s: error budget back below %s consumed (now %s)", o.Service, s.Name, pct(f), pct(s.Consumed)),
			Details: details(d),
		}
	}
	sev := severityOfLevel(t, s.Thresholds)
	return slo.Event{
		ID: eventID(slo.EventBudgetThreshold, o.Service, s.Slug, from, to, ts(o.At)), Type: slo.EventBudgetThreshold,
		Service: o.Service, SLO: s.Slug, At: o.At, Severity: sev,
		Summary: fmt.Sprintf("%s/%s: %s of the error budget consumed (crossed %s)", o.Service, s.Name, pct(s.Consumed), pct(t)),
		Details: details(d),
	}
}

// severityOfLevel ranks a crossed threshold on the policy's ladder: the
// highest (100% by default) is critical, the one below it (75%) a
// warning, the rest (50%) information.
func severityOfLevel(t float64, thresholds []float64) slo.Severity {
	s := slices.Clone(thresholds)
	slices.Sort(s)
	slices.Reverse(s)
	switch i := slices.Index(s, t); {
	case i == 0 || t >= 1:
		return slo.SeverityCritical
	case i == 1:
		return slo.SeverityWarning
	}
	return slo.SeverityInfo
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

func alertEvent(o Observation, s SLOObservation, sev burnrate.Severity, to string, h Held) slo.Event {
	typ, severity := slo.EventAlertEnded, slo.SeverityInfo
	summary := fmt.Sprintf("%s/%s: %s burn-rate alert ended", o.Service, s.Name, sev)
	if to == "firing" {
		typ, severity = slo.EventAlertStarted, slo.SeverityWarning
		if sev == burnrate.SeverityPage {
			severity = slo.SeverityCritical
		}
		summary = fmt.Sprintf("%s/%s: %s burn-rate alert firing (%s of the budget consumed)", o.Service, s.Name, sev, pct(s.Consumed))
	}
	return slo.Event{
		ID: eventID(typ, o.Service, s.Slug, string(sev), ts(o.At)), Type: typ,
		Service: o.Service, SLO: s.Slug, At: o.At, Severity: severity, Summary: summary,
		Details: details(map[string]any{"alert": string(sev), "consumed": s.Consumed, "since": h.Since}),
	}
}

func dataEvent(o Observation, to string, h Held) slo.Event {
	if to == "expired" {
		return slo.Event{
			ID: eventID(slo.EventDataStale, o.Service, ts(o.At)), Type: slo.EventDataStale,
			Service: o.Service, At: o.At, Severity: slo.SeverityCritical,
			Summary: fmt.Sprintf("%s: slod has had no trustworthy numbers for longer than max_staleness; on_missing_data decides deploys", o.Service),
			Details: details(map[string]any{"since": h.Since}),
		}
	}
	return slo.Event{
		ID: eventID(slo.EventDataRecovered, o.Service, ts(o.At)), Type: slo.EventDataRecovered,
		Service: o.Service, At: o.At, Severity: slo.SeverityInfo,
		Summary: fmt.Sprintf("%s: slod measures again", o.Service),
		Details: details(map[string]any{"since": h.Since}),
	}
}

// OverrideEvent is the event of an override created, revoked or expired;
// its ID is the override's, so each happens once.
func OverrideEvent(t slo.EventType, o slo.Override) slo.Event {
	e := slo.Event{ID: eventID(t, strconv.FormatInt(o.ID, 10)), Type: t, Service: o.Service}
	d := map[string]any{"override_id": o.ID, "reason": o.Reason, "actor": o.Actor, "expires_at": o.ExpiresAt}
	switch t {
	case slo.EventOverrideCreated:
		e.At, e.Severity = o.CreatedAt, slo.SeverityWarning
		e.Summary = fmt.Sprintf("%s: %s bypassed the gate until %s: %s", o.Service, o.Actor, o.ExpiresAt.UTC().Format(time.RFC3339), o.Reason)
	case slo.EventOverrideRevoked:
		e.At, e.Severity = *o.RevokedAt, slo.SeverityInfo
		e.Summary = fmt.Sprintf("%s: override %d revoked by %s; the gate judges deploys again", o.Service, o.ID, o.RevokedBy)
		d["revoked_by"] = o.RevokedBy
	default:
		e.At, e.Severity = o.ExpiresAt, slo.SeverityInfo
		e.Summary = fmt.Sprintf("%s: override %d expired; the gate judges deploys again", o.Service, o.ID)
		delete(d, "reason")
		delete(d, "actor")
	}
	e.Details = details(d)
	return e
}

// suspectEvent says a deploy made an SLO burn faster than before it.
func suspectEvent(o Observation, a slo.Attribution) slo.Event {
	service, d := o.Service, a.Deployment
	var slos []string
	for _, s := range a.SLOs {
		if s.Suspect {
			slos = append(slos, s.SLO)
		}
	}
	return slo.Event{
		ID: eventID(slo.EventSuspectDeploy, service, strconv.FormatInt(d.ID, 10)), Type: slo.EventSuspectDeploy,
		Service: service, At: o.At, Severity: slo.SeverityCritical,
		Summary: fmt.Sprintf("%s: deploy %s (%s) is suspect: %s burn faster since it; consider a rollback",
			service, d.Version, d.At.UTC().Format(time.RFC3339), strings.Join(slos, ", ")),
		Details: details(map[string]any{"deployment_id": d.ID, "version": d.Version, "actor": d.Actor, "at": d.At, "slos": slos}),
	}
}

// CorrectionEvent says a correction now takes a span out of a service's
// budgets.
func CorrectionEvent(c slo.Correction) slo.Event {
	which := "every SLO"
	if len(c.SLOs) > 0 {
		which = strings.Join(c.SLOs, ", ")
	}
	return slo.Event{
		ID: eventID(slo.EventCorrectionCreate, strconv.FormatInt(c.ID, 10)), Type: slo.EventCorrectionCreate,
		Service: c.Service, At: c.CreatedAt, Severity: slo.SeverityWarning,
		Summary: fmt.Sprintf("%s: %s excluded %s..%s from %s: %s", c.Service, c.Actor,
			c.From.UTC().Format(time.RFC3339), c.To.UTC().Format(time.RFC3339), which, c.Reason),
		Details: details(map[string]any{"correction_id": c.ID, "from": c.From, "to": c.To, "slos": c.SLOs, "reason": c.Reason, "actor": c.Actor}),
	}
}

// DecisionOf reads the gate decision a saved state last notified (its
// baseline included) and since when; empty when there is none.
func DecisionOf(data []byte) (slo.Decision, time.Time) {
	var s State
	if json.Unmarshal(data, &s) != nil {
		return "", time.Time{}
	}
	h := s.Values[keyDecision]
	return slo.Decision(h.Notified), h.Since
}
