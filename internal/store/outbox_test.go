package store

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// An override's events commit with it, and an event the outbox refuses
// takes the override with it: never one without the other.
func TestOverrideEventsInItsTransaction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		ctx := context.Background()
		at := time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)
		id := "override.created:1"
		s.SetOverrideEvents(func(action string, o slo.Override) []slo.Event {
			return []slo.Event{{ID: id, Type: slo.EventOverrideCreated, Service: o.Service, At: o.CreatedAt, Severity: slo.SeverityWarning, Summary: action}}
		})
		o := slo.Override{Service: "checkout", Reason: "hotfix", Actor: "ann", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
		if _, err := s.CreateOverride(ctx, o); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, "checkout", at, at.Add(time.Second))
		if err != nil || len(evs) != 1 || evs[0].ID != id || evs[0].Summary != AuditOverrideCreate {
			t.Fatalf("events %+v (%v), want the override's", evs, err)
		}

		// An empty ID breaks the outbox's CHECK: the override is not stored.
		id = ""
		if _, err := s.CreateOverride(ctx, o); err == nil {
			t.Fatal("an override whose event the outbox refused was created")
		}
		os, err := s.Overrides(ctx, "checkout", nil)
		if err != nil || len(os) != 1 {
			t.Fatalf("overrides %+v (%v), want only the first", os, err)
		}
	})
}

// The same event enqueued twice (a change detected again after a restart)
// is kept once.
func TestRecordNotifyStateDedupes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		ctx := context.Background()
		at := time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)
		ev := slo.Event{ID: "gate.decision_changed:x", Type: slo.EventDecisionChanged, Service: "checkout", At: at, Severity: slo.SeverityCritical}
		for range 2 {
			if err := s.RecordNotifyState(ctx, map[string][]byte{"checkout": []byte(`{"values":{}}`)}, []slo.Event{ev}); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.Events(ctx, "", at.Add(-time.Hour), at.Add(time.Hour))
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %+v (%v), want one", evs, err)
		}
		st, err := s.OutboxStats(ctx)
		if err != nil || st.Pending != 1 || !st.OldestPending.Equal(at) {
			t.Fatalf("stats %+v (%v), want one pending since %s", st, err, at)
		}
	})
}

// A correction's event commits with it and its audit row.
func TestCorrectionEventsInItsTransaction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		ctx := context.Background()
		at := time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)
		s.SetCorrectionEvents(func(c slo.Correction) []slo.Event {
			return []slo.Event{{ID: "correction.created:" + c.Reason, Type: slo.EventCorrectionCreate, Service: c.Service, At: c.CreatedAt, Severity: slo.SeverityWarning, Summary: c.Reason}}
		})
		c := slo.Correction{Service: "checkout", From: at.Add(-time.Hour), To: at, Reason: "drill", Actor: "ann", CreatedAt: at}
		if _, err := s.CreateCorrection(ctx, c); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, "checkout", at, at.Add(time.Second))
		if err != nil || len(evs) != 1 || evs[0].ID != "correction.created:drill" || evs[0].Type != slo.EventCorrectionCreate {
			t.Fatalf("events %+v (%v), want the correction's", evs, err)
		}
		// An event the outbox refuses (an empty id) takes the correction with it.
		c.Reason = ""
		s.SetCorrectionEvents(func(slo.Correction) []slo.Event {
			return []slo.Event{{Type: slo.EventCorrectionCreate, Service: "checkout", At: at}}
		})
		if _, err := s.CreateCorrection(ctx, c); err == nil {
			t.Fatal("a correction whose event the outbox refused was created")
		}
		if cs, err := s.Corrections(ctx, "checkout", nil); err != nil || len(cs) != 1 {
			t.Errorf("corrections %+v (%v), want only the first", cs, err)
		}
	})
}
