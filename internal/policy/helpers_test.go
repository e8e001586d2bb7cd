package policy

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

const (
	normal   = slo.PriorityNormal
	critical = slo.PriorityCritical
	rollback = slo.PriorityRollback
)

var now = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)

// measuredAt is when fresh test statuses were measured: a minute ago.
var measuredAt = now.Add(-time.Minute)

// defaultPolicy is the policy block docs/design.md lists as the defaults.
func defaultPolicy() slo.Policy {
	urgent := []slo.Priority{critical, rollback}
	return slo.Policy{
		Thresholds: []slo.Threshold{
			{Consumed: 1, Action: "freeze_releases", Allow: urgent},
			{Consumed: 0.75, Action: "limit_releases", Allow: urgent},
			{Consumed: 0.5, Action: "increase_monitoring"},
		},
		BlockOnFastBurn: true,
		OnMissingData:   slo.OnMissingDeny,
		MaxStaleness:    10 * time.Minute,
		NoSeriesGrace:   10 * time.Minute,
		MinEvents:       100,
	}
}

// measured is an SLO over a 30d window, measured a minute ago, that has used
// consumed of its budget.
func measured(name string, consumed float64) slo.Status {
	status := slo.StatusOK
	if consumed >= 1 {
		status = slo.StatusExhausted
	}
	return slo.Status{
		Name:        name,
		Window:      "30d",
		Budget:      slo.Budget{Status: status, Consumed: consumed, Remaining: 1 - consumed},
		EvaluatedAt: measuredAt,
	}
}

// withConditions returns s with the given alert conditions.
func withConditions(s slo.Status, cs ...burnrate.Condition) slo.Status {
	s.Conditions = cs
	return s
}

// page1h is the 30d window's first page condition: 14.4x over 1h and 5m.
func page1h(long, short float64) burnrate.Condition {
	return condition(burnrate.SeverityPage, time.Hour, 14.4, long, short)
}

// ticket1d is the 30d window's first ticket condition: 3x over 1d and 2h.
func ticket1d(long, short float64) burnrate.Condition {
	return condition(burnrate.SeverityTicket, 24*time.Hour, 3, long, short)
}

func condition(severity burnrate.Severity, long time.Duration, factor, longBurn, shortBurn float64) burnrate.Condition {
	return burnrate.Condition{
		Window:    burnrate.Window{Severity: severity, Long: long, Short: long / 12, Factor: factor},
		LongBurn:  longBurn,
		ShortBurn: shortBurn,
		Firing:    longBurn > factor && shortBurn > factor,
	}
}

// input asks about the given SLOs at now.
func input(p slo.Priority, slos ...slo.Status) Input {
	return Input{
		Service:  "checkout",
		Policy:   defaultPolicy(),
		Priority: p,
		SLOs:     slos,
		Now:      now,
	}
}

// summary writes reasons as "slo:code:decision", the parts tests compare.
func summary(rs []slo.Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s:%s:%s", r.SLO, r.Code, r.Decision))
	}
	return out
}

// expect checks the parts of a Result every test cares about.
func expect(t *testing.T, got Result, decision slo.Decision, stale bool, reasons, actions []string) {
	t.Helper()
	if got.Decision != decision || got.Allowed != (decision != slo.Deny) {
		t.Errorf("decision = %s (allowed %v), want %s", got.Decision, got.Allowed, decision)
	}
	if got.Stale != stale {
		t.Errorf("stale = %v, want %v", got.Stale, stale)
	}
	if s := summary(got.Reasons); !slices.Equal(s, reasons) {
		t.Errorf("reasons = %q, want %q", s, reasons)
	}
	if got.Actions == nil || !slices.Equal(got.Actions, actions) {
		t.Errorf("actions = %#v, want %q", got.Actions, actions)
	}
}

// message returns the message of the first reason with code, or fails.
func message(t *testing.T, r Result, code string) string {
	t.Helper()
	for _, x := range r.Reasons {
		if x.Code == code {
			return x.Message
		}
	}
	t.Fatalf("no %s reason in %q", code, summary(r.Reasons))
	return ""
}
