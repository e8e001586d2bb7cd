package engine

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/slo-dev/slo/internal/slo"
)

// A follower on the leader's store serves the leader's numbers as they
// are: fresh while the leader's are, stale with its error when the
// leader's attempt failed, and all stale once the store is gone.
func TestFollowerServesTheLeadersSnapshot(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	// 0.005 errors of 10 requests a second over 30d: 12,960 of
	// 25,920,000, half a 99.9% budget.
	src := newConstSource(t, map[string]float64{"checkout_errors_total": 0.005, "checkout_requests_total": 10})
	leader, clk := loaded(t, []slo.Spec{testSpec()}, src, st)
	reg := prometheus.NewRegistry()
	follower := New([]slo.Spec{testSpec()}, nil, st, quiet, Options{Clock: clk.now, Registerer: reg})
	if follower.Snapshot().Ready {
		t.Fatal("a follower that read nothing yet claims to be ready")
	}
	if err := follower.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	want := leader.Snapshot().Services["checkout"]
	got := follower.Snapshot().Services["checkout"]
	if !follower.Snapshot().Ready || got.Stale || got.SLOs[0].Stale || !got.LastAttempt.Equal(want.LastAttempt) {
		t.Fatalf("followed: ready=%v stale=%v/%v last attempt %v; want ready, fresh, %v", follower.Snapshot().Ready, got.Stale, got.SLOs[0].Stale, got.LastAttempt, want.LastAttempt)
	}
	checkCounts(t, "followed", got.SLOs[0].Counts, 12_960, 25_920_000)
	// The stale-evaluation alert reads the leader's success on every
	// replica.
	if v := testutil.ToFloat64(follower.metrics.lastSuccess.WithLabelValues("checkout")); v != float64(want.EvaluatedAt().Unix()) {
		t.Errorf("follower's last success %v, want the leader's %v", v, want.EvaluatedAt().Unix())
	}
	g, w := got.SLOs[0], want.SLOs[0]
	if g.Budget != w.Budget || !reflect.DeepEqual(g.BurnRates, w.BurnRates) || g.Coverage != w.Coverage || !g.EvaluatedAt.Equal(w.EvaluatedAt) ||
		!reflect.DeepEqual(got.Backfill, want.Backfill) || !reflect.DeepEqual(g.Conditions, w.Conditions) {
		t.Errorf("followed SLO differs from the leader's:\n got %+v backfill %v\nwant %+v backfill %v", g, got.Backfill, w, want.Backfill)
	}

	// The follower has no books of its own: its history is read from
	// the ledger the leader stored, and matches the leader's.
	from, to := clk.now().Add(-40*day), clk.now()
	lh, err := leader.History(ctx, "checkout", "availability", from, to, 1000)
	if err != nil {
		t.Fatal(err)
	}
	fh, err := follower.History(ctx, "checkout", "availability", from, to, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(lh) < 2 || len(fh) != len(lh) {
		t.Fatalf("history: follower %d points, leader %d; want the same, several", len(fh), len(lh))
	}
	for i := range lh {
		if !fh[i].EvaluatedAt.Equal(lh[i].EvaluatedAt) || fh[i].Counts != lh[i].Counts {
			t.Errorf("history point %d: follower %v %+v, leader %v %+v", i, fh[i].EvaluatedAt, fh[i].Counts, lh[i].EvaluatedAt, lh[i].Counts)
		}
	}

	// The leader's next attempt fails: the follower shows its last good
	// numbers, stale, with the leader's error.
	src.set(func(s *constSource) { s.down = errors.New("prometheus circuit open") })
	clk.set(clk.now().Add(time.Minute))
	leader.EvaluateOnce(ctx)
	if err := follower.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	got = follower.Snapshot().Services["checkout"]
	if !got.Stale || !got.SLOs[0].Stale || !strings.Contains(got.SLOs[0].Error, "circuit open") || !strings.Contains(got.LastError, "circuit open") || !got.SLOs[0].EvaluatedAt.Equal(w.EvaluatedAt) {
		t.Errorf("after the leader failed: stale=%v/%v error %q last %q evaluated %v; want stale, the leader's error, %v",
			got.Stale, got.SLOs[0].Stale, got.SLOs[0].Error, got.LastError, got.SLOs[0].EvaluatedAt, w.EvaluatedAt)
	}

	// Measured again by the leader: fresh again on the follower.
	src.set(func(s *constSource) { s.down = nil })
	clk.set(clk.now().Add(time.Minute))
	leader.EvaluateOnce(ctx)
	if err := follower.Follow(ctx); err != nil {
		t.Fatal(err)
	}
	if got = follower.Snapshot().Services["checkout"]; got.Stale || got.SLOs[0].Error != "" {
		t.Fatalf("re-measured: stale=%v error %q; want fresh", got.Stale, got.SLOs[0].Error)
	}

	// The store is gone: every number is the follower's last copy.
	st.Close()
	err = follower.Follow(ctx)
	got = follower.Snapshot().Services["checkout"]
	if err == nil || !got.Stale || !got.SLOs[0].Stale || got.LastError == "" {
		t.Errorf("store closed: err %v stale=%v/%v last error %q; want an error and every number stale", err, got.Stale, got.SLOs[0].Stale, got.LastError)
	}
	checkCounts(t, "kept after the store went", got.SLOs[0].Counts, 12_960, 25_920_000)
}
