package backtest

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
)

// BenchmarkRun30Days replays one 30d SLO over 30 days at 5-minute steps
// (8,641 steps) from buckets laid out as a ledger holds them, hourly
// then 5-minute ones (the last 8 days here, more than a ledger's 3, so
// more to sum), with a burst of bad events every 7 hours. The windows of
// the first steps reach back past the buckets, as a ledger's do.
func BenchmarkRun30Days(b *testing.B) {
	sp := spec(b, "99.9%")
	s := series(func(m time.Time) float64 {
		if m.Unix()%(7*3600) < 1800 {
			return 40
		}
		return 0.5
	})
	// series covers t0-32d..t0+4d; replay the last 30 days of it.
	to := t0.Add(4*day - ledger.Fine)
	in := Input{Spec: sp, Series: []Series{s}, From: to.Add(-30 * day), To: to, Step: ledger.Fine}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(in); err != nil {
			b.Fatal(err)
		}
	}
}
