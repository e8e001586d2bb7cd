package store

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

func TestSaveServiceEvaluationRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		at := t0.Add(250 * time.Millisecond)
		page := burnrate.Window{Severity: burnrate.SeverityPage, Long: time.Hour, Short: 5 * time.Minute, BudgetShare: 0.02, Factor: 14.4}
		ticket := burnrate.Window{Severity: burnrate.SeverityTicket, Long: 24 * time.Hour, Short: 2 * time.Hour, BudgetShare: 0.1, Factor: 3}
		slos := []slo.Status{
			{
				Name: "Availability", Slug: "availability", Target: 0.999, Window: "30d",
				Counts: slo.Counts{Errors: 15000, Total: 1e7},
				Budget: slo.Budget{Status: slo.StatusExhausted, SLI: 0.9985, Consumed: 1.5, Remaining: -0.5,
					RemainingEvents: -5000, RemainingMinutes: -21.6},
				BurnRates: map[string]float64{"5m": 20, "1h": 15.5},
				Conditions: []burnrate.Condition{
					{Window: page, LongBurn: 15.5, ShortBurn: 20, Firing: true},
					{Window: ticket, LongBurn: 1.2, ShortBurn: 2, Firing: false},
				},
			},
			{
				Name: "Latency", Slug: "latency", Target: 0.99, Window: "7d",
				Budget: slo.Budget{Status: slo.StatusNoData, SLI: 1, Remaining: 1, RemainingMinutes: 100.8},
				Error:  "prometheus: timeout",
			},
		}
		snap := []byte(`{"service":"checkout","slos":[]}`)
		if err := s.SaveServiceEvaluation(ctx, "checkout", at, slos, snap); err != nil {
			t.Fatal(err)
		}

		got, err := s.History(ctx, "checkout", "availability", at, at, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []HistoryPoint{{
			At: at, Errors: 15000, Total: 1e7, SLI: 0.9985, Consumed: 1.5, Remaining: -0.5,
			RemainingEvents: -5000, RemainingMinutes: -21.6, Status: slo.StatusExhausted,
			BurnRates: map[string]float64{"5m": 20, "1h": 15.5},
			Firing:    []FiringCondition{{Severity: "page", Long: "1h", Short: "5m", Factor: 14.4, LongBurn: 15.5, ShortBurn: 20}},
		}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("availability history =\n%+v\nwant\n%+v", got, want)
		}

		got, err = s.History(ctx, "checkout", "latency", at, at, 10)
		if err != nil {
			t.Fatal(err)
		}
		want = []HistoryPoint{{
			At: at, SLI: 1, Remaining: 1, RemainingMinutes: 100.8, Status: slo.StatusNoData,
			BurnRates: map[string]float64{}, Firing: []FiringCondition{}, Error: "prometheus: timeout",
		}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("latency history =\n%+v\nwant\n%+v", got, want)
		}

		snaps, err := s.Snapshots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantSnaps := map[string]SnapshotRecord{"checkout": {EvaluatedAt: at, Data: snap}}
		if !reflect.DeepEqual(snaps, wantSnaps) {
			t.Errorf("Snapshots = %+v, want %+v", snaps, wantSnaps)
		}
	})
}

func TestSnapshotKeepsNewest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		for _, c := range []struct {
			at   time.Time
			data string
		}{
			{t0, `"first"`},
			{t0.Add(2 * time.Minute), `"newest"`},
			{t0.Add(time.Minute), `"older, saved late"`},
		} {
			if err := s.SaveServiceEvaluation(ctx, "checkout", c.at, nil, []byte(c.data)); err != nil {
				t.Fatal(err)
			}
		}
		snaps, err := s.Snapshots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := snaps["checkout"]; string(got.Data) != `"newest"` || !got.EvaluatedAt.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("snapshot = %s at %s, want \"newest\" at %s", got.Data, got.EvaluatedAt, t0.Add(2*time.Minute))
		}
	})
}

// TestSaveServiceEvaluationIsAtomic: a failing SLO row leaves neither the
// rows before it nor the snapshot behind.
func TestSaveServiceEvaluationIsAtomic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		slos := []slo.Status{
			{Slug: "ok", Budget: slo.Budget{Status: slo.StatusOK}},
			// SQLite stores NaN as NULL, which the NOT NULL column rejects.
			{Slug: "broken", Counts: slo.Counts{Errors: math.NaN(), Total: 1}},
		}
		if err := s.SaveServiceEvaluation(ctx, "checkout", t0, slos, []byte(`{}`)); err == nil {
			t.Fatal("saving a NaN count succeeded")
		}
		if err := s.SaveServiceEvaluation(ctx, "checkout", t0, nil, []byte(`{not json`)); err == nil {
			t.Fatal("saving an invalid snapshot succeeded")
		}
		hs, err := s.History(ctx, "checkout", "ok", t0, t0, 0)
		if err != nil {
			t.Fatal(err)
		}
		snaps, err := s.Snapshots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 0 || len(snaps) != 0 {
			t.Errorf("after failed saves: %d history rows, %d snapshots; want none", len(hs), len(snaps))
		}
	})
}

