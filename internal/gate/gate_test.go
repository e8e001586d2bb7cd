package gate

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

var t0 = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)

// snapshots is a settable snapshot source.
type snapshots struct {
	p atomic.Pointer[engine.Snapshot]
}

func (s *snapshots) Snapshot() *engine.Snapshot { return s.p.Load() }

// checkout is one 30d SLO at 99.9% that has used consumed of its budget,
// measured at measuredAt; max_staleness is 10m.
func checkout(consumed float64, measuredAt time.Time) *engine.Snapshot {
	p := slo.DefaultPolicy()
	status := slo.StatusOK
	if consumed >= 1 {
		status = slo.StatusExhausted
	}
	o := slo.SLO{Name: "availability", Slug: "availability", Target: 0.999, Window: 30 * 24 * time.Hour}
	st := engine.ServiceState{
		Spec: slo.Spec{Service: "checkout", Policy: p, SLOs: []slo.SLO{o}},
		SLOs: []slo.Status{{Name: o.Name, Slug: o.Slug, Target: o.Target, Window: "30d", EvaluatedAt: measuredAt,
			Budget: slo.Budget{Status: status, Consumed: consumed, Remaining: 1 - consumed}}},
	}
	return &engine.Snapshot{Ready: true, Services: map[string]engine.ServiceState{"checkout": st}}
}

type fixture struct {
	gate  *Gate
	snaps *snapshots
	store *store.Store
	now   time.Time
}

