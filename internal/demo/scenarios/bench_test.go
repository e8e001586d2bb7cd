package scenarios_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/promapi"
	"github.com/slo-dev/slo/internal/demo/scenarios"
)

// BenchmarkBackfill measures the bulk of slo-demo's startup: generating
// and backfilling the demo's 35 days of history.
func BenchmarkBackfill(b *testing.B) {
	traffic := scenarios.All(time.Now())
	var samples int
	for b.Loop() {
		st, err := promapi.Backfill(context.Background(), b.TempDir(), traffic, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		samples = st.Samples
	}
	b.ReportMetric(float64(samples), "samples/op")
}