// minute returns the time of history row i in the downsampling tests.
func minute(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

func saveRows(t *testing.T, s *Store, service, slug string, n int) {
	t.Helper()
	for i := range n {
		st := slo.Status{Slug: slug, Counts: slo.Counts{Errors: float64(i), Total: 100}}
		if err := s.SaveServiceEvaluation(context.Background(), service, minute(i), []slo.Status{st}, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHistoryDownsampling(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		cases := []struct {
			rows, limit int
			want        []int // row indexes kept
		}{
			{10, 4, []int{0, 3, 6, 9}},        // step 9/3 = 3
			{10, 3, []int{0, 4, 9}},           // 0, floor(4.5), 9
			{7, 5, []int{0, 1, 3, 4, 6}},      // i*6/4: 0, 1.5, 3, 4.5, 6
			{11, 6, []int{0, 2, 4, 6, 8, 10}}, // step 2
			{10, 10, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
			{5, 20, []int{0, 1, 2, 3, 4}},
			{10, 1, []int{0, 9}}, // raised to 2: both ends
			{1, 4, []int{0}},
			{0, 4, []int{}},
		}
		for _, c := range cases {
			s := b.open(t)
			saveRows(t, s, "checkout", "availability", c.rows)
			// Rows of another SLO and service in the range must not count.
			saveRows(t, s, "checkout", "latency", 3)
			saveRows(t, s, "search", "availability", 3)

			got, err := s.History(context.Background(), "checkout", "availability", minute(0), minute(100), c.limit)
			if err != nil {
				t.Fatal(err)
			}
			gotIdx := []int{}
			for _, p := range got {
				gotIdx = append(gotIdx, int(p.Errors))
				if !p.At.Equal(minute(int(p.Errors))) {
					t.Errorf("row %v has time %s, want %s", p.Errors, p.At, minute(int(p.Errors)))
				}
			}
			if !reflect.DeepEqual(gotIdx, c.want) {
				t.Errorf("%d rows, limit %d: kept %v, want %v", c.rows, c.limit, gotIdx, c.want)
			}
		}
	})
}

// Without a limit History keeps every row.
func TestHistoryNoLimitKeepsAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		const n = 600
		saveRows(t, s, "checkout", "availability", n)
		got, err := s.History(context.Background(), "checkout", "availability", minute(0), minute(n), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n || got[0].Errors != 0 || got[n-1].Errors != n-1 {
			t.Errorf("%d rows without a limit: got %d, want all with rows 0 and %d", n, len(got), n-1)
		}
	})
}

func TestHistoryRangeIsInclusive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		saveRows(t, s, "checkout", "availability", 10)
		got, err := s.History(context.Background(), "checkout", "availability", minute(2), minute(5), 0)
		if err != nil {
			t.Fatal(err)
		}
		var idx []int
		for _, p := range got {
			idx = append(idx, int(p.Errors))
		}
		if want := []int{2, 3, 4, 5}; !reflect.DeepEqual(idx, want) {
			t.Errorf("rows in [2m, 5m] = %v, want %v", idx, want)
		}
	})
}

func TestPruneHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		saveRows(t, s, "checkout", "availability", 10)
		saveRows(t, s, "search", "availability", 3)

		// Rows at minutes 0..3 of both services: 4 + 3.
		n, err := s.PruneHistory(ctx, minute(4))
		if err != nil {
			t.Fatal(err)
		}
		if n != 7 {
			t.Errorf("pruned %d rows, want 7", n)
		}
		if n, err := s.PruneHistory(ctx, minute(4)); err != nil || n != 0 {
			t.Errorf("second prune = %d, %v; want 0", n, err)
		}
		left, err := s.History(ctx, "checkout", "availability", minute(0), minute(100), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 6 || left[0].Errors != 4 {
			t.Errorf("left %d rows starting at %v, want 6 from row 4", len(left), left)
		}
		snaps, err := s.Snapshots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 2 {
			t.Errorf("snapshots after prune = %d, want 2", len(snaps))
		}
	})
}
