package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

const lease = "evaluator"

// openShared opens n stores on one fresh database of b's kind, as n
// replicas would.
func openShared(t *testing.T, b backend, n int) []*Store {
	t.Helper()
	dsn := b.newDSN(t)
	out := make([]*Store, n)
	for i := range out {
		out[i] = openAt(t, dsn)
	}
	return out
}

func mustLease(t *testing.T, s *Store, holder string, ttl time.Duration) Lease {
	t.Helper()
	l, err := s.TryLease(context.Background(), lease, holder, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// waitExpiry sleeps until l has expired by the database clock.
func waitExpiry(t *testing.T, s *Store, l Lease) {
	t.Helper()
	for {
		cur, err := s.ReadLease(context.Background(), lease)
		if err != nil {
			t.Fatal(err)
		}
		if !cur.Now.Before(l.ExpiresAt) {
			return
		}
		time.Sleep(cur.ExpiresAt.Sub(cur.Now) + 5*time.Millisecond)
	}
}

func TestGrant(t *testing.T) {
	// Times in ms; the clock is at 1000 in every case.
	for _, c := range []struct {
		name   string
		cur    leaseRow
		holder string
		want   leaseRow
		ok     bool
	}{
		{"never held", leaseRow{now: 1000}, "a",
			leaseRow{holder: "a", token: 1, acquired: 1000, renewed: 1000, expires: 1300, now: 1000}, true},
		{"own, unexpired: renewed", leaseRow{holder: "a", token: 4, acquired: 500, renewed: 900, expires: 1100, now: 1000}, "a",
			leaseRow{holder: "a", token: 4, acquired: 500, renewed: 1000, expires: 1300, now: 1000}, true},
		{"own, expired: new term", leaseRow{holder: "a", token: 4, acquired: 500, renewed: 600, expires: 1000, now: 1000}, "a",
			leaseRow{holder: "a", token: 5, acquired: 1000, renewed: 1000, expires: 1300, now: 1000}, true},
		{"other's, expired: taken", leaseRow{holder: "b", token: 4, acquired: 500, renewed: 600, expires: 999, now: 1000}, "a",
			leaseRow{holder: "a", token: 5, acquired: 1000, renewed: 1000, expires: 1300, now: 1000}, true},
		{"other's, unexpired: refused", leaseRow{holder: "b", token: 4, acquired: 500, renewed: 900, expires: 1001, now: 1000}, "a",
			leaseRow{holder: "b", token: 4, acquired: 500, renewed: 900, expires: 1001, now: 1000}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := grant(c.cur, c.holder, 300)
			if got != c.want || ok != c.ok {
				t.Errorf("grant = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestLeaseOneHolder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		ss := openShared(t, b, 2)
		if _, err := ss[0].ReadLease(ctx, lease); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ReadLease before any TryLease = %v, want ErrNotFound", err)
		}
		a := mustLease(t, ss[0], "a", time.Hour)
		if a.Holder != "a" || a.Token != 1 || !a.AcquiredAt.Equal(a.Now) || a.ExpiresAt.Sub(a.RenewedAt) != time.Hour {
			t.Fatalf("first TryLease = %+v, want a's with token 1, acquired now, for 1h", a)
		}
		// The database clock is this machine's.
		if d := time.Since(a.Now); d < -time.Minute || d > time.Minute {
			t.Errorf("lease read at %v, %v from this machine's clock", a.Now, d)
		}
		got := mustLease(t, ss[1], "b", time.Hour)
		if got.Holder != "a" || got.Token != 1 || !got.AcquiredAt.Equal(a.AcquiredAt) {
			t.Errorf("b's TryLease = %+v, want a's term unchanged", got)
		}

		renewed := mustLease(t, ss[0], "a", 2*time.Hour)
		if renewed.Token != 1 || !renewed.AcquiredAt.Equal(a.AcquiredAt) || renewed.RenewedAt.Before(a.RenewedAt) ||
			renewed.ExpiresAt.Sub(renewed.RenewedAt) != 2*time.Hour {
			t.Errorf("renewal = %+v, want token 1, acquired at %v, renewed for 2h", renewed, a.AcquiredAt)
		}
		read, err := ss[1].ReadLease(ctx, lease)
		if err != nil {
			t.Fatal(err)
		}
		if read.Holder != "a" || read.Token != 1 || !read.ExpiresAt.Equal(renewed.ExpiresAt) {
			t.Errorf("ReadLease = %+v, want the renewal %+v", read, renewed)
		}
	})
}

func TestLeaseExpiryAndRelease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		ss := openShared(t, b, 2)
		a := mustLease(t, ss[0], "a", 300*time.Millisecond)
		waitExpiry(t, ss[1], a)
		got := mustLease(t, ss[1], "b", time.Hour)
		if got.Holder != "b" || got.Token != 2 || got.AcquiredAt.Before(a.ExpiresAt) {
			t.Fatalf("b's TryLease after a's expiry = %+v, want b's, token 2, from %v on", got, a.ExpiresAt)
		}
		// a's late renewal is refused: b's term runs.
		if l := mustLease(t, ss[0], "a", time.Hour); l.Holder != "b" || l.Token != 2 {
			t.Errorf("a's renewal after b took over = %+v, want b's term 2", l)
		}

		// Releasing with a stale token does nothing; with b's own, a
		// takes over at once.
		if err := ss[1].ReleaseLease(ctx, lease, "b", 1); err != nil {
			t.Fatal(err)
		}
		if l := mustLease(t, ss[0], "a", time.Hour); l.Holder != "b" {
			t.Fatalf("released with token 1, yet a got %+v", l)
		}
		if err := ss[1].ReleaseLease(ctx, lease, "b", 2); err != nil {
			t.Fatal(err)
		}
		if l := mustLease(t, ss[0], "a", time.Hour); l.Holder != "a" || l.Token != 3 {
			t.Errorf("a's TryLease after b's release = %+v, want a's, token 3", l)
		}
		// Releasing a lease one no longer holds is no error.
		if err := ss[1].ReleaseLease(ctx, lease, "b", 2); err != nil {
			t.Errorf("second release: %v", err)
		}
	})
}