func newFixture(t *testing.T, snap *engine.Snapshot) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "slod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{snaps: &snapshots{}, store: st, now: t0}
	f.snaps.p.Store(snap)
	f.gate = New(f.snaps, st, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Clock: func() time.Time { return f.now }})
	if err := f.gate.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) check(t *testing.T) *Answer {
	t.Helper()
	a, err := f.gate.Check("checkout", slo.PriorityNormal)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The cached answer is reused exactly while nothing that decides it has
// changed, and replaced as soon as something has.
func TestCheckReusesAnswerUntilSomethingChanges(t *testing.T) {
	f := newFixture(t, checkout(1.42, t0.Add(-time.Minute)))
	first := f.check(t)
	if first.Result.Decision != slo.Deny {
		t.Fatalf("142%% consumed: %s, want deny", first.Result.Decision)
	}
	f.now = t0.Add(30 * time.Second)
	if f.check(t) != first {
		t.Error("nothing changed, yet the answer was recomputed")
	}

	// The fresh numbers pass max_staleness (10m after t0-1m) at t0+9m.
	f.now = t0.Add(9 * time.Minute)
	if f.check(t) != first {
		t.Error("numbers exactly max_staleness old are still fresh: the answer should be reused")
	}
	f.now = t0.Add(9*time.Minute + time.Second)
	late := f.check(t)
	if late == first || !late.Result.Stale || !hasCode(late.Result, slo.CodeStaleData) {
		t.Errorf("past max_staleness: reused=%v stale=%v %v, want a new stale answer", late == first, late.Result.Stale, late.Result.Reasons)
	}
	// Answers on numbers that are not fresh name their age: never reused.
	if f.check(t) == late {
		t.Error("an answer with a stale_data age was reused")
	}

	// A new snapshot replaces the answer.
	f.now = t0
	f.snaps.p.Store(checkout(0.1, t0))
	if a := f.check(t); a == first || a.Result.Decision != slo.Allow {
		t.Errorf("after a new snapshot: reused=%v %s, want a new allow", a == first, a.Result.Decision)
	}
}

// An override changes the answer at once and stops doing so when it
// expires or is revoked, without any read of the store.
func TestOverrideLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, checkout(1.42, t0))
	o, err := f.gate.CreateOverride(ctx, "checkout", OverrideRequest{Reason: "INC-1 hotfix", Actor: "alice", Duration: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.ExpiresAt.Equal(t0.Add(time.Hour)) || o.Service != "checkout" {
		t.Errorf("override = %+v, want checkout until %v", o, t0.Add(time.Hour))
	}
	if a := f.check(t); a.Result.Decision != slo.Allow || a.Result.Override == nil || a.Result.Override.ID != o.ID {
		t.Fatalf("with an active override: %s %+v, want allow naming override %d", a.Result.Decision, a.Result.Override, o.ID)
	}
	active, err := f.gate.Overrides(ctx, "checkout", true)
	if err != nil || len(active) != 1 {
		t.Fatalf("active overrides = %v, %v; want 1", active, err)
	}

	// It expires at t0+1h: still allowed a moment before, denied at.
	f.now = t0.Add(time.Hour - time.Second)
	f.snaps.p.Store(checkout(1.42, f.now))
	if a := f.check(t); a.Result.Decision != slo.Allow {
		t.Errorf("a second before expiry: %s, want allow", a.Result.Decision)
	}
	f.now = t0.Add(time.Hour)
	if a := f.check(t); a.Result.Decision != slo.Deny || a.Result.Override != nil {
		t.Errorf("at expiry: %s override %+v, want deny without override", a.Result.Decision, a.Result.Override)
	}

	// A revoked override stops at once.
	f.now = t0
	f.snaps.p.Store(checkout(1.42, t0))
	o2, err := f.gate.CreateOverride(ctx, "checkout", OverrideRequest{Reason: "INC-2", Actor: "bob", Duration: "2h"})
	if err != nil {
		t.Fatal(err)
	}
	if f.check(t).Result.Decision != slo.Allow {
		t.Fatal("second override does not allow")
	}
	revoked, err := f.gate.RevokeOverride(ctx, "checkout", o2.ID, "carol")
	if err != nil || revoked.RevokedBy != "carol" {
		t.Fatalf("revoke = %+v, %v", revoked, err)
	}
	if a := f.check(t); a.Result.Decision != slo.Allow || a.Result.Override.ID != o.ID {
		t.Errorf("after revoking the second override the first (id %d) still governs: got %s %+v", o.ID, a.Result.Decision, a.Result.Override)
	}
	if _, err := f.gate.RevokeOverride(ctx, "checkout", o.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	if a := f.check(t); a.Result.Decision != slo.Deny {
		t.Errorf("after revoking both: %s, want deny", a.Result.Decision)
	}
	if _, err := f.gate.RevokeOverride(ctx, "checkout", o.ID, "carol"); !errors.Is(err, ErrAlreadyRevoked) {
		t.Errorf("revoking twice: %v, want ErrAlreadyRevoked", err)
	}
	if _, err := f.gate.RevokeOverride(ctx, "checkout", 999, "carol"); !errors.Is(err, ErrUnknownOverride) {
		t.Errorf("revoking an unknown id: %v, want ErrUnknownOverride", err)
	}

	// A new gate on the same store sees only what is still active.
	g2 := New(f.snaps, f.store, f.gate.log, Options{Clock: func() time.Time { return t0 }})
	if err := g2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if a, _ := g2.Check("checkout", slo.PriorityNormal); a.Result.Decision != slo.Deny {
		t.Errorf("a restarted gate allows a revoked override: %s", a.Result.Decision)
	}
}

func TestCreateOverrideRules(t *testing.T) {
	f := newFixture(t, checkout(0.1, t0))
	long := string(make([]byte, MaxFieldLen+1))
	in := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	tests := []struct {
		name  string
		req   OverrideRequest
		field string
	}{
		{"no reason", OverrideRequest{Actor: "a", Duration: "1h"}, "reason"},
		{"blank reason", OverrideRequest{Reason: "  ", Actor: "a", Duration: "1h"}, "reason"},
		{"no actor", OverrideRequest{Reason: "r", Duration: "1h"}, "actor"},
		{"reason too long", OverrideRequest{Reason: long, Actor: "a", Duration: "1h"}, "reason"},
		{"both duration and expiry", OverrideRequest{Reason: "r", Actor: "a", Duration: "1h", ExpiresAt: in(time.Hour)}, "duration"},
		{"neither", OverrideRequest{Reason: "r", Actor: "a"}, "duration"},
		{"bad duration", OverrideRequest{Reason: "r", Actor: "a", Duration: "soon"}, "duration"},
		{"negative duration", OverrideRequest{Reason: "r", Actor: "a", Duration: "-1h"}, "duration"},
		{"expired already", OverrideRequest{Reason: "r", Actor: "a", ExpiresAt: in(0)}, "expires_at"},
		{"longer than 7d", OverrideRequest{Reason: "r", Actor: "a", Duration: "7d1m"}, "duration"},
	}
	for _, tt := range tests {
		_, err := f.gate.CreateOverride(context.Background(), "checkout", tt.req)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: err = %v, want a field error on %s", tt.name, err, tt.field)
		}
	}
	// Exactly 7d is allowed, and nothing invalid was stored.
	if _, err := f.gate.CreateOverride(context.Background(), "checkout", OverrideRequest{Reason: "r", Actor: "a", Duration: "7d"}); err != nil {
		t.Errorf("7d: %v", err)
	}
	all, err := f.store.Overrides(context.Background(), "checkout", nil)
	if err != nil || len(all) != 1 {
		t.Errorf("stored overrides = %d, %v; want only the valid one", len(all), err)
	}
	if _, err := f.gate.CreateOverride(context.Background(), "nope", OverrideRequest{Reason: "r", Actor: "a", Duration: "1h"}); !errors.Is(err, ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
}

// refusing is a store whose decision log refuses writes, as on a full disk.
type refusing struct{ *store.Store }

func (refusing) RecordDecision(context.Context, slo.DecisionRecord) (int64, error) {
	return 0, errors.New("database or disk is full")
}

func TestCheckAuditedWritesBeforeAnswering(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, checkout(1.42, t0))
	a, id, err := f.gate.CheckAudited(ctx, "checkout", CheckRequest{Priority: slo.PriorityCritical, Version: "v1.2.3", Actor: "ci", Pipeline: "https://ci/1", RequestID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.store.Decisions(ctx, slo.DecisionQuery{Service: "checkout"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("decision log = %v, %v; want 1 entry", ds, err)
	}
	d := ds[0]
	if d.ID != id || d.Version != "v1.2.3" || d.Actor != "ci" || d.Priority != slo.PriorityCritical || d.Decision != a.Result.Decision || d.Decision != slo.Warn {
		t.Errorf("logged %+v, want id %d, v1.2.3 by ci, critical, warn", d, id)
	}

	g := New(f.snaps, refusing{f.store}, f.gate.log, Options{Clock: func() time.Time { return t0 }})
	if _, _, err := g.CheckAudited(ctx, "checkout", CheckRequest{Priority: slo.PriorityNormal}); !errors.Is(err, ErrNotAudited) {
		t.Errorf("refused write: err = %v, want ErrNotAudited", err)
	}
	var fe *FieldError
	if _, _, err := f.gate.CheckAudited(ctx, "checkout", CheckRequest{Priority: slo.PriorityNormal, Version: string(make([]byte, MaxFieldLen+1))}); !errors.As(err, &fe) || fe.Field != "version" {
		t.Errorf("long version: err = %v, want a field error on version", err)
	}
}

func hasCode(r policy.Result, code string) bool {
	for _, x := range r.Reasons {
		if x.Code == code {
			return true
		}
	}
	return false
}

// stalled is a store whose writes wait until their context ends, as on a
// database another process holds locked.
type stalled struct{ *store.Store }

func (stalled) RecordDecision(ctx context.Context, _ slo.DecisionRecord) (int64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// A stalled write gives up at the gate's write deadline and is not
// answered as audited; the request's own context has no deadline.
func TestCheckAuditedGivesUpOnAStalledStore(t *testing.T) {
	f := newFixture(t, checkout(0.1, t0))
	g := New(f.snaps, stalled{f.store}, f.gate.log, Options{Clock: func() time.Time { return t0 }, WriteTimeout: 50 * time.Millisecond})
	_, _, err := g.CheckAudited(context.Background(), "checkout", CheckRequest{Priority: slo.PriorityNormal})
	if !errors.Is(err, ErrNotAudited) || !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		t.Errorf("err = %v, want ErrNotAudited after the write deadline", err)
	}
}
