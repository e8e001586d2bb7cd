package policy

import (
	"testing"

	"github.com/slo-dev/slo/internal/slo"
)

// BenchmarkDecide measures the gate decision alone, the part of every
// can-deploy request that is not I/O: three SLOs, one over a threshold and
// one burning fast.
func BenchmarkDecide(b *testing.B) {
	in := input(slo.PriorityNormal,
		measured("availability", 0.8),
		withConditions(measured("latency", 0.2), page1h(20, 18), ticket1d(4, 3)),
		measured("jobs", 0.1),
	)
	b.ReportAllocs()
	for b.Loop() {
		if r := Decide(in); r.Allowed {
			b.Fatal("a fast burn over a limited budget must deny")
		}
	}
}
