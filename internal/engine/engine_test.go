package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

const day = 24 * time.Hour

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The SLOs of these tests count events of their own metrics, so that a
// constSource can give each its own rate.
func eventsSLO(name, slug, metric string) slo.SLO {
	return slo.SLO{Name: name, Slug: slug, Target: 0.999, Window: 30 * day,
		SLI: slo.SLI{Events: &slo.EventsSLI{
			Errors: `sum(rate(` + metric + `_errors_total[{{.window}}]))`,
			Total:  `sum(rate(` + metric + `_requests_total[{{.window}}]))`,
		}}}
}

func availability() slo.SLO { return eventsSLO("Availability", "availability", "checkout") }

func specOf(service string, slos ...slo.SLO) slo.Spec {
	return slo.Spec{Service: service, File: service + ".yaml", SLOs: slos,
		Policy: slo.Policy{MinEvents: 100, MaxStaleness: 10 * time.Minute, OnMissingData: slo.OnMissingDeny}}
}

func testSpec() slo.Spec { return specOf("checkout", availability()) }

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "slod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A 30d window with 1,000,000 requests and 500 errors at 99.9%: budget
// 1,000 events, half used; the 1h window burns 2x (0.2% errors / 0.1%).
func halfUsed() slo.Measurement {
	return slo.Measurement{
		Period:       slo.Counts{Errors: 500, Total: 1_000_000},
		PeriodLength: 30 * day,
		Windows: map[time.Duration]slo.Counts{
			5 * time.Minute: {Errors: 0, Total: 1000},
			time.Hour:       {Errors: 24, Total: 12000},
		},
	}
}

func TestStatusFromWorkedNumbers(t *testing.T) {
	m := halfUsed()
	m.At = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	st := slo.StatusFrom(availability(), testSpec().Policy, m)
	if math.Abs(st.Budget.Consumed-0.5) > 1e-9 || math.Abs(st.Budget.RemainingEvents-500) > 1e-6 {
		t.Errorf("budget = %+v, want consumed 0.5 and 500 events left", st.Budget)
	}
	if math.Abs(st.BurnRates["1h"]-2) > 1e-9 || st.BurnRates["5m"] != 0 {
		t.Errorf("burn rates = %v, want 1h:2 5m:0", st.BurnRates)
	}
	if _, ok := st.BurnRates["6h"]; ok {
		t.Error("a window without data must be absent, not zero")
	}
	// Half of 30d left at 2x: 0.5*30d/2 = 7.5d.
	if st.ExhaustionSeconds == nil || math.Abs(*st.ExhaustionSeconds-7.5*86400) > 1 {
		t.Errorf("exhaustion = %v, want 648000s", st.ExhaustionSeconds)
	}
	if len(st.Conditions) != 4 || st.Conditions[0].Firing {
		t.Errorf("conditions = %+v, want 4, page 1h not firing", st.Conditions)
	}
}

