package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// BenchmarkFollow is one follower round over 1,000 services of 3 SLOs
// each: what every replica but the leader spends per --follow-interval.
func BenchmarkFollow(b *testing.B) {
	ctx := context.Background()
	st := openStore(b)
	var specs []slo.Spec
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for i := range 1000 {
		name := fmt.Sprintf("svc%04d", i)
		sp := specOf(name, eventsSLO("Availability", "availability", name), eventsSLO("Latency", "latency", name+"_slow"), eventsSLO("Errors", "errors", name+"_5xx"))
		specs = append(specs, sp)
		state := freshState(sp)
		for j, o := range sp.SLOs {
			state.SLOs[j] = slo.StatusOf(o, sp.Policy, at, slo.Counts{Errors: 500, Total: 1e6}, map[time.Duration]float64{5 * time.Minute: 1, time.Hour: 2, 6 * time.Hour: 1.5, 24 * time.Hour: 1, 72 * time.Hour: 0.9})
		}
		data, err := json.Marshal(recordOf(state))
		if err != nil {
			b.Fatal(err)
		}
		if err := st.SaveServiceEvaluation(ctx, name, at, nil, data); err != nil {
			b.Fatal(err)
		}
	}
	e := New(specs, nil, st, quiet, Options{})
	b.ResetTimer()
	for range b.N {
		if err := e.Follow(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
