package cluster

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// leaseTable is the lease semantics of the store, in memory, for the
// elector's own logic; internal/store tests the real thing on SQLite and
// PostgreSQL, and test/ha the whole on processes.
type leaseTable struct {
	mu      sync.Mutex
	lease   store.Lease
	members map[string]store.Member
}

func (t *leaseTable) TryLease(_ context.Context, name, holder string, ttl time.Duration) (store.Lease, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	l := &t.lease
	switch {
	case l.Holder == holder && now.Before(l.ExpiresAt):
		l.RenewedAt, l.ExpiresAt = now, now.Add(ttl)
	case l.Holder == "" || !now.Before(l.ExpiresAt):
		*l = store.Lease{Name: name, Holder: holder, Token: l.Token + 1, AcquiredAt: now, RenewedAt: now, ExpiresAt: now.Add(ttl)}
	}
	out := *l
	out.Now = now
	return out, nil
}

func (t *leaseTable) ReleaseLease(_ context.Context, _, holder string, token int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lease.Holder == holder && t.lease.Token == token {
		t.lease.ExpiresAt = time.Now()
	}
	return nil
}

func (t *leaseTable) ReadLease(context.Context, string) (store.Lease, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lease.Holder == "" {
		return store.Lease{}, store.ErrNotFound
	}
	out := t.lease
	out.Now = time.Now()
	return out, nil
}

func (t *leaseTable) Heartbeat(_ context.Context, m store.Member) (time.Time, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.members == nil {
		t.members = map[string]store.Member{}
	}
	m.SeenAt = time.Now()
	t.members[m.ID] = m
	return m.SeenAt, nil
}

func (t *leaseTable) Members(context.Context) ([]store.Member, time.Time, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []store.Member
	for _, m := range t.members {
		out = append(out, m)
	}
	return out, time.Now(), nil
}

func (t *leaseTable) ForgetMembers(context.Context, time.Duration) (int64, error) { return 0, nil }

// link is one replica's connection to the table; cut makes every call
// fail, as a lost database connection does.
type link struct {
	*leaseTable
	cut atomic.Bool
}

var errCut = errors.New("connection refused")

func (l *link) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (store.Lease, error) {
	if l.cut.Load() {
		return store.Lease{}, errCut
	}
	return l.leaseTable.TryLease(ctx, name, holder, ttl)
}

func (l *link) Heartbeat(ctx context.Context, m store.Member) (time.Time, error) {
	if l.cut.Load() {
		return time.Time{}, errCut
	}
	return l.leaseTable.Heartbeat(ctx, m)
}

// replica runs one elector whose lead records its terms.
type replica struct {
	el     *Elector
	link   *link
	terms  chan int64 // token of each term begun
	ended  chan int64 // token of each term whose work returned
	cancel context.CancelFunc
	done   chan struct{}
}

const testLease = 300 * time.Millisecond

func startReplica(t *testing.T, table *leaseTable, id string) *replica {
	t.Helper()
	r := &replica{link: &link{leaseTable: table}, terms: make(chan int64, 16), ended: make(chan int64, 16), done: make(chan struct{})}
	r.el = New(r.link, store.Member{ID: id}, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Lease: testLease})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		r.el.Run(ctx, func(ctx context.Context) {
			tok := r.el.Token()
			r.terms <- tok
			<-ctx.Done()
			r.ended <- tok
		})
	}()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) stop() {
	r.cancel()
	<-r.done
}

func receive(t *testing.T, ch chan int64, what string) int64 {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5s", what)
		return 0
	}
}

func TestOneOfTwoLeads(t *testing.T) {
	table := &leaseTable{}
	a := startReplica(t, table, "a")
	first := receive(t, a.terms, "term of a")
	b := startReplica(t, table, "b")
	// b asks several times while a renews: it never leads.
	time.Sleep(3 * testLease)
	select {
	case tok := <-b.terms:
		t.Fatalf("b led (token %d) while a held the lease", tok)
	default:
	}
	if first != 1 || !a.el.Leader() || b.el.Leader() || a.el.Token() != 1 || b.el.Token() != 0 {
		t.Fatalf("a leads with token %d (%v, %d), b (%v, %d); want a alone with token 1", first, a.el.Leader(), a.el.Token(), b.el.Leader(), b.el.Token())
	}
}

func TestCutLeaderStepsDownAndTheOtherTakesOver(t *testing.T) {
	table := &leaseTable{}
	a := startReplica(t, table, "a")
	receive(t, a.terms, "term of a")
	b := startReplica(t, table, "b")
	a.link.cut.Store(true)
	// a cannot renew: its work ends at its local deadline, before the
	// lease lapses in the table, and b's term is a new one.
	if tok := receive(t, a.ended, "end of a's term"); tok != 1 {
		t.Fatalf("a's ended term has token %d, want 1", tok)
	}
	if a.el.Leader() || a.el.Token() != 0 {
		t.Fatalf("a still claims to lead after its deadline")
	}
	if tok := receive(t, b.terms, "term of b"); tok != 2 {
		t.Fatalf("b's term has token %d, want 2", tok)
	}
	// a's link comes back: a follows, b leads on.
	a.link.cut.Store(false)
	time.Sleep(2 * testLease)
	if a.el.Leader() || !b.el.Leader() {
		t.Fatalf("after the link returned: a leads %v, b leads %v; want b alone", a.el.Leader(), b.el.Leader())
	}
}

func TestStoppedLeaderReleasesTheLease(t *testing.T) {
	table := &leaseTable{}
	a := startReplica(t, table, "a")
	receive(t, a.terms, "term of a")
	b := startReplica(t, table, "b")
	a.stop()
	if tok := receive(t, a.ended, "end of a's term"); tok != 1 {
		t.Fatalf("a's ended term has token %d, want 1", tok)
	}
	table.mu.Lock()
	released := !time.Now().Before(table.lease.ExpiresAt)
	table.mu.Unlock()
	if !released && !b.el.Leader() {
		t.Fatal("a stopped without releasing the lease")
	}
	if tok := receive(t, b.terms, "term of b"); tok != 2 {
		t.Fatalf("b's term has token %d, want 2", tok)
	}
}

func TestStatusNamesTheLeader(t *testing.T) {
	table := &leaseTable{}
	a := startReplica(t, table, "a")
	receive(t, a.terms, "term of a")
	b := startReplica(t, table, "b")
	time.Sleep(testLease)
	st := b.el.Status(context.Background())
	if st.Leader != "a" || st.Token != 1 || st.Self != "b" || len(st.Replicas) != 2 || st.StoreError != "" {
		t.Fatalf("status %+v; want leader a with token 1, two replicas, seen by b", st)
	}
	for _, r := range st.Replicas {
		if r.Leader != (r.ID == "a") || r.Self != (r.ID == "b") || !r.Healthy {
			t.Errorf("replica %+v: leader/self/healthy wrong", r)
		}
	}
}
