package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Each retention prunes its own tables; zero keeps them.
func TestPrune(t *testing.T) {
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name                       string
		history, decisions         time.Duration
		wantHistory, wantDecisions int
	}{
		{"both", 90 * day, 400 * day, 1, 1},
		{"history only", 90 * day, 0, 1, 2},
		{"decisions only", 0, 400 * day, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(filepath.Join(t.TempDir(), "slod.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// One row of each kind inside both retentions, one outside both.
			for _, at := range []time.Time{now.Add(-500 * day), now.Add(-time.Hour)} {
				status := []slo.Status{{Slug: "availability", Counts: slo.Counts{Total: 100}}}
				if err := st.SaveServiceEvaluation(ctx, "checkout", at, status, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
				if _, err := st.RecordDecision(ctx, slo.DecisionRecord{At: at, Service: "checkout", Priority: slo.PriorityNormal, Decision: slo.Allow}); err != nil {
					t.Fatal(err)
				}
			}
			prune(ctx, st, Config{Retention: tc.history, DecisionRetention: tc.decisions}, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
			points, err := st.History(ctx, "checkout", "availability", now.Add(-600*day), now, 0)
			if err != nil {
				t.Fatal(err)
			}
			decisions, err := st.Decisions(ctx, slo.DecisionQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(points) != tc.wantHistory || len(decisions) != tc.wantDecisions {
				t.Errorf("%d history points and %d decisions left, want %d and %d", len(points), len(decisions), tc.wantHistory, tc.wantDecisions)
			}
		})
	}
}