// Replicas racing for a free lease: exactly one gets it, and every one
// sees that one's term 1.
func TestLeaseRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		const n = 8
		ss := openShared(t, b, n)
		got := make([]Lease, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				l, err := ss[i].TryLease(context.Background(), lease, fmt.Sprint("r", i), time.Hour)
				if err != nil {
					t.Error(err)
				}
				got[i] = l
			})
		}
		wg.Wait()
		winners := 0
		for i, l := range got {
			if l.Holder == fmt.Sprint("r", i) {
				winners++
			}
			if l.Holder != got[0].Holder || l.Token != 1 {
				t.Errorf("replica %d sees %+v; replica 0 sees holder %q; want one holder, token 1", i, l, got[0].Holder)
			}
		}
		if winners != 1 {
			t.Errorf("%d replicas hold the lease, want 1", winners)
		}
	})
}

func TestMembers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		beat := func(m Member) time.Time {
			t.Helper()
			at, err := s.Heartbeat(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
		// m.SeenAt is ignored: the database clock counts.
		beat(Member{ID: "b", URL: "http://10.0.0.2:8080", Version: "v1", StartedAt: t0, SeenAt: t0})
		seenA := beat(Member{ID: "a", URL: "http://10.0.0.1:8080", Version: "v1", StartedAt: t0})
		seenB := beat(Member{ID: "b", URL: "http://10.0.0.3:8080", Version: "v2", StartedAt: t0.Add(time.Minute)})
		ms, now, err := s.Members(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Member{
			{ID: "a", URL: "http://10.0.0.1:8080", Version: "v1", StartedAt: t0, SeenAt: seenA},
			{ID: "b", URL: "http://10.0.0.3:8080", Version: "v2", StartedAt: t0.Add(time.Minute), SeenAt: seenB},
		}
		if len(ms) != 2 || ms[0] != want[0] || ms[1] != want[1] {
			t.Errorf("Members = %+v, want %+v", ms, want)
		}
		if now.Before(seenB) || seenB.Before(seenA) || seenA.Before(t0) {
			t.Errorf("clock went back: a seen %v, b seen %v, read at %v", seenA, seenB, now)
		}

		// a falls silent; b beats on. Forgetting those unseen for
		// 500ms drops a (1s) only, as long as b's beat was under 500ms
		// ago.
		time.Sleep(time.Second)
		beat(Member{ID: "b", URL: "http://10.0.0.3:8080", Version: "v2", StartedAt: t0})
		n, err := s.ForgetMembers(ctx, 500*time.Millisecond)
		if err != nil || n != 1 {
			t.Fatalf("ForgetMembers = %d, %v; want 1", n, err)
		}
		if ms, _, err := s.Members(ctx); err != nil || len(ms) != 1 || ms[0].ID != "b" {
			t.Errorf("Members after forgetting = %+v, %v; want b only", ms, err)
		}
	})
}

// fenceOf installs a fence for holder on s whose token the test sets.
func fenceOf(s *Store, holder string) *atomic.Int64 {
	var token atomic.Int64
	s.SetFence(&Fence{Lease: lease, Holder: holder, Token: token.Load})
	return &token
}

