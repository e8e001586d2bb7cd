package demo_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo"
	"github.com/slo-dev/slo/internal/demoprom"
)

// BenchmarkBackfill measures the bulk of slo-demo's startup: generating
// and backfilling the demo's 35 days of history.
func BenchmarkBackfill(b *testing.B) {
	scenarios := demo.Scenarios(time.Now())
	var samples int
	for b.Loop() {
		st, err := demoprom.Backfill(context.Background(), b.TempDir(), scenarios, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		samples = st.Samples
	}
	b.ReportMetric(float64(samples), "samples/op")
}
