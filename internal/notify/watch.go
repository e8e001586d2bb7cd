package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
)

// Snapshots gives the engine's current snapshot.
type Snapshots interface {
	Snapshot() *engine.Snapshot
}

// Gate answers deploys and lists active overrides from memory
// (internal/gate.Gate).
type Gate interface {
	Check(service string, p slo.Priority) (*gate.Answer, error)
	Overrides(ctx context.Context, service string, activeOnly bool) ([]slo.Override, error)
}

// StateStore keeps the detector's state with the events it found
// (internal/store.Store).
type StateStore interface {
	NotifyStates(ctx context.Context) (map[string][]byte, error)
	RecordNotifyState(ctx context.Context, states map[string][]byte, events []slo.Event) error
}

// Watcher detects events: every round it observes each service as the
// gate sees it (from memory, no I/O), runs Detect against the state it
// saved last, and writes the changed states and their events in one
// transaction of their own.
//
// Why not in the engine's evaluation write: a gate decision is made of
// the snapshot, the overrides and the clock (numbers age past
// max_staleness, overrides expire) and changes between evaluations, and
// the evaluation write goes through a write-behind queue per service.
// The state and the events committing together is what makes this
// exactly one event per change: a crash before the commit leaves the old
// state, and the next round finds the same change (same ID) again.
type Watcher struct {
	snaps   Snapshots
	gate    Gate
	store   StateStore
	hold    time.Duration
	log     *slog.Logger
	clock   func() time.Time
	written func()

	states map[string]State
	saved  map[string][]byte
}

// NewWatcher builds a watcher; written is called after events were
// written (the sender's Wake).
func NewWatcher(snaps Snapshots, g Gate, st StateStore, hold time.Duration, log *slog.Logger, clock func() time.Time, written func()) *Watcher {
	if clock == nil {
		clock = time.Now
	}
	return &Watcher{snaps: snaps, gate: g, store: st, hold: hold, log: log, clock: clock, written: written,
		states: map[string]State{}, saved: map[string][]byte{}}
}

// Load reads the saved state, so a restart does not report what was
// already reported.
func (w *Watcher) Load(ctx context.Context) error {
	saved, err := w.store.NotifyStates(ctx)
	if err != nil {
		return fmt.Errorf("notify: load state: %w", err)
	}
	for service, data := range saved {
		var s State
		if err := json.Unmarshal(data, &s); err != nil {
			w.log.Warn("ignoring unreadable notification state; the service starts a new baseline", "service", service, "err", err)
			continue
		}
		w.states[service], w.saved[service] = s, data
	}
	return nil
}

// Run observes every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		w.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once runs one round. When the store refuses the write, nothing
// advances: the next round finds the same events again.
func (w *Watcher) Once(ctx context.Context) {
	snap := w.snaps.Snapshot()
	if !snap.Ready {
		return
	}
	now := w.clock()
	next := map[string]State{}
	changed := map[string][]byte{}
	var events []slo.Event
	for _, name := range snap.Names() {
		a, err := w.gate.Check(name, slo.PriorityNormal)
		if err != nil {
			continue
		}
		overrides, err := w.gate.Overrides(ctx, name, true)
		if err != nil {
			continue
		}
		s, evs := Detect(w.states[name], Observe(a, overrides, now), w.hold)
		data, err := json.Marshal(s)
		if err != nil {
			w.log.Error("encode notification state", "service", name, "err", err)
			continue
		}
		next[name] = s
		if !bytes.Equal(data, w.saved[name]) {
			changed[name] = data
		}
		events = append(events, evs...)
	}
	if len(changed) == 0 {
		return
	}
	if err := w.store.RecordNotifyState(ctx, changed, events); err != nil {
		w.log.Error("writing notifications failed; retrying next round", "events", len(events), "err", err)
		return
	}
	for name, data := range changed {
		w.states[name], w.saved[name] = next[name], data
	}
	if len(events) > 0 && w.written != nil {
		w.written()
	}
}

// Observe is what Detect compares for one service: the gate's answer to
// a normal deploy now, and each SLO's numbers as the gate judges them.
func Observe(a *gate.Answer, overrides []slo.Override, now time.Time) Observation {
	st := a.State
	o := Observation{Service: st.Spec.Service, At: now, Overrides: overrides,
		Decision: a.Result.Decision, Reasons: a.Result.Reasons, Deploys: st.Deploys}
	thresholds := make([]float64, len(st.Spec.Policy.Thresholds))
	for i, t := range st.Spec.Policy.Thresholds {
		thresholds[i] = t.Consumed
	}
	for _, s := range st.SLOs {
		f := s.FreshnessAt(st.Spec.Policy, now)
		so := SLOObservation{
			Slug: s.Slug, Name: s.Name, Consumed: s.Budget.Consumed, Thresholds: thresholds,
			Judged:  (f == slo.Fresh || f == slo.Stale) && s.Budget.Status != slo.StatusNoData,
			Expired: f == slo.Expired,
			Firing:  map[burnrate.Severity]bool{},
		}
		for _, c := range s.Conditions {
			so.Firing[c.Severity] = so.Firing[c.Severity] || c.Firing
		}
		o.SLOs = append(o.SLOs, so)
	}
	return o
}
