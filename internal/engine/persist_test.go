package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/slo"
)

// refusingStore fails SaveServiceEvaluation while refuse is set and passes
// everything else to a real SQLite store.
type refusingStore struct {
	Store
	mu     sync.Mutex
	refuse bool
}

func (r *refusingStore) SaveServiceEvaluation(ctx context.Context, service string, at time.Time, slos []slo.Status, snap []byte) error {
	r.mu.Lock()
	refuse := r.refuse
	r.mu.Unlock()
	if refuse {
		return errors.New("database is locked")
	}
	return r.Store.SaveServiceEvaluation(ctx, service, at, slos, snap)
}

func (r *refusingStore) set(refuse bool) {
	r.mu.Lock()
	r.refuse = refuse
	r.mu.Unlock()
}

// cycles builds an engine over st (refusing writes) whose clock starts at
// t0, applies tune, and runs n evaluation cycles a minute apart; before
// cycle i, each(i) may change the store.
func cycles(t *testing.T, st *refusingStore, opts Options, tune func(*Engine), n int, each func(i int)) *Engine {
	t.Helper()
	src := newConstSource(t, map[string]float64{"checkout_errors_total": 0.01, "checkout_requests_total": 10})
	clock := t0
	opts.Clock = func() time.Time { return clock }
	e := New([]slo.Spec{testSpec()}, src, st, quiet, opts)
	if tune != nil {
		tune(e)
	}
	for i := 0; i < n; i++ {
		if each != nil {
			each(i)
		}
		clock = t0.Add(time.Duration(i) * time.Minute)
		e.EvaluateOnce(context.Background())
	}
	return e
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestStoreOutageLeavesNoGapInHistory(t *testing.T) {
	real := openStore(t)
	st := &refusingStore{Store: real, refuse: true}
	// Two cycles while the store refuses, then one after it recovers.
	e := cycles(t, st, Options{}, nil, 3, func(i int) { st.set(i < 2) })
	pts, err := real.History(context.Background(), "checkout", "availability", t0.Add(-time.Hour), t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 3 {
		t.Fatalf("history has %d points, want 3 (two replayed, one fresh)", len(pts))
	}
	for i, p := range pts {
		if want := t0.Add(time.Duration(i) * time.Minute); !p.At.Equal(want) {
			t.Errorf("point %d at %v, want %v", i, p.At, want)
		}
	}
	if n := len(e.writes.pending); n != 0 {
		t.Errorf("%d writes still pending", n)
	}
}

func TestWritesThatNeverLandAreDeadLettered(t *testing.T) {
	dead := filepath.Join(t.TempDir(), "slod.db.deadletter.jsonl")
	// Cycle 1 queues A (1 attempt). Cycle 2 retries A (2), queues B.
	// Cycle 3 retries A (3 = max: dead-lettered), then B (2), queues C.
	// Cycle 4 retries B (3: dead-lettered), C (2), queues D.
	e := cycles(t, &refusingStore{Store: openStore(t), refuse: true}, Options{DeadLetterPath: dead},
		func(e *Engine) { e.writes.maxAttempts, e.writes.maxPending = 3, 2 }, 4, nil)
	f, err := os.Open(dead)
	if err != nil {
		t.Fatalf("no dead-letter file: %v", err)
	}
	defer f.Close()
	var got []pendingWrite
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p pendingWrite
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("dead letter is not JSON: %v", err)
		}
		got = append(got, p)
	}
	// The first cycle at 12:00 measures the 30-day period whole while the
	// history loads: 2,592,000s at 10/s, 25,920,000.
	if len(got) != 2 || !got[0].At.Equal(t0) || !got[1].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("dead letters = %+v, want the evaluations of minute 0 and 1", got)
	}
	var rec snapshotRecord
	if err := json.Unmarshal(got[0].Snapshot, &rec); err != nil {
		t.Fatalf("dead letter's snapshot is not a record: %v", err)
	}
	if got[0].Service != "checkout" || got[0].Attempts != 3 || got[0].LastError != "database is locked" ||
		rec.Version != recordVersion || len(rec.SLOs) != 1 || !rec.SLOs[0].EvaluatedAt.Equal(t0) || !approx(rec.SLOs[0].Total, 25_920_000) {
		t.Errorf("dead letter lacks what a replay needs: %+v, record %+v", got[0], rec)
	}
	if n := len(e.writes.pending); n != 2 {
		t.Errorf("pending = %d, want 2 (C and D)", n)
	}
}

func TestFullWriteQueueDeadLettersTheOldest(t *testing.T) {
	dead := filepath.Join(t.TempDir(), "dead.jsonl")
	e := cycles(t, &refusingStore{Store: openStore(t), refuse: true}, Options{DeadLetterPath: dead},
		func(e *Engine) { e.writes.maxPending = 2 }, 3, nil)
	data, err := os.ReadFile(dead)
	if err != nil {
		t.Fatal(err)
	}
	var p pendingWrite
	if err := json.Unmarshal(data, &p); err != nil || !p.At.Equal(t0) {
		t.Fatalf("dead letter = %s (%v), want exactly the oldest evaluation", data, err)
	}
	if n := len(e.writes.pending); n != 2 || !e.writes.pending[0].At.Equal(t0.Add(time.Minute)) {
		t.Errorf("pending = %d starting %v, want minutes 1 and 2", n, e.writes.pending[0].At)
	}
}

// An evaluation the dead-letter file will not take either (here the path
// is a folder, as a full disk would refuse it) is counted as lost, not as
// dead-lettered.
func TestDeadLetterThatCannotBeWrittenIsCountedLost(t *testing.T) {
	reg := prometheus.NewRegistry()
	dead := t.TempDir() // a folder: appending to it fails
	cycles(t, &refusingStore{Store: openStore(t), refuse: true}, Options{DeadLetterPath: dead, Registerer: reg},
		func(e *Engine) { e.writes.maxPending = 1 }, 3, nil)
	// Three evaluations, room for one pending: two pushed out, both lost.
	if lost, dead := counterValue(t, reg, "slod_store_lost_writes_total"), counterValue(t, reg, "slod_store_dead_letters_total"); lost != 2 || dead != 0 {
		t.Errorf("lost = %v, dead-lettered = %v; want 2 and 0", lost, dead)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
