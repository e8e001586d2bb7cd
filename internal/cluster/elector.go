// Package cluster elects the one slod replica that evaluates. Replicas
// sharing a PostgreSQL store race for a lease row; its holder leads: it
// queries Prometheus, writes evaluations and the event ledger, sends
// notifications and prunes. The others follow: they serve the API from
// the shared snapshot. Every write of the leader is fenced in the store
// by the lease's token (store.Fence), so a leader that was paused past
// its lease and wakes up writes nothing, whatever it still believes.
//
// Why a lease row and not an advisory lock: an advisory lock lives on one
// connection, and the leader's writes go through others, so a write
// could not check in its own transaction that the lock is still held; a
// row with a token can be checked (and locked against a takeover) by any
// transaction. Expiry is judged by the database clock, so replicas'
// clocks do not matter.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/store"
)

// LeaseName is the lease the evaluator holds.
const LeaseName = "evaluator"

// Store holds the lease and the members (internal/store.Store).
type Store interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (store.Lease, error)
	ReleaseLease(ctx context.Context, name, holder string, token int64) error
	ReadLease(ctx context.Context, name string) (store.Lease, error)
	Heartbeat(ctx context.Context, m store.Member) (time.Time, error)
	Members(ctx context.Context) ([]store.Member, time.Time, error)
	ForgetMembers(ctx context.Context, d time.Duration) (int64, error)
}

// Options tune the elector.
type Options struct {
	// Lease is how long a term lasts unrenewed (default 15s); it is
	// renewed every third of it.
	Lease time.Duration
	// Clock returns now; time.Now when nil. Only durations are taken
	// from it (the local deadline of a term); expiry in the store is
	// judged by the database clock.
	Clock func() time.Time
	// Registerer receives the elector's metrics; none when nil.
	Registerer prometheus.Registerer
}

// Elector runs one replica's part in the election.
type Elector struct {
	st   Store
	self store.Member
	log  *slog.Logger
	opts Options

	// token is the fencing token of the term this replica leads; 0
	// when it leads none.
	token atomic.Int64
	// until is the local deadline of the term (unix nanoseconds of
	// Clock): the lease was last renewed by a request sent before
	// until-Lease, so the database's expiry is no earlier.
	until atomic.Int64

	mu      sync.Mutex
	contact time.Time // last answer from the store
	lastErr error

	leading prometheus.Gauge
	terms   prometheus.Counter
	errs    prometheus.Counter
}