// epochs lists the epoch of every evaluations row, oldest first.
func epochs(t *testing.T, s *Store) []int64 {
	return columnOf[int64](t, s, `SELECT epoch FROM evaluations ORDER BY evaluated_at, id`)
}

var evalSLOs = []slo.Status{{Slug: "availability"}, {Slug: "latency"}}

// fencedWrites are the leader's writes, each fenced, in an order in which
// each succeeds for a leader (the event comes before its deliveries).
var fencedWrites = []struct {
	name  string
	write func(context.Context, *Store) error
}{
	{"RecordNotifyState", func(ctx context.Context, s *Store) error {
		e := slo.Event{ID: "e1", Type: "budget_exhausted", Service: "checkout", At: t0, Severity: "page"}
		return s.RecordNotifyState(ctx, map[string][]byte{"checkout": []byte(`{}`)}, []slo.Event{e})
	}},
	{"RouteEvents", func(ctx context.Context, s *Store) error {
		_, err := s.RouteEvents(ctx, func(slo.Event) []string { return []string{"hook"} }, t0, 10)
		return err
	}},
	{"DeliveryFailed", func(ctx context.Context, s *Store) error { return s.DeliveryFailed(ctx, "e1", "hook", 1, t0, "x") }},
	{"Postpone", func(ctx context.Context, s *Store) error { return s.Postpone(ctx, "e1", "hook", t0) }},
	{"DeliverySent", func(ctx context.Context, s *Store) error { return s.DeliverySent(ctx, "e1", "hook", 2, t0) }},
	{"DeadLetter", func(ctx context.Context, s *Store) error { return s.DeadLetter(ctx, "e1", "hook", 3, "x", t0) }},
	{"SaveServiceEvaluation", func(ctx context.Context, s *Store) error {
		return s.SaveServiceEvaluation(ctx, "checkout", t0.Add(time.Hour), evalSLOs, []byte(`{}`))
	}},
	{"SaveBuckets", func(ctx context.Context, s *Store) error {
		return s.SaveBuckets(ctx, "fp", []ledger.Bucket{{Start: t0, Step: ledger.Fine, State: ledger.Known, Total: 1}})
	}},
	{"PruneBuckets", func(ctx context.Context, s *Store) error { _, err := s.PruneBuckets(ctx, nil); return err }},
	{"PruneHistory", func(ctx context.Context, s *Store) error { _, err := s.PruneHistory(ctx, t0); return err }},
	{"PruneDecisions", func(ctx context.Context, s *Store) error { _, err := s.PruneDecisions(ctx, t0); return err }},
	{"PruneEvents", func(ctx context.Context, s *Store) error { _, err := s.PruneEvents(ctx, t0); return err }},
}

// fencedWrite is the named one of fencedWrites.
func fencedWrite(name string) func(context.Context, *Store) error {
	for _, w := range fencedWrites {
		if w.name == name {
			return w.write
		}
	}
	panic("no fenced write " + name)
}