func TestFailedSLOKeepsLastKnownGoodAndPersists(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	// 0.005 errors of 10 requests a second: 0.05% of the 0.1% budget,
	// half of it used whatever the window.
	src := newConstSource(t, map[string]float64{"checkout_errors_total": 0.005, "checkout_requests_total": 10})
	clk := &clock{t: at0}
	e := New([]slo.Spec{testSpec()}, src, st, quiet, Options{Clock: clk.now})
	if e.Snapshot().Ready {
		t.Fatal("ready before any evaluation")
	}
	e.EvaluateOnce(ctx)
	backfillAll(t, e)
	good := at0.Add(time.Minute)
	clk.set(good)
	e.EvaluateOnce(ctx)
	got := e.Snapshot().Services["checkout"]
	if got.Stale || !got.EvaluatedAt().Equal(good) || !e.Snapshot().Ready {
		t.Fatalf("after success: stale=%v evaluated=%v ready=%v", got.Stale, got.EvaluatedAt(), e.Snapshot().Ready)
	}
	// 30d = 2,592,000s: 12,960 errors of 25,920,000.
	want := got.SLOs[0]
	checkCounts(t, "after success", want.Counts, 12_960, 25_920_000)
	if !approx(want.Budget.Consumed, 0.5) {
		t.Fatalf("consumed %v, want 0.5", want.Budget.Consumed)
	}

	src.set(func(s *constSource) { s.down = errors.New("prometheus circuit open") })
	clk.set(at0.Add(2 * time.Minute))
	e.EvaluateOnce(ctx)
	got = e.Snapshot().Services["checkout"]
	s0 := got.SLOs[0]
	if !got.Stale || !got.EvaluatedAt().Equal(good) || !strings.Contains(s0.Error, "prometheus circuit open") || !strings.Contains(got.LastError, "circuit open") {
		t.Fatalf("after failure: stale=%v evaluated=%v error=%q last=%q; want stale, old time, the error", got.Stale, got.EvaluatedAt(), s0.Error, got.LastError)
	}
	if s0.Counts != want.Counts || s0.Budget != want.Budget {
		t.Errorf("last known good lost: %+v %+v, want %+v %+v", s0.Counts, s0.Budget, want.Counts, want.Budget)
	}

	// A second failure keeps when the run of failures began.
	clk.set(at0.Add(3 * time.Minute))
	e.EvaluateOnce(ctx)
	s0 = e.Snapshot().Services["checkout"].SLOs[0]
	if !s0.Stale || s0.NoSeries || !s0.ErrorSince.Equal(at0.Add(2*time.Minute)) || !s0.EvaluatedAt.Equal(good) {
		t.Errorf("second failure: stale=%v no_series=%v error_since=%v evaluated=%v; want true, false, %v, %v",
			s0.Stale, s0.NoSeries, s0.ErrorSince, s0.EvaluatedAt, at0.Add(2*time.Minute), good)
	}

	// A restarted engine restores the snapshot, stale until re-measured.
	e2 := New([]slo.Spec{testSpec()}, src, st, quiet, Options{Clock: clk.now})
	if err := e2.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	r := e2.Snapshot().Services["checkout"]
	if !e2.Snapshot().Ready || !r.Stale || !r.SLOs[0].Stale || !r.EvaluatedAt().Equal(good) || r.SLOs[0].Counts != want.Counts || !approx(r.SLOs[0].Budget.Consumed, 0.5) {
		t.Errorf("restored: ready=%v stale=%v slo stale=%v at=%v counts=%+v consumed=%v", e2.Snapshot().Ready, r.Stale, r.SLOs[0].Stale, r.EvaluatedAt(), r.SLOs[0].Counts, r.SLOs[0].Budget.Consumed)
	}
	if r.SLOs[0].Error == "" || !r.SLOs[0].ErrorSince.Equal(at0.Add(2*time.Minute)) {
		t.Errorf("restored failure record: error %q since %v", r.SLOs[0].Error, r.SLOs[0].ErrorSince)
	}
	// The history holds exactly the two successful evaluations.
	pts, err := st.History(ctx, "checkout", "availability", at0.Add(-time.Hour), at0.Add(time.Hour), 10)
	if err != nil || len(pts) != 2 || !pts[0].At.Equal(at0) || !pts[1].At.Equal(good) {
		t.Errorf("history = %+v, %v; want the evaluations at %v and %v", pts, err, at0, good)
	}
	// Measured again, the SLO is fresh and its failure record cleared.
	src.set(func(s *constSource) { s.down = nil })
	clk.set(at0.Add(4 * time.Minute))
	e2.EvaluateOnce(ctx)
	s := e2.Snapshot().Services["checkout"].SLOs[0]
	if s.Stale || s.Error != "" || !s.ErrorSince.IsZero() || s.NoSeries {
		t.Errorf("re-measured: stale=%v error=%q since=%v no_series=%v; want all cleared", s.Stale, s.Error, s.ErrorSince, s.NoSeries)
	}
	checkCounts(t, "re-measured after restart", s.Counts, 12_960, 25_920_000)
}

func TestReloadKeepsPreviousSpecOfBrokenFile(t *testing.T) {
	st := openStore(t)
	e := New([]slo.Spec{testSpec()}, newConstSource(t, nil), st, quiet, Options{})
	problems := []slo.Problem{{File: "checkout.yaml", Line: 4, Field: "slos[0].target", Message: "must be below 100%"}}
	e.Reload(nil, problems)
	got, ok := e.Snapshot().Services["checkout"]
	if !ok || len(got.ConfigProblems) != 1 || got.Spec.SLOs[0].Target != 0.999 {
		t.Fatalf("broken file: present=%v problems=%v", ok, got.ConfigProblems)
	}
	// Fixed file with a changed target: the new spec applies and old
	// numbers for the changed objective are dropped.
	fixed := testSpec()
	fixed.SLOs[0].Target = 0.995
	e.Reload([]slo.Spec{fixed}, nil)
	got = e.Snapshot().Services["checkout"]
	if len(got.ConfigProblems) != 0 || got.Spec.SLOs[0].Target != 0.995 {
		t.Fatalf("fixed file: problems=%v target=%v", got.ConfigProblems, got.Spec.SLOs[0].Target)
	}
	// File removed and no problems: the service goes.
	e.Reload(nil, nil)
	if _, ok := e.Snapshot().Services["checkout"]; ok {
		t.Error("service of a removed file is still present")
	}
	// A broken new file with no service yet is kept as an orphan problem.
	e.Reload(nil, []slo.Problem{{File: "new.yaml", Line: 1, Field: "service", Message: "required"}})
	if n := len(e.Snapshot().Orphans); n != 1 {
		t.Errorf("orphans = %d, want 1", n)
	}
}