// New builds an elector for the replica self (ID, URL, Version and
// StartedAt set by the caller).
func New(st Store, self store.Member, log *slog.Logger, opts Options) *Elector {
	if opts.Lease <= 0 {
		opts.Lease = 15 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	e := &Elector{st: st, self: self, log: log, opts: opts,
		leading: prometheus.NewGauge(prometheus.GaugeOpts{Name: metricnames.ClusterLeader, Help: "1 while this replica leads (holds the evaluator lease), else 0."}),
		terms:   prometheus.NewCounter(prometheus.CounterOpts{Name: metricnames.ClusterTerms, Help: "Terms this replica has led."}),
		errs:    prometheus.NewCounter(prometheus.CounterOpts{Name: metricnames.ClusterLeaseErrors, Help: "Lease requests to the database that failed."}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(e.leading, e.terms, e.errs)
	}
	return e
}

// Leader reports whether this replica leads now: it holds a term whose
// local deadline has not passed.
func (e *Elector) Leader() bool {
	return e.token.Load() != 0 && e.opts.Clock().UnixNano() < e.until.Load()
}

// Token is the fencing token of the term this replica leads, 0 if it
// leads none (store.Fence.Token).
func (e *Elector) Token() int64 {
	if !e.Leader() {
		return 0
	}
	return e.token.Load()
}

// Fence is the store fence of this replica's terms.
func (e *Elector) Fence() *store.Fence {
	return &store.Fence{Lease: LeaseName, Holder: e.self.ID, Token: e.Token}
}

// term is one spell of leading.
type term struct {
	token  int64
	cancel context.CancelFunc
	done   chan struct{}
}

// Run takes part in the election until ctx ends. Every third of the lease
// it reports the replica and asks for the lease. When it wins, lead runs
// with a context that ends when the term does: another replica holds the
// lease, or the local deadline passed without a renewal (the database is
// unreachable, or this process was paused). Run waits for lead to return
// before it may lead again, and at the end releases the lease so another
// replica need not wait for it to expire.
func (e *Elector) Run(ctx context.Context, lead func(context.Context)) {
	renew := e.opts.Lease / 3
	var cur *term
	defer func() {
		if cur == nil {
			return
		}
		e.end(cur, "shutting down")
		rctx, cancel := context.WithTimeout(context.Background(), renew)
		defer cancel()
		if err := e.st.ReleaseLease(rctx, LeaseName, e.self.ID, cur.token); err != nil {
			e.log.Warn("could not release the evaluator lease; another replica takes over when it expires", "err", err)
		}
	}()
	for {
		cur = e.round(ctx, cur, lead)
		select {
		case <-ctx.Done():
			return
		case <-time.After(renew):
		}
	}
}

// round asks for the lease, starts or ends a term by the answer, and
// reports the replica.
func (e *Elector) round(ctx context.Context, cur *term, lead func(context.Context)) *term {
	renew := e.opts.Lease / 3
	if cur != nil && ended(cur) {
		// The local deadline passed before a renewal came (watch).
		e.end(cur, "lease not renewed in time")
		cur = nil
	}
	cur = e.elect(ctx, cur, lead)
	hctx, cancel := context.WithTimeout(ctx, renew)
	defer cancel()
	if _, err := e.st.Heartbeat(hctx, e.self); err != nil && ctx.Err() == nil {
		e.log.Debug("cluster heartbeat failed", "err", err)
	}
	if e.Leader() {
		// Replicas gone for long are dropped from the listing, by the
		// leader alone.
		if _, err := e.st.ForgetMembers(hctx, 20*e.opts.Lease); err != nil && ctx.Err() == nil {
			e.log.Debug("forgetting old replicas failed", "err", err)
		}
	}
	return cur
}

// elect asks for the lease once.
func (e *Elector) elect(ctx context.Context, cur *term, lead func(context.Context)) *term {
	rctx, cancel := context.WithTimeout(ctx, e.opts.Lease/3)
	defer cancel()
	sent := e.opts.Clock()
	l, err := e.st.TryLease(rctx, LeaseName, e.self.ID, e.opts.Lease)
	if err != nil {
		if ctx.Err() == nil {
			e.errs.Inc()
			e.note(err)
		}
		// A term runs on to its local deadline: the lease may well
		// still be ours in the database.
		return cur
	}
	e.note(nil)
	if l.Holder != e.self.ID {
		if cur != nil {
			e.end(cur, fmt.Sprintf("replica %s holds the lease", l.Holder))
		}
		return nil
	}
	if cur != nil && cur.token != l.Token {
		// The term lapsed in the database and a new one began (this
		// process was paused past its lease): what runs belongs to the
		// old token.
		e.end(cur, "term lapsed")
		cur = nil
	}
	e.until.Store(sent.Add(e.opts.Lease).UnixNano())
	if cur == nil {
		cur = e.begin(ctx, l, lead)
	}
	return cur
}

// ended reports whether the term's work has returned.
func ended(t *term) bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// begin starts a term of token l.Token: lead runs until the term ends.
func (e *Elector) begin(ctx context.Context, l store.Lease, lead func(context.Context)) *term {
	tctx, cancel := context.WithCancel(ctx)
	t := &term{token: l.Token, cancel: cancel, done: make(chan struct{})}
	e.token.Store(l.Token)
	e.leading.Set(1)
	e.terms.Inc()
	e.log.Info("leading: this replica evaluates", "replica", e.self.ID, "token", l.Token)
	go e.watch(tctx, t)
	go func() {
		defer close(t.done)
		lead(tctx)
	}()
	return t
}

// watch ends the term's context at its local deadline unless a renewal
// moves the deadline on first.
func (e *Elector) watch(ctx context.Context, t *term) {
	for {
		left := time.Duration(e.until.Load() - e.opts.Clock().UnixNano())
		if left <= 0 || e.token.Load() != t.token {
			t.cancel()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(left):
		}
	}
}

// end stops the term and waits for its work to return.
func (e *Elector) end(t *term, why string) {
	e.token.Store(0)
	e.leading.Set(0)
	t.cancel()
	<-t.done
	e.log.Warn("no longer leading", "replica", e.self.ID, "token", t.token, "why", why)
}

// note records the outcome of a request to the store, logging when the
// store is lost and found again.
func (e *Elector) note(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case err == nil && e.lastErr != nil:
		e.log.Info("cluster store reachable again")
	case err != nil && e.lastErr == nil:
		e.log.Error("cluster store unreachable; serving from memory, audited writes answer 503", "err", err)
	}
	e.lastErr = err
	if err == nil {
		e.contact = e.opts.Clock()
	}
}

// Status reads the lease and the members from the store. When the store
// cannot be read, it says so in StoreError and lists this replica alone,
// with what it last knew.
func (e *Elector) Status(ctx context.Context) Status {
	s := Status{Backend: "postgres", Self: e.self.ID, Lease: e.opts.Lease}
	l, lerr := e.st.ReadLease(ctx, LeaseName)
	ms, now, merr := e.st.Members(ctx)
	if err := errors.Join(ignoreNotFound(lerr), merr); err != nil {
		e.mu.Lock()
		contact := e.contact
		e.mu.Unlock()
		s.StoreError = err.Error()
		me := Replica{Member: e.self, Self: true, Leader: e.Leader()}
		me.SeenAt = contact
		s.Replicas = []Replica{me}
		if me.Leader {
			s.Leader, s.Token = e.self.ID, e.token.Load()
		}
		return s
	}
	s.Now = now
	if lerr == nil && l.ExpiresAt.After(now) {
		s.Leader, s.Token = l.Holder, l.Token
		s.LeaseAge = now.Sub(l.AcquiredAt)
		s.ExpiresIn = l.ExpiresAt.Sub(now)
	}
	for _, m := range ms {
		s.Replicas = append(s.Replicas, Replica{
			Member:  m,
			Self:    m.ID == e.self.ID,
			Leader:  m.ID == s.Leader,
			Healthy: now.Sub(m.SeenAt) <= e.opts.Lease,
		})
	}
	return s
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
