// Package gate answers "may this service ship now": it joins the engine's
// snapshot with the active overrides, asks the policy, writes audited
// checks to the decision log, and owns the rules for creating and revoking
// overrides. Reads come from memory: active overrides are cached and
// refreshed on every write, and a decision is reused until the snapshot,
// the overrides or the clock could change it.
package gate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
)

// Snapshots gives the current evaluation snapshot (internal/engine.Engine).
type Snapshots interface {
	Snapshot() *engine.Snapshot
}

// Store is the persistence the gate needs (internal/store.Store).
type Store interface {
	RecordDecision(ctx context.Context, d slo.DecisionRecord) (int64, error)
	Decisions(ctx context.Context, q slo.DecisionQuery) ([]slo.DecisionRecord, error)
	CreateOverride(ctx context.Context, o slo.Override) (slo.Override, error)
	Overrides(ctx context.Context, service string, activeAt *time.Time) ([]slo.Override, error)
	RevokeOverride(ctx context.Context, id int64, by string, at time.Time) (slo.Override, error)
}

// Options tune the gate.
type Options struct {
	// MaxOverride is the longest override that may be created (default 7d).
	MaxOverride time.Duration
	// Clock returns now; time.Now when nil.
	Clock func() time.Time
	// WriteTimeout bounds each write to the store (default 3s): a locked
	// database answers 503 in time for sloctl (10s budget) to retry,
	// instead of holding the pipeline until its own timeout.
	WriteTimeout time.Duration
	// SharedStore: other replicas write overrides to the same store, so
	// an audited check reads the service's active overrides from it
	// rather than from this replica's cache (refreshed every few
	// seconds by Refresh): an audited decision never misses an override
	// created or revoked elsewhere.
	SharedStore bool
}

// ErrUnknownService: no service of that name is configured.
var ErrUnknownService = errors.New("unknown service")

// Gate decides deploys. It is safe for concurrent use.
type Gate struct {
	snaps Snapshots
	store Store
	log   *slog.Logger
	opts  Options

	// overrides holds the active overrides by service; replaced whole
	// after every write, so readers never lock.
	overrides atomic.Pointer[overrideSet]
	// writeMu serialises override writes with the cache updates after
	// them, so no update is lost.
	writeMu sync.Mutex

	// answers caches decisions by service and priority.
	answers sync.Map // key -> *Answer
}

// overrideSet is one immutable generation of the active overrides.
type overrideSet struct {
	byService map[string][]slo.Override
}

type key struct {
	service  string
	priority slo.Priority
}

// Answer is one decision and what it was made from. It is immutable and
// may be shared between requests.
type Answer struct {
	State  engine.ServiceState
	Result policy.Result
	// At is the instant the decision was made for.
	At time.Time

	// Valid while the snapshot and override generation are these and the
	// clock is before until; a zero until is never reused.
	snap      *engine.Snapshot
	overrides *overrideSet
	until     time.Time
}

// New builds a gate. Call Refresh before serving so overrides are known.
func New(snaps Snapshots, st Store, log *slog.Logger, opts Options) *Gate {
	if opts.MaxOverride <= 0 {
		opts.MaxOverride = 7 * 24 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 3 * time.Second
	}
	g := &Gate{snaps: snaps, store: st, log: log, opts: opts}
	g.overrides.Store(&overrideSet{byService: map[string][]slo.Override{}})
	return g
}

// Now is the gate's clock.
func (g *Gate) Now() time.Time { return g.opts.Clock() }

// Refresh loads the active overrides from the store; the gate keeps them
// current itself after every write it makes.
func (g *Gate) Refresh(ctx context.Context) error {
	g.writeMu.Lock()
	defer g.writeMu.Unlock()
	now := g.opts.Clock()
	os, err := g.store.Overrides(ctx, "", &now)
	if err != nil {
		return fmt.Errorf("load active overrides: %w", err)
	}
	set := &overrideSet{byService: map[string][]slo.Override{}}
	for _, o := range os {
		set.byService[o.Service] = append(set.byService[o.Service], o)
	}
	g.overrides.Store(set)
	return nil
}

// Check decides a deploy of service at priority p now, without auditing
// it. It does no I/O.
func (g *Gate) Check(service string, p slo.Priority) (*Answer, error) {
	now := g.opts.Clock()
	snap := g.snaps.Snapshot()
	st, ok := snap.Services[service]
	if !ok {
		return nil, ErrUnknownService
	}
	set := g.overrides.Load()
	k := key{service, p}
	if v, ok := g.answers.Load(k); ok {
		if a := v.(*Answer); a.snap == snap && a.overrides == set && now.Before(a.until) {
			return a, nil
		}
	}
	a := decide(st, p, set.byService[service], now)
	a.snap, a.overrides = snap, set
	g.answers.Store(k, a)
	return a, nil
}

// decide runs the policy and works out how long its answer holds.
func decide(st engine.ServiceState, p slo.Priority, overrides []slo.Override, now time.Time) *Answer {
	in := st.GateInput(p, overrides, now)
	return &Answer{State: st, Result: policy.Decide(in), At: now, until: validUntil(in)}
}

// validUntil is when the decision for in could next change with the clock
// alone: when fresh numbers pass max_staleness, an override expires, or
// the block after a suspect deploy ends.
// Answers judged on numbers that are not fresh carry ages in their
// messages and are never reused.
func validUntil(in policy.Input) time.Time {
	var until time.Time
	earliest := func(t time.Time) {
		if until.IsZero() || t.Before(until) {
			until = t
		}
	}
	for _, s := range in.SLOs {
		if s.FreshnessAt(in.Policy, in.Now) != slo.Fresh {
			return time.Time{}
		}
		// FreshnessAt trusts an age of exactly max_staleness.
		earliest(s.EvaluatedAt.Add(in.Policy.MaxStaleness + time.Nanosecond))
	}
	for _, o := range in.Overrides {
		if o.ActiveAt(in.Now) {
			earliest(o.ExpiresAt)
		}
	}
	if _, end := policy.SuspectBlockUntil(in.Policy, in.Deploys); end.After(in.Now) {
		earliest(end)
	}
	return until
}