// A leader's writes carry its token; once another replica holds the lease
// they fail with ErrFenced and write nothing, while the new leader's
// succeed with its own token. Writes any replica serves are not fenced.
func TestFencing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		ss := openShared(t, b, 2)
		a, bb := ss[0], ss[1]
		tokenA, tokenB := fenceOf(a, "a"), fenceOf(bb, "b")

		// Before a holds anything (token 0), it may not write.
		if err := fencedWrite("SaveServiceEvaluation")(ctx, a); !errors.Is(err, ErrFenced) {
			t.Fatalf("write before taking the lease = %v, want ErrFenced", err)
		}
		la := mustLease(t, a, "a", time.Hour)
		tokenA.Store(la.Token)
		for _, w := range fencedWrites {
			if err := w.write(ctx, a); err != nil {
				t.Errorf("%s by the leader: %v", w.name, err)
			}
		}
		if got := epochs(t, a); len(got) != 2 || got[0] != 1 || got[1] != 1 {
			t.Errorf("epochs after a's write = %v, want [1 1] (two SLOs, term 1)", got)
		}

		// a renews for a moment, then goes silent (paused, say).
		la = mustLease(t, a, "a", 300*time.Millisecond)
		if la.Token != 1 {
			t.Fatalf("a's renewal has token %d, want 1", la.Token)
		}
		waitExpiry(t, bb, la)
		// Expired and not yet taken: a's writes fail already.
		if err := fencedWrite("PruneHistory")(ctx, a); !errors.Is(err, ErrFenced) {
			t.Errorf("write on an expired lease = %v, want ErrFenced", err)
		}
		lb := mustLease(t, bb, "b", time.Hour)
		tokenB.Store(lb.Token)
		if lb.Token != 2 {
			t.Fatalf("b's term = %d, want 2", lb.Token)
		}
		for _, w := range fencedWrites {
			if err := w.write(ctx, a); !errors.Is(err, ErrFenced) {
				t.Errorf("%s by the old leader = %v, want ErrFenced", w.name, err)
			}
		}
		if got := epochs(t, a); len(got) != 2 {
			t.Errorf("old leader wrote evaluations: epochs %v, want [1 1]", got)
		}
		if err := bb.SaveServiceEvaluation(ctx, "checkout", t0.Add(2*time.Hour), evalSLOs, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if got := epochs(t, a); len(got) != 4 || got[2] != 2 || got[3] != 2 {
			t.Errorf("epochs after b's write = %v, want [1 1 2 2]", got)
		}

		// Any replica serves these, leader or not.
		if _, err := a.RecordDecision(ctx, slo.DecisionRecord{At: t0, Service: "checkout", Decision: slo.Allow}); err != nil {
			t.Errorf("RecordDecision on a non-leader: %v", err)
		}
		o, err := a.CreateOverride(ctx, slo.Override{Service: "checkout", Actor: "ana", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
		if err != nil {
			t.Errorf("CreateOverride on a non-leader: %v", err)
		}
		if _, err := a.RevokeOverride(ctx, o.ID, "ana", t0.Add(time.Minute)); err != nil {
			t.Errorf("RevokeOverride on a non-leader: %v", err)
		}

		// Without a fence, writes work as on a single node, epoch 0.
		a.SetFence(nil)
		if err := a.SaveServiceEvaluation(ctx, "checkout", t0.Add(3*time.Hour), evalSLOs[:1], []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if got := epochs(t, a); len(got) != 5 || got[4] != 0 {
			t.Errorf("epochs after an unfenced write = %v, want [1 1 2 2 0]", got)
		}
	})
}

// A takeover waits for the fenced write in flight: the old term's write
// commits before the new term starts, never after, even when the lease
// expires while it runs.
func TestTakeoverWaitsForFencedWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		ss := openShared(t, b, 2)
		a, bb := ss[0], ss[1]
		tokenA := fenceOf(a, "a")
		la := mustLease(t, a, "a", 500*time.Millisecond)
		tokenA.Store(la.Token)

		checked := make(chan struct{})
		var committed atomic.Bool
		done := make(chan error)
		go func() {
			done <- a.fencedTx(ctx, la.Token, func(t *txn) error {
				close(checked)
				// Outlive the lease inside the fenced transaction.
				time.Sleep(700 * time.Millisecond)
				_, err := t.ExecContext(ctx, `INSERT INTO snapshots (service, evaluated_at, data) VALUES ('late', 0, '{}')`)
				committed.Store(true) // the commit follows at once
				return err
			})
		}()
		<-checked
		lb, err := bb.TryLease(ctx, lease, "b", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("fenced write: %v", err)
		}
		if !committed.Load() {
			t.Error("b took the lease while a's fenced write was in flight")
		}
		if lb.Holder != "b" || lb.Token != 2 || lb.AcquiredAt.Before(la.ExpiresAt) {
			t.Errorf("b's TryLease = %+v, want b's term 2 after a's expiry at %v", lb, la.ExpiresAt)
		}
	})
}

// The holder renews while its own fenced write is in flight, without
// waiting for it: a long write (a backfill's batch of buckets) must not
// make the leader miss its renewal and lose its term.
func TestRenewalDoesNotWaitForOwnFencedWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		if b.name == "sqlite" {
			t.Skip("SQLite serialises write transactions: a renewal waits for any write in flight, however short")
		}
		ctx := context.Background()
		a := openShared(t, b, 1)[0]
		tokenA := fenceOf(a, "a")
		la := mustLease(t, a, "a", time.Hour)
		tokenA.Store(la.Token)

		checked, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- a.fencedTx(ctx, la.Token, func(t *txn) error {
				close(checked)
				<-release
				_, err := t.ExecContext(ctx, `INSERT INTO snapshots (service, evaluated_at, data) VALUES ('long', 0, '{}')`)
				return err
			})
		}()
		<-checked
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		renewed, err := a.TryLease(rctx, lease, "a", time.Hour)
		cancel()
		close(release)
		if werr := <-done; werr != nil {
			t.Fatalf("fenced write: %v", werr)
		}
		if err != nil {
			t.Fatalf("renewal while the holder's fenced write was in flight: %v", err)
		}
		if renewed.Holder != "a" || renewed.Token != la.Token || renewed.ExpiresAt.Before(la.ExpiresAt) {
			t.Errorf("renewal = %+v, want a's term %d extended past %v", renewed, la.Token, la.ExpiresAt)
		}
	})
}