func TestEvaluatedAtIsTheOldestSLO(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := ServiceState{SLOs: []slo.Status{{EvaluatedAt: t0.Add(time.Minute)}, {EvaluatedAt: t0}}}
	if got := s.EvaluatedAt(); !got.Equal(t0) {
		t.Errorf("EvaluatedAt = %v, want the oldest %v", got, t0)
	}
	s.SLOs = append(s.SLOs, slo.Status{})
	if !s.EvaluatedAt().IsZero() {
		t.Error("a never-measured SLO must make the service unevaluated")
	}
}

// A status rebuilt from its snapshot record equals the one evaluated, down
// to the alert windows and the time to exhaustion (the record keeps only
// counts, burn rates and times); a changed query starts unmeasured.
func TestSnapshotRecordRebuildsStatus(t *testing.T) {
	m := halfUsed()
	m.At = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	sp := testSpec()
	want := slo.StatusFrom(sp.SLOs[0], sp.Policy, m)
	st := ServiceState{Spec: sp, SLOs: []slo.Status{want}, LastAttempt: m.At}
	b, err := json.Marshal(recordOf(st))
	if err != nil {
		t.Fatal(err)
	}
	var rec snapshotRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	got := rec.statuses(sp, true)[0]
	if !got.Stale {
		t.Error("a rebuilt status must be stale until re-measured")
	}
	got.Stale = false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rebuilt status differs:\n got %+v\nwant %+v", got, want)
	}
	if got.Conditions[0].Long != time.Hour || got.Conditions[0].Short != 5*time.Minute {
		t.Errorf("first condition windows = %v/%v, want 1h/5m", got.Conditions[0].Long, got.Conditions[0].Short)
	}

	changed := testSpec()
	changed.SLOs[0].SLI.Events.Total = `sum(rate(checkout_requests_v2_total[{{.window}}]))`
	if s := rec.statuses(changed, true)[0]; !s.EvaluatedAt.IsZero() || s.Budget.Status != slo.StatusNoData {
		t.Errorf("after a query change: evaluated %v status %s; want unmeasured", s.EvaluatedAt, s.Budget.Status)
	}
}

// Orphan problems sort by file and line, keeping the loader's order on one
// line: a capped file's "and N more" trailer stays after the problems
// listed on its line.
func TestReloadKeepsOrderOfProblemsOnOneLine(t *testing.T) {
	e := New(nil, newConstSource(t, nil), openStore(t), quiet, Options{})
	listed := make([]slo.Problem, 0, 40)
	for i := range 40 {
		listed = append(listed, slo.Problem{File: "b.yaml", Line: 7, Field: fmt.Sprintf("k%d", i), Message: "unknown field"})
	}
	trailer := slo.Problem{File: "b.yaml", Line: 7, Message: "... and 10 more problems from this line on (only the first 50, by line, are listed)"}
	// Files arrive in any order; the sort must move them without
	// reordering one line's problems.
	in := append(append(listed, trailer), slo.Problem{File: "a.yaml", Line: 9, Message: "first file"})
	e.Reload(nil, in)
	got := e.Snapshot().Orphans
	if len(got) != 42 || got[0].File != "a.yaml" || got[41] != trailer {
		t.Fatalf("orphans = %+v, want a.yaml first and the trailer last", got)
	}
	for i := range 40 {
		if got[i+1].Field != fmt.Sprintf("k%d", i) {
			t.Errorf("orphan %d = %s, want k%d: the order on one line must hold", i+1, got[i+1].Field, i)
		}
	}
}

// A reload keeps an SLO's numbers only while its objective and queries
// are the same: a renamed SLO keeps them under its new name, an edited
// query or target starts unmeasured.
func TestReloadKeepsNumbersOnlyForTheSameFingerprint(t *testing.T) {
	sp := testSpec()
	m := halfUsed()
	m.At = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	measured := slo.StatusFrom(sp.SLOs[0], sp.Policy, m)
	saved := []slo.Status{measured}

	renamed := testSpec()
	renamed.SLOs[0].Name = "Checkout availability"
	got := mergeStatuses(renamed, sp, saved)[0]
	if !got.EvaluatedAt.Equal(m.At) || got.Name != "Checkout availability" || got.Counts != measured.Counts {
		t.Errorf("renamed: evaluated %v name %q counts %+v; want the measured numbers under the new name", got.EvaluatedAt, got.Name, got.Counts)
	}

	query := testSpec()
	query.SLOs[0].SLI.Events.Total = `sum(rate(checkout_requests_v2_total[{{.window}}]))`
	target := testSpec()
	target.SLOs[0].Target = 0.995
	for name, next := range map[string]slo.Spec{"query": query, "target": target} {
		got := mergeStatuses(next, sp, saved)[0]
		if !got.EvaluatedAt.IsZero() || got.Budget.Status != slo.StatusNoData {
			t.Errorf("%s changed: evaluated %v status %s; want unmeasured", name, got.EvaluatedAt, got.Budget.Status)
		}
	}
	if sameSLOs(sp, query) || !sameSLOs(sp, renamed) {
		t.Errorf("sameSLOs: query change same=%v, rename same=%v; want false, true", sameSLOs(sp, query), sameSLOs(sp, renamed))
	}
}
